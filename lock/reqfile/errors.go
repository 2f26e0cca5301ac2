package reqfile

import (
	"errors"
	"fmt"

	"github.com/clusterpack/clusterpack/internal/redact"
)

// ErrURLNotAllowed is matched (errors.Is) when a file names an http(s)
// requirements file and Options.Fetch is nil.
var ErrURLNotAllowed = errors.New("requirements files from URLs are not enabled")

// ErrCycle is matched (errors.Is) when requirements files include each
// other in a loop.
var ErrCycle = errors.New("requirements files include each other")

// Error is a problem with one line of a requirements file. Its message
// starts with "file:line: ".
type Error struct {
	Source Source
	Err    error
}

// Error returns "file:line: message" with the credentials of every URL in
// it masked (redact.Mask).
func (e *Error) Error() string {
	return redact.Mask(fmt.Sprintf("%s: %v", e.Source, e.Err))
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

func lineError(src Source, format string, args ...any) error {
	return &Error{Source: src, Err: fmt.Errorf(format, args...)}
}
