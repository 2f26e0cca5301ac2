package pubgrub

// CauseKind says why an incompatibility holds.
type CauseKind int

const (
	// CauseRoot: the root package must be selected.
	CauseRoot CauseKind = iota
	// CauseDependency: a version depends on another package.
	CauseDependency
	// CauseUnavailable: a version cannot be used (no compatible file,
	// unreadable metadata, ...); Reason says why.
	CauseUnavailable
	// CauseDerived: derived from two others during conflict resolution.
	CauseDerived
)

// Incompatibility is a set of terms that must not all hold at once.
type Incompatibility struct {
	Terms []Term
	Kind  CauseKind
	// Reason explains a CauseUnavailable; Requirement is the requirement
	// as written for a CauseDependency ("numpy>=2").
	Reason      string
	Requirement string
	// Note is a CauseDependency's Dependency.Note.
	Note string
	// Depends is, for a CauseDependency, the term of the package depended
	// on ("bar in S" for "foo 1.0 depends on bar in S"). It is kept even when
	// the term itself was dropped because no candidate of bar is in S.
	Depends Term
	// Causes are the two incompatibilities a derived one comes from.
	Causes [2]*Incompatibility
}

// newIncompatibility merges terms of the same package (all must hold, so
// they intersect) and drops terms that always hold.
func newIncompatibility(terms []Term, kind CauseKind) *Incompatibility {
	var merged []Term
	index := map[string]int{}
	for _, t := range terms {
		if i, ok := index[t.Package]; ok {
			merged[i] = merged[i].intersect(t)
			continue
		}
		index[t.Package] = len(merged)
		merged = append(merged, t)
	}
	out := merged[:0]
	for _, t := range merged {
		// A negative term over no versions always holds: it adds nothing.
		if !t.Positive && t.Set.IsEmpty() {
			continue
		}
		out = append(out, t)
	}
	return &Incompatibility{Terms: out, Kind: kind}
}

// term returns the incompatibility's term for pkg.
func (inc *Incompatibility) term(pkg string) (Term, bool) {
	for _, t := range inc.Terms {
		if t.Package == pkg {
			return t, true
		}
	}
	return Term{}, false
}

// isFailure reports whether the incompatibility says the root itself cannot
// be selected: the problem has no solution.
func (inc *Incompatibility) isFailure(root string) bool {
	return len(inc.Terms) == 0 || (len(inc.Terms) == 1 && inc.Terms[0].Positive && inc.Terms[0].Package == root)
}
