package pubgrub

// Term is a statement about one package: positive, "the package is selected
// with a version in Set"; negative, "the package is not selected with a
// version in Set" (it is not selected at all, or selected outside Set).
type Term struct {
	Package  string
	Set      Set
	Positive bool
}

// Negate is the term that is true exactly when t is false.
func (t Term) Negate() Term { return Term{t.Package, t.Set, !t.Positive} }

// intersect is the term that holds when both t and o hold (same package).
func (t Term) intersect(o Term) Term {
	switch {
	case t.Positive && o.Positive:
		return Term{t.Package, t.Set.Intersect(o.Set), true}
	case t.Positive:
		return Term{t.Package, t.Set.Minus(o.Set), true}
	case o.Positive:
		return Term{t.Package, o.Set.Minus(t.Set), true}
	default:
		return Term{t.Package, t.Set.Union(o.Set), false}
	}
}

// difference is the term that holds when t holds and o does not.
func (t Term) difference(o Term) Term { return t.intersect(o.Negate()) }

// satisfies reports whether t implies o: whenever t holds, o holds.
func (t Term) satisfies(o Term) bool {
	switch {
	case t.Positive && o.Positive:
		return t.Set.SubsetOf(o.Set)
	case t.Positive:
		return t.Set.Intersect(o.Set).IsEmpty()
	case o.Positive:
		return false // "not selected" satisfies t but not o
	default:
		return o.Set.SubsetOf(t.Set)
	}
}

// contradicts reports whether t and o cannot both hold.
func (t Term) contradicts(o Term) bool {
	switch {
	case t.Positive && o.Positive:
		return t.Set.Intersect(o.Set).IsEmpty()
	case t.Positive:
		return t.Set.SubsetOf(o.Set)
	case o.Positive:
		return o.Set.SubsetOf(t.Set)
	default:
		return false // both hold when the package is not selected
	}
}

// isEmptyPositive reports whether the term can never hold.
func (t Term) isEmptyPositive() bool { return t.Positive && t.Set.IsEmpty() }
