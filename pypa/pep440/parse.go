package pep440

import "fmt"

// Parse parses a PEP 440 version in any of the spellings packaging accepts:
// surrounding whitespace, a leading "v", an epoch ("1!"), pre-releases
// spelt a/alpha, b/beta, c/rc/pre/preview, post-releases spelt
// post/rev/r or "-N", dev releases, implicit numbers ("1.0a"), the
// separators '.', '-' and '_', upper or lower case, and a local label
// ("+ubuntu-1"). Numbers may have any size.
func Parse(s string) (Version, error) {
	v, reason := parseVersion(trimPySpace(s))
	if reason != "" {
		return Version{}, &VersionError{Input: s, Reason: reason}
	}
	return v, nil
}

// parseVersion parses a version with no surrounding whitespace. It
// follows packaging's VERSION_PATTERN, whose groups are possessive: each
// segment takes the longest spelling it can and never gives it back. It
// returns a non-empty reason when s is not a version.
func parseVersion(s string) (Version, string) {
	if s == "" {
		return Version{}, "empty string"
	}
	var v Version
	i := 0
	if s[i] == 'v' || s[i] == 'V' {
		i++
	}

	// Epoch: digits followed by '!'.
	if j := skipDigits(s, i); j > i && j < len(s) && s[j] == '!' {
		v.epoch = parseNum(s[i:j])
		i = j + 1
	}

	// Release: N(.N)*
	if !digitAt(s, i) {
		return Version{}, reasonAt(s, i, "a release number")
	}
	for {
		j := skipDigits(s, i)
		v.release = append(v.release, parseNum(s[i:j]))
		i = j
		if i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
			i++
			continue
		}
		break
	}

	// Pre-release: [._-]?(alpha|a|beta|b|preview|pre|c|rc)[._-]?N?
	j := skipSeparator(s, i)
	if kind, n := matchPreLabel(s, j); n > 0 {
		j = skipSeparator(s, j+n)
		k := skipDigits(s, j)
		v.pre, v.preN = kind, numOrZero(s[j:k])
		i = k
	}

	// Post-release: -N, or [._-]?(post|rev|r)[._-]?N?
	if i+1 < len(s) && s[i] == '-' && isDigit(s[i+1]) {
		k := skipDigits(s, i+1)
		v.hasPost, v.post = true, parseNum(s[i+1:k])
		i = k
	} else {
		j := skipSeparator(s, i)
		if n := matchWord(s, j, postLabels); n > 0 {
			j = skipSeparator(s, j+n)
			k := skipDigits(s, j)
			v.hasPost, v.post = true, numOrZero(s[j:k])
			i = k
		}
	}

	// Dev release: [._-]?dev[._-]?N?
	j = skipSeparator(s, i)
	if n := matchWord(s, j, devLabels); n > 0 {
		j = skipSeparator(s, j+n)
		k := skipDigits(s, j)
		v.hasDev, v.dev = true, numOrZero(s[j:k])
		i = k
	}

	// Local label: +[a-z0-9]+([._-][a-z0-9]+)*
	if i+1 < len(s) && s[i] == '+' && isAlnum(s[i+1]) {
		start := i + 1
		j := skipAlnum(s, start)
		for j+1 < len(s) && isSeparator(s[j]) && isAlnum(s[j+1]) {
			j = skipAlnum(s, j+1)
		}
		v.local = parseLocal(s[start:j])
		i = j
	}

	if i != len(s) {
		return Version{}, fmt.Sprintf("unexpected %q after %q", s[i:], s[:i])
	}
	return v, ""
}

// reasonAt describes what was wanted at s[i].
func reasonAt(s string, i int, want string) string {
	if i >= len(s) {
		return fmt.Sprintf("%s is missing after %q", want, s)
	}
	if i == 0 {
		return fmt.Sprintf("expected %s at the start, found %q", want, s)
	}
	return fmt.Sprintf("expected %s after %q, found %q", want, s[:i], s[i:])
}

var (
	preWords = []string{"alpha", "a", "beta", "b", "preview", "pre", "c", "rc"}
	preKinds = []preKind{preAlpha, preAlpha, preBeta, preBeta, preRC, preRC, preRC, preRC}

	postLabels = []string{"post", "rev", "r"}
	devLabels  = []string{"dev"}
)

// matchPreLabel returns the kind and length of the pre-release label at
// s[i], trying the spellings in packaging's order; n is 0 when there is
// none.
func matchPreLabel(s string, i int) (kind preKind, n int) {
	for k, w := range preWords {
		if hasPrefixFold(s[i:], w) {
			return preKinds[k], len(w)
		}
	}
	return preNone, 0
}

// matchWord returns the length of the first of words (lower case) that
// s[i:] starts with, ignoring ASCII case, or 0.
func matchWord(s string, i int, words []string) int {
	for _, w := range words {
		if hasPrefixFold(s[i:], w) {
			return len(w)
		}
	}
	return 0
}

// hasPrefixFold reports whether s starts with the lower-case ASCII word w,
// ignoring ASCII case only.
func hasPrefixFold(s, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}

func numOrZero(digits string) num {
	if digits == "" {
		return num{}
	}
	return parseNum(digits)
}

func isDigit(c byte) bool     { return '0' <= c && c <= '9' }
func isSeparator(c byte) bool { return c == '.' || c == '_' || c == '-' }
func isAlnum(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func digitAt(s string, i int) bool { return i < len(s) && isDigit(s[i]) }

func skipDigits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func skipAlnum(s string, i int) int {
	for i < len(s) && isAlnum(s[i]) {
		i++
	}
	return i
}

func skipSeparator(s string, i int) int {
	if i < len(s) && isSeparator(s[i]) {
		return i + 1
	}
	return i
}
