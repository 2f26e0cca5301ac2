// Package pyref runs reference implementations (pypa packaging, pip, uv)
// inside a real CPython for differential tests. It is only for tests.
//
// The test command (scripts/test.sh) prepares the interpreters and sets:
//
//	CLUSTERPACK_TEST_PYTHON       a python with packaging installed
//	CLUSTERPACK_TEST_INTERPRETERS a list (os.PathListSeparator) of
//	                              "python=dir" pairs: a CPython and a directory
//	                              holding a packaging release it can import
//
// Without them the differential tests are skipped, unless
// CLUSTERPACK_REQUIRE_REFERENCE=1, when they fail.
package pyref

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Interpreter is a real CPython and the PYTHONPATH entry that gives it
// the reference packaging library.
type Interpreter struct {
	Python     string // path to the python executable
	PythonPath string // directory with packaging in it; empty when it is installed
}

// Name is a short label for subtests: the executable path without the
// common pyenv prefix.
func (i Interpreter) Name() string {
	return filepath.Base(filepath.Dir(filepath.Dir(i.Python)))
}

func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CLUSTERPACK_REQUIRE_REFERENCE") == "1" {
		t.Fatalf("%s is not set; run the tests with `make test`", what)
	}
	t.Skipf("%s is not set; run `make test` for the differential tests", what)
}

// Default returns the interpreter with the newest pinned packaging.
func Default(t testing.TB) Interpreter {
	t.Helper()
	p := os.Getenv("CLUSTERPACK_TEST_PYTHON")
	if p == "" {
		missing(t, "CLUSTERPACK_TEST_PYTHON")
	}
	return Interpreter{Python: p}
}

// All returns every interpreter the test command prepared, oldest first.
func All(t testing.TB) []Interpreter {
	t.Helper()
	v := os.Getenv("CLUSTERPACK_TEST_INTERPRETERS")
	if v == "" {
		missing(t, "CLUSTERPACK_TEST_INTERPRETERS")
	}
	var out []Interpreter
	for _, item := range strings.Split(v, string(os.PathListSeparator)) {
		if item == "" {
			continue
		}
		py, dir, _ := strings.Cut(item, "=")
		out = append(out, Interpreter{Python: py, PythonPath: dir})
	}
	return out
}

// Run executes script in the interpreter with in encoded as JSON on
// standard input and decodes the JSON the script prints into out.
func (i Interpreter) Run(t testing.TB, script string, in, out any) {
	t.Helper()
	if err := i.run(script, in, out); err != nil {
		t.Fatalf("%s: %v", i.Python, err)
	}
}

func (i Interpreter) run(script string, in, out any) error {
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	cmd := exec.Command(i.Python, "-I", "-c", script)
	if i.PythonPath != "" {
		// -I ignores PYTHONPATH, so the script is prefixed with a sys.path insert.
		cmd = exec.Command(i.Python, "-I", "-c", "import sys; sys.path.insert(0, "+pyString(i.PythonPath)+")\n"+script)
	}
	cmd.Stdin = bytes.NewReader(data)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return &scriptError{err: err, stderr: stderr.String()}
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		return &scriptError{err: err, stderr: stdout.String()}
	}
	return nil
}

type scriptError struct {
	err    error
	stderr string
}

func (e *scriptError) Error() string { return e.err.Error() + "\n" + e.stderr }

func pyString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// UV returns the path of the uv binary the test command installed
// (CLUSTERPACK_TEST_UV), skipping or failing like Default when it is unset.
func UV(t testing.TB) string {
	t.Helper()
	p := os.Getenv("CLUSTERPACK_TEST_UV")
	if p == "" {
		missing(t, "CLUSTERPACK_TEST_UV")
	}
	return p
}
