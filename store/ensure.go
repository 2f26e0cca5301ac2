package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// The upload-if-absent logic on top of a Store: environments are named
// by a hash of their inputs, so "already uploaded?" is one Stat, and the
// build happens only when the answer is no.

// ErrCorrupt: the stored content does not match its recorded sha256 or
// size.
var ErrCorrupt = errors.New("stored content does not match its recorded sha256")

// State is what Check found under a name.
type State int

const (
	Absent         State = iota // no object
	Present                     // the object, with the wanted (or, when none is wanted, some) recorded sha256
	NoDigest                    // an object without a recorded sha256: unverifiable, to be replaced
	DigestMismatch              // an object whose recorded sha256 is not the one wanted
	Corrupt                     // read back, the content does not hash to its recorded sha256
	Rejected                    // present, but EnsureOptions.Accept turned it down
)

func (s State) String() string {
	switch s {
	case Absent:
		return "absent"
	case Present:
		return "present"
	case NoDigest:
		return "present without a recorded sha256"
	case DigestMismatch:
		return "present with another sha256"
	case Corrupt:
		return "present but corrupt (content does not match its sha256)"
	case Rejected:
		return "present but not what was expected"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Check looks for name. want is the expected hex sha256, or "" when only
// the name is known (before a build: the name carries the content hash,
// so any recorded digest will do). With verify, a present object is
// read back and hashed (a full download) to catch corruption at rest.
func Check(ctx context.Context, s Store, name, want string, verify bool) (Info, State, error) {
	info, err := s.Stat(ctx, name)
	switch {
	case errors.Is(err, ErrNotExist):
		return Info{}, Absent, nil
	case err != nil:
		return Info{}, Absent, err
	case info.SHA256 == "":
		return info, NoDigest, nil
	case want != "" && info.SHA256 != want:
		return info, DigestMismatch, nil
	}
	if verify {
		vinfo, err := Verify(ctx, s, name)
		if errors.Is(err, ErrCorrupt) {
			return info, Corrupt, nil
		}
		if err != nil {
			return info, Absent, err
		}
		info = vinfo
	}
	return info, Present, nil
}

// Verify reads name back and checks its content against its recorded
// sha256 and size. It returns an error wrapping ErrCorrupt when they
// differ or no digest is recorded.
func Verify(ctx context.Context, s Store, name string) (Info, error) {
	rc, info, err := s.Get(ctx, name)
	if err != nil {
		return Info{}, err
	}
	defer rc.Close()
	if info.SHA256 == "" {
		return info, &Error{Op: "verify", URL: s.URL(name), Err: fmt.Errorf("%w: no sha256 is recorded", ErrCorrupt)}
	}
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return info, &Error{Op: "verify", URL: s.URL(name), Err: fmt.Errorf("reading the object: %w", err)}
	}
	got := hex.EncodeToString(h.Sum(nil))
	if n != info.Size || got != info.SHA256 {
		return info, &Error{Op: "verify", URL: s.URL(name),
			Err: fmt.Errorf("%w: read %d bytes with sha256 %s; recorded %d bytes with sha256 %s", ErrCorrupt, n, got, info.Size, info.SHA256)}
	}
	return info, nil
}

// Content is what a build hands to Ensure: the bytes, their size and
// their sha256.
type Content struct {
	R      io.ReadCloser
	Size   int64
	SHA256 string
}

// EnsureOptions tune Ensure.
type EnsureOptions struct {
	// Want is the expected sha256 if known before building, else "".
	Want string
	// Force uploads even when the object is present.
	Force bool
	// Verify reads a present object back and hashes it (a download).
	Verify bool
	// Accept, when not nil, is asked about an object Check found Present
	// (with the wanted sha256, or with any when Want is ""): the caller
	// may know more than a digest, such as the size and sha256 a manifest
	// records. An object it turns down is replaced, and Found is
	// Rejected. It is not called with Force.
	Accept func(ctx context.Context, found Info) bool
	// Put is passed to Store.Put (ContentType, Progress); its SHA256 is
	// set from the Content.
	Put PutOptions
}

// EnsureResult says what Ensure did.
type EnsureResult struct {
	Info     Info
	Found    State // what Check (and Accept) found before any upload
	Uploaded bool  // whether build ran and its content was put
}

// Ensure makes sure name holds the content: when Check finds it Present
// (and not Force, and Accept takes it) it returns without calling build,
// and EnsureResult.Info describes the object found; otherwise it calls
// build and puts its content, checking on the way that the bytes hash to
// Content.SHA256 and fail the Put (nothing stored) if not. Two Ensures of
// the same name at once both succeed and leave one object.
func Ensure(ctx context.Context, s Store, name string, build func(ctx context.Context) (Content, error), opts EnsureOptions) (EnsureResult, error) {
	if err := ValidSHA256(opts.Want); err != nil {
		return EnsureResult{}, &Error{Op: "ensure", URL: s.URL(name), Err: err}
	}
	info, state, err := Check(ctx, s, name, opts.Want, opts.Verify)
	if err != nil {
		return EnsureResult{}, err
	}
	if state == Present && !opts.Force && opts.Accept != nil && !opts.Accept(ctx, info) {
		state = Rejected
	}
	res := EnsureResult{Info: info, Found: state}
	if state == Present && !opts.Force {
		return res, nil
	}
	c, err := build(ctx)
	if err != nil {
		return res, err
	}
	defer c.R.Close()
	if err := ValidSHA256(c.SHA256); err != nil || c.SHA256 == "" {
		return res, &Error{Op: "put", URL: s.URL(name), Err: fmt.Errorf("the content's sha256 %q is not a sha256", c.SHA256)}
	}
	if opts.Want != "" && c.SHA256 != opts.Want {
		return res, &Error{Op: "put", URL: s.URL(name), Err: fmt.Errorf("the built content has sha256 %s, not the expected %s", c.SHA256, opts.Want)}
	}
	po := opts.Put
	po.SHA256 = c.SHA256
	info, err = s.Put(ctx, name, &hashCheckReader{r: c.R, h: sha256.New(), want: c.SHA256}, c.Size, po)
	if err != nil {
		return res, err
	}
	res.Info, res.Uploaded = info, true
	return res, nil
}

// hashCheckReader fails at the end of its content, instead of returning
// io.EOF, when the content does not hash to want: a store then commits
// nothing.
type hashCheckReader struct {
	r    io.Reader
	h    hash.Hash
	want string
}

func (c *hashCheckReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.h.Write(b[:n])
	if err == io.EOF {
		if got := hex.EncodeToString(c.h.Sum(nil)); got != c.want {
			return n, fmt.Errorf("%w: the content being uploaded has sha256 %s, not the %s given", ErrCorrupt, got, c.want)
		}
	}
	return n, err
}
