package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/pack/pex"
	"github.com/clusterpack/clusterpack/pack/venv"
)

// layeredWheels are the base's wheels (greet) and two layers' (hello-pkg,
// which requires greet and has a .pth file that counts its runs in
// builtins._hello_pth_runs; bigmod).
func layeredWheels(t testing.TB, dir string) (base []string, layers [][]string) {
	return layeredWheelsCounting(t, dir, "_hello_pth_runs")
}

// layeredWheelsCounting are layeredWheels, counting in builtins.<counter>.
func layeredWheelsCounting(t testing.TB, dir, counter string) (base []string, layers [][]string) {
	t.Helper()
	dir = filepath.Join(dir, counter)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	base = []string{buildWheel(t, dir, testindex.WheelSpec{Name: "greet", Version: "1.0", Files: map[string]string{"greet.py": greetPy}})}
	layers = [][]string{
		{buildWheel(t, dir, testindex.WheelSpec{Name: "hello-pkg", Version: "2.0", RequiresDist: []string{"greet"},
			Files: map[string]string{
				"hello/__init__.py": "import greet\nWHO = greet.upper('world')\n",
				"hello_count.pth":   "import builtins; builtins." + counter + " = getattr(builtins, '" + counter + "', 0) + 1\n",
			}})},
		{buildWheel(t, dir, testindex.WheelSpec{Name: "bigmod", Version: "0.3",
			Files: map[string]string{"bigmod/__init__.py": "import hello\nBIG = 'big-' + hello.WHO\n"}})},
	}
	return base, layers
}

// layeredEnv is a layered environment on disk, as build --layers writes
// it: the base, its layers and its manifest in one directory.
type layeredEnv struct {
	base, manifest string
	layers         []string
	// printed is the manifest as build --json prints it (paths of this
	// machine), in another file.
	printed string
}

// writeLayered writes a layered environment of format ("zip" or "pex")
// into dir: the base env-<hash>.<ext>, layer-<hash>.<ext> for each layer
// and the manifest env-<hash>.json with the files' paths (as build
// --json prints it).
func writeLayered(t testing.TB, dir, format, hash string, v [2]int, base []string, layers [][]string) layeredEnv {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m := build.Manifest{Name: "env", ContentHash: hash, Python: fmt.Sprintf("%d.%d", v[0], v[1]), Platform: "manylinux_2_28_x86_64"}
	var dirs []string
	var refs []pex.LayerRef
	var layerWheels []string
	for i, ws := range layers {
		lh := fmt.Sprintf("lay%d%s", i, strings.Repeat("0", 16))
		name := "layer-" + lh + "." + format
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		var sum string
		var size int64
		var pkgs []build.Package
		if format == "pex" {
			res, err := pex.WriteLayer(ctx, f, ws, pex.LayerOptions{PythonVersion: v, ContentHash: lh})
			if err != nil {
				t.Fatal(err)
			}
			refs = append(refs, pex.LayerRef{File: name, ContentHash: lh, Dists: res.Distributions})
			sum, size = res.SHA256, res.Size
			for _, d := range res.Distributions {
				pkgs = append(pkgs, build.Package{Name: d.Name, Version: d.Version})
			}
		} else {
			res, err := venv.WriteLayer(ctx, f, ws, venv.LayerOptions{PythonVersion: v})
			if err != nil {
				t.Fatal(err)
			}
			sum, size = res.SHA256, res.Size
			for _, d := range res.Distributions {
				pkgs = append(pkgs, build.Package{Name: d.Name, Version: d.Version})
			}
		}
		f.Close()
		dirs = append(dirs, "layer-"+lh)
		layerWheels = append(layerWheels, ws...)
		m.Layers = append(m.Layers, build.Layer{Name: name, Dir: "layer-" + lh, ContentHash: lh, SHA256: sum, Size: size, Packages: pkgs, Archive: p})
	}
	out := layeredEnv{base: filepath.Join(dir, "env-"+hash+"."+format), manifest: filepath.Join(dir, "env-"+hash+".json")}
	for _, l := range m.Layers {
		out.layers = append(out.layers, l.Archive)
	}
	f, err := os.Create(out.base)
	if err != nil {
		t.Fatal(err)
	}
	if format == "pex" {
		m.Format = build.FormatPex
		res, err := pex.Write(ctx, f, base, pex.Options{PythonVersion: v, ContentHash: hash, Layers: refs})
		if err != nil {
			t.Fatal(err)
		}
		m.SHA256, m.Size = res.SHA256, res.Size
	} else {
		m.Format = build.FormatZip
		res, err := venv.Write(ctx, f, base, venv.Options{PythonVersion: v, Layers: dirs, LayerWheels: layerWheels})
		if err != nil {
			t.Fatal(err)
		}
		m.SHA256, m.Size = res.SHA256, res.Size
	}
	f.Close()
	// Beside the archive, as build writes it: no paths of this machine.
	onDisk := m
	onDisk.Layers = append([]build.Layer(nil), m.Layers...)
	for i := range onDisk.Layers {
		onDisk.Layers[i].Archive = ""
	}
	data, err := json.MarshalIndent(onDisk, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out.manifest, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// As build --json prints it: this machine's paths.
	m.Archive = out.base
	if data, err = json.MarshalIndent(m, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.printed = filepath.Join(dir, "printed.json")
	if err := os.WriteFile(out.printed, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// stored copies a layered environment into dir as upload stores it: the
// manifest names the files, not this machine's paths.
func (l layeredEnv) stored(t testing.TB, dir string) layeredEnv {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var m build.Manifest
	if err := json.Unmarshal(mustReadFile(t, l.manifest), &m); err != nil {
		t.Fatal(err)
	}
	out := layeredEnv{base: filepath.Join(dir, filepath.Base(l.base)), manifest: filepath.Join(dir, filepath.Base(l.manifest))}
	m.Archive = filepath.Base(l.base)
	for i := range m.Layers {
		m.Layers[i].Archive = ""
		out.layers = append(out.layers, filepath.Join(dir, m.Layers[i].Name))
	}
	for i, p := range append([]string{l.base}, l.layers...) {
		if err := os.WriteFile(append([]string{out.base}, out.layers...)[i], mustReadFile(t, p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := json.Marshal(m)
	if err := os.WriteFile(out.manifest, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustReadFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	base, layers := layeredWheels(t, dir)
	v := [2]int{3, 11}
	for _, format := range []string{"zip", "pex"} {
		t.Run(format, func(t *testing.T) {
			built := writeLayered(t, filepath.Join(dir, format, "out"), format, "base"+format, v, base, layers)
			stored := built.stored(t, filepath.Join(dir, format, "store"))
			want := func(l layeredEnv) Archives { return Archives{Base: l.base, Layers: l.layers} }
			cases := []struct {
				name string
				path string
				want Archives
			}{
				{name: "build's manifest", path: built.manifest, want: want(built)},
				{name: "base with build's manifest beside", path: built.base, want: want(built)},
				{name: "stored manifest", path: stored.manifest, want: want(stored)},
				{name: "stored base", path: stored.base, want: want(stored)},
			}
			for _, c := range cases {
				got, err := Locate(c.path)
				if err != nil {
					t.Errorf("%s: %v", c.name, err)
					continue
				}
				if got.Base != c.want.Base || !reflect.DeepEqual(got.Layers, c.want.Layers) || len(got.SHA256) != 3 {
					t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
				}
			}
			// A manifest saved elsewhere: build --json's paths.
			moved := filepath.Join(dir, format, "moved.json")
			os.WriteFile(moved, mustReadFile(t, built.printed), 0o644)
			if got, err := Locate(moved); err != nil || got.Base != built.base || !reflect.DeepEqual(got.Layers, built.layers) {
				t.Errorf("moved manifest: %+v %v", got, err)
			}
			// A layer missing: named, with where it was looked for.
			os.Remove(stored.layers[1])
			for _, p := range []string{stored.manifest, stored.base} {
				_, err := Locate(p)
				name := filepath.Base(stored.layers[1])
				if err == nil || !strings.Contains(err.Error(), "layer "+name+" of "+stored.base) || !strings.Contains(err.Error(), "is missing: not at "+stored.layers[1]) {
					t.Errorf("missing layer, from %s: %v", p, err)
				}
			}
			if format == "pex" {
				// Without a manifest the pex's PEX-INFO names its layers.
				os.Remove(built.manifest)
				if got, err := Locate(built.base); err != nil || got.Base != built.base || !reflect.DeepEqual(got.Layers, built.layers) {
					t.Errorf("pex without a manifest: %+v %v", got, err)
				}
				os.Remove(built.layers[0])
				if _, err := Locate(built.base); err == nil || !strings.Contains(err.Error(), "(named in its PEX-INFO) is missing") {
					t.Errorf("pex without a manifest, a layer missing: %v", err)
				}
			}
		})
	}
	// An archive without a manifest is itself alone.
	plain := writeVenv(t, dir, v, base)
	if got, err := Locate(plain); err != nil || got.Base != plain || got.Layers != nil {
		t.Errorf("plain archive: %+v %v", got, err)
	}
	if _, err := Locate(filepath.Join(dir, "nope.json")); err == nil {
		t.Error("a missing manifest: no error")
	}
	junk := filepath.Join(dir, "junk.json")
	os.WriteFile(junk, []byte("{]"), 0o644)
	if _, err := Locate(junk); err == nil || !strings.Contains(err.Error(), "is not a build manifest") {
		t.Errorf("junk manifest: %v", err)
	}
}

func TestOpenEnvironment(t *testing.T) {
	dir := t.TempDir()
	base, layers := layeredWheels(t, dir)
	v := [2]int{3, 11}
	cache := t.TempDir()
	for _, format := range []string{"zip", "pex"} {
		t.Run(format, func(t *testing.T) {
			l := writeLayered(t, filepath.Join(dir, format), format, "open"+format, v, base, layers)
			a, err := Locate(l.manifest)
			if err != nil {
				t.Fatal(err)
			}
			env, err := OpenEnvironment(context.Background(), a, OpenOptions{CacheDir: cache})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, d := range env.Distributions {
				names = append(names, d.Name)
				if !contains(env.SitePaths, d.SiteDir) {
					t.Errorf("%s's site directory %s is not one of %v", d.Name, d.SiteDir, env.SitePaths)
				}
			}
			if strings.Join(names, " ") != "bigmod greet hello-pkg" || len(env.Layers) != 2 || env.Archive != l.base || env.Platform != "manylinux_2_28_x86_64" {
				t.Errorf("env %+v, distributions %v", env, names)
			}
			if d := env.ModuleOwner("bigmod"); d == nil || d.Name != "bigmod" {
				t.Errorf("ModuleOwner(bigmod) = %v", d)
			}
			if format == "pex" {
				want := []string{filepath.Join(env.Dir, ".deps", "greet-1.0-py3-none-any.whl"),
					filepath.Join(env.Layers[0].Dir, ".deps", "hello_pkg-2.0-py3-none-any.whl"),
					filepath.Join(env.Layers[1].Dir, ".deps", "bigmod-0.3-py3-none-any.whl")}
				if !reflect.DeepEqual(env.SitePaths, want) {
					t.Errorf("site paths %v, want %v", env.SitePaths, want)
				}
				return
			}
			// A venv: the runner's own site, then the base's and each
			// layer's site-packages through a view where they are
			// siblings, as on a node.
			if len(env.SitePaths) != 4 || filepath.Base(env.SitePaths[0]) != runnerSite {
				t.Fatalf("site paths %v", env.SitePaths)
			}
			view := filepath.Dir(env.SitePaths[0])
			want := []string{
				filepath.Join(view, "environment", "lib", "python3.11", "site-packages"),
				filepath.Join(view, "layer-lay00000000000000000", "lib", "python3.11", "site-packages"),
				filepath.Join(view, "layer-lay10000000000000000", "lib", "python3.11", "site-packages"),
			}
			if !reflect.DeepEqual(env.SitePaths[1:], want) {
				t.Errorf("site paths %v, want %v", env.SitePaths[1:], want)
			}
			for i, m := range append([]*Env{env}, env.Layers...) {
				real, err := filepath.EvalSymlinks(want[i])
				if err != nil || real != filepath.Join(m.Dir, "lib", "python3.11", "site-packages") {
					t.Errorf("%s resolves to %s (%v), not into %s", want[i], real, err, m.Dir)
				}
			}
			hook := string(mustReadFile(t, filepath.Join(env.SitePaths[0], runnerPth)))
			for _, w := range want {
				if !strings.Contains(hook, strings.Trim(fmt.Sprintf("%q", w), `"`)) {
					t.Errorf("the runner's hook does not name %s:\n%s", w, hook)
				}
			}
			// Opening again reuses everything.
			again, err := OpenEnvironment(context.Background(), a, OpenOptions{CacheDir: cache})
			if err != nil || !reflect.DeepEqual(again.SitePaths, env.SitePaths) {
				t.Errorf("again: %v %v", err, again)
			}
		})
	}

	// Two environments sharing a layer: it is unpacked once.
	other := writeLayered(t, filepath.Join(dir, "other"), "zip", "otherbase", v, layeredWheelsBase(t, dir), layers[:1])
	first := writeLayered(t, filepath.Join(dir, "first"), "zip", "firstbase", v, base, layers[:1])
	var layerDirs []string
	for _, l := range []layeredEnv{first, other} {
		env, err := OpenEnvironment(context.Background(), Archives{Base: l.base, Layers: l.layers}, OpenOptions{CacheDir: cache})
		if err != nil {
			t.Fatal(err)
		}
		layerDirs = append(layerDirs, env.Layers[0].Dir)
	}
	if layerDirs[0] != layerDirs[1] {
		t.Errorf("the shared layer is unpacked twice: %v", layerDirs)
	}

	// A cache directory given relative to the working directory.
	t.Run("relative cache", func(t *testing.T) {
		work := t.TempDir()
		t.Chdir(work)
		env, err := OpenEnvironment(context.Background(), Archives{Base: first.base, Layers: first.layers}, OpenOptions{CacheDir: "cache"})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range env.SitePaths[1:] {
			if _, err := os.Stat(filepath.Join(p, "greet.py")); err == nil {
				continue
			}
			if _, err := os.Stat(filepath.Join(p, "hello")); err != nil {
				t.Errorf("site directory %s does not resolve: %v", p, err)
			}
		}
	})

	// Archives that do not belong together.
	zipL := writeLayered(t, filepath.Join(dir, "z2"), "zip", "z2", v, base, layers)
	pexL := writeLayered(t, filepath.Join(dir, "p2"), "pex", "p2", v, base, layers)
	py12 := writeLayered(t, filepath.Join(dir, "py12"), "zip", "py12", [2]int{3, 12}, base, layers)
	for _, c := range []struct {
		name string
		a    Archives
		want string
	}{
		{name: "formats", a: Archives{Base: zipL.base, Layers: pexL.layers[:1]}, want: "is a pex archive for Python 3.11, its base " + zipL.base + " a venv archive"},
		{name: "pythons", a: Archives{Base: zipL.base, Layers: py12.layers[:1]}, want: "for Python 3.12"},
		{name: "twice", a: Archives{Base: zipL.base, Layers: []string{zipL.layers[0], first.layers[0]}}, want: "hello-pkg is in " + zipL.layers[0] + " and in " + first.layers[0]},
		{name: "sha256", a: Archives{Base: zipL.base, Layers: zipL.layers, SHA256: map[string]string{zipL.layers[1]: strings.Repeat("0", 64)}}, want: zipL.layers[1] + " has sha256"},
		{name: "missing", a: Archives{Base: zipL.base, Layers: []string{filepath.Join(dir, "layer-nope.zip")}}, want: "layer-nope.zip"},
		{name: "a venv base alone", a: Archives{Base: zipL.base}, want: zipL.base + " is the base of a layered environment (its site-packages has _clusterpack_layers.pth) and its layers were not given"},
	} {
		if _, err := OpenEnvironment(context.Background(), c.a, OpenOptions{CacheDir: cache}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
}

// layeredWheelsBase is a base of another environment: another small wheel.
func layeredWheelsBase(t testing.TB, dir string) []string {
	return []string{buildWheel(t, dir, testindex.WheelSpec{Name: "greet", Version: "1.1", Files: map[string]string{"greet.py": greetPy + "\nVERSION = '1.1'\n"}})}
}

// TestLayeredCPython runs TestLayeredInProcess in a child process per
// CPython 3.9-3.13, and checks that nothing complained on standard error
// (the base's _clusterpack_layers hook writes there when it misses a
// layer).
func TestLayeredCPython(t *testing.T) {
	if os.Getenv(pythonEnv) != "" {
		t.Skip("in a child process")
	}
	for v, py := range interpreters(t) {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			out, err := runChild(t, "^TestLayeredInProcess$", py)
			if err != nil || !strings.Contains(out, "--- PASS: TestLayeredInProcess") || strings.Contains(out, "--- SKIP") {
				t.Fatalf("Python %s: %v\n%s", v, err, out)
			}
			for _, bad := range []string{"clusterpack: layer", "is missing", "Error processing line", "Traceback"} {
				if strings.Contains(out, bad) {
					t.Errorf("Python %s: %q on standard error:\n%s", v, bad, out)
				}
			}
		})
	}
}

// TestLayeredInProcess runs and checks layered environments in this
// process (a child of TestLayeredCPython).
func TestLayeredInProcess(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	for _, format := range []string{"zip", "pex"} {
		t.Run(format, func(t *testing.T) {
			// A counter of its own: the interpreter is shared.
			base, layers := layeredWheelsCounting(t, dir, "_runs_"+format)
			l := writeLayered(t, filepath.Join(dir, format), format, "inproc"+format, e.ver, base, layers).stored(t, filepath.Join(dir, format+"-store"))
			var got []string
			_, err := Run(context.Background(), l.manifest, Call{Eval: "[bigmod.BIG, hello.WHO, getattr(__import__('builtins'), '_runs_" + format + "', 0), " +
				"[p.rsplit('/', 4)[-4] if '.deps' not in p else p.rsplit('/', 1)[-1] for p in __import__('sys').path if p.endswith('site-packages') or '.deps' in p]]"},
				RunOptions{Open: OpenOptions{CacheDir: filepath.Join(dir, "cache")}, Python: e.py, Setup: []string{"import bigmod, hello"},
					Pool: PoolOptions{StdoutToStderr: true, Isolation: IsolationThreads},
					OnResult: func(r Result) error {
						got = append(got, value(t, r))
						return nil
					}})
			if err != nil {
				t.Fatal(err)
			}
			want := `["big-WORLD", "WORLD", 1, ["environment", "layer-lay00000000000000000", "layer-lay10000000000000000"]]`
			if format == "pex" {
				want = `["big-WORLD", "WORLD", 1, ["greet-1.0-py3-none-any.whl", "hello_pkg-2.0-py3-none-any.whl", "bigmod-0.3-py3-none-any.whl"]]`
			}
			if len(got) != 1 || got[0] != want {
				t.Errorf("run: %v, want %s", got, want)
			}

			// check sees the union: every distribution's modules import.
			a, err := Locate(l.base)
			if err != nil {
				t.Fatal(err)
			}
			env, err := OpenEnvironment(context.Background(), a, OpenOptions{CacheDir: filepath.Join(dir, "cache"), Platform: "manylinux_2_28_x86_64"})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Check(context.Background(), env, CheckOptions{Python: e.py, Runs: []Call{{Eval: "__import__('bigmod').BIG"}}})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() || !rep.Live || strings.Join(rep.Imported, ",") != "bigmod,greet,hello" {
				t.Errorf("check:\n%s%+v", rep.Summary(), rep)
			}
		})
	}
}
