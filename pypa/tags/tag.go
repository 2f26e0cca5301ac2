// Package tags implements the wheel compatibility tags of PEP 425, PEP 600
// (manylinux) and PEP 656 (musllinux): parsing a tag, and producing the
// ordered lists of tags an interpreter accepts, exactly as packaging 26.3's
// packaging.tags orders them (most preferred first).
package tags

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Tag is one (interpreter, ABI, platform) triple, such as cp312-abi3-win_amd64.
// The fields are lower case when the Tag comes from this package.
type Tag struct {
	Interpreter string // e.g. "cp312", "py3"
	ABI         string // e.g. "cp312", "abi3", "none"
	Platform    string // e.g. "manylinux_2_17_x86_64", "any"
}

// NewTag returns the tag with its three parts lower-cased, as
// packaging.tags.Tag does on construction.
func NewTag(interpreter, abi, platform string) Tag {
	return Tag{Interpreter: pyLower(interpreter), ABI: pyLower(abi), Platform: pyLower(platform)}
}

// String returns the tag in its file-name form, interpreter-abi-platform.
func (t Tag) String() string {
	return t.Interpreter + "-" + t.ABI + "-" + t.Platform
}

// MaxParsedTags is the largest number of tags ParseTag expands a compressed
// tag set into; a larger set is rejected so that a hostile file name cannot
// exhaust memory (packaging has the same guard as parse_tag's limit argument,
// off by default). Real wheels stay far below it.
const MaxParsedTags = 10000

// ParseTag parses a tag such as "py3-none-any" or a compressed tag set such as
// "py2.py3-none-any" into its tags, lower-cased, without duplicates, in the
// order interpreter × ABI × platform. Like packaging.tags.parse_tag it rejects
// empty components, a number of "-"-separated parts other than three, and
// interpreter parts that are not Python identifiers.
func ParseTag(s string) ([]Tag, error) {
	components := strings.Split(s, "-")
	parts := make([][]string, len(components))
	count := 1
	for i, c := range components {
		parts[i] = strings.Split(c, ".")
		if slices.Contains(parts[i], "") {
			return nil, fmt.Errorf("tag %q has an empty component in %q", s, c)
		}
		count *= len(parts[i])
		if count > MaxParsedTags {
			return nil, fmt.Errorf("tag %q expands to more than %d tags", s, MaxParsedTags)
		}
	}
	if len(parts) != 3 {
		return nil, fmt.Errorf("tag %q has %d parts separated by \"-\", want 3 (interpreter-abi-platform)", s, len(parts))
	}
	for _, interpreter := range parts[0] {
		if !isIdentifier(interpreter) {
			return nil, fmt.Errorf("tag %q has an invalid interpreter %q: not an identifier", s, interpreter)
		}
	}
	out := make([]Tag, 0, count)
	seen := make(map[Tag]bool, count)
	for _, interpreter := range parts[0] {
		for _, abi := range parts[1] {
			for _, platform := range parts[2] {
				t := NewTag(interpreter, abi, platform)
				if !seen[t] {
					seen[t] = true
					out = append(out, t)
				}
			}
		}
	}
	return out, nil
}

// pyLower lower-cases s as Python's str.lower does. Go's simple case mapping
// differs from Python's full mapping only for U+0130, which Python lowers to
// "i" followed by U+0307.
func pyLower(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "\u0130", "i\u0307"))
}

// isIdentifier approximates Python's str.isidentifier: exact for ASCII, and
// by Unicode general category (letters and letter numbers to start; marks,
// digits and connector punctuation after) for the rest.
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		start := r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nl, r)
		if i == 0 {
			if !start {
				return false
			}
			continue
		}
		if !start && !unicode.IsDigit(r) && !unicode.In(r, unicode.Mn, unicode.Mc, unicode.Pc) {
			return false
		}
	}
	return true
}
