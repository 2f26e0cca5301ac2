package pex

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// demoSpecs are the wheels most tests ship: a package with modules for
// each way of running code, a dependency with a .pth file, data and
// scripts.
func demoSpecs() []testindex.WheelSpec {
	return []testindex.WheelSpec{
		{
			Name: "demo", Version: "1.0",
			Files: map[string]string{
				"demo/__init__.py": "X = 42\n\ndef square(n):\n    return n * n\n\n" +
					"def main():\n    import sys\n    print('main', sys.argv[1:])\n    return 3\n",
				"demo/__main__.py": "import sys\nprint('demo main', sys.argv[1:])\n",
				"demo/argv.py": "import json, os, sys\n" +
					"print(json.dumps({'argv0': sys.argv[0], 'args': sys.argv[1:], 'name': __name__, " +
					"'path0': sys.path[0], 'cwd': os.getcwd()}))\n",
				"demo/fail.py": "def boom():\n    raise ValueError('boom from demo')\n",
				// forker does what pyspark.daemon does: fork workers that
				// import the environment's modules and run code.
				"demo/forker.py": "import os, sys\n" +
					"if __name__ == '__main__':\n" +
					"    pids = []\n" +
					"    for i in range(3):\n" +
					"        pid = os.fork()\n" +
					"        if pid == 0:\n" +
					"            import dep\n" +
					"            sys.stdout.write('child %d %s\\n' % (i, dep.Y))\n" +
					"            sys.stdout.flush()\n" +
					"            os._exit(0)\n" +
					"        pids.append(pid)\n" +
					"    codes = [os.waitpid(p, 0)[1] for p in pids]\n" +
					"    print('parent', codes)\n",
			},
			EntryPoints: map[string]map[string]string{"console_scripts": {"demo-cli": "demo:main"}},
			Data: map[string]map[string]string{
				"scripts": {"demo-tool": "#!python\nprint('tool')\n"},
				"data":    {"share/demo/readme.txt": "data file\n"},
			},
		},
		{
			Name: "dep", Version: "2.0",
			Files: map[string]string{
				"dep.py":                     "Y = 'dep-two'\n",
				"dep_extra.pth":              "dep_extra_dir\n",
				"dep_extra_dir/extra_mod.py": "Z = 'from pth'\n",
			},
		},
	}
}

// writeWheels builds the specs into dir and returns the wheels' paths.
func writeWheels(t testing.TB, dir string, specs []testindex.WheelSpec) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, s := range specs {
		data, err := testindex.BuildWheel(s)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, s.Filename())
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// buildPex writes a pex of wheels to dir/name, executable.
func buildPex(t testing.TB, dir, name string, wheels []string, opts Options) (string, *Result) {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
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
	if err := os.Chmod(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p, res
}

// pythons returns the reference CPythons (3.7 to 3.13 where installed).
func pythons(t testing.TB) []pyref.Interpreter {
	t.Helper()
	return pyref.All(t)
}

// version asks an interpreter for its (major, minor).
func version(t testing.TB, py string) [2]int {
	t.Helper()
	out, err := exec.Command(py, "-c", "import sys; print(sys.version_info[0], sys.version_info[1])").Output()
	if err != nil {
		t.Fatal(err)
	}
	var v [2]int
	f := strings.Fields(string(out))
	v[0] = atoi(f[0])
	v[1] = atoi(f[1])
	return v
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// run is one execution of a pex.
type run struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// baseEnv is a clean environment for a pex run by py: PATH finds py first
// (so "#!/usr/bin/env pythonX.Y" starts it), HOME and PEX_ROOT are the
// test's.
func baseEnv(py, home, pexRoot string) []string {
	env := []string{
		"PATH=" + filepath.Dir(py) + ":/usr/bin:/bin",
		"HOME=" + home,
		"LANG=C.UTF-8",
	}
	if pexRoot != "" {
		env = append(env, "PEX_ROOT="+pexRoot)
	}
	return env
}

// runPex runs argv (argv[0] the program) in dir with env and stdin.
func runPex(t testing.TB, dir string, env []string, stdin string, argv ...string) run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	r := run{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("%v: %v", argv, err)
		}
		r.code = ee.ExitCode()
	}
	return r
}
