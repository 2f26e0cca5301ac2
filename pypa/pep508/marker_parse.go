package pep508

import (
	"strings"
	"unicode/utf8"
)

// ParseMarker parses an environment marker expression such as
// `python_version >= "3.8" and (sys_platform == "linux" or extra == "gpu")`.
// It accepts what packaging.markers.Marker accepts: both quote styles,
// Python escape sequences in values, spaces and tabs between tokens, and the
// legacy variable aliases os.name, sys.platform, platform.version,
// platform.machine, platform.python_implementation and
// python_implementation, which String writes under their PEP 508 names.
// The variables "extras" and "dependency_groups" (PEP 751 lock files) parse
// too.
//
// Known differences: a value holding both a single and a double quote is
// rejected here, because it has no string form (packaging accepts it but
// fails when asked for str()); \N{name} escapes in values are rejected (Go
// has no Unicode name table); an escaped surrogate (\ud800) becomes U+FFFD.
// As in packaging, String writes values without escaping, so a value that
// holds a backslash or a line break does not parse back to itself.
func ParseMarker(s string) (*Marker, error) {
	if err := checkUTF8(s); err != nil {
		return nil, err
	}
	t := &tokenizer{src: s}
	g, err := parseMarkerExpr(t)
	if err != nil {
		return nil, err
	}
	if !t.check(tokEnd) {
		return nil, t.errorAt(t.pos, t.pos, "expected the end of the marker expression (\"and\", \"or\" or a closing parenthesis is missing?)")
	}
	return &Marker{root: g}, nil
}

// checkUTF8 rejects input that is not valid UTF-8.
func checkUTF8(s string) error {
	if utf8.ValidString(s) {
		return nil
	}
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return &SyntaxError{Input: s, Start: i, End: i + 1, Reason: "invalid UTF-8"}
			}
		}
	}
	return &SyntaxError{Input: s, Reason: "invalid UTF-8"}
}

// parseMarkerExpr parses marker_atom (BOOLOP marker_atom)*.
func parseMarkerExpr(t *tokenizer) (*markerGroup, error) {
	g := &markerGroup{}
	for {
		term, err := parseMarkerAtom(t)
		if err != nil {
			return nil, err
		}
		g.terms = append(g.terms, term)
		op, ok := t.accept(tokBoolOp)
		if !ok {
			return g, nil
		}
		g.ops = append(g.ops, op.text)
	}
}

// parseMarkerAtom parses a parenthesised expression or a comparison, with
// optional whitespace around it.
func parseMarkerAtom(t *tokenizer) (markerTerm, error) {
	t.consume(tokWhitespace)
	var term markerTerm
	if open, ok := t.accept(tokLeftParen); ok {
		t.consume(tokWhitespace)
		g, err := parseMarkerExpr(t)
		if err != nil {
			return nil, err
		}
		t.consume(tokWhitespace)
		if !t.check(tokRightParen) {
			return nil, t.errorAt(open.pos, t.pos, `expected ")" to close the "(" of this marker group`)
		}
		t.read(tokRightParen)
		term = g
	} else {
		c, err := parseMarkerComparison(t)
		if err != nil {
			return nil, err
		}
		term = c
	}
	t.consume(tokWhitespace)
	return term, nil
}

// parseMarkerComparison parses `var op var` where each var is a variable or
// a quoted string, and normalises extra names compared with extra (PEP 685).
func parseMarkerComparison(t *tokenizer) (markerTerm, error) {
	t.consume(tokWhitespace)
	lhs, err := parseMarkerOperand(t)
	if err != nil {
		return nil, err
	}
	t.consume(tokWhitespace)
	op, err := parseMarkerOp(t)
	if err != nil {
		return nil, err
	}
	t.consume(tokWhitespace)
	rhs, err := parseMarkerOperand(t)
	if err != nil {
		return nil, err
	}
	t.consume(tokWhitespace)
	c := markerComparison{lhs: lhs, op: op, rhs: rhs}
	switch {
	case lhs.isVariable && lhs.text == "extra" && !rhs.isVariable:
		c.rhs.text = canonicalName(rhs.text)
	case rhs.isVariable && rhs.text == "extra" && !lhs.isVariable,
		rhs.isVariable && setVariables[rhs.text] && !lhs.isVariable:
		c.lhs.text = canonicalName(lhs.text)
	}
	return c, nil
}

// parseMarkerOperand parses a marker variable or a quoted string.
func parseMarkerOperand(t *tokenizer) (markerOperand, error) {
	if v, ok := t.accept(tokVariable); ok {
		name := strings.ReplaceAll(v.text, ".", "_")
		if name == "python_implementation" {
			name = "platform_python_implementation"
		}
		return markerOperand{isVariable: true, text: name}, nil
	}
	if q, ok := t.accept(tokQuotedString); ok {
		value, err := unquotePython(q.text)
		if err != nil {
			e := t.errorAt(q.pos, q.pos+len(q.text), "invalid quoted string: "+err.Error())
			e.Err = err
			return markerOperand{}, e
		}
		if strings.Contains(value, `"`) && strings.Contains(value, `'`) {
			return markerOperand{}, t.errorAt(q.pos, q.pos+len(q.text), "a value cannot contain both quote characters")
		}
		return markerOperand{text: value}, nil
	}
	return markerOperand{}, t.errorAt(t.pos, t.pos, "expected a marker variable (such as python_version) or a quoted string")
}

// parseMarkerOp parses in, not in, or a comparison operator.
func parseMarkerOp(t *tokenizer) (string, error) {
	if _, ok := t.accept(tokIn); ok {
		return "in", nil
	}
	if _, ok := t.accept(tokNot); ok {
		if _, err := t.expect(tokWhitespace, `expected whitespace after "not"`); err != nil {
			return "", err
		}
		if _, err := t.expect(tokIn, `expected "in" after "not"`); err != nil {
			return "", err
		}
		return "not in", nil
	}
	if op, ok := t.accept(tokOp); ok {
		return op.text, nil
	}
	return "", t.errorAt(t.pos, t.pos, "expected a marker operator: <, <=, ==, !=, >=, >, ~=, ===, in or not in")
}

// setVariables are the marker variables whose value is a set of names
// (PEP 751); a literal compared with them is normalised like an extra name.
var setVariables = map[string]bool{"extras": true, "dependency_groups": true}
