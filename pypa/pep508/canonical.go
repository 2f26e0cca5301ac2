package pep508

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// canonicalName is packaging.utils.canonicalize_name applied to an arbitrary
// string (as marker values on the extra side of a comparison are): Python's
// str.lower, then every run of "-", "_" and "." replaced by one "-". For
// valid project and extra names it equals pep503.Normalize; it differs only
// in Python's special lower-casing of "İ" and of a word-final "Σ".
func canonicalName(s string) string {
	lower := pythonLower(s)
	var b strings.Builder
	inRun := false
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		if c == '-' || c == '_' || c == '.' {
			if !inRun {
				b.WriteByte('-')
			}
			inRun = true
			continue
		}
		inRun = false
		b.WriteByte(c)
	}
	return b.String()
}

// pythonLower is Python's str.lower: simple lower-case mappings, plus the
// two unconditional/contextual special cases of SpecialCasing.txt that
// Python applies (U+0130 becomes "i̇", and capital sigma at the end of a
// word becomes final sigma).
func pythonLower(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch r {
		case 'İ':
			b.WriteString("i\u0307")
		case 'Σ':
			if finalSigma(s, i) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma reports whether the capital sigma at byte offset i is preceded
// by a cased letter and not followed by one (skipping case-ignorable
// characters on both sides), the Final_Sigma condition of Unicode.
func finalSigma(s string, i int) bool {
	before := false
	for j := i; j > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:j])
		j -= size
		if caseIgnorable(r) {
			continue
		}
		before = cased(r)
		break
	}
	if !before {
		return false
	}
	for j := i + len("Σ"); j < len(s); {
		r, size := utf8.DecodeRuneInString(s[j:])
		j += size
		if caseIgnorable(r) {
			continue
		}
		return !cased(r)
	}
	return true
}

func cased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '^', '`', 0xb7, 0x2018, 0x2019, 0x2024, 0xfe52, 0xfe55, 0xff07, 0xff0e, 0xff1a:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
