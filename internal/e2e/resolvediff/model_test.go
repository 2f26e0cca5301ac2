package resolvediff

import (
	"fmt"
	"strconv"
	"strings"
)

// This file is a deliberately small, independent model of PEP 440 for the
// versions and specifiers the generator writes: releases of two or three
// components with an optional a/b/rc pre-release, and the operators
// >=, <=, >, <, ==, !=, ~= and ==X.*. The validity checker uses it instead
// of clusterpack's pep440 package so that a bug there cannot hide itself.

// ver is a generated version.
type ver struct {
	rel  []int  // 2 or 3 components
	pre  string // "", "a", "b" or "rc"
	preN int
}

func (v ver) String() string {
	parts := make([]string, len(v.rel))
	for i, n := range v.rel {
		parts[i] = strconv.Itoa(n)
	}
	s := strings.Join(parts, ".")
	if v.pre != "" {
		s += v.pre + strconv.Itoa(v.preN)
	}
	return s
}

func (v ver) isPre() bool { return v.pre != "" }

// component returns release component i, zero-padded.
func (v ver) component(i int) int {
	if i < len(v.rel) {
		return v.rel[i]
	}
	return 0
}

func cmpRelease(a, b ver) int {
	for i := 0; i < max(len(a.rel), len(b.rel)); i++ {
		if x, y := a.component(i), b.component(i); x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

var preRank = map[string]int{"a": 0, "b": 1, "rc": 2, "": 3}

// cmpVer orders versions: by release (zero-padded), then a < b < rc < final.
func cmpVer(a, b ver) int {
	if c := cmpRelease(a, b); c != 0 {
		return c
	}
	if ra, rb := preRank[a.pre], preRank[b.pre]; ra != rb {
		if ra < rb {
			return -1
		}
		return 1
	}
	switch {
	case a.preN < b.preN:
		return -1
	case a.preN > b.preN:
		return 1
	}
	return 0
}

// parseVer reads what String writes (and what pip, uv and clusterpack
// print for it: they normalise to the same text).
func parseVer(s string) (ver, error) {
	var v ver
	rel := s
	for _, p := range []string{"rc", "a", "b"} {
		if i := strings.Index(s, p); i > 0 {
			n, err := strconv.Atoi(s[i+len(p):])
			if err != nil {
				return v, fmt.Errorf("version %q: bad pre-release", s)
			}
			rel, v.pre, v.preN = s[:i], p, n
			break
		}
	}
	for _, c := range strings.Split(rel, ".") {
		n, err := strconv.Atoi(c)
		if err != nil {
			return v, fmt.Errorf("version %q: bad release", s)
		}
		v.rel = append(v.rel, n)
	}
	return v, nil
}

// spec is one version specifier. For "==*" (prefix match) v holds the
// prefix release, e.g. [1] for "==1.*".
type spec struct {
	op string // ">=", "<=", ">", "<", "==", "!=", "~=", "==*"
	v  ver
}

func (s spec) String() string {
	if s.op == "==*" {
		return "==" + s.v.String() + ".*"
	}
	return s.op + s.v.String()
}

// prefixMatch reports whether v's release starts with the release of p
// (v zero-padded); pre-release segments are ignored, as PEP 440 says.
func prefixMatch(v, p ver) bool {
	for i := range p.rel {
		if v.component(i) != p.rel[i] {
			return false
		}
	}
	return true
}

// match is PEP 440 matching without the pre-release policy.
func (s spec) match(v ver) bool {
	c := cmpVer(v, s.v)
	switch s.op {
	case ">=":
		return c >= 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case "<":
		// "<V" excludes pre-releases of V itself unless V is one.
		if c >= 0 {
			return false
		}
		return s.v.isPre() || !v.isPre() || cmpRelease(v, s.v) != 0
	case "==":
		return c == 0
	case "!=":
		return c != 0
	case "==*":
		return prefixMatch(v, s.v)
	case "~=":
		p := ver{rel: s.v.rel[:len(s.v.rel)-1]}
		return c >= 0 && prefixMatch(v, p)
	}
	panic("unknown operator " + s.op)
}

// namesPre reports whether the specifier names a pre-release.
func (s spec) namesPre() bool { return s.v.isPre() }

// specSet is a comma-separated specifier set.
type specSet []spec

func (ss specSet) String() string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.String()
	}
	return strings.Join(parts, ",")
}

func (ss specSet) match(v ver) bool {
	for _, s := range ss {
		if !s.match(v) {
			return false
		}
	}
	return true
}

func (ss specSet) namesPre() bool {
	for _, s := range ss {
		if s.namesPre() {
			return true
		}
	}
	return false
}

// exactPin returns the version of a lone "==V", the only specifier that
// may select a yanked release (PEP 592).
func (ss specSet) exactPin() (ver, bool) {
	if len(ss) == 1 && ss[0].op == "==" {
		return ss[0].v, true
	}
	return ver{}, false
}
