package metadata

import (
	"errors"
	"fmt"
)

// ErrInvalid is matched by errors.Is for every error Parse returns.
var ErrInvalid = errors.New("invalid core metadata")

// FieldError reports a field of core metadata that is missing or invalid.
type FieldError struct {
	Name    string // the distribution's Name field, if it was read
	Version string // the distribution's Version field, if it was read
	Field   string // the field, e.g. "Requires-Dist"
	Line    int    // 1-based line of the field in the file, 0 when missing
	Reason  string // what is wrong
	Err     error  // the underlying error, or nil
}

// Error names the distribution (when known), the field, the line and the
// problem.
func (e *FieldError) Error() string {
	where := e.Field
	if e.Line > 0 {
		where = fmt.Sprintf("%s (line %d)", e.Field, e.Line)
	}
	msg := fmt.Sprintf("core metadata: %s: %s", where, e.Reason)
	if e.Name != "" {
		msg = fmt.Sprintf("core metadata of %s %s: %s: %s", e.Name, e.Version, where, e.Reason)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error, if any, and ErrInvalid.
func (e *FieldError) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Err, ErrInvalid}
	}
	return []error{ErrInvalid}
}

// errorf builds a FieldError with the name and version read so far.
func (m *Metadata) errorf(err error, field string, line int, format string, args ...any) *FieldError {
	return &FieldError{Name: m.Name, Version: m.Version, Field: field, Line: line, Reason: fmt.Sprintf(format, args...), Err: err}
}
