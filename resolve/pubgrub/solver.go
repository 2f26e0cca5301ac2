package pubgrub

import (
	"context"
	"fmt"
)

// Provider supplies the problem. The root package has one candidate
// (version 0) whose dependencies are what the user asked for.
type Provider interface {
	// Versions describes the candidates of pkg. It is called once per
	// package, before any Set over pkg's candidates is used.
	Versions(ctx context.Context, pkg string) (Versions, error)
	// Dependencies lists what version v of pkg needs. A version that
	// turns out to be unusable (its metadata cannot be read, say) returns
	// a non-empty reason instead.
	Dependencies(ctx context.Context, pkg string, v int) (deps []Dependency, unusable string, err error)
	// Describe renders a package and a set of its candidates for error
	// messages: "numpy>=1.26,<2", "numpy==1.26.4", "numpy".
	Describe(pkg string, s Set) string
}

// Preferrer is an optional Provider method choosing which allowed version
// to try first (a pinned version from an earlier lock, say). The default
// is the newest. It must return a member of allowed.
type Preferrer interface {
	Prefer(pkg string, allowed Set) int
}

// Lister is an optional Provider method naming the candidates of pkg as a
// user would read them ("1.0, 1.1 or 2.0"), for the explanation of a
// requirement that no candidate matches ("available: ..."). An empty
// string says that none is available.
type Lister interface {
	List(pkg string) string
}

// Versions is the candidate list of a package.
type Versions struct {
	// Count is the number of candidates, numbered 0 (oldest) to Count-1.
	Count int
	// Unusable are candidates known up front to be unusable, grouped by
	// reason (no file for the target, yanked, needs another Python...).
	Unusable []Unusable
}

// Unusable is a set of candidates that cannot be used, and why.
type Unusable struct {
	Set    Set
	Reason string
}

// Dependency says a version needs Package with a version in Set.
// Requirement is the requirement as written, for messages.
type Dependency struct {
	Package     string
	Set         Set
	Requirement string
	// Note, for an empty Set, says why no candidate is in it ("b==1.0
	// (yanked, reason: broken)" matches but may not be chosen); the
	// explanation gives it with the candidates List names.
	Note string
}

// Solution maps every selected package to the chosen candidate.
type Solution map[string]int

// NoSolutionError says the problem has no solution; its message explains
// why as a chain of facts a user can act on.
type NoSolutionError struct {
	Incompatibility *Incompatibility
	root            string
	describe        func(pkg string, s Set) string
	list            func(pkg string) string
}

func (e *NoSolutionError) Error() string {
	return explain(e.Incompatibility, e.root, e.describe, e.list)
}

type solver struct {
	ctx       context.Context
	p         Provider
	root      string
	ps        *partialSolution
	incompats map[string][]*Incompatibility
	counts    map[string]int
}

// Solve finds versions for root and everything it depends on, newest
// first, or returns a *NoSolutionError explaining why there are none.
func Solve(ctx context.Context, p Provider, root string) (Solution, error) {
	s := &solver{ctx: ctx, p: p, root: root, ps: newPartialSolution(), incompats: map[string][]*Incompatibility{}, counts: map[string]int{}}
	if err := s.register(root); err != nil {
		return nil, err
	}
	s.add(&Incompatibility{Terms: []Term{{root, FullSet(s.counts[root]), false}}, Kind: CauseRoot})
	next := root
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := s.propagate(next); err != nil {
			return nil, err
		}
		pkg, done, err := s.decide()
		if err != nil {
			return nil, err
		}
		if done {
			return Solution(s.ps.decisions), nil
		}
		next = pkg
	}
}

// register asks the provider for pkg's candidates the first time pkg is
// seen and records what is unusable up front.
func (s *solver) register(pkg string) error {
	if _, ok := s.counts[pkg]; ok {
		return nil
	}
	vs, err := s.p.Versions(s.ctx, pkg)
	if err != nil {
		return err
	}
	s.counts[pkg] = vs.Count
	for _, u := range vs.Unusable {
		if u.Set.Len() != vs.Count {
			return fmt.Errorf("pubgrub: unusable set of %s is over %d candidates, not %d", pkg, u.Set.Len(), vs.Count)
		}
		if u.Set.IsEmpty() {
			continue
		}
		s.add(&Incompatibility{Terms: []Term{{pkg, u.Set, true}}, Kind: CauseUnavailable, Reason: u.Reason})
	}
	return nil
}

func (s *solver) add(inc *Incompatibility) {
	for _, t := range inc.Terms {
		s.incompats[t.Package] = append(s.incompats[t.Package], inc)
	}
}

// almost reports how inc relates to the partial solution: satisfied (all
// terms hold), almost satisfied (all but the returned term hold and that
// one is inconclusive), or neither (ok false).
func (s *solver) almost(inc *Incompatibility) (all bool, unsatisfied *Term, ok bool) {
	for i := range inc.Terms {
		switch s.ps.relation(inc.Terms[i]) {
		case contradicted:
			return false, nil, false
		case inconclusive:
			if unsatisfied != nil {
				return false, nil, false
			}
			unsatisfied = &inc.Terms[i]
		}
	}
	return unsatisfied == nil, unsatisfied, true
}

// propagate derives every term that follows from the incompatibilities,
// starting from the ones that mention pkg.
func (s *solver) propagate(pkg string) error {
	changed := []string{pkg}
	for len(changed) > 0 {
		p := changed[len(changed)-1]
		changed = changed[:len(changed)-1]
		incs := s.incompats[p]
		for i := len(incs) - 1; i >= 0; i-- {
			all, t, ok := s.almost(incs[i])
			if !ok {
				continue
			}
			if all {
				learned, err := s.resolveConflict(incs[i])
				if err != nil {
					return err
				}
				_, t, ok := s.almost(learned)
				if !ok || t == nil {
					return fmt.Errorf("pubgrub: learned incompatibility is not almost satisfied after backjumping")
				}
				s.ps.derive(t.Negate(), learned)
				changed = []string{t.Package}
				break
			}
			s.ps.derive(t.Negate(), incs[i])
			changed = append(changed, t.Package)
		}
	}
	return nil
}

// resolveConflict learns from an incompatibility the partial solution
// satisfies, backjumps, and returns the incompatibility to propagate.
func (s *solver) resolveConflict(inc *Incompatibility) (*Incompatibility, error) {
	learned := false
	for {
		if inc.isFailure(s.root) {
			e := &NoSolutionError{Incompatibility: inc, root: s.root, describe: s.p.Describe}
			if l, ok := s.p.(Lister); ok {
				e.list = l.List
			}
			return nil, e
		}
		var (
			recent     *assignment
			recentTerm Term
			difference *Term
			prevLevel  = 1
		)
		for _, t := range inc.Terms {
			sat := s.ps.satisfier(t)
			if recent == nil || recent.index < sat.index {
				if recent != nil {
					prevLevel = max(prevLevel, recent.level)
				}
				recent, recentTerm, difference = sat, t, nil
			} else {
				prevLevel = max(prevLevel, sat.level)
			}
			if recentTerm.Package == t.Package && recent == sat {
				d := recent.term.difference(recentTerm)
				if !d.isEmptyPositive() {
					difference = &d
					prevLevel = max(prevLevel, s.ps.satisfier(d.Negate()).level)
				}
			}
		}
		if prevLevel < recent.level || recent.isDecision() {
			s.ps.backtrack(prevLevel)
			if learned {
				s.add(inc)
			}
			return inc, nil
		}
		var terms []Term
		for _, t := range inc.Terms {
			if t.Package != recentTerm.Package {
				terms = append(terms, t)
			}
		}
		for _, t := range recent.cause.Terms {
			if t.Package != recent.term.Package {
				terms = append(terms, t)
			}
		}
		if difference != nil {
			terms = append(terms, difference.Negate())
		}
		next := newIncompatibility(terms, CauseDerived)
		next.Causes = [2]*Incompatibility{inc, recent.cause}
		inc, learned = next, true
	}
}

// decide picks the next package and version, adds its dependencies, and
// selects it unless that would conflict at once. done means every
// required package has a version.
func (s *solver) decide() (pkg string, done bool, err error) {
	undecided := s.ps.undecided()
	if len(undecided) == 0 {
		return "", true, nil
	}
	// Packages with one allowed version first (nothing to choose), then
	// in the order they were first required.
	pkg = undecided[0]
	for _, u := range undecided {
		if s.ps.terms[u].Set.Count() <= 1 {
			pkg = u
			break
		}
	}
	allowed := s.ps.terms[pkg].Set
	v := allowed.Highest()
	if pr, ok := s.p.(Preferrer); ok && v >= 0 {
		if w := pr.Prefer(pkg, allowed); allowed.Contains(w) {
			v = w
		}
	}
	n := s.counts[pkg]
	if v < 0 {
		s.add(&Incompatibility{Terms: []Term{{pkg, allowed, true}}, Kind: CauseUnavailable, Reason: "no candidate is left"})
		return pkg, false, nil
	}
	deps, unusable, err := s.p.Dependencies(s.ctx, pkg, v)
	if err != nil {
		return "", false, err
	}
	if unusable != "" {
		s.add(&Incompatibility{Terms: []Term{{pkg, SetOf(n, v), true}}, Kind: CauseUnavailable, Reason: unusable})
		return pkg, false, nil
	}
	conflict := false
	for _, d := range deps {
		if d.Package == pkg {
			return "", false, fmt.Errorf("pubgrub: %s depends on itself", s.p.Describe(pkg, SetOf(n, v)))
		}
		if err := s.register(d.Package); err != nil {
			return "", false, err
		}
		if d.Set.Len() != s.counts[d.Package] {
			return "", false, fmt.Errorf("pubgrub: dependency set of %s is over %d candidates, not %d", d.Package, d.Set.Len(), s.counts[d.Package])
		}
		inc := newIncompatibility([]Term{{pkg, SetOf(n, v), true}, {d.Package, d.Set, false}}, CauseDependency)
		inc.Requirement, inc.Note = d.Requirement, d.Note
		inc.Depends = Term{d.Package, d.Set, true}
		s.add(inc)
		if !conflict {
			conflict = true
			for _, t := range inc.Terms {
				if t.Package != pkg && s.ps.relation(t) != satisfied {
					conflict = false
				}
			}
		}
	}
	if !conflict {
		s.ps.decide(pkg, n, v)
	}
	return pkg, false, nil
}
