package pep508

import (
	"slices"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep440"
)

// ParseRequirement parses a dependency specifier as
// packaging.requirements.Requirement does: a name (ASCII letters, digits
// and ".-_", starting with a letter or digit and ending with one or, as
// packaging's tokenizer allows, with "_"), optional extras
// in brackets, then either a version specifier set (optionally in
// parentheses) or "@" and a URL (which ends at the first space or tab),
// then optionally ";" and a marker. Spaces and tabs may surround the parts;
// a marker after a URL must be preceded by whitespace, since ";" is a valid
// URL character.
//
// Errors are *SyntaxError values that say what was expected and where.
func ParseRequirement(s string) (Requirement, error) {
	if err := checkUTF8(s); err != nil {
		return Requirement{}, err
	}
	t := &tokenizer{src: s}
	var r Requirement
	t.consume(tokWhitespace)
	name, err := t.expect(tokIdentifier, "expected a project name at the start of the requirement")
	if err != nil {
		return Requirement{}, err
	}
	r.Name = name.text
	t.consume(tokWhitespace)
	if r.Extras, err = parseExtras(t); err != nil {
		return Requirement{}, err
	}
	t.consume(tokWhitespace)
	var specifier string
	if r.URL, specifier, r.Marker, err = parseRequirementDetails(t); err != nil {
		return Requirement{}, err
	}
	if !t.check(tokEnd) {
		return Requirement{}, t.errorAt(t.pos, t.pos, "expected the end of the requirement")
	}
	if r.Specifier, err = pep440.ParseSpecifierSet(specifier); err != nil {
		return Requirement{}, &SyntaxError{Input: s, Start: len(s), End: len(s), Reason: "invalid version specifier " + specifier, Err: err}
	}
	slices.Sort(r.Extras)
	r.Extras = slices.Compact(r.Extras)
	return r, nil
}

// parseExtras parses an optional "[extra, ...]".
func parseExtras(t *tokenizer) ([]string, error) {
	open, ok := t.accept(tokLeftBracket)
	if !ok {
		return nil, nil
	}
	t.consume(tokWhitespace)
	var extras []string
	if first, ok := t.accept(tokIdentifier); ok {
		extras = append(extras, first.text)
		for {
			t.consume(tokWhitespace)
			if t.check(tokIdentifier) {
				return nil, t.errorAt(t.pos, t.pos, `expected "," between extra names`)
			}
			if _, ok := t.accept(tokComma); !ok {
				break
			}
			t.consume(tokWhitespace)
			extra, err := t.expect(tokIdentifier, `expected an extra name after ","`)
			if err != nil {
				return nil, err
			}
			extras = append(extras, extra.text)
		}
	}
	t.consume(tokWhitespace)
	if !t.check(tokRightBracket) {
		return nil, t.errorAt(open.pos, t.pos, `expected "]" to close the list of extras`)
	}
	t.read(tokRightBracket)
	return extras, nil
}

// parseRequirementDetails parses what follows the name and extras: a URL
// reference or a version specifier, then an optional marker.
func parseRequirementDetails(t *tokenizer) (url, specifier string, marker *Marker, err error) {
	if _, ok := t.accept(tokAt); ok {
		t.consume(tokWhitespace)
		urlStart := t.pos
		u, err := t.expect(tokURL, `expected a URL after "@"`)
		if err != nil {
			return "", "", nil, err
		}
		if t.check(tokEnd) {
			return u.text, "", nil, nil
		}
		if _, err := t.expect(tokWhitespace, "expected whitespace after the URL"); err != nil {
			return "", "", nil, err
		}
		if t.check(tokEnd) {
			return u.text, "", nil, nil
		}
		marker, err := parseRequirementMarker(t, urlStart, `expected ";" or the end after the URL and whitespace`)
		return u.text, "", marker, err
	}
	specStart := t.pos
	specifier, err = parseSpecifier(t)
	if err != nil {
		return "", "", nil, err
	}
	t.consume(tokWhitespace)
	if t.check(tokEnd) {
		return "", specifier, nil, nil
	}
	reason := `expected ";" or the end after the name (no version specifier)`
	if specifier != "" {
		reason = `expected "," (within the version specifier), ";" or the end after the version specifier`
	}
	marker, err = parseRequirementMarker(t, specStart, reason)
	return "", specifier, marker, err
}

// parseRequirementMarker parses ";" and a marker; reason describes what was
// expected when there is no ";", reported from start.
func parseRequirementMarker(t *tokenizer, start int, reason string) (*Marker, error) {
	if _, ok := t.accept(tokSemicolon); !ok {
		return nil, t.errorAt(start, t.pos, reason)
	}
	g, err := parseMarkerExpr(t)
	if err != nil {
		return nil, err
	}
	t.consume(tokWhitespace)
	return &Marker{root: g}, nil
}

// parseSpecifier parses a version specifier set, optionally in
// parentheses, and returns its clauses joined by commas.
func parseSpecifier(t *tokenizer) (string, error) {
	open, paren := t.accept(tokLeftParen)
	t.consume(tokWhitespace)
	spec, err := parseVersionMany(t)
	if err != nil {
		return "", err
	}
	t.consume(tokWhitespace)
	if paren {
		if !t.check(tokRightParen) {
			return "", t.errorAt(open.pos, t.pos, `expected ")" to close the "(" of the version specifier`)
		}
		t.read(tokRightParen)
	}
	return spec, nil
}

// parseVersionMany parses specifier clauses separated by commas.
func parseVersionMany(t *tokenizer) (string, error) {
	var b strings.Builder
	for t.check(tokSpecifier) {
		clause := t.read(tokSpecifier)
		b.WriteString(clause.text)
		if t.check(tokVersionPrefixTrail) {
			reason := `a ".*" suffix is only allowed with "==" and "!="`
			if (strings.HasPrefix(clause.text, "==") && !strings.HasPrefix(clause.text, "===")) || strings.HasPrefix(clause.text, "!=") {
				reason = `a ".*" suffix cannot follow a pre-release, post-release, development or local version`
			}
			return "", t.errorAt(clause.pos, t.pos+1, reason)
		}
		if t.check(tokLocalLabelTrail) {
			return "", t.errorAt(clause.pos, t.pos, `a local version label ("+...") is only allowed with "==" and "!="`)
		}
		t.consume(tokWhitespace)
		comma, ok := t.accept(tokComma)
		if !ok {
			break
		}
		b.WriteString(comma.text)
		t.consume(tokWhitespace)
	}
	return b.String(), nil
}
