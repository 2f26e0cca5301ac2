package pep508

import (
	"sort"
	"strings"
)

// Marker is a parsed environment marker, the expression after ";" in a
// requirement (e.g. `python_version < "3.11" and extra == "test"`). Values
// compared with the extra variables are stored normalised (PEP 685), as
// packaging does. A Marker is immutable; the zero Marker is not valid, use
// ParseMarker.
type Marker struct {
	root *markerGroup
}

// markerTerm is one operand of "and"/"or": a comparison or a parenthesised
// group.
type markerTerm interface {
	format(outermost bool) string
}

// markerGroup is a sequence of terms joined by "and"/"or", as written
// (precedence is applied when evaluating). A parenthesised sub-expression is
// a group nested as a term.
type markerGroup struct {
	terms []markerTerm
	ops   []string // ops[i] joins terms[i] and terms[i+1]: "and" or "or"
}

// markerOperand is one side of a comparison: a variable (by its normalised
// name) or a literal string value.
type markerOperand struct {
	isVariable bool
	text       string
}

// markerComparison is `lhs op rhs`, with op one of the comparison
// operators, "in" or "not in".
type markerComparison struct {
	lhs markerOperand
	op  string
	rhs markerOperand
}

// String returns the normalised form of the marker, equal to
// str(packaging.markers.Marker(s)): single spaces around operators,
// variables under their canonical names, values double-quoted (single
// quotes when the value holds a double quote), parentheses only around
// groups of more than one term.
func (m *Marker) String() string {
	if m == nil || m.root == nil {
		return ""
	}
	return m.root.format(true)
}

func (g *markerGroup) format(outermost bool) string {
	if len(g.terms) == 1 {
		return g.terms[0].format(outermost)
	}
	var b strings.Builder
	if !outermost {
		b.WriteByte('(')
	}
	for i, t := range g.terms {
		if i > 0 {
			b.WriteString(" " + g.ops[i-1] + " ")
		}
		b.WriteString(t.format(false))
	}
	if !outermost {
		b.WriteByte(')')
	}
	return b.String()
}

func (c markerComparison) format(bool) string {
	return c.lhs.String() + " " + c.op + " " + c.rhs.String()
}

// String returns the variable name, or the value in quotes.
func (o markerOperand) String() string {
	switch {
	case o.isVariable:
		return o.text
	case !strings.Contains(o.text, `"`):
		return `"` + o.text + `"`
	default:
		// The parser rejects values holding both quote characters.
		return `'` + o.text + `'`
	}
}

// Extras returns the extras the marker compares the extra variable with
// by "==" (`extra == "adbc"`, `"adbc" == extra`), normalised and sorted,
// without duplicates: the extras a requirement with this marker belongs to.
// A marker that names none is nil.
func (m *Marker) Extras() []string {
	if m == nil || m.root == nil {
		return nil
	}
	seen := map[string]bool{}
	var walk func(g *markerGroup)
	walk = func(g *markerGroup) {
		for _, t := range g.terms {
			switch t := t.(type) {
			case *markerGroup:
				walk(t)
			case markerComparison:
				if t.op != "==" {
					continue
				}
				switch {
				case t.lhs.isVariable && t.lhs.text == "extra" && !t.rhs.isVariable:
					seen[t.rhs.text] = true
				case t.rhs.isVariable && t.rhs.text == "extra" && !t.lhs.isVariable:
					seen[t.lhs.text] = true
				}
			}
		}
	}
	walk(m.root)
	var out []string
	for e := range seen {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}
