package build517

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors a HookError wraps, to tell failures apart with errors.Is.
var (
	// ErrHookMissing: the backend does not define the hook.
	ErrHookMissing = errors.New("hook missing")
	// ErrBackendUnavailable: the backend could not be imported (or was not
	// loaded from its backend-path).
	ErrBackendUnavailable = errors.New("backend unavailable")
	// ErrBackendFailed: the hook raised an exception, exited without an
	// answer or returned something PEP 517 does not allow.
	ErrBackendFailed = errors.New("backend failed")
)

// HookError reports a PEP 517 hook that did not succeed. Err wraps one of
// the sentinel errors above or, for a timeout or cancellation, the
// context's error.
type HookError struct {
	Sdist   string // file name of the source distribution
	Hook    string // e.g. "build_wheel"
	Backend string // e.g. "setuptools.build_meta:__legacy__"
	Err     error
	// Output is the last lines of the hook process's standard output and
	// error, ending with the backend's traceback when it raised one.
	Output string
}

func (e *HookError) Error() string {
	msg := fmt.Sprintf("building %s: PEP 517 hook %s of backend %s: %v", e.Sdist, e.Hook, e.Backend, e.Err)
	if out := strings.TrimRight(e.Output, "\n"); out != "" {
		msg += "\nlast lines of the backend's output:\n" + out
	}
	return msg
}

func (e *HookError) Unwrap() error { return e.Err }

// InterpreterError reports that no suitable Python interpreter was given
// for building an sdist (Frontend.Python). Its message asks for one in
// these terms; a caller with its own way of naming an interpreter can
// add it.
type InterpreterError struct {
	Sdist  string // file name of the source distribution
	Python string // the interpreter given (Frontend.Python), may be empty
	// Want is the Python version needed, e.g. "3.11" or ">=3.9" (from
	// Frontend.PythonVersion or the sdist's Requires-Python); may be empty.
	Want string
	// Found is the version of Python, when it ran.
	Found string
	Err   error
}

func (e *InterpreterError) Error() string {
	want := "a Python interpreter"
	if e.Want != "" {
		want = "a CPython " + e.Want + " interpreter"
	}
	var problem string
	switch {
	case e.Python == "":
		problem = "none was given"
	case e.Found != "":
		problem = fmt.Sprintf("%s is Python %s", e.Python, e.Found)
	default:
		problem = fmt.Sprintf("%s does not run: %v", e.Python, e.Err)
	}
	todo := "name one"
	if v := e.Version(); v != "" {
		todo = fmt.Sprintf("name one, or install it with `pyenv install %s`", v)
	}
	return fmt.Sprintf("building %s needs %s, but %s; %s", e.Sdist, want, problem, todo)
}

// Version is Want when it is a plain "X.Y" version, else "".
func (e *InterpreterError) Version() string { return plainVersion(e.Want) }

func (e *InterpreterError) Unwrap() error { return e.Err }

// plainVersion returns want when it is a bare "X.Y" version, else "".
func plainVersion(want string) string {
	major, minor, ok := strings.Cut(want, ".")
	if !ok || major == "" || minor == "" || strings.Trim(major+minor, "0123456789") != "" {
		return ""
	}
	return want
}

// ArchiveError reports an sdist that cannot be unpacked safely: not a
// .tar.gz, .tar or .zip, corrupt, too large, or with entries that would escape
// the unpack directory.
type ArchiveError struct {
	Sdist string // path of the source distribution
	Entry string // the offending entry, when there is one
	Err   error
}

func (e *ArchiveError) Error() string {
	if e.Entry != "" {
		return fmt.Sprintf("unpacking sdist %s: entry %q: %v", e.Sdist, e.Entry, e.Err)
	}
	return fmt.Sprintf("unpacking sdist %s: %v", e.Sdist, e.Err)
}

func (e *ArchiveError) Unwrap() error { return e.Err }
