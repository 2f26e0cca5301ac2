package distfilename

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
)

// BuildTag is a wheel's optional build tag: leading digits and the rest, as
// packaging's BuildTag tuple (number, suffix) or () when absent. Build tags
// order as packaging's tuples do: absent first, then by number, then by
// suffix; installers prefer the greatest.
type BuildTag struct {
	Present bool   // false when the file name has no build tag
	Number  int    // the leading decimal digits
	Suffix  string // what follows them, up to a newline
}

// Compare returns -1, 0 or +1 as b is before, equal to or after c.
func (b BuildTag) Compare(c BuildTag) int {
	if b.Present != c.Present {
		if b.Present {
			return 1
		}
		return -1
	}
	return cmp.Or(cmp.Compare(b.Number, c.Number), strings.Compare(b.Suffix, c.Suffix))
}

// String returns the build tag as it would appear in a file name (without
// the leading zeros of the number), or "" when absent.
func (b BuildTag) String() string {
	if !b.Present {
		return ""
	}
	return strconv.Itoa(b.Number) + b.Suffix
}

// parseBuildTag reads a build tag: ASCII digits, then anything. Like
// packaging's regular expression (\d+)(.*), the suffix ends at a newline.
func parseBuildTag(s string) (BuildTag, error) {
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	if digits == 0 {
		return BuildTag{}, fmt.Errorf("build tag %q does not start with a digit", s)
	}
	n, err := strconv.Atoi(s[:digits])
	if err != nil {
		return BuildTag{}, fmt.Errorf("build tag %q: number too large: %w", s, err)
	}
	suffix, _, _ := strings.Cut(s[digits:], "\n")
	return BuildTag{Present: true, Number: n, Suffix: suffix}, nil
}
