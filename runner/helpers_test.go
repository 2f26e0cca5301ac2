package runner

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/pack/pex"
	"github.com/clusterpack/clusterpack/pack/venv"
	"github.com/clusterpack/clusterpack/runner/internal/fakeso"
)

// A test binary can host one libpython (see Load). Tests that embed
// Python therefore run in child processes of the test binary, one per
// CPython version: the parent test (TestCPython) re-runs os.Args[0] with
// -test.run selecting the in-process tests and CLUSTERPACK_RUNNER_PYTHON
// naming the interpreter; the in-process tests skip when it is unset.
const pythonEnv = "CLUSTERPACK_RUNNER_PYTHON"

// eachInterpreter runs test as a subtest per CPython of interpreters(),
// in version order, with the version ("3.11") and the program; it skips
// in a child process of this test binary, which hosts one libpython.
func eachInterpreter(t *testing.T, test func(t *testing.T, version, python string)) {
	if os.Getenv(pythonEnv) != "" {
		t.Skip("in a child process")
	}
	ins := interpreters(t)
	versions := slices.Sorted(maps.Keys(ins))
	for _, v := range versions {
		t.Run(v, func(t *testing.T) { test(t, v, ins[v]) })
	}
}

// interpreters returns pyref's interpreters of versions 3.9 and later.
func interpreters(t testing.TB) map[string]string {
	out := map[string]string{}
	for _, in := range pyref.All(t) {
		m := regexp.MustCompile(`python(3\.\d+)$`).FindStringSubmatch(in.Python)
		if m == nil {
			continue
		}
		minor, _ := strconv.Atoi(strings.TrimPrefix(m[1], "3."))
		if minor >= 9 {
			out[m[1]] = in.Python
		}
	}
	return out
}

// inProcessPython is the interpreter this (child) process embeds; it
// skips the test in the parent.
func inProcessPython(t testing.TB) string {
	p := os.Getenv(pythonEnv)
	if p == "" {
		t.Skipf("%s is not set: run through TestCPython (one child process per Python version)", pythonEnv)
	}
	return p
}

// runChild re-runs this test binary with pattern and python, and returns
// its output.
func runChild(t *testing.T, pattern, python string, extraEnv ...string) (string, error) {
	cmd := exec.Command(os.Args[0], "-test.run="+pattern, "-test.v", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(append(os.Environ(), pythonEnv+"="+python), extraEnv...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func buildWheel(t testing.TB, dir string, spec testindex.WheelSpec) string {
	t.Helper()
	data, err := testindex.BuildWheel(spec)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, spec.Filename())
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const greetPy = `import os, sys, time

def upper(s):
    return s.upper()

def add(a, b=0):
    return a + b

def boom(msg="boom"):
    raise ValueError(msg)

def sleep(t):
    time.sleep(t)
    return t

def pid():
    return os.getpid()

def leave(code):
    sys.exit(code)

def maybe(x):
    if x == "bad":
        raise KeyError(x)
    return x.upper()

def slow(x):
    # "hang" never returns (in a sleep, the GIL released); "spin" holds
    # the GIL in a loop of bytecodes for 4 s; a number sleeps that long.
    if x == "hang":
        time.sleep(3600)
    if x == "spin":
        end = time.time() + 4
        while time.time() < end:
            pass
        return x
    time.sleep(x)
    return x

def crash_at(n):
    if n == 500:
        import ctypes
        ctypes.string_at(0)  # SIGSEGV
    return n

class Opaque:
    pass

def special(k):
    return {"nan": float("nan"), "inf": float("inf"), "ninf": float("-inf"), "tuple": (1, 2),
            "nested": [1.5, {"a": float("nan")}, (float("inf"),)], "obj": Opaque(), "nested_obj": {"x": [Opaque()]},
            "bytes": b"ab", "set": {3}, "fine": 2.5}[k]
`

// greetWheels are a healthy distribution and one that depends on it.
func greetWheels(t testing.TB, dir string) []string {
	return []string{
		buildWheel(t, dir, testindex.WheelSpec{Name: "greet", Version: "1.0", Files: map[string]string{"greet.py": greetPy}}),
		buildWheel(t, dir, testindex.WheelSpec{Name: "hello-pkg", Version: "2.0", RequiresDist: []string{"greet"},
			Files: map[string]string{"hello/__init__.py": "import greet\nWHO = greet.upper('world')\n"}}),
	}
}

// brokenWheels are a distribution whose dependency is missing (as pandas
// without pyarrow in the talk) and one with an extension module that needs
// GLIBC_2.99.
func brokenWheels(t testing.TB, dir string, v [2]int) []string {
	cp := fmt.Sprintf("cp%d%d", v[0], v[1])
	so := fakeso.NewerGlibc(t, t.TempDir(), "fast.so")
	data, err := os.ReadFile(so)
	if err != nil {
		t.Fatal(err)
	}
	ext := fmt.Sprintf("fastlib/_fast.cpython-%d%d-x86_64-linux-gnu.so", v[0], v[1])
	return []string{
		buildWheel(t, dir, testindex.WheelSpec{Name: "tablekit", Version: "0.5", RequiresDist: []string{"pyarrow>=10; python_version >= '3'"},
			Files: map[string]string{"tablekit/__init__.py": "import pyarrow\n"}}),
		buildWheel(t, dir, testindex.WheelSpec{Name: "fastlib", Version: "1.2", Tag: cp + "-" + cp + "-manylinux_2_28_x86_64",
			Files: map[string]string{"fastlib/__init__.py": "from . import _fast\n", ext: string(data)}}),
	}
}

// writeVenv writes a venv zip of the wheels.
func writeVenv(t testing.TB, dir string, v [2]int, wheels []string) string {
	t.Helper()
	name := filepath.Join(dir, fmt.Sprintf("env-%d.zip", len(wheels)))
	f, err := os.CreateTemp(dir, "env-*.zip")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := venv.Write(context.Background(), f, wheels, venv.Options{PythonVersion: v}); err != nil {
		t.Fatal(err)
	}
	_ = name
	return f.Name()
}

// writePex writes a pex of the wheels.
func writePex(t testing.TB, dir string, v [2]int, wheels []string) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "env-*.pex")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := pex.Write(context.Background(), f, wheels, pex.Options{PythonVersion: v, ContentHash: "test" + strconv.Itoa(len(wheels))}); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}
