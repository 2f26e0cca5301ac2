package pep508

import (
	"slices"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep440"
	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// Requirement is a parsed dependency specifier (PEP 508), such as
// `requests[security,socks] >=2.8.1, ==2.8.* ; python_version < "2.7"` or
// `pip @ https://github.com/pypa/pip/archive/1.3.1.zip`.
type Requirement struct {
	// Name is the project name as written (see NormalizedName).
	Name string
	// Extras are the requested extras as written, without duplicates, in
	// sorted order (see NormalizedExtras).
	Extras []string
	// Specifier is the version constraint; empty when there is none (always
	// empty when URL is set).
	Specifier pep440.SpecifierSet
	// URL is the direct reference after "@", or "".
	URL string
	// Marker is the environment marker after ";", or nil.
	Marker *Marker
}

// NormalizedName returns the PEP 503 form of the name.
func (r Requirement) NormalizedName() string {
	return pep503.Normalize(r.Name)
}

// NormalizedExtras returns the extras normalised (PEP 685), sorted and
// without duplicates.
func (r Requirement) NormalizedExtras() []string {
	out := make([]string, 0, len(r.Extras))
	for _, e := range r.Extras {
		out = append(out, pep503.Normalize(e))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// String returns the normalised requirement, equal to
// str(packaging.requirements.Requirement(s)): the name and extras as written
// (extras sorted), the specifier set in its normalised form, " @ " before a
// URL, and "; " before the marker (with a space after a URL).
func (r Requirement) String() string {
	var b strings.Builder
	b.WriteString(r.Name)
	if len(r.Extras) > 0 {
		b.WriteString("[" + strings.Join(r.Extras, ",") + "]")
	}
	b.WriteString(r.Specifier.String())
	if r.URL != "" {
		b.WriteString(" @ " + r.URL)
		if r.Marker != nil {
			b.WriteByte(' ')
		}
	}
	if r.Marker != nil {
		b.WriteString("; " + r.Marker.String())
	}
	return b.String()
}
