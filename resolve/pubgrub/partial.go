package pubgrub

// assignment is one step of the partial solution: a decision (a version
// chosen, cause nil) or a derivation (a term implied by cause).
type assignment struct {
	term  Term
	level int // decision level when it was made
	cause *Incompatibility
	index int // position in the partial solution
}

func (a *assignment) isDecision() bool { return a.cause == nil }

// partialSolution is the ordered list of assignments so far, with the
// running intersection of the terms of each package.
type partialSolution struct {
	assignments []*assignment
	decisions   map[string]int // package → chosen version
	level       int
	// terms is the intersection of every assignment per package.
	terms map[string]Term
	// order remembers when each package was first seen, for deterministic
	// decision making.
	order map[string]int
}

func newPartialSolution() *partialSolution {
	return &partialSolution{decisions: map[string]int{}, terms: map[string]Term{}, order: map[string]int{}}
}

func (ps *partialSolution) add(t Term, cause *Incompatibility) {
	a := &assignment{term: t, level: ps.level, cause: cause, index: len(ps.assignments)}
	ps.assignments = append(ps.assignments, a)
	if prev, ok := ps.terms[t.Package]; ok {
		ps.terms[t.Package] = prev.intersect(t)
	} else {
		ps.terms[t.Package] = t
	}
	if _, ok := ps.order[t.Package]; !ok {
		ps.order[t.Package] = len(ps.order)
	}
}

// decide selects version v of pkg at a new decision level.
func (ps *partialSolution) decide(pkg string, n, v int) {
	ps.level++
	ps.decisions[pkg] = v
	ps.add(Term{pkg, SetOf(n, v), true}, nil)
}

// derive records a term implied by cause at the current level.
func (ps *partialSolution) derive(t Term, cause *Incompatibility) { ps.add(t, cause) }

// backtrack removes every assignment made after the given decision level.
func (ps *partialSolution) backtrack(level int) {
	keep := 0
	for keep < len(ps.assignments) && ps.assignments[keep].level <= level {
		keep++
	}
	for _, a := range ps.assignments[keep:] {
		if a.isDecision() {
			delete(ps.decisions, a.term.Package)
		}
	}
	ps.assignments = ps.assignments[:keep]
	ps.level = level
	ps.terms = map[string]Term{}
	for _, a := range ps.assignments {
		if prev, ok := ps.terms[a.term.Package]; ok {
			ps.terms[a.term.Package] = prev.intersect(a.term)
		} else {
			ps.terms[a.term.Package] = a.term
		}
	}
}

// relation of a term to the partial solution.
type relation int

const (
	inconclusive relation = iota
	satisfied
	contradicted
)

func (ps *partialSolution) relation(t Term) relation {
	have, ok := ps.terms[t.Package]
	if !ok {
		return inconclusive
	}
	if have.satisfies(t) {
		return satisfied
	}
	if have.contradicts(t) {
		return contradicted
	}
	return inconclusive
}

// satisfier finds the earliest assignment after which the partial solution
// satisfies t.
func (ps *partialSolution) satisfier(t Term) *assignment {
	var acc Term
	seen := false
	for _, a := range ps.assignments {
		if a.term.Package != t.Package {
			continue
		}
		if !seen {
			acc, seen = a.term, true
		} else {
			acc = acc.intersect(a.term)
		}
		if acc.satisfies(t) {
			return a
		}
	}
	panic("pubgrub: term " + t.Package + " is not satisfied by the partial solution")
}

// undecided returns the packages that must be selected (a positive term)
// but have no version chosen yet, in the order they were first seen.
func (ps *partialSolution) undecided() []string {
	var out []string
	for pkg, t := range ps.terms {
		if _, ok := ps.decisions[pkg]; !ok && t.Positive {
			out = append(out, pkg)
		}
	}
	// Sort by first appearance (insertion sort: the list is short).
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && ps.order[out[j]] < ps.order[out[j-1]]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
