package pep440

import (
	"fmt"
	"slices"
	"strings"
)

// SpecifierSet is a comma-separated list of clauses that must all hold,
// such as ">=1.0,!=1.3,<2". The zero value is the empty set, which matches
// every version.
type SpecifierSet struct {
	specs []Specifier // in the order written; never modified once built
}

// ParseSpecifierSet parses a comma-separated list of specifier clauses.
// Whitespace around clauses and empty clauses are ignored, so "" and ","
// are the empty set.
func ParseSpecifierSet(s string) (SpecifierSet, error) {
	var specs []Specifier
	for i, clause := range strings.Split(s, ",") {
		clause = trimPySpace(clause)
		if clause == "" {
			continue
		}
		spec, err := ParseSpecifier(clause)
		if err != nil {
			return SpecifierSet{}, &SpecifierError{Input: s, Reason: fmt.Sprintf("clause %d", i+1), Err: err}
		}
		specs = append(specs, spec)
	}
	return SpecifierSet{specs: specs}, nil
}

// MustParseSpecifierSet is like ParseSpecifierSet but panics on error. It
// is meant for tests and constants.
func MustParseSpecifierSet(s string) SpecifierSet {
	set, err := ParseSpecifierSet(s)
	if err != nil {
		panic(err)
	}
	return set
}

// NewSpecifierSet returns the set of the given clauses.
func NewSpecifierSet(specs ...Specifier) SpecifierSet {
	return SpecifierSet{specs: slices.Clone(specs)}
}

// Specifiers returns the clauses in the order they were written.
func (s SpecifierSet) Specifiers() []Specifier { return slices.Clone(s.specs) }

// String returns the normal form, like str(packaging.specifiers.SpecifierSet(s)):
// the clauses sorted by their string, without clauses equal to an earlier
// one (">=1.0" and ">=1.0.0"), joined by commas.
func (s SpecifierSet) String() string {
	sorted := slices.Clone(s.specs)
	slices.SortStableFunc(sorted, func(a, b Specifier) int { return strings.Compare(a.String(), b.String()) })
	seen := make(map[string]bool, len(sorted))
	var b strings.Builder
	for _, spec := range sorted {
		key := spec.canonical()
		if seen[key] {
			continue
		}
		seen[key] = true
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(spec.String())
	}
	return b.String()
}

// IsEmpty reports whether the set has no clause (and so matches every
// version).
func (s SpecifierSet) IsEmpty() bool { return len(s.specs) == 0 }

// Prereleases reports whether any clause names a pre-release (">=1.0rc1",
// "==2.0b1"), which makes Filter admit pre-releases by default.
func (s SpecifierSet) Prereleases() bool {
	for i := range s.specs {
		if s.specs[i].namesPre {
			return true
		}
	}
	return false
}

// Contains reports whether v satisfies every clause. With
// PrereleasesExclude a pre-release never does; with PrereleasesDefault
// and PrereleasesAllow pre-releases are matched like other versions, as
// packaging ≥ 26 does for a single version (use Filter to prefer final
// releases). It neither parses nor allocates.
func (s SpecifierSet) Contains(v Version, pre Prereleases) bool {
	if pre == PrereleasesExclude && v.IsPrerelease() {
		return false
	}
	return s.matches(&v)
}

func (s SpecifierSet) matches(v *Version) bool {
	for i := range s.specs {
		if !s.specs[i].matches(v) {
			return false
		}
	}
	return true
}

// Filter returns the versions of vs that satisfy every clause, in their
// order. With PrereleasesDefault, pre-releases are kept when a clause
// names one, and otherwise only when no final release matches (then all
// matching pre-releases are returned).
func (s SpecifierSet) Filter(vs []Version, pre Prereleases) []Version {
	if pre == PrereleasesDefault && s.Prereleases() {
		pre = PrereleasesAllow
	}
	var out, prereleases []Version
	for _, v := range vs {
		if !s.matches(&v) {
			continue
		}
		switch {
		case !v.IsPrerelease():
			out = append(out, v)
		case pre == PrereleasesAllow:
			out = append(out, v)
		case pre == PrereleasesDefault && out == nil:
			prereleases = append(prereleases, v)
		}
	}
	if pre == PrereleasesDefault && out == nil {
		return prereleases
	}
	return out
}

// Intersect returns the set whose clauses are those of s and of o, which
// matches the versions both match (packaging's s & o).
func (s SpecifierSet) Intersect(o SpecifierSet) SpecifierSet {
	specs := make([]Specifier, 0, len(s.specs)+len(o.specs))
	specs = append(specs, s.specs...)
	specs = append(specs, o.specs...)
	return SpecifierSet{specs: specs}
}
