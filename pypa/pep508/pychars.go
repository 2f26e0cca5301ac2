package pep508

import "unicode"

// isPySpace reports whether r is whitespace for Python's str.isspace and for
// \s in Python's re module on str patterns.
func isPySpace(r rune) bool {
	switch {
	case r >= '\t' && r <= '\r', r >= 0x1c && r <= 0x1f, r == ' ', r == 0x85, r == 0xa0,
		r == 0x1680, r >= 0x2000 && r <= 0x200a, r == 0x2028, r == 0x2029,
		r == 0x202f, r == 0x205f, r == 0x3000:
		return true
	}
	return false
}

// isPyWord reports whether r is a word character for \w and \b in Python's
// re module on str patterns: a letter, a number or an underscore.
func isPyWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}
