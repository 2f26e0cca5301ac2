package pubgrub

import (
	"slices"
	"strconv"
	"strings"
)

// reporter turns the derivation of a failure into numbered sentences,
// in the manner of pub and uv: each line says which facts lead to which
// conclusion, and a conclusion used twice gets a number to refer to.
type reporter struct {
	root     string
	describe func(pkg string, s Set) string
	list     func(pkg string) string // may be nil
	refs     map[*Incompatibility]int
	numbers  map[*Incompatibility]int
	lines    []string
}

func explain(inc *Incompatibility, root string, describe func(string, Set) string, list func(string) string) string {
	r := &reporter{root: root, describe: describe, list: list, refs: map[*Incompatibility]int{}, numbers: map[*Incompatibility]int{}}
	if inc.Kind != CauseDerived {
		return "Because " + r.text(inc) + ", your requirements are unsatisfiable."
	}
	r.count(inc)
	r.build(inc)
	return strings.Join(r.lines, "\n")
}

func (r *reporter) count(inc *Incompatibility) {
	r.refs[inc]++
	if r.refs[inc] > 1 || inc.Kind != CauseDerived {
		return
	}
	r.count(inc.Causes[0])
	r.count(inc.Causes[1])
}

func derived(inc *Incompatibility) bool { return inc.Kind == CauseDerived }

// build writes the lines that conclude inc.
func (r *reporter) build(inc *Incompatibility) {
	r.visit(inc)
	if r.refs[inc] > 1 {
		if _, ok := r.numbers[inc]; !ok {
			r.number(inc)
		}
	}
}

// number gives the last line a number, which now stands for inc.
func (r *reporter) number(inc *Incompatibility) {
	n := len(r.numbers) + 1
	r.numbers[inc] = n
	r.lines[len(r.lines)-1] += " (" + strconv.Itoa(n) + ")"
}

func (r *reporter) ref(inc *Incompatibility) string {
	return r.text(inc) + " (" + strconv.Itoa(r.numbers[inc]) + ")"
}

func (r *reporter) line(s string) { r.lines = append(r.lines, s) }

func (r *reporter) visit(inc *Incompatibility) {
	c1, c2 := inc.Causes[0], inc.Causes[1]
	concl := r.conclusion(inc)
	switch {
	case derived(c1) && derived(c2):
		_, ok1 := r.numbers[c1]
		_, ok2 := r.numbers[c2]
		switch {
		case ok1 && ok2:
			r.line("Because " + both(r.ref(c1), r.ref(c2)) + ", " + concl + ".")
		case ok1:
			r.build(c2)
			r.line("And because " + r.ref(c1) + ", " + concl + ".")
		case ok2:
			r.build(c1)
			r.line("And because " + r.ref(c2) + ", " + concl + ".")
		default:
			r.build(c1)
			if _, ok := r.numbers[c1]; !ok {
				r.number(c1)
			}
			r.line("")
			r.build(c2)
			r.line("And because " + r.ref(c1) + ", " + concl + ".")
		}
	case derived(c1):
		r.oneEach(c1, c2, concl)
	case derived(c2):
		r.oneEach(c2, c1, concl)
	default:
		r.line("Because " + both(r.text(c1), r.text(c2)) + ", " + concl + ".")
	}
}

func (r *reporter) oneEach(d, ext *Incompatibility, concl string) {
	if _, ok := r.numbers[d]; ok {
		r.line("Because " + both(r.text(ext), r.ref(d)) + ", " + concl + ".")
		return
	}
	if r.refs[d] <= 1 {
		d1, d2 := d.Causes[0], d.Causes[1]
		switch {
		case derived(d1) && !derived(d2):
			r.build(d1)
			r.line("And because " + both(r.text(d2), r.text(ext)) + ", " + concl + ".")
			return
		case derived(d2) && !derived(d1):
			r.build(d2)
			r.line("And because " + both(r.text(d1), r.text(ext)) + ", " + concl + ".")
			return
		}
	}
	r.build(d)
	r.line("And because " + r.text(ext) + ", " + concl + ".")
}

// conclusion is the text of a derived incompatibility as the end of a
// sentence; the final one is about the user's requirements.
func (r *reporter) conclusion(inc *Incompatibility) string {
	if inc.isFailure(r.root) {
		return "your requirements are unsatisfiable"
	}
	return "we can conclude that " + r.text(inc)
}

func (r *reporter) term(t Term) string { return r.describe(t.Package, t.Set) }

// text states what an incompatibility means.
func (r *reporter) text(inc *Incompatibility) string {
	switch inc.Kind {
	case CauseRoot:
		return r.describe(r.root, FullSet(1)) + " is required"
	case CauseDependency:
		req := inc.Requirement
		if req == "" {
			req = r.term(inc.Depends)
		}
		var who string
		rootDep := false
		for _, t := range inc.Terms {
			if t.Positive && t.Package != inc.Depends.Package {
				if t.Package == r.root {
					rootDep = true
				} else {
					who = r.term(t)
				}
			}
		}
		s := who + " depends on " + req
		if rootDep {
			s = "you require " + req
		}
		if _, ok := inc.term(inc.Depends.Package); !ok {
			s += " (no version of " + r.describe(inc.Depends.Package, FullSet(inc.Depends.Set.Len())) + " matches"
			if inc.Note != "" {
				s += " but " + inc.Note
			}
			if r.list != nil {
				avail := r.list(inc.Depends.Package)
				if avail == "" {
					avail = "none"
				}
				s += "; available: " + avail
			}
			s += ")"
		}
		return s
	case CauseUnavailable:
		return r.term(inc.Terms[0]) + " " + inc.Reason
	}
	var pos, neg []string
	rootHolds := false
	for _, t := range inc.Terms {
		switch {
		case t.Package == r.root && t.Positive:
			rootHolds = true
		case t.Positive:
			pos = append(pos, r.term(t))
		default:
			neg = append(neg, r.term(t))
		}
	}
	switch {
	case len(pos) == 0 && len(neg) == 0:
		return "your requirements are unsatisfiable"
	case len(pos) == 0 && rootHolds:
		return "you require " + join(neg, "or")
	case len(pos) == 0:
		return join(neg, "or") + " is required"
	case len(neg) == 0 && len(pos) == 1:
		return pos[0] + " cannot be used"
	case len(neg) == 0:
		return join(pos, "and") + " are incompatible"
	default:
		return join(pos, "and") + " depends on " + join(neg, "or")
	}
}

// both joins two facts with "and", saying one that is stated twice (the
// requirement "a[x,y]" is three dependencies, on a, a[x] and a[y]) once.
func both(a, b string) string {
	if a == b {
		return a
	}
	return a + " and " + b
}

func join(items []string, conj string) string {
	var seen []string
	for _, it := range items {
		if !slices.Contains(seen, it) {
			seen = append(seen, it)
		}
	}
	items = seen
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}
