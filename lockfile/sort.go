package lockfile

import (
	"cmp"
	"slices"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep440"
)

// Sorted returns a copy of the lock in the order Write uses: packages by
// name, then version (PEP 440 order, a package without a version first),
// then marker; each package's wheels by file name. Other lists keep their
// order. The copy shares maps with l.
func (l *Lock) Sorted() *Lock {
	c := *l
	if l.Packages != nil {
		c.Packages = slices.Clone(l.Packages)
	}
	for i := range c.Packages {
		p := &c.Packages[i]
		if p.Wheels != nil {
			p.Wheels = slices.Clone(p.Wheels)
			slices.SortStableFunc(p.Wheels, func(a, b Wheel) int { return strings.Compare(a.Filename(), b.Filename()) })
		}
	}
	slices.SortStableFunc(c.Packages, comparePackages)
	return &c
}

func comparePackages(a, b Package) int {
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	if c := compareVersions(a.Version, b.Version); c != 0 {
		return c
	}
	return strings.Compare(a.Marker, b.Marker)
}

// compareVersions orders versions by PEP 440, then by spelling; the
// empty version and unparsable ones sort first.
func compareVersions(a, b string) int {
	va, errA := pep440.Parse(a)
	vb, errB := pep440.Parse(b)
	switch {
	case errA == nil && errB == nil:
		if c := va.Compare(vb); c != 0 {
			return c
		}
	case errA == nil:
		return 1
	case errB == nil:
		return -1
	}
	return cmp.Compare(a, b)
}
