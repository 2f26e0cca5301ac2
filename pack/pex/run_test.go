package pex

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInterpreter runs a pex with each reference CPython the way users and
// PySpark do, and checks what CPython itself would give: output, exit
// code, sys.argv, sys.path[0] and tracebacks.
func TestInterpreter(t *testing.T) {
	for _, py := range pythons(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			v := version(t, py.Python)
			wheels := writeWheels(t, filepath.Join(dir, "wheels"), demoSpecs())
			pexPath, _ := buildPex(t, dir, "env.pex", wheels, Options{
				PythonVersion: v, ContentHash: "interp-" + py.Name(),
				Env: map[string]string{"CP_INJECTED": "from-pex-info", "CP_PRESET": "from-pex-info"},
			})
			root := filepath.Join(dir, "pexroot")
			deps := filepath.Join(root, "installed", "interp-"+py.Name(), ".deps")
			demoDir := filepath.Join(deps, "demo-1.0-py3-none-any.whl")
			script := filepath.Join(dir, "scripts", "s.py")
			if err := os.MkdirAll(filepath.Dir(script), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(script, []byte("import json, sys, demo\n"+
				"print(json.dumps({'argv': sys.argv, 'path0': sys.path[0], 'file': __file__, 'name': __name__, 'x': demo.X}))\n"+
				"if len(sys.argv) > 2: sys.exit(int(sys.argv[2]))\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			env := append(baseEnv(py.Python, dir, root), "CP_PRESET=from-caller")
			q := func(s string) string { return fmt.Sprintf("%q", s) }
			cases := []struct {
				name     string
				args     []string
				stdin    string
				env      []string
				code     int
				stdout   string   // exact, when not empty
				contains []string // in stdout+stderr
				absent   []string // not in stdout+stderr
			}{
				{name: "c import", args: []string{"-c", "import demo, dep; print(demo.X, dep.Y)"}, stdout: "42 dep-two\n"},
				{name: "c argv", args: []string{"-c", "import sys; print(sys.argv, repr(sys.path[0]), __name__)", "a", "-b"}, stdout: "['-c', 'a', '-b'] '' __main__\n"},
				{name: "c attached", args: []string{"-cimport sys; print(sys.argv)", "x"}, stdout: "['-c', 'x']\n"},
				{name: "m argv", args: []string{"-m", "demo.argv", "a", "-c"},
					stdout: `{"argv0": ` + q(filepath.Join(demoDir, "demo", "argv.py")) + `, "args": ["a", "-c"], "name": "__main__", "path0": ` + q(dir) + `, "cwd": ` + q(dir) + "}\n"},
				{name: "m package", args: []string{"-m", "demo", "z"}, stdout: "demo main ['z']\n"},
				{name: "m missing", args: []string{"-m", "nosuchmodule"}, code: 1, contains: []string{"No module named nosuchmodule"}},
				{name: "script", args: []string{"scripts/s.py", "arg1"},
					stdout: `{"argv": ["scripts/s.py", "arg1"], "path0": ` + q(filepath.Dir(script)) + `, "file": "scripts/s.py", "name": "__main__", "x": 42}` + "\n"},
				{name: "script exit code", args: []string{"scripts/s.py", "arg1", "7"}, code: 7},
				{name: "script missing", args: []string{"nope.py"}, code: 2, contains: []string{"can't open file", "nope.py", "No such file"}},
				{name: "stdin dash", args: []string{"-", "a1"}, stdin: "import sys, demo\nprint(sys.argv, repr(sys.path[0]), demo.X)\n", stdout: "['-', 'a1'] '' 42\n"},
				{name: "no args stdin", stdin: "import sys, demo\nprint(sys.argv, demo.X)\n", stdout: "[''] 42\n"},
				{name: "c fails", args: []string{"-c", "import demo.fail\ndemo.fail.boom()"}, code: 1,
					contains: []string{"Traceback (most recent call last):\n  File \"<string>\", line 2, in <module>\n", "ValueError: boom from demo"},
					absent:   []string{"__main__.py", "runpy"}},
				{name: "c exit", args: []string{"-c", "import sys; sys.exit(5)"}, code: 5},
				{name: "c exit message", args: []string{"-c", "raise SystemExit('bye')"}, code: 1, contains: []string{"bye"}},
				{name: "unbuffered", args: []string{"-u", "-c", "import sys, demo; print(sys.stdout.write_through, demo.X, sys.argv)", "q"}, stdout: "True 42 ['-c', 'q']\n"},
				{name: "combined flags", args: []string{"-sB", "-W", "ignore", "-c", "import sys, demo; print(sys.flags.no_user_site, sys.flags.dont_write_bytecode, sys.warnoptions, demo.X)"}, stdout: "1 1 ['ignore'] 42\n"},
				{name: "isolated", args: []string{"-I", "-c", "import sys, demo; print(sys.flags.isolated, demo.X)"}, stdout: "1 42\n"},
				{name: "optimize", args: []string{"-OO", "-c", "import sys, demo; print(sys.flags.optimize, demo.X)"}, stdout: "2 42\n"},
				{name: "inspect", args: []string{"-i", "-c", "import demo"}, stdin: "print(demo.X + 1)\n", contains: []string{"43"}},
				{name: "version", args: []string{"-V"}, contains: []string{fmt.Sprintf("Python %d.%d", v[0], v[1])}},
				{name: "bad option", args: []string{"-Z"}, code: 2, contains: []string{"Unknown option: -Z", "usage:"}},
				{name: "pth", args: []string{"-c", "import extra_mod; print(extra_mod.Z)"}, stdout: "from pth\n"},
				{name: "site-packages hidden", args: []string{"-c", "import sys, importlib.util; print(importlib.util.find_spec('pip'), [p for p in sys.path if 'site-packages' in p])"}, stdout: "None []\n"},
				{name: "inherit fallback", args: []string{"-c", "import importlib.util, demo; print(importlib.util.find_spec('pip') is not None, demo.X)"}, env: []string{"PEX_INHERIT_PATH=fallback"}, stdout: "True 42\n"},
				{name: "inject env", args: []string{"-c", "import os; print(os.environ['CP_INJECTED'], os.environ['CP_PRESET'], os.environ['PEX'] == " + q(pexPath) + ")"}, stdout: "from-pex-info from-caller True\n"},
				{name: "executable", args: []string{"-c", "import sys; print(sys.executable)"}, stdout: pexPath + "\n"},
				{name: "reexec executable", args: []string{"-c", "import subprocess, sys; print(subprocess.check_output([sys.executable, '-c', 'import demo, sys; print(demo.X, sys.argv)', 'k']).decode().strip())"}, stdout: "42 ['-c', 'k']\n"},
				{name: "multiprocessing spawn", args: []string{"-c", "import multiprocessing as mp, demo\nif __name__ == '__main__':\n    with mp.get_context('spawn').Pool(2) as p: print(p.map(demo.square, [2, 3]))"}, stdout: "[4, 9]\n"},
				{name: "fork like pyspark.daemon", args: []string{"-m", "demo.forker"}, contains: []string{"child 0 dep-two", "child 1 dep-two", "child 2 dep-two", "parent [0, 0, 0]"}},
				{name: "dash dash", args: []string{"--", "scripts/s.py"}, contains: []string{`"x": 42`}},
			}
			for _, c := range cases {
				r := runPex(t, dir, append(append([]string{}, env...), c.env...), c.stdin, append([]string{pexPath}, c.args...)...)
				all := r.stdout + r.stderr
				if r.code != c.code {
					t.Errorf("%s: exit code %d, want %d\n%s", c.name, r.code, c.code, all)
					continue
				}
				if c.stdout != "" && r.stdout != c.stdout {
					t.Errorf("%s: stdout\n%s\nwant\n%s\nstderr: %s", c.name, r.stdout, c.stdout, r.stderr)
				}
				for _, s := range c.contains {
					if !strings.Contains(all, s) {
						t.Errorf("%s: output lacks %q:\n%s", c.name, s, all)
					}
				}
				for _, s := range c.absent {
					if strings.Contains(all, s) {
						t.Errorf("%s: output has %q:\n%s", c.name, s, all)
					}
				}
			}
		})
	}
}
