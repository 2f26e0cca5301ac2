package pep508

import (
	"errors"
	"fmt"
)

// ErrSyntax is matched by errors.Is for every error ParseRequirement and
// ParseMarker return.
var ErrSyntax = errors.New("invalid dependency specifier")

// SyntaxError reports where and why a requirement or marker string cannot be
// parsed. Start and End are byte offsets into Input delimiting the part that
// is wrong (End == Start points between two characters).
type SyntaxError struct {
	Input  string // the whole string being parsed
	Start  int    // byte offset where the problem starts
	End    int    // byte offset where it ends (≥ Start)
	Reason string // what is wrong, e.g. `expected ";" or the end after the version specifier`
	Err    error  // an underlying error (e.g. from pep440), or nil
}

// Error describes the problem with the input quoted and a column (in
// characters, counting from 1) so a user can find it.
func (e *SyntaxError) Error() string {
	col := len([]rune(e.Input[:e.Start])) + 1
	return fmt.Sprintf("%q: %s (at column %d)", e.Input, e.Reason, col)
}

// Unwrap returns the underlying error, if any, and ErrSyntax.
func (e *SyntaxError) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Err, ErrSyntax}
	}
	return []error{ErrSyntax}
}
