package pep440

import "strings"

// preKind is the kind of a pre-release segment; the order of the constants
// is the order of the kinds.
type preKind uint8

const (
	preNone preKind = iota
	preAlpha
	preBeta
	preRC
)

var preLabels = [...]string{preNone: "", preAlpha: "a", preBeta: "b", preRC: "rc"}

// Version is a parsed PEP 440 version. It is an immutable value: copies
// share storage that is never modified. The zero Version is "0".
type Version struct {
	epoch   num
	release []num // nil only in the zero Version, which stands for "0"
	pre     preKind
	preN    num
	hasPost bool
	post    num
	hasDev  bool
	dev     num
	local   []localPart // nil when there is no local label
}

// MustParse is like Parse but panics when s is not a valid version. It is
// meant for tests and constants.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String returns the normalised form of the version, the same string as
// str(packaging.version.Version(s)).
func (v Version) String() string {
	return string(v.appendTo(make([]byte, 0, 16)))
}

func (v Version) appendTo(b []byte) []byte {
	b = v.appendPublic(b)
	if v.local != nil {
		b = append(b, '+')
		b = appendLocal(b, v.local)
	}
	return b
}

// appendPublic appends the version without its local label.
func (v Version) appendPublic(b []byte) []byte {
	b = v.appendBase(b)
	if v.pre != preNone {
		b = append(b, preLabels[v.pre]...)
		b = v.preN.appendTo(b)
	}
	if v.hasPost {
		b = append(b, ".post"...)
		b = v.post.appendTo(b)
	}
	if v.hasDev {
		b = append(b, ".dev"...)
		b = v.dev.appendTo(b)
	}
	return b
}

// appendBase appends the epoch (when not zero) and the release.
func (v Version) appendBase(b []byte) []byte {
	if !v.epoch.isZero() {
		b = v.epoch.appendTo(b)
		b = append(b, '!')
	}
	if len(v.release) == 0 {
		return append(b, '0')
	}
	for i, n := range v.release {
		if i > 0 {
			b = append(b, '.')
		}
		b = n.appendTo(b)
	}
	return b
}

// IsPrerelease reports whether v is a pre-release or a development
// release, as packaging's Version.is_prerelease does.
func (v Version) IsPrerelease() bool { return v.pre != preNone || v.hasDev }

// IsPostrelease reports whether v has a post-release segment.
func (v Version) IsPostrelease() bool { return v.hasPost }

// IsDevrelease reports whether v has a development release segment.
func (v Version) IsDevrelease() bool { return v.hasDev }

// Epoch returns the epoch, or math.MaxInt when it does not fit in an int.
func (v Version) Epoch() int { return v.epoch.saturatedInt() }

// Release returns the numbers of the release segment, trailing zeros
// included. A number that does not fit in an int is returned as
// math.MaxInt; ReleaseDigits gives the exact values.
func (v Version) Release() []int {
	if len(v.release) == 0 {
		return []int{0}
	}
	out := make([]int, len(v.release))
	for i, n := range v.release {
		out[i] = n.saturatedInt()
	}
	return out
}

// ReleaseDigits returns the numbers of the release segment in decimal,
// exactly, however large they are.
func (v Version) ReleaseDigits() []string {
	if len(v.release) == 0 {
		return []string{"0"}
	}
	out := make([]string, len(v.release))
	for i, n := range v.release {
		out[i] = n.String()
	}
	return out
}

// Pre returns the pre-release label ("a", "b" or "rc") and number, or
// ("", 0) when v has none. A number that does not fit in an int is
// returned as math.MaxInt.
func (v Version) Pre() (label string, n int) {
	if v.pre == preNone {
		return "", 0
	}
	return preLabels[v.pre], v.preN.saturatedInt()
}

// Post returns the post-release number and whether there is one. A number
// that does not fit in an int is returned as math.MaxInt.
func (v Version) Post() (n int, ok bool) { return v.post.saturatedInt(), v.hasPost }

// Dev returns the development release number and whether there is one. A
// number that does not fit in an int is returned as math.MaxInt.
func (v Version) Dev() (n int, ok bool) { return v.dev.saturatedInt(), v.hasDev }

// Local returns the normalised local label (after the "+"), or "" when
// there is none.
func (v Version) Local() string {
	if v.local == nil {
		return ""
	}
	return string(appendLocal(nil, v.local))
}

// Public returns v without its local label.
func (v Version) Public() Version {
	v.local = nil
	return v
}

// BaseVersion returns the epoch and release of v, without pre-release,
// post-release, development release or local label.
func (v Version) BaseVersion() Version {
	return Version{epoch: v.epoch, release: v.release}
}

// GoString returns a Go-syntax-like representation for debugging.
func (v Version) GoString() string {
	var b strings.Builder
	b.WriteString(`pep440.MustParse("`)
	b.WriteString(v.String())
	b.WriteString(`")`)
	return b.String()
}
