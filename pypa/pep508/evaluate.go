package pep508

import (
	"errors"
	"fmt"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep440"
)

// ErrUndefined is matched by errors.Is for the errors EvaluateStrict returns:
// a variable missing from the environment (packaging's
// UndefinedEnvironmentName) or a comparison with no meaning (packaging's
// UndefinedComparison, e.g. `os_name ~= "posix"`).
var ErrUndefined = errors.New("marker cannot be evaluated")

// versionVariables are compared as PEP 440 versions when the other side
// makes a valid specifier with the operator.
var versionVariables = map[string]bool{
	"implementation_version": true,
	"platform_release":       true,
	"python_full_version":    true,
	"python_version":         true,
}

// Evaluate reports whether the marker holds in env when the requirement is
// wanted with the given extras: true when it holds with the variable extra
// set to one of them (normalised, PEP 685), or, when extras is empty, with
// extra set to "". This is how a resolver decides whether a Requires-Dist
// entry is active. A marker that cannot be evaluated (see EvaluateStrict)
// does not hold.
func (m *Marker) Evaluate(env Environment, extras []string) bool {
	ok, err := m.EvaluateStrict(env, extras)
	return ok && err == nil
}

// EvaluateStrict is Evaluate with the failures packaging raises reported as
// errors (matched by ErrUndefined). Extras are tried in order, as pip does:
// the first one for which the marker holds gives true, an error before that
// is returned.
//
// It follows packaging 26.3's Marker.evaluate in its default "metadata"
// context (the one for Requires-Dist): "extra" is defined, while the PEP 751
// lock-file variables "extras" and "dependency_groups", which packaging
// defines only in the "lock_file" context as sets, are undefined unless env
// holds them (then as plain strings, normalised like names). Comparisons
// work as in packaging: when a side is python_version, python_full_version,
// platform_release or implementation_version and the operator followed by
// the other side parses as a PEP 440 specifier, the specifier decides
// (pre-releases allowed; a value that is not a version never matches);
// otherwise values compare as strings, where "in"/"not in" are substring
// tests, "==", "<=" and ">=" are equality, "!=" inequality, "<" and ">"
// never hold, and "~=" and "===" are undefined. A python_full_version
// ending in "+" (an untagged CPython build) is read with "local" appended.
func (m *Marker) EvaluateStrict(env Environment, extras []string) (bool, error) {
	if m == nil || m.root == nil {
		return true, nil
	}
	if len(extras) == 0 {
		return m.evaluateWithExtra(env, "")
	}
	for _, e := range extras {
		ok, err := m.evaluateWithExtra(env, e)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

func (m *Marker) evaluateWithExtra(env Environment, extra string) (bool, error) {
	return m.root.evaluate(func(name string) (string, bool) {
		switch name {
		case "extra":
			return canonicalName(extra), true
		case "python_full_version":
			v, ok := env[name]
			if strings.HasSuffix(v, "+") {
				v += "local"
			}
			return v, ok
		}
		v, ok := env[name]
		return v, ok
	})
}

// lookupFunc returns the value of a marker variable and whether it is
// defined.
type lookupFunc func(name string) (string, bool)

// evaluate applies "and" before "or". Like packaging, it evaluates every
// comparison (no short cut), so an undefined comparison anywhere is an
// error.
func (g *markerGroup) evaluate(lookup lookupFunc) (bool, error) {
	anyGroup, allSoFar := false, true
	for i, term := range g.terms {
		if i > 0 && g.ops[i-1] == "or" {
			anyGroup = anyGroup || allSoFar
			allSoFar = true
		}
		var ok bool
		var err error
		switch term := term.(type) {
		case *markerGroup:
			ok, err = term.evaluate(lookup)
		case markerComparison:
			ok, err = term.evaluate(lookup)
		}
		if err != nil {
			return false, err
		}
		allSoFar = allSoFar && ok
	}
	return anyGroup || allSoFar, nil
}

// evaluate compares the two sides. As in packaging, the variable whose
// value is looked up is the left side when it is a variable, else the text
// of the right side (even when that is a quoted value), and the other side
// is taken literally.
func (c markerComparison) evaluate(lookup lookupFunc) (bool, error) {
	var key, lhs, rhs string
	if c.lhs.isVariable {
		key, rhs = c.lhs.text, c.rhs.text
		v, ok := lookup(key)
		if !ok {
			return false, fmt.Errorf("%w: %q is not defined in the environment", ErrUndefined, key)
		}
		lhs = v
	} else {
		key, lhs = c.rhs.text, c.lhs.text
		v, ok := lookup(key)
		if !ok {
			return false, fmt.Errorf("%w: %q is not defined in the environment", ErrUndefined, key)
		}
		rhs = v
	}
	if setVariables[key] {
		lhs, rhs = canonicalName(lhs), canonicalName(rhs)
	}
	if versionVariables[key] {
		if ok, decided := compareVersions(lhs, c.op, rhs); decided {
			return ok, nil
		}
	}
	switch c.op {
	case "in":
		return strings.Contains(rhs, lhs), nil
	case "not in":
		return !strings.Contains(rhs, lhs), nil
	case "==", "<=", ">=":
		return lhs == rhs, nil
	case "!=":
		return lhs != rhs, nil
	case "<", ">":
		return false, nil
	}
	return false, fmt.Errorf("%w: %q %s %q compares strings that are not versions", ErrUndefined, lhs, c.op, rhs)
}

// compareVersions applies the specifier op+rhs to lhs. decided is false when
// op+rhs is not a valid specifier, and the comparison falls back to strings.
func compareVersions(lhs, op, rhs string) (ok, decided bool) {
	if op == "===" {
		return arbitraryEqual(lhs, rhs)
	}
	if op == "in" || op == "not in" {
		return false, false
	}
	spec, err := pep440.ParseSpecifier(op + rhs)
	if err != nil {
		return false, false
	}
	v, err := pep440.Parse(lhs)
	if err != nil {
		return false, true
	}
	return spec.Contains(v, pep440.PrereleasesAllow), true
}

// arbitraryEqual is packaging's "===" specifier: valid when the version,
// stripped of whitespace, holds no whitespace, ";" or ")"; it matches a
// string equal to that version ignoring case.
func arbitraryEqual(lhs, rhs string) (ok, decided bool) {
	version := strings.TrimFunc(rhs, isPySpace)
	if strings.IndexFunc(version, func(r rune) bool { return isPySpace(r) || r == ';' || r == ')' }) >= 0 {
		return false, false
	}
	return pythonLower(lhs) == pythonLower(version), true
}
