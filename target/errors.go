package target

import (
	"fmt"
	"os/exec"
)

// The errors below say what to do in this package's terms (a Spec's
// Python and Platforms); a command line that has flags for them adds
// their names.

// NoInterpreterError says that no local interpreter of a Python version
// was found (FindInterpreter): name one, or install one.
type NoInterpreterError struct {
	// Version is the version looked for, "X.Y".
	Version string
}

func (e *NoInterpreterError) Error() string {
	v := e.Version
	return fmt.Sprintf("no Python %s on this machine (looked for python%s on PATH and in pyenv): install it (e.g. pyenv install %s) or name an interpreter of that version", v, v, v)
}

// NotOnPathError says that an interpreter named by a command ("python3",
// "python3.11") is not on PATH. It wraps exec.ErrNotFound.
type NotOnPathError struct {
	// Command is the command looked for.
	Command string
}

func (e *NotOnPathError) Error() string {
	return fmt.Sprintf("no %s on PATH: install Python, or name an interpreter by its path, or give a Python version and the cluster's platform for a cluster target: %v", e.Command, exec.ErrNotFound)
}

func (e *NotOnPathError) Unwrap() error { return exec.ErrNotFound }

// PlatformNeededError says that a target of a Python version needs the
// platform tags of the cluster nodes (Spec.Platforms): this host cannot
// tell them.
type PlatformNeededError struct {
	// Version is the target's Python version, "X.Y".
	Version string
	// Err is why this host's platform could not be read, when it was
	// tried.
	Err error
}

func (e *PlatformNeededError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("a synthetic Python %s target needs at least one platform tag", e.Version)
	}
	return fmt.Sprintf("no local Python %s to read the platform from, and %v; name the cluster's platform", e.Version, e.Err)
}

func (e *PlatformNeededError) Unwrap() error { return e.Err }

// NotCPythonError says that an interpreter given with platform tags is
// not CPython: such a target takes the interpreter's version, and only
// CPython's tags can be computed for other platforms.
type NotCPythonError struct {
	// Interpreter is the interpreter's path.
	Interpreter string
	// Implementation is its implementation name ("pypy").
	Implementation string
}

func (e *NotCPythonError) Error() string {
	return fmt.Sprintf("python interpreter %s is %s; a target for given platforms needs CPython", e.Interpreter, e.Implementation)
}

// VersionError says that a requested Python version names no CPython a
// target can be made for: not CPython 3, or a version that does not
// exist (3.99).
type VersionError struct {
	// Version is the version as requested.
	Version string
	// Reason says what is wrong with it.
	Reason string
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("python version %q: %s", e.Version, e.Reason)
}
