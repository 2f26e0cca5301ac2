package lock

import (
	"fmt"
	"sort"

	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/resolve"
)

// ExcludeNameError is an Input.Exclude entry that is no package name: a
// mistake in what the user typed.
type ExcludeNameError struct{ Name string }

func (e *ExcludeNameError) Error() string {
	return fmt.Sprintf("cannot exclude %q: not a package name (letters, digits, '.', '_' and '-', such as pyspark)", e.Name)
}

// excluded is a set of PEP 503-normalised package names.
type excluded map[string]bool

func excludeSet(names []string) (excluded, error) {
	set := excluded{}
	for _, n := range names {
		if !pep503.Valid(n) {
			return nil, &ExcludeNameError{Name: n}
		}
		set[pep503.Normalize(n)] = true
	}
	return set, nil
}

func (e excluded) has(name string) bool { return e[pep503.Normalize(name)] }

// names are the set's names, sorted; nil for none.
func (e excluded) names() []string {
	if len(e) == 0 {
		return nil
	}
	out := make([]string, 0, len(e))
	for n := range e {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// drop removes the excluded packages from res. The packages that depend
// on one keep the dependency in their record: the environment is
// expected to get it elsewhere (the cluster's pyspark). It returns a note
// for each name that matched no package here nor in seen (the
// virtualenv's distributions skipped).
func (e excluded) drop(res *resolve.Resolution, seen map[string]bool) []string {
	if len(e) == 0 {
		return nil
	}
	kept := res.Packages[:0]
	for _, p := range res.Packages {
		if n := pep503.Normalize(p.Name); e[n] {
			seen[n] = true
			continue
		}
		kept = append(kept, p)
	}
	res.Packages = kept
	var notes []string
	for _, n := range e.names() {
		if !seen[n] {
			notes = append(notes, fmt.Sprintf("%s: excluded, but nothing locked is named so", n))
		}
	}
	return notes
}
