package lock

import (
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep508"
)

// RequirementArgError is a requirement given as a string (an argument,
// not a line of a file) that cannot be read: a mistake in what the user
// typed. Err is a *pep508.SyntaxError, which gives the column.
type RequirementArgError struct {
	Requirement string
	Err         error
}

func (e *RequirementArgError) Error() string { return "requirement " + e.Err.Error() }
func (e *RequirementArgError) Unwrap() error { return e.Err }

// parseRequirementArg parses a requirement string, refusing what
// packaging accepts but can only be a typo: "===" with nothing after it,
// which matches no version (uv refuses it too).
func parseRequirementArg(s string) (pep508.Requirement, error) {
	r, err := pep508.ParseRequirement(s)
	if err != nil {
		return r, &RequirementArgError{Requirement: s, Err: err}
	}
	for _, sp := range r.Specifier.Specifiers() {
		if sp.Operator() == "===" && sp.Version() == "" {
			start := emptyArbitrary(s)
			return r, &RequirementArgError{Requirement: s, Err: &pep508.SyntaxError{
				Input: s, Start: start, End: start + len("==="), Reason: `expected a version after "==="`,
			}}
		}
	}
	return r, nil
}

// emptyArbitrary is the offset of the "===" in s that has no version after
// it.
func emptyArbitrary(s string) int {
	for i := 0; ; {
		j := strings.Index(s[i:], "===")
		if j < 0 {
			return 0
		}
		i += j
		rest := strings.TrimLeft(s[i+3:], " \t")
		if rest == "" || strings.ContainsRune(",;)", rune(rest[0])) {
			return i
		}
		i += 3
	}
}
