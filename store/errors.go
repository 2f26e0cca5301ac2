package store

import "errors"

// The errors callers branch on. Backends wrap them (errors.Is works) in
// an *Error that names the URL and the operation.
var (
	// ErrNotExist: no object of that name.
	ErrNotExist = errors.New("no such object")
	// ErrNoContainer: the bucket (or the root directory) does not exist.
	ErrNoContainer = errors.New("no such bucket or directory")
	// ErrAccessDenied: the credentials do not allow the operation.
	ErrAccessDenied = errors.New("access denied")
	// ErrUnreachable: the server could not be reached.
	ErrUnreachable = errors.New("cannot reach the server")
	// ErrInvalidName: the object name is not a clean relative name.
	ErrInvalidName = errors.New("invalid object name")
	// ErrSizeMismatch: the reader given to Put had fewer or more bytes
	// than the size given.
	ErrSizeMismatch = errors.New("content size differs from the size given")
	// ErrUnsupportedScheme: Open has no opener for the URL's scheme.
	ErrUnsupportedScheme = errors.New("unsupported store URL scheme")
)

// Error is the error of one store operation: which, on which URL (never
// with credentials) and why.
type Error struct {
	Op  string // "open", "stat", "put", "get", "list"
	URL string // the object's or the store's URL, without credentials
	Err error  // the reason; wraps one of the Err* values when it is one of them
}

func (e *Error) Error() string { return e.Op + " " + e.URL + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }
