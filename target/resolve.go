package target

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep508"
)

// Spec is what a user asks for: a Python and the platforms of the nodes.
type Spec struct {
	// Python is a version ("3.11", "3.11.7"), an interpreter path, a
	// command on PATH ("python3.11"), or empty for python3 on PATH.
	Python string
	// Platforms are platform tags of the cluster nodes, most preferred
	// first ("manylinux_2_28_x86_64"). Empty means this host's platform.
	Platforms []string
}

// Options says where to look for interpreters and where to cache probes.
type Options struct {
	// CacheDir holds cached interpreter probes; empty disables caching.
	CacheDir string
	// Getenv reads the environment (PATH, PYENV_ROOT, HOME); nil means os.Getenv.
	Getenv func(string) string
}

func (o Options) getenv(k string) string {
	if o.Getenv == nil {
		return os.Getenv(k)
	}
	return o.Getenv(k)
}

// Resolve turns a Spec into a Target.
//
//   - A version with platforms is a synthetic target: it works on any host.
//   - A version alone uses a local interpreter of that version (PATH, then
//     pyenv) when there is one, else this host's platforms with that version.
//   - An interpreter is asked for its marker environment and tags; with
//     platforms too, its version is used with those platforms.
//   - Nothing at all means python3 on PATH.
//
// An interpreter command that is not on PATH is a *NotOnPathError; a
// version whose platform this host cannot tell, a *PlatformNeededError;
// platforms with an interpreter other than CPython, a *NotCPythonError.
func Resolve(ctx context.Context, spec Spec, opts Options) (*Target, error) {
	v, isVersion, err := parseVersionRequest(spec.Python)
	if err != nil {
		return nil, err
	}
	if isVersion {
		if len(spec.Platforms) > 0 {
			if err := v.known(spec.Python, opts); err != nil {
				return nil, err
			}
			return synthetic(v, spec.Platforms)
		}
		if py, err := FindInterpreter(spec.Python, opts); err == nil {
			t, err := fromInterpreter(ctx, py, opts)
			if err == nil && (!v.exact || t.PythonFullVersion == v.full) {
				return t, nil
			}
		}
		if err := v.known(spec.Python, opts); err != nil {
			return nil, err
		}
		host, err := hostPlatforms(ctx, opts)
		if err != nil {
			return nil, &PlatformNeededError{Version: v.short(), Err: err}
		}
		return onPlatforms(v, host)
	}
	py := spec.Python
	if py == "" {
		py = "python3"
	}
	path, err := lookPath(py, opts)
	if err != nil {
		return nil, err
	}
	t, err := fromInterpreter(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	if len(spec.Platforms) == 0 {
		return t, nil
	}
	if t.Markers["implementation_name"] != "cpython" {
		return nil, &NotCPythonError{Interpreter: path, Implementation: t.Markers["implementation_name"]}
	}
	pv, _, err := parseVersionRequest(t.PythonFullVersion)
	if err != nil {
		return nil, fmt.Errorf("python interpreter %s: %w", path, err)
	}
	return synthetic(pv, spec.Platforms)
}

// fromInterpreter reads a target from a real interpreter.
func fromInterpreter(ctx context.Context, path string, opts Options) (*Target, error) {
	r, err := probe(ctx, path, opts.CacheDir)
	if err != nil {
		return nil, err
	}
	ts, err := r.TagFacts.SysTags()
	if err != nil {
		return nil, fmt.Errorf("python interpreter %s: %w", path, err)
	}
	env := pep508.Environment(r.Markers)
	if err := env.Validate(); err != nil {
		return nil, fmt.Errorf("python interpreter %s: %w", path, err)
	}
	return &Target{
		PythonVersion:     r.Markers["python_version"],
		PythonFullVersion: r.Markers["python_full_version"],
		Markers:           env,
		Tags:              ts,
		Platforms:         platformsOf(ts),
		Interpreter:       path,
	}, nil
}

// hostPlatforms reads this host's platform tags from python3 on PATH: all
// of them, in packaging's order (linux_<arch> first, then the manylinux
// levels its glibc runs), for a target of another version on this host.
func hostPlatforms(ctx context.Context, opts Options) ([]string, error) {
	path, err := lookPath("python3", opts)
	if err != nil {
		return nil, err
	}
	t, err := fromInterpreter(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	if len(t.Platforms) == 0 {
		return nil, errors.New("python3 on PATH reports no platform tags")
	}
	return t.Platforms, nil
}

// lookPath finds an interpreter given as a path or a command name.
func lookPath(py string, opts Options) (string, error) {
	if strings.ContainsRune(py, filepath.Separator) || strings.ContainsRune(py, '/') {
		if _, err := os.Stat(py); err != nil {
			return "", fmt.Errorf("python interpreter %s: %w", py, err)
		}
		return filepath.Abs(py)
	}
	for _, dir := range filepath.SplitList(opts.getenv("PATH")) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, py)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &NotOnPathError{Command: py}
}
