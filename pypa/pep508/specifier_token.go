package pep508

import (
	"regexp"
	"strings"
	"sync"
)

// specifierToken matches one version specifier clause at the start of the
// rest of a requirement, as packaging's tokenizer does with the specifier
// regular expression of packaging.specifiers.Specifier (compiled with
// IGNORECASE). Python's \s is Unicode whitespace, spelt out here; letters
// match both ASCII cases, and in the "~=" clause (where packaging does not
// restrict case folding to ASCII) "i" also matches "ı"/"İ" and "s" matches
// "ſ", as Python's re does.
var specifierToken = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(specifierPattern()) })

func specifierPattern() string {
	const space = `[\t\n\v\f\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]`
	const arbitrary = `[^\t\n\v\f\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000};)]`
	ascii := func(word string) string { return caseless(word, nil) }
	unicodeFolds := map[rune]string{'i': "iIıİ", 's': "sSſ"}
	wide := func(word string) string { return caseless(word, unicodeFolds) }

	epochRelease := func(atLeastTwo bool) string {
		rep := "*"
		if atLeastTwo {
			rep = "+"
		}
		return `[vV]?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)` + rep
	}
	pre := func(w func(string) string) string {
		return `(?:[-_.]?(?:` + w("alpha") + `|` + w("beta") + `|` + w("preview") + `|` + w("pre") +
			`|` + w("a") + `|` + w("b") + `|` + w("c") + `|` + w("rc") + `)[-_.]?[0-9]*)?`
	}
	post := func(w func(string) string) string {
		return `(?:(?:-[0-9]+)|(?:[-_.]?(?:` + w("post") + `|` + w("rev") + `|` + w("r") + `)[-_.]?[0-9]*))?`
	}
	dev := func(w func(string) string) string {
		return `(?:[-_.]?` + w("dev") + `[-_.]?[0-9]*)?`
	}
	local := `(?:\+[a-zA-Z0-9]+(?:[-_.][a-zA-Z0-9]+)*)?`

	identity := `===` + space + `*` + arbitrary + `*`
	equality := `(?:==|!=)` + space + `*` + epochRelease(false) +
		`(?:\.\*|` + pre(ascii) + post(ascii) + dev(ascii) + local + `)?`
	compatible := `~=` + space + `*` + epochRelease(true) + pre(wide) + post(wide) + dev(wide)
	ordered := `(?:<=|>=|<|>)` + space + `*` + epochRelease(false) + pre(ascii) + post(ascii) + dev(ascii)
	return `^(?:` + identity + `|` + equality + `|` + compatible + `|` + ordered + `)`
}

// caseless spells word as a regular expression matching it in any ASCII
// case, plus the extra case-fold equivalents given for some letters.
func caseless(word string, folds map[rune]string) string {
	var b strings.Builder
	for _, r := range word {
		if f, ok := folds[r]; ok {
			b.WriteString("[" + f + "]")
			continue
		}
		b.WriteString("[" + string(r) + strings.ToUpper(string(r)) + "]")
	}
	return b.String()
}

// specifierTokenLen returns the length of the specifier clause at the start
// of s, or -1.
func specifierTokenLen(s string) int {
	loc := specifierToken().FindStringIndex(s)
	if loc == nil {
		return -1
	}
	return loc[1]
}
