package target

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Search is the outcome of a search for local interpreters of a version:
// the candidates, most preferred first, and a note for each place that
// had none (for an error that says where clusterpack looked).
type Search struct {
	Candidates []string
	Notes      []string
}

// LocalInterpreters lists the local CPythons that may be of the version
// "X.Y" (or exactly "X.Y.Z"), most preferred first: pythonX.Y on PATH,
// then pyenv's versions, newest final release first. A pyenv shim on PATH
// is skipped (it is a shell script that picks an interpreter each time it
// runs); the interpreter behind it is among pyenv's versions. The
// candidates are not run: a caller that needs more than the file (its
// exact version, a shared libpython) probes them in order.
func LocalInterpreters(version string, opts Options) (Search, error) {
	v, ok, err := parseVersionRequest(version)
	if err != nil {
		return Search{}, err
	}
	if !ok {
		return Search{}, fmt.Errorf("%q is not a Python version", version)
	}
	var s Search
	name := "python" + v.short()
	root := opts.getenv("PYENV_ROOT")
	if root == "" {
		if home := opts.getenv("HOME"); home != "" {
			root = filepath.Join(home, ".pyenv")
		}
	}
	shims := ""
	if root != "" {
		shims = filepath.Join(root, "shims") + string(filepath.Separator)
	}
	if p, err := lookPath(name, opts); err == nil && (shims == "" || !strings.HasPrefix(p, shims)) {
		s.Candidates = append(s.Candidates, p)
	} else {
		s.Notes = append(s.Notes, name+" on PATH: not found")
	}
	if root == "" {
		return s, nil
	}
	matches, _ := filepath.Glob(filepath.Join(root, "versions", v.short()+".*", "bin", name))
	type found struct {
		path  string
		patch int
	}
	var fs []found
	for _, m := range matches {
		dir := filepath.Base(filepath.Dir(filepath.Dir(m)))
		if v.exact {
			if dir == v.full {
				fs = append(fs, found{m, 0})
			}
			continue
		}
		// Only final releases: "3.11.7", not "3.11.7t" or "3.11-dev".
		if patch, err := strconv.Atoi(strings.TrimPrefix(dir, v.short()+".")); err == nil {
			fs = append(fs, found{m, patch})
		}
	}
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].patch > fs[j].patch })
	for _, f := range fs {
		s.Candidates = append(s.Candidates, f.path)
	}
	if len(fs) == 0 {
		want := v.short() + ".*"
		if v.exact {
			want = v.full
		}
		s.Notes = append(s.Notes, fmt.Sprintf("pyenv (%s): no %s version", filepath.Join(root, "versions"), want))
	}
	return s, nil
}

// FindInterpreter returns a local CPython of the version "X.Y" (or
// "X.Y.Z"), the first of LocalInterpreters. It is how clusterpack finds a
// Python to run PEP 517 builds for a synthetic target. When there is
// none, the error is a *NoInterpreterError.
func FindInterpreter(version string, opts Options) (string, error) {
	s, err := LocalInterpreters(version, opts)
	if err != nil {
		return "", err
	}
	if len(s.Candidates) > 0 {
		return s.Candidates[0], nil
	}
	v, _, _ := parseVersionRequest(version)
	return "", &NoInterpreterError{Version: v.short()}
}
