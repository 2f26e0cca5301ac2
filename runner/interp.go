package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/target"
)

// Interpreter is a CPython whose shared libpython the runner can load.
type Interpreter struct {
	// Executable is the interpreter's program. The runner never runs it
	// to execute code; CPython computes its prefix (and so finds its
	// standard library) from this path, as it would from argv[0].
	Executable string
	// Library is the shared libpython (libpython3.Y.so.1.0).
	Library string
	Version [2]int
	// Bundled is true for the interpreter shipped inside the archive.
	Bundled bool
}

// FindOptions say where FindInterpreter looks.
type FindOptions struct {
	// Python is an interpreter the caller names: used instead of any
	// search, if the archive has no bundled Python.
	Python string
	// Getenv reads PATH, PYENV_ROOT and HOME; nil means os.Getenv.
	Getenv func(string) string
	// CacheDir, when set, keeps what probing an interpreter found (a
	// `python -c` run of 70-90 ms) under probe-v1/, by the executable's
	// real path, size and modification time; only an ELF executable is
	// kept (a wrapper script, such as a pyenv shim, may run another
	// interpreter each time). Run sets it to its Open.CacheDir.
	CacheDir string
}

func (o FindOptions) getenv(k string) string {
	if o.Getenv == nil {
		return os.Getenv(k)
	}
	return o.Getenv(k)
}

// ErrNoInterpreter is wrapped by FindInterpreter's error when no usable
// libpython was found; the message lists what was searched.
var ErrNoInterpreter = errors.New("no usable Python")

// NoInterpreterError is FindInterpreter's error when no usable libpython
// was found: it says where it looked and why each candidate did not fit.
// It wraps ErrNoInterpreter.
type NoInterpreterError struct {
	// Version is the archive's Python version, "X.Y".
	Version string
	// Given is the interpreter the caller named (FindOptions.Python),
	// or "" when the local interpreters were searched.
	Given string
	// Looked are the places looked at, each with why it did not fit.
	Looked []string
}

func (e *NoInterpreterError) Error() string {
	looked := strings.Join(e.Looked, "; ")
	if e.Given != "" {
		return fmt.Sprintf("%v: %s", ErrNoInterpreter, looked)
	}
	v := e.Version
	return fmt.Sprintf("%v of version %s for this archive: looked at %s. Install one with a shared libpython (e.g. `pyenv install %s`, or your distribution's python%s and libpython%s packages), or name one",
		ErrNoInterpreter, v, looked, v, v, v)
}

func (e *NoInterpreterError) Unwrap() error { return ErrNoInterpreter }

// FindInterpreter chooses the libpython to run env with: the interpreter
// bundled in the archive if there is one; else opts.Python; else a local
// CPython of the archive's major.minor, pythonX.Y on PATH then pyenv's
// versions (newest patch first). A candidate must have a shared
// libpython (CPython configured with --enable-shared, as pyenv's and most
// distributions' are; Debian/Ubuntu ship it as libpython3.Y). The error,
// a *NoInterpreterError, names every place looked at and why each did
// not fit.
func FindInterpreter(ctx context.Context, env *Env, opts FindOptions) (*Interpreter, error) {
	if env.Bundled != nil {
		return env.Bundled, nil
	}
	xy := fmt.Sprintf("%d.%d", env.Python[0], env.Python[1])
	var searched []string
	try := func(py string) *Interpreter {
		in, err := probeCached(ctx, py, opts.CacheDir)
		if err != nil {
			searched = append(searched, fmt.Sprintf("%s: %v", py, err))
			return nil
		}
		if in.Version != env.Python {
			searched = append(searched, fmt.Sprintf("%s: Python %d.%d, the archive needs %s", py, in.Version[0], in.Version[1], xy))
			return nil
		}
		return in
	}
	if opts.Python != "" {
		if in := try(opts.Python); in != nil {
			return in, nil
		}
		return nil, &NoInterpreterError{Version: xy, Given: opts.Python, Looked: searched}
	}
	local, err := target.LocalInterpreters(xy, target.Options{Getenv: opts.Getenv})
	if err != nil {
		return nil, err
	}
	for _, p := range local.Candidates {
		if in := try(p); in != nil {
			return in, nil
		}
	}
	searched = append(searched, local.Notes...)
	return nil, &NoInterpreterError{Version: xy, Looked: searched}
}

const probeScript = `import json, os, sys, sysconfig
v = sysconfig.get_config_var
print(json.dumps({"version": list(sys.version_info[:2]), "impl": sys.implementation.name,
  "executable": os.path.realpath(sys.executable),
  "libdir": v("LIBDIR") or "", "instsoname": v("INSTSONAME") or "", "ldlibrary": v("LDLIBRARY") or "",
  "shared": bool(v("Py_ENABLE_SHARED")), "multiarch": v("MULTIARCH") or "",
  "gil_disabled": bool(v("Py_GIL_DISABLED"))}))
`

// ProbeInterpreter runs python once to ask where its shared libpython is.
func ProbeInterpreter(ctx context.Context, python string) (*Interpreter, error) {
	cmd := exec.CommandContext(ctx, python, "-I", "-c", probeScript)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("cannot run it (%v) %s", err, strings.TrimSpace(stderr.String()))
	}
	var p struct {
		Version     []int  `json:"version"`
		Impl        string `json:"impl"`
		Executable  string `json:"executable"`
		LibDir      string `json:"libdir"`
		InstSoname  string `json:"instsoname"`
		LDLibrary   string `json:"ldlibrary"`
		Shared      bool   `json:"shared"`
		MultiArch   string `json:"multiarch"`
		GILDisabled bool   `json:"gil_disabled"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &p); err != nil || len(p.Version) != 2 {
		return nil, fmt.Errorf("not a Python 3 interpreter (%q)", strings.TrimSpace(stdout.String()))
	}
	if p.Impl != "cpython" {
		return nil, fmt.Errorf("%s, not CPython", p.Impl)
	}
	if p.GILDisabled {
		return nil, errors.New("a free-threaded build, which the runner does not support")
	}
	in := &Interpreter{Executable: p.Executable, Version: [2]int{p.Version[0], p.Version[1]}}
	var cands []string
	for _, name := range []string{p.InstSoname, p.LDLibrary} {
		if name == "" || !strings.Contains(name, ".so") {
			continue
		}
		cands = append(cands, filepath.Join(p.LibDir, name))
		if p.MultiArch != "" {
			cands = append(cands, filepath.Join(p.LibDir, p.MultiArch, name))
		}
		cands = append(cands, filepath.Join(filepath.Dir(filepath.Dir(p.Executable)), "lib", name))
	}
	for _, c := range cands {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			in.Library = c
			return in, nil
		}
	}
	if !p.Shared {
		return nil, fmt.Errorf("built without a shared libpython (--enable-shared) and no libpython%d.%d.so beside it", in.Version[0], in.Version[1])
	}
	return nil, fmt.Errorf("its shared libpython is not at %s", strings.Join(cands, " or "))
}
