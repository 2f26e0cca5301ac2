package venv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// bundleCandidate picks the CPython to bundle: 3.12 when the test
// command prepared it (its prefix is small), else the newest.
func bundleCandidate(t *testing.T) pyref.Interpreter {
	all := interpreters(t)
	for _, py := range all {
		if strings.HasSuffix(py.Python, "python3.12") {
			return py
		}
	}
	return all[len(all)-1]
}

// TestBundlePython bundles a pyenv CPython (built with a shared
// libpython and an absolute RUNPATH), unpacks the environment elsewhere
// and runs it with a PATH that has no Python: the interpreter, its
// libpython and its standard library must all come from the unpacked
// directory.
func TestBundlePython(t *testing.T) {
	py := bundleCandidate(t)
	version := interpreterVersion(t, py.Python)
	xy := fmt.Sprintf("%d.%d", version[0], version[1])
	for _, format := range []Format{Zip, TarGz} {
		t.Run(format.String(), func(t *testing.T) {
			tmp := t.TempDir()
			wheels := demoWheels(t, tmp)
			start := time.Now()
			archive, res := writeArchive(t, tmp, wheels, Options{Format: format, BundlePython: py.Python})
			t.Logf("bundle of %s as %s: %d files, %.1f MB in %v", py.Name(), format, res.Files, float64(res.Size)/1e6, time.Since(start).Round(time.Millisecond))
			root := filepath.Join(tmp, "moved here", "environment")
			unpack(t, archive, root)
			root = realDir(t, root)
			for _, skipped := range []string{"test", "idlelib", "site-packages/pip", "__pycache__", "tkinter/test"} {
				if _, err := os.Stat(filepath.Join(root, "lib", "python"+xy, skipped)); err == nil {
					t.Errorf("lib/python%s/%s was bundled", xy, skipped)
				}
			}
			env := basicEnv("/usr/bin:/bin", tmp) // no pyenv, no python3.X on it
			got := runJSON(t, filepath.Dir(root), env, "./environment/bin/python", `import json, sys, ssl, sqlite3, ctypes, decimal, demo
libs = sorted({l.split(None, 5)[5].strip() for l in open("/proc/self/maps") if "libpython" in l})
ctypes.CDLL(None)
json.dump({"prefix": sys.prefix, "base_prefix": sys.base_prefix, "executable": sys.executable,
    "libs": libs, "os": json.__file__, "ssl": ssl.__file__, "demo": demo.__file__,
    "decimal": str(decimal.Decimal(1) / 7)[:5], "sqlite": sqlite3.connect(":memory:").execute("select 41+1").fetchone()[0]}, sys.stdout)`)
			for _, k := range []string{"prefix", "base_prefix", "executable", "os", "ssl", "demo"} {
				if v, _ := got[k].(string); !strings.HasPrefix(v, root+"/") && v != root {
					t.Errorf("%s = %q, not inside %s", k, v, root)
				}
			}
			if got["base_prefix"] != root || got["executable"] != root+"/bin/python" {
				t.Errorf("base_prefix %v, executable %v", got["base_prefix"], got["executable"])
			}
			libs, _ := got["libs"].([]any)
			if len(libs) != 1 || libs[0] != filepath.Join(root, "lib", fmt.Sprintf("libpython%s.so.1.0", xy)) {
				t.Errorf("loaded libpython: %v, want only the bundled one", libs)
			}
			if got["sqlite"] != float64(42) || got["decimal"] != "0.142" {
				t.Errorf("stdlib modules misbehave: %v", got)
			}
			if out := run(t, "/", env, filepath.Join(root, "bin", "demo-cli")); out != "demo-main "+root+"\n" {
				t.Errorf("demo-cli printed %q", out)
			}
			// A subprocess through sys.executable comes back to the bundle.
			out := run(t, "/", env, filepath.Join(root, "bin", "python3"), "-c",
				"import subprocess, sys; print(subprocess.check_output([sys.executable, '-c', 'import sys, demo; print(sys.base_prefix)'], text=True).strip())")
			if strings.TrimSpace(out) != root {
				t.Errorf("child interpreter's base_prefix %q, want %q", out, root)
			}
		})
	}
}

// TestBundleVersionMismatch checks that a bundle of one version is
// refused for an environment of another.
func TestBundleVersionMismatch(t *testing.T) {
	py := bundleCandidate(t)
	_, err := Write(t.Context(), nopWriter{}, nil, Options{BundlePython: py.Python, PythonVersion: [2]int{3, 2}})
	var be *BundleError
	if !errors.As(err, &be) || be.Python != py.Python || !strings.Contains(err.Error(), "the environment is for 3.2") {
		t.Errorf("err = %v", err)
	}
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }
