package lockfile

import (
	"errors"
	"fmt"
	"strconv"
)

// Kinds of problems, matched with errors.Is on any error this package returns.
var (
	ErrSyntax             = errors.New("invalid TOML")
	ErrUnsupportedVersion = errors.New("unsupported lock-version")
	ErrMissingKey         = errors.New("missing required key")
	ErrUnknownKey         = errors.New("unknown key")
	ErrWrongType          = errors.New("wrong type")
	ErrInvalidValue       = errors.New("invalid value")
	ErrSource             = errors.New("invalid package source")
	ErrDuplicatePackage   = errors.New("duplicate package")
	ErrHashes             = errors.New("invalid hashes")
	ErrFilename           = errors.New("inconsistent file name")
)

// Error is a problem with a lock. It names the file (when the lock was
// read from one), the line (when known: TOML syntax errors, and the
// "[[packages]]" header of the package at fault), the package, and the
// TOML key path such as "packages[2].wheels[0].hashes".
type Error struct {
	File    string // the file name given to Read; empty for Validate
	Line    int    // 1-based; 0 when unknown
	Package string // "name version" of the package at fault, if any
	Key     string // the TOML key path, if any
	Err     error  // what is wrong; wraps one of the Err* kinds
}

// Error formats the error as "file:line: package "name 1.0": key: problem".
func (e *Error) Error() string {
	var b []byte
	if e.File != "" {
		b = append(b, e.File...)
		if e.Line > 0 {
			b = append(b, ':')
			b = strconv.AppendInt(b, int64(e.Line), 10)
		}
		b = append(b, ": "...)
	} else if e.Line > 0 {
		b = append(b, "line "...)
		b = strconv.AppendInt(b, int64(e.Line), 10)
		b = append(b, ": "...)
	}
	if e.Package != "" {
		b = append(b, "package "...)
		b = strconv.AppendQuote(b, e.Package)
		b = append(b, ": "...)
	}
	if e.Key != "" {
		b = append(b, e.Key...)
		b = append(b, ": "...)
	}
	b = append(b, e.Err.Error()...)
	return string(b)
}

// Unwrap returns the underlying problem.
func (e *Error) Unwrap() error { return e.Err }

// problem returns an *Error for key with the message formatted after kind.
func problem(key string, kind error, format string, args ...any) *Error {
	return &Error{Key: key, Err: fmt.Errorf("%w: "+format, append([]any{kind}, args...)...)}
}
