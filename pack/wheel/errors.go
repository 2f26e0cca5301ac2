package wheel

import "errors"

// ErrInvalidWheel is wrapped by every error about a wheel that breaks the
// binary distribution format: a bad member path, a missing or malformed
// .dist-info file, an unsupported Wheel-Version, a bad entry point.
var ErrInvalidWheel = errors.New("invalid wheel")

// ErrRecordMismatch is wrapped by the errors about a member whose content
// disagrees with the wheel's RECORD, or that RECORD does not list.
var ErrRecordMismatch = errors.New("member does not match RECORD")

// MemberError is an error about one member of a wheel.
type MemberError struct {
	Wheel  string // the wheel's file name
	Member string // the member's path inside the wheel
	Err    error
}

func (e *MemberError) Error() string {
	return "wheel " + e.Wheel + ": " + e.Member + ": " + e.Err.Error()
}

func (e *MemberError) Unwrap() error { return e.Err }
