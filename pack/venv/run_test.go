package venv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// probe prints what the tests check about a running environment.
const probe = `import json, os, sys, demo, other
json.dump({
    "prefix": sys.prefix,
    "base_prefix": sys.base_prefix,
    "executable": sys.executable,
    "demo": demo.__file__,
    "other": other.__file__,
    "value": demo.VALUE,
    "site": [p for p in sys.path if p.endswith("site-packages")],
}, sys.stdout)
`

// TestRunsUnpacked unpacks zip and tar.gz environments in two
// directories (one with a space in its path) and runs them with every
// CPython: the launcher, a console script, a "#!python" script and
// activate, with the interpreter found on PATH or given as an absolute
// path.
func TestRunsUnpacked(t *testing.T) {
	for _, py := range interpreters(t) {
		version := interpreterVersion(t, py.Python)
		xy := fmt.Sprintf("%d.%d", version[0], version[1])
		tests := []struct {
			name       string
			format     Format
			pythonPath string
			// path is the PATH the environment runs with.
			path string
		}{
			{"zip-path-lookup", Zip, "", filepath.Dir(py.Python) + ":/usr/bin:/bin"},
			{"targz-python-path", TarGz, py.Python, "/usr/bin:/bin"},
		}
		for _, tc := range tests {
			t.Run(py.Name()+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				tmp := t.TempDir()
				wheels := demoWheels(t, tmp)
				archive, res := writeArchive(t, tmp, wheels, Options{Format: tc.format, PythonVersion: version, PythonPath: tc.pythonPath, Prompt: "demo env"})
				if res.Interpreter != "bin/python" || len(res.Distributions) != 2 || res.Distributions[0].Name != "demo" {
					t.Errorf("result: %+v", res)
				}
				for _, where := range []string{"first", "second dir/with space"} {
					root := filepath.Join(tmp, where, "environment")
					unpack(t, archive, root)
					root = realDir(t, root)
					env := basicEnv(tc.path, tmp)
					// Run from the parent, as Spark does (./environment/bin/python).
					got := runJSON(t, filepath.Dir(root), env, "./environment/bin/python", probe)
					site := filepath.Join(root, "lib", "python"+xy, "site-packages")
					want := map[string]any{
						"prefix":     root,
						"executable": filepath.Join(root, "bin", "python"),
						"demo":       filepath.Join(site, "demo", "__init__.py"),
						"other":      filepath.Join(site, "other.py"),
						"value":      float64(42),
					}
					for k, v := range want {
						if got[k] != v {
							t.Errorf("%s: %s = %v, want %v", where, k, got[k], v)
						}
					}
					if s, _ := got["site"].([]any); len(s) != 1 || s[0] != site {
						t.Errorf("%s: site-packages on sys.path = %v, want only %s", where, got["site"], site)
					}
					if bp, _ := got["base_prefix"].(string); strings.HasPrefix(bp, root) {
						t.Errorf("%s: base_prefix %s is inside the environment", where, bp)
					}
					for _, name := range []string{"python3", "python" + xy} {
						out := run(t, "/", env, filepath.Join(root, "bin", name), "-c", "import sys, demo; print(sys.prefix)")
						if strings.TrimSpace(out) != root {
							t.Errorf("%s: bin/%s: sys.prefix %q, want %q", where, name, out, root)
						}
					}
					if out := run(t, "/", env, filepath.Join(root, "bin", "demo-cli")); out != "demo-main "+root+"\n" {
						t.Errorf("%s: demo-cli printed %q", where, out)
					}
					if out := run(t, tmp, env, filepath.Join(root, "bin", "demo-script")); out != "script 42 "+root+"\n" {
						t.Errorf("%s: demo-script printed %q", where, out)
					}
					// activate, sourced through a relative path from elsewhere.
					rel, _ := filepath.Rel(tmp, filepath.Join(root, "bin", "activate"))
					out := run(t, tmp, env, "/bin/bash", "-c",
						`. "./`+rel+`" && printf '%s\n' "$VIRTUAL_ENV" "$VIRTUAL_ENV_PROMPT" && python -c 'import sys, other; print(sys.prefix)' && demo-cli && deactivate && printf '%s\n' "${VIRTUAL_ENV-unset}"`)
					wantOut := root + "\ndemo env\n" + root + "\ndemo-main " + root + "\nunset\n"
					if out != wantOut {
						t.Errorf("%s: activate printed %q, want %q", where, out, wantOut)
					}
				}
			})
		}
	}
}

// TestLauncherErrors checks the launcher's message when no interpreter
// can be found, and that it does not find itself once activated.
func TestLauncherErrors(t *testing.T) {
	tmp := t.TempDir()
	archive, _ := writeArchive(t, tmp, nil, Options{PythonVersion: [2]int{3, 99}})
	root := filepath.Join(tmp, "env")
	unpack(t, archive, root)
	// The environment's own bin first on PATH: python3.99 there is the
	// launcher, which must skip its own directory and fail cleanly.
	cmd := filepath.Join(root, "bin", "python")
	env := basicEnv(filepath.Join(root, "bin")+":/usr/bin:/bin", tmp)
	out, err := runErr(tmp, env, cmd, "-c", "pass")
	if err == nil || !strings.Contains(out, "python3.99 is not on PATH") {
		t.Errorf("launcher without an interpreter: err %v, output %q", err, out)
	}
	if _, err := os.Stat(filepath.Join(root, "lib", "python3.99", "site-packages")); err != nil {
		t.Errorf("site-packages directory missing from an environment without wheels: %v", err)
	}
}
