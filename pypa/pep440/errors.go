package pep440

import (
	"errors"
	"fmt"
)

// ErrInvalidVersion is matched by errors.Is for every error Parse returns.
var ErrInvalidVersion = errors.New("invalid version")

// ErrInvalidSpecifier is matched by errors.Is for every error
// ParseSpecifier and ParseSpecifierSet return.
var ErrInvalidSpecifier = errors.New("invalid specifier")

// VersionError reports a string that is not a valid PEP 440 version.
type VersionError struct {
	Input  string // the string given to Parse
	Reason string // what is wrong with it
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("invalid version %q: %s", e.Input, e.Reason)
}

// Unwrap returns ErrInvalidVersion.
func (e *VersionError) Unwrap() error { return ErrInvalidVersion }

// SpecifierError reports a string that is not a valid version specifier
// or specifier set.
type SpecifierError struct {
	Input  string // the specifier (or specifier set) as given
	Reason string // what is wrong with it
	Err    error  // the underlying error, if any (e.g. a *VersionError)
}

func (e *SpecifierError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("invalid specifier %q: %s: %v", e.Input, e.Reason, e.Err)
	}
	return fmt.Sprintf("invalid specifier %q: %s", e.Input, e.Reason)
}

// Unwrap returns the underlying error and ErrInvalidSpecifier.
func (e *SpecifierError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidSpecifier, e.Err}
	}
	return []error{ErrInvalidSpecifier}
}
