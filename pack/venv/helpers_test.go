package venv

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// buildWheel builds spec with testindex into dir.
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

// demoWheels builds the wheels most tests install: a package with a
// console script and a "#!python" script, and a plain module.
func demoWheels(t testing.TB, dir string) []string {
	t.Helper()
	return []string{
		buildWheel(t, dir, testindex.WheelSpec{
			Name: "demo", Version: "1.0",
			Files: map[string]string{
				"demo/__init__.py": "import sys\nVALUE = 42\ndef main():\n    print('demo-main', sys.prefix)\n",
				"demo/data.txt":    strings.Repeat("some data that deflates well\n", 200),
			},
			EntryPoints: map[string]map[string]string{"console_scripts": {"demo-cli": "demo:main"}},
			Data: map[string]map[string]string{
				"scripts": {"demo-script": "#!python\nimport demo, sys\nprint('script', demo.VALUE, sys.prefix)\n"},
			},
		}),
		buildWheel(t, dir, testindex.WheelSpec{
			Name: "other", Version: "2.0",
			Files: map[string]string{"other.py": "NAME = 'other'\n"},
		}),
	}
}

// writeArchive runs Write into a file in dir.
func writeArchive(t testing.TB, dir string, wheels []string, opts Options) (string, *Result) {
	t.Helper()
	name := filepath.Join(dir, "env."+opts.Format.String())
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Write(context.Background(), f, wheels, opts)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return name, res
}

// unpack extracts the archive into dir with the system's unzip or tar,
// which restore the modes as a cluster's unpacker does.
func unpack(t testing.TB, archive, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var cmd *exec.Cmd
	if strings.HasSuffix(archive, ".zip") {
		cmd = exec.Command("unzip", "-q", archive, "-d", dir)
	} else {
		cmd = exec.Command("tar", "-xzf", archive, "-C", dir)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
}

// run runs a command with exactly env and returns its standard output.
func run(t testing.TB, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v\nstdout: %s\nstderr: %s", name, args, err, stdout.String(), stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("%s %q wrote to stderr: %s", name, args, stderr.String())
	}
	return stdout.String()
}

// runJSON runs a python program printing JSON and decodes it.
func runJSON(t testing.TB, dir string, env []string, python, program string) map[string]any {
	t.Helper()
	out := run(t, dir, env, python, "-c", program)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%s: %v\n%s", python, err, out)
	}
	return m
}

var pythonName = regexp.MustCompile(`python(\d+)\.(\d+)$`)

// interpreterVersion reads (major, minor) from an interpreter's file name.
func interpreterVersion(t testing.TB, python string) [2]int {
	t.Helper()
	m := pythonName.FindStringSubmatch(python)
	if m == nil {
		t.Fatalf("cannot tell the version of %s from its name", python)
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	return [2]int{a, b}
}

// interpreters are the CPythons the tests run environments with.
func interpreters(t testing.TB) []pyref.Interpreter {
	return pyref.All(t)
}

// realDir resolves symbolic links in dir, as the launcher's pwd -P does.
func realDir(t testing.TB, dir string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// basicEnv is a minimal environment: PATH and HOME only.
func basicEnv(path, home string) []string {
	return []string{"PATH=" + path, "HOME=" + home, "LC_ALL=C"}
}

// runErr runs a command and returns its combined output and error.
func runErr(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}
