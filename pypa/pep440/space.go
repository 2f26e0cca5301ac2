package pep440

import (
	"strings"
	"unicode"
)

// isPySpace reports whether r is whitespace for Python's str.isspace and
// for the \s of its re module on str patterns: Unicode White_Space plus
// the ASCII information separators U+001C..U+001F.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// trimPySpace strips Python whitespace from both ends of s, as str.strip()
// does.
func trimPySpace(s string) string {
	return strings.TrimFunc(s, isPySpace)
}
