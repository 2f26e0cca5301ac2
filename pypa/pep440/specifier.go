package pep440

import (
	"fmt"
	"strings"
)

// Specifier is one clause of a version specifier, such as ">=1.0",
// "==1.2.*" or "~=2.2". It is an immutable value. The zero Specifier has
// no operator and matches every version.
type Specifier struct {
	op       operator
	raw      string  // the version as written, without surrounding whitespace
	version  Version // raw parsed (without ".*"); zero for ===
	wildcard bool    // raw ends in ".*"
	hasLocal bool    // raw has a local label

	// Precomputed bounds, so that Contains neither parses nor allocates.
	lower, upper Version
	afterPosts   bool // ">V" for a final or pre-release V: V's post-releases are excluded
	empty        bool // "<V" where nothing is below the bound
	namesPre     bool // packaging's Specifier.prereleases autodetection
}

// ParseSpecifier parses one specifier clause: an operator (~= == != <= >=
// < > ===) and a version, with optional whitespace around and between
// them. "==" and "!=" accept a prefix match ("==1.2.*") or a local label;
// "~=" needs at least two release segments; "===" takes any string
// without whitespace, ';' or ')'.
func ParseSpecifier(s string) (Specifier, error) {
	spec, reason, err := parseSpecifier(s)
	if reason != "" {
		return Specifier{}, &SpecifierError{Input: s, Reason: reason, Err: err}
	}
	return spec, nil
}

func parseSpecifier(s string) (spec Specifier, reason string, err error) {
	t := trimPySpace(s)
	op, rest, ok := cutOperator(t)
	if !ok {
		if t == "" {
			return Specifier{}, "empty specifier", nil
		}
		return Specifier{}, "expected an operator (~=, ==, !=, <=, >=, <, >, ===) at the start", nil
	}
	raw := trimPySpace(rest)
	spec = Specifier{op: op, raw: raw}
	if op == opArbitrary {
		if i := strings.IndexFunc(raw, func(r rune) bool { return isPySpace(r) || r == ';' || r == ')' }); i >= 0 {
			return Specifier{}, fmt.Sprintf("=== takes a string without whitespace, ';' or ')', found %q", raw[i:]), nil
		}
		if v, reason := parseVersion(raw); reason == "" {
			spec.namesPre = v.IsPrerelease()
		}
		return spec, "", nil
	}
	if raw == "" {
		return Specifier{}, "missing version after " + op.String(), nil
	}

	text := raw
	if base, ok := strings.CutSuffix(raw, ".*"); ok {
		if op != opEqual && op != opNotEqual {
			return Specifier{}, "a prefix match (.*) is only allowed with == and !=", nil
		}
		spec.wildcard = true
		text = base
	}
	v, reason := parseVersion(text)
	if reason != "" {
		if strings.Contains(text, ".*") {
			return Specifier{}, "a prefix match (.*) must end the version", nil
		}
		return Specifier{}, "bad version", &VersionError{Input: text, Reason: reason}
	}
	spec.version = v
	spec.hasLocal = v.local != nil
	switch {
	case spec.wildcard && (v.pre != preNone || v.hasPost || v.hasDev || v.local != nil):
		return Specifier{}, "a prefix match (.*) cannot follow a pre-, post-, dev-release or local label", nil
	case spec.hasLocal && op != opEqual && op != opNotEqual:
		return Specifier{}, "a local label is only allowed with == and !=", nil
	case op == opCompatible && len(v.release) < 2:
		return Specifier{}, "~= needs at least two release segments", nil
	}
	spec.precompute()
	return spec, "", nil
}

// precompute derives the bounds Contains compares against, following
// packaging's version ranges.
func (s *Specifier) precompute() {
	v := s.version
	switch s.op {
	case opEqual, opNotEqual:
		if s.wildcard {
			s.lower = Version{epoch: v.epoch, release: v.release, hasDev: true}
			s.upper = nextPrefixDev0(v.epoch, v.release)
		}
		s.namesPre = s.op == opEqual && !s.wildcard && v.IsPrerelease()
	case opCompatible:
		s.upper = nextPrefixDev0(v.epoch, v.release[:len(v.release)-1])
		s.namesPre = v.IsPrerelease()
	case opGreater:
		switch {
		case v.hasDev: // the next version above V.devN is V.devN+1
			s.lower = v
			s.lower.dev = v.dev.plusOne()
		case v.hasPost: // the next version above V.postN is V.postN+1.dev0
			s.lower = v
			s.lower.post = v.post.plusOne()
			s.lower.hasDev, s.lower.dev = true, num{}
		default:
			s.afterPosts = true
		}
		s.namesPre = v.IsPrerelease()
	case opLess:
		s.upper = v
		if !v.IsPrerelease() { // <V excludes V's pre-releases: the bound is V.dev0
			s.upper.hasDev, s.upper.dev = true, num{}
		}
		s.empty = s.upper.Compare(minVersion) <= 0
		s.namesPre = v.IsPrerelease()
	default:
		s.namesPre = v.IsPrerelease()
	}
}

// minVersion, "0.dev0", is the smallest version there is.
var minVersion = Version{release: []num{{}}, hasDev: true}

// nextPrefixDev0 returns E!a.b.(c+1).dev0 for the release prefix a.b.c.
func nextPrefixDev0(epoch num, prefix []num) Version {
	release := make([]num, len(prefix))
	copy(release, prefix)
	release[len(release)-1] = release[len(release)-1].plusOne()
	return Version{epoch: epoch, release: release, hasDev: true}
}

// MustParseSpecifier is like ParseSpecifier but panics on error. It is
// meant for tests and constants.
func MustParseSpecifier(s string) Specifier {
	spec, err := ParseSpecifier(s)
	if err != nil {
		panic(err)
	}
	return spec
}

// Operator returns the operator: one of "~=", "==", "!=", "<=", ">=",
// "<", ">", "===" ("" for the zero Specifier).
func (s Specifier) Operator() string { return s.op.String() }

// Version returns the right-hand side as written, without surrounding
// whitespace; it may end in ".*" and is not normalised.
func (s Specifier) Version() string { return s.raw }

// String returns the operator followed by the version as written, like
// str(packaging.specifiers.Specifier(s)).
func (s Specifier) String() string { return s.op.String() + s.raw }

// Prereleases reports whether the clause names a pre-release, which makes
// Filter admit pre-releases by default (packaging's autodetected
// Specifier.prereleases). "!=" and prefix matches never do.
func (s Specifier) Prereleases() bool { return s.namesPre }

// canonical returns the key under which packaging considers two clauses
// equal: the operator and the normalised version with trailing zeros
// stripped (kept for ~=); "===" and prefix matches compare as written.
func (s Specifier) canonical() string {
	if s.op == opArbitrary || s.wildcard || s.op == opNone {
		return s.String()
	}
	v := s.version
	if s.op != opCompatible {
		n := len(v.release)
		for n > 1 && v.release[n-1].isZero() {
			n--
		}
		v.release = v.release[:n]
	}
	return s.op.String() + v.String()
}
