package pex

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// layerSpecs are the wheels of the layered tests: the base holds demo;
// layer "a" holds dep (with its .pth file), layer "b" holds heavy, whose
// module imports from the base and from layer a.
func layerSpecs() (base, a, b []testindex.WheelSpec) {
	demo := demoSpecs()
	heavy := testindex.WheelSpec{
		Name: "heavy", Version: "3.1",
		Files: map[string]string{
			"heavy/__init__.py": "import demo, dep\nW = 'heavy-%s-%s' % (demo.X, dep.Y)\n",
			"heavy/__main__.py": "import sys, heavy\nprint('heavy main', heavy.W, sys.argv[1:])\n",
		},
	}
	return demo[:1], demo[1:], []testindex.WheelSpec{heavy}
}

// layered is a base pex and its layers written into one directory.
type layered struct {
	dir    string
	base   string   // the base pex's path
	layers []string // the layers' paths, in load order
	refs   []LayerRef
}

// writeLayerFile writes a layer of wheels named layer-<hash>.pex into dir.
func writeLayerFile(t testing.TB, dir, hash string, wheels []string, v [2]int) (string, LayerRef) {
	t.Helper()
	p := filepath.Join(dir, "layer-"+hash+".pex")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := WriteLayer(context.Background(), f, wheels, LayerOptions{PythonVersion: v, ContentHash: hash})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("WriteLayer: %v", err)
	}
	return p, LayerRef{File: filepath.Base(p), ContentHash: hash, Dists: res.Distributions}
}

// buildLayered writes the base (content hash baseHash) and layers a and
// b (hashes prefixed with tag) into dir.
func buildLayered(t testing.TB, dir, baseHash, tag string, v [2]int) layered {
	t.Helper()
	bs, as, hs := layerSpecs()
	wheels := filepath.Join(dir, "wheels")
	l := layered{dir: dir}
	for i, specs := range [][]testindex.WheelSpec{as, hs} {
		p, ref := writeLayerFile(t, dir, fmt.Sprintf("%s%c", tag, 'a'+i), writeWheels(t, wheels, specs), v)
		l.layers = append(l.layers, p)
		l.refs = append(l.refs, ref)
	}
	l.base, _ = buildPex(t, dir, "env-"+baseHash+".pex", writeWheels(t, wheels, bs), Options{PythonVersion: v, ContentHash: baseHash, Layers: l.refs})
	return l
}

// TestLayers runs a layered pex with each reference CPython the ways
// PySpark and users run a pex, with the layers beside the base as YARN
// and Spark lay out a container (each file a symlink into its own cache
// directory), beside the base's resolved path, and in the working
// directory.
func TestLayers(t *testing.T) {
	for _, py := range pythons(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			v := version(t, py.Python)
			l := buildLayered(t, filepath.Join(dir, "build"), "base-"+py.Name(), "lay-"+py.Name()+"-", v)
			// The container: each file a symlink into its own cache.
			container := filepath.Join(dir, "container")
			for _, p := range append([]string{l.base}, l.layers...) {
				cache := filepath.Join(dir, "filecache", filepath.Base(p))
				if err := os.MkdirAll(cache, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(p, filepath.Join(cache, filepath.Base(p))); err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(container, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(filepath.Join(cache, filepath.Base(p)), filepath.Join(container, filepath.Base(p))); err != nil {
					t.Fatal(err)
				}
			}
			base := "./" + filepath.Base(l.base)
			root := filepath.Join(dir, "pexroot")
			env := baseEnv(py.Python, dir, root)
			layerA := filepath.Join(root, "installed", l.refs[0].ContentHash, ".deps", l.refs[0].Dists[0].Wheel)
			imports := "import demo, dep, extra_mod, heavy; print(demo.X, dep.Y, extra_mod.Z, heavy.W)"
			want := "42 dep-two from pth heavy-42-dep-two\n"
			if err := os.WriteFile(filepath.Join(container, "job.py"), []byte(imports+"\nimport sys; print(sys.argv)\n"), 0o644); err != nil {
				t.Fatal(err)
			}

			cases := []struct {
				name   string
				args   []string
				stdin  string
				stdout string
			}{
				{name: "c", args: []string{"-c", imports}, stdout: want},
				{name: "module from a layer", args: []string{"-c", "import dep; print(dep.__file__)"}, stdout: filepath.Join(layerA, "dep.py") + "\n"},
				{name: "m from a layer", args: []string{"-m", "heavy", "x", "-c"}, stdout: "heavy main heavy-42-dep-two ['x', '-c']\n"},
				{name: "m from the base", args: []string{"-m", "demo", "z"}, stdout: "demo main ['z']\n"},
				{name: "stdin", args: []string{"-"}, stdin: imports + "\n", stdout: want},
				{name: "script", args: []string{"job.py", "arg"}, stdout: want + "['job.py', 'arg']\n"},
				{name: "options", args: []string{"-u", "-B", "-c", imports}, stdout: want},
				{name: "sys.path order", args: []string{"-c", "import sys; print([p.split('/.deps/')[1] for p in sys.path if '/.deps/' in p])"},
					stdout: fmt.Sprintf("['%s', '%s', '%s', '%s']\n", "demo-1.0-py3-none-any.whl", "dep-2.0-py3-none-any.whl", "dep-2.0-py3-none-any.whl/dep_extra_dir", "heavy-3.1-py3-none-any.whl")},
				{name: "executable", args: []string{"-c", "import subprocess, sys; print(subprocess.check_output([sys.executable, '-c', " + fmt.Sprintf("%q", imports) + "]).decode(), end='')"}, stdout: want},
			}
			for _, c := range cases {
				r := runPex(t, container, env, c.stdin, append([]string{base}, c.args...)...)
				if r.code != 0 || r.stdout != c.stdout {
					t.Errorf("%s: exit %d, stdout %q, want %q\nstderr: %s", c.name, r.code, r.stdout, c.stdout, r.stderr)
				}
			}

			// Beside the base as started, from another working directory
			// (where a process that changed directory re-executes
			// sys.executable): the links' directory, not their targets'.
			if r := runPex(t, dir, env, "", filepath.Join(container, base), "-c", imports); r.code != 0 || r.stdout != want {
				t.Errorf("layers beside the base's link, working directory elsewhere: exit %d, %q, stderr %s", r.code, r.stdout, r.stderr)
			}
			// Beside the resolved base: a link to the base alone.
			elsewhere := filepath.Join(dir, "elsewhere")
			os.MkdirAll(elsewhere, 0o755)
			realBase := filepath.Join(dir, "build", "real")
			os.MkdirAll(realBase, 0o755)
			for _, p := range append([]string{l.base}, l.layers...) {
				src, _ := filepath.EvalSymlinks(filepath.Join(container, filepath.Base(p)))
				copyFile(t, src, filepath.Join(realBase, filepath.Base(p)), 0o755)
			}
			os.Symlink(filepath.Join(realBase, filepath.Base(l.base)), filepath.Join(elsewhere, "env.pex"))
			if r := runPex(t, dir, env, "", filepath.Join(elsewhere, "env.pex"), "-c", imports); r.code != 0 || r.stdout != want {
				t.Errorf("layers beside the resolved base: exit %d, %q, stderr %s", r.code, r.stdout, r.stderr)
			}
			// In the working directory: the base alone elsewhere.
			alone := filepath.Join(dir, "alone")
			os.MkdirAll(alone, 0o755)
			copyFile(t, filepath.Join(realBase, filepath.Base(l.base)), filepath.Join(alone, "env.pex"), 0o755)
			if r := runPex(t, container, env, "", filepath.Join(alone, "env.pex"), "-c", imports); r.code != 0 || r.stdout != want {
				t.Errorf("layers in the working directory: exit %d, %q, stderr %s", r.code, r.stdout, r.stderr)
			}
			// No layer anywhere: one clear line, exit 1.
			r := runPex(t, alone, env, "", filepath.Join(alone, "env.pex"), "-c", "print('ran')")
			missing := l.refs[0].File
			if r.code != 1 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 ||
				!strings.Contains(r.stderr, "layer "+missing+" of "+filepath.Join(alone, "env.pex")+" is missing") ||
				!strings.Contains(r.stderr, "--files") || !strings.Contains(r.stderr, alone) {
				t.Errorf("missing layer: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func copyFile(t testing.TB, src, dst string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, mode); err != nil {
		t.Fatal(err)
	}
}

// TestWrongLayer puts another file where a layer should be: the base
// refuses it, naming the file, before unpacking anything of it.
func TestWrongLayer(t *testing.T) {
	py, v := newest(t)
	dir := t.TempDir()
	l := buildLayered(t, dir, "wrongbase", "wrong-", v)
	env := baseEnv(py.Python, dir, filepath.Join(dir, "root"))
	a, b := l.layers[0], l.layers[1]
	aData, _ := os.ReadFile(a)
	cases := []struct {
		name    string
		content []byte
		want    string
	}{
		{name: "another layer", content: mustRead(t, b), want: "its PEX-INFO has pex_hash 'wrong-b', not 'wrong-a'"},
		{name: "not a zip", content: []byte("#!/bin/sh\necho hello\n"), want: "it is not a zip file"},
		{name: "truncated", content: aData[:len(aData)/2], want: "it is not a zip file"},
	}
	for _, c := range cases {
		if err := os.WriteFile(a, c.content, 0o644); err != nil {
			t.Fatal(err)
		}
		r := runPex(t, dir, env, "", l.base, "-c", "print('ran')")
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, a+" is not layer wrong-a of "+l.base+": "+c.want) || !strings.Contains(r.stderr, "--files") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", c.name, r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "root", "installed", "wrong-a")); !os.IsNotExist(err) {
			t.Errorf("%s: the wrong layer was unpacked (%v)", c.name, err)
		}
	}
	os.WriteFile(a, aData, 0o644)
	if r := runPex(t, dir, env, "", l.base, "-c", "import heavy; print(heavy.W)"); r.code != 0 || r.stdout != "heavy-42-dep-two\n" {
		t.Errorf("with the right layer: exit %d, %q, stderr %s", r.code, r.stdout, r.stderr)
	}
}

func mustRead(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSharedLayer starts two bases that load the same layer, 20
// processes of each at once on a cold PEX_ROOT: every process works, the
// shared layer is unpacked once, each base once, and installed/ holds
// one directory per hash.
func TestSharedLayer(t *testing.T) {
	py, v := newest(t)
	dir := t.TempDir()
	bs, as, hs := layerSpecs()
	wheels := filepath.Join(dir, "wheels")
	shared, ref := writeLayerFile(t, dir, "sharedlayer", writeWheels(t, wheels, append(as, hs...)), v)
	baseWheels := writeWheels(t, wheels, bs)
	one, _ := buildPex(t, dir, "one.pex", baseWheels, Options{PythonVersion: v, ContentHash: "base-one", Layers: []LayerRef{ref}})
	two, _ := buildPex(t, dir, "two.pex", baseWheels, Options{PythonVersion: v, ContentHash: "base-two", Layers: []LayerRef{ref}, Env: map[string]string{"WHICH": "two"}})
	root := filepath.Join(dir, "root")
	env := append(baseEnv(py.Python, dir, root), "PEX_VERBOSE=1")
	const n = 20
	results := make([]run, 2*n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = runPex(t, dir, env, "", []string{one, two}[i%2], "-c", "import heavy, extra_mod, os; print(heavy.W, extra_mod.Z, os.environ.get('WHICH'))")
		}()
	}
	close(start)
	wg.Wait()
	unpacks := map[string]int{}
	for i, r := range results {
		want := "heavy-42-dep-two from pth None\n"
		if i%2 == 1 {
			want = "heavy-42-dep-two from pth two\n"
		}
		if r.code != 0 || r.stdout != want {
			t.Errorf("process %d: exit %d, %q, stderr %s", i, r.code, r.stdout, r.stderr)
		}
		for _, line := range strings.Split(r.stderr, "\n") {
			if _, rest, ok := strings.Cut(line, "unpacked "); ok {
				into := rest[strings.Index(rest, " into ")+6:]
				unpacks[filepath.Base(strings.Fields(into)[0])]++
			}
		}
	}
	if fmt.Sprint(unpacks) != "map[base-one:1 base-two:1 sharedlayer:1]" {
		t.Errorf("unpackings %v, want each base and the shared layer once", unpacks)
	}
	names := readDirNames(t, filepath.Join(root, "installed"))
	if strings.Join(names, " ") != ".base-one.lock .base-two.lock .sharedlayer.lock base-one base-two sharedlayer" {
		t.Errorf("installed/ holds %v", names)
	}
	if !strings.HasSuffix(shared, "layer-sharedlayer.pex") {
		t.Errorf("layer written to %s", shared)
	}
}

// TestLayerLayout checks a layer's archive (no shebang, no bootstrap, the
// chroots then PEX-INFO) and the base's PEX-INFO naming its layers.
func TestLayerLayout(t *testing.T) {
	dir := t.TempDir()
	l := buildLayered(t, dir, "layoutbase", "layout-", [2]int{3, 11})
	data := mustRead(t, l.layers[0])
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		t.Errorf("the layer starts %q, not with a zip entry", data[:8])
	}
	zr := openPex(t, l.layers[0])
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.ModifiedDate != 1<<5|1 || f.ModifiedTime != 0 {
			t.Errorf("%s: date %x time %x", f.Name, f.ModifiedDate, f.ModifiedTime)
		}
	}
	if names[len(names)-1] != "PEX-INFO" || contains(names, "__main__.py") || !contains(names, ".deps/dep-2.0-py3-none-any.whl/dep_extra.pth") {
		t.Errorf("layer entries %v", names)
	}
	for _, n := range names[:len(names)-1] {
		if !strings.HasPrefix(n, ".deps/dep-2.0-py3-none-any.whl/") {
			t.Errorf("layer entry %s outside its chroot", n)
		}
	}
	info, err := ReadInfo(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if info.PexHash != "layout-a" || info.CodeHash != "layout-a" || fmt.Sprint(info.Requirements) != "[dep==2.0]" || len(info.Distributions) != 1 || info.Layers != nil || info.PexPaths != nil {
		t.Errorf("layer PEX-INFO %+v", info)
	}

	base := mustRead(t, l.base)
	binfo, err := ReadInfo(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	wantLayers := []InfoLayer{
		{File: "layer-layout-a.pex", PexHash: "layout-a", Distributions: []string{"dep-2.0-py3-none-any.whl"}},
		{File: "layer-layout-b.pex", PexHash: "layout-b", Distributions: []string{"heavy-3.1-py3-none-any.whl"}},
	}
	if fmt.Sprint(binfo.Layers) != fmt.Sprint(wantLayers) || binfo.PexPath != "layer-layout-a.pex:layer-layout-b.pex" ||
		fmt.Sprint(binfo.PexPaths) != "[layer-layout-a.pex layer-layout-b.pex]" ||
		fmt.Sprint(binfo.Requirements) != "[demo==1.0 dep==2.0 heavy==3.1]" || fmt.Sprint(keys(binfo.Distributions)) != "[demo-1.0-py3-none-any.whl]" {
		t.Errorf("base PEX-INFO %+v", binfo)
	}
	var rawInfo []byte
	for _, f := range openPex(t, l.base).File {
		if f.Name == "PEX-INFO" {
			rawInfo = readMember(t, f)
		}
	}
	if k := topKeys(t, rawInfo); !sort.StringsAreSorted(k) || !contains(k, "clusterpack_layers") || !contains(k, "pex_paths") {
		t.Errorf("base PEX-INFO keys %v", k)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestLayerReproducible writes one layer and one base twice, the second
// time in a separate process with another umask, working directory, time
// zone and wheel directory, and compares the bytes.
func TestLayerReproducible(t *testing.T) {
	dir := t.TempDir()
	_, as, hs := layerSpecs()
	specs := append(as, hs...)
	w1 := writeWheels(t, filepath.Join(dir, "a"), specs)
	w2 := writeWheels(t, filepath.Join(dir, "b", "elsewhere"), specs)
	first := filepath.Join(dir, "one.pex")
	f, _ := os.Create(first)
	r1, err := WriteLayer(context.Background(), f, w1, reproLayerOptions)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(dir, "two.pex")
	cwd := filepath.Join(dir, "cwd")
	os.MkdirAll(cwd, 0o755)
	spec, _ := json.Marshal(map[string]any{"Wheels": []string{w2[1], w2[0]}, "Out": second, "Cwd": cwd, "Layer": true})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), reproHelperEnv+"="+string(spec), "TZ=Asia/Kathmandu", "HOME="+dir+"/home2")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("second build: %v\n%s", err, out)
	}
	a, b := mustRead(t, first), mustRead(t, second)
	if sa, sb := sha256.Sum256(a), sha256.Sum256(b); sa != sb || r1.SHA256 != fmt.Sprintf("%x", sa) {
		t.Fatalf("layers differ: %x and %x (result %s)", sa, sb, r1.SHA256)
	}
	// The base names its layers; the same refs give the same base.
	base := func(ws []string) []byte {
		var buf bytes.Buffer
		ref := LayerRef{File: "layer-repro.pex", ContentHash: "repro-layer", Dists: r1.Distributions}
		if _, err := Write(context.Background(), &buf, ws, Options{PythonVersion: [2]int{3, 12}, ContentHash: "repro-base", Layers: []LayerRef{ref}}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	bs, _, _ := layerSpecs()
	if !bytes.Equal(base(writeWheels(t, filepath.Join(dir, "c"), bs)), base(writeWheels(t, filepath.Join(dir, "d", "e"), bs))) {
		t.Error("two bases of the same wheels and layers differ")
	}
}

var reproLayerOptions = LayerOptions{PythonVersion: [2]int{3, 12}, ContentHash: "repro-layer"}

func TestLayerErrors(t *testing.T) {
	dir := t.TempDir()
	bs, as, _ := layerSpecs()
	base := writeWheels(t, filepath.Join(dir, "w"), bs)
	dep := writeWheels(t, filepath.Join(dir, "w"), as)
	ref := LayerRef{File: "layer-x.pex", ContentHash: "x", Dists: []Dist{{"dep", "2.0", "dep-2.0-py3-none-any.whl"}}}
	with := func(f func(*LayerRef)) []LayerRef { r := ref; f(&r); return []LayerRef{r} }
	cases := []struct {
		name   string
		wheels []string
		layers []LayerRef
		want   string
	}{
		{name: "file with a directory", layers: with(func(r *LayerRef) { r.File = "../layer-x.pex" }), want: "plain file name"},
		{name: "no file", layers: with(func(r *LayerRef) { r.File = "" }), want: "plain file name"},
		{name: "bad hash", layers: with(func(r *LayerRef) { r.ContentHash = "a/b" }), want: "content hash"},
		{name: "the base's hash", layers: with(func(r *LayerRef) { r.ContentHash = "h" }), want: "the pex's or another layer's"},
		{name: "no dists", layers: with(func(r *LayerRef) { r.Dists = nil }), want: "no distributions"},
		{name: "bad wheel", layers: with(func(r *LayerRef) { r.Dists = []Dist{{"x", "1", "x.tar.gz"}} }), want: "not a wheel file name"},
		{name: "twice", layers: []LayerRef{ref, ref}, want: "given twice"},
		{name: "in two layers", layers: []LayerRef{ref, {File: "layer-y.pex", ContentHash: "y", Dists: ref.Dists}}, want: "in another layer too"},
		{name: "in the base and a layer", wheels: append(append([]string{}, base...), dep...), layers: []LayerRef{ref}, want: "is in the pex and in its layer layer-x.pex"},
	}
	for _, c := range cases {
		ws := c.wheels
		if ws == nil {
			ws = base
		}
		_, err := Write(context.Background(), io.Discard, ws, Options{PythonVersion: [2]int{3, 11}, ContentHash: "h", Layers: c.layers})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error mentioning %q", c.name, err, c.want)
		}
	}
	for _, c := range []struct {
		name   string
		wheels []string
		opts   LayerOptions
		want   string
	}{
		{name: "no wheels", opts: LayerOptions{PythonVersion: [2]int{3, 11}, ContentHash: "l"}, want: "at least one wheel"},
		{name: "no hash", wheels: dep, opts: LayerOptions{PythonVersion: [2]int{3, 11}}, want: "content hash"},
		{name: "python", wheels: dep, opts: LayerOptions{PythonVersion: [2]int{3, 6}, ContentHash: "l"}, want: "not supported"},
		{name: "missing wheel", wheels: []string{filepath.Join(dir, "nope-1.0-py3-none-any.whl")}, opts: LayerOptions{PythonVersion: [2]int{3, 11}, ContentHash: "l"}, want: "nope-1.0-py3-none-any.whl"},
	} {
		_, err := WriteLayer(context.Background(), io.Discard, c.wheels, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("WriteLayer %s: %v, want an error mentioning %q", c.name, err, c.want)
		}
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := WriteLayer(canceled, io.Discard, dep, LayerOptions{PythonVersion: [2]int{3, 11}, ContentHash: "l"}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

// TestLayerPexRoot: with PEX_ROOT unwritable the base and its layers
// fall back to the temporary directory together, said once.
func TestLayerPexRoot(t *testing.T) {
	py, v := newest(t)
	dir := t.TempDir()
	l := buildLayered(t, dir, "rootbase", "root-", v)
	tmp := filepath.Join(dir, "tmp")
	os.MkdirAll(tmp, 0o755)
	env := []string{"PATH=" + filepath.Dir(py.Python) + ":/usr/bin:/bin", "HOME=/proc/nonexistent-home", "PEX_ROOT=/proc/nonexistent-root", "TMPDIR=" + tmp}
	r := runPex(t, dir, env, "", l.base, "-c", "import heavy, dep; print(heavy.W, dep.__file__)")
	fallback := filepath.Join(tmp, fmt.Sprintf("clusterpack-pex-%d", os.Getuid()), "installed")
	want := "heavy-42-dep-two " + filepath.Join(fallback, "root-a", ".deps", "dep-2.0-py3-none-any.whl", "dep.py") + "\n"
	if r.code != 0 || r.stdout != want || strings.Count(r.stderr, "is not writable") != 1 {
		t.Errorf("exit %d, %q, want %q; stderr %q", r.code, r.stdout, want, r.stderr)
	}
	if names := readDirNames(t, fallback); strings.Join(names, " ") != ".root-a.lock .root-b.lock .rootbase.lock root-a root-b rootbase" {
		t.Errorf("fallback holds %v", names)
	}
}

// TestLayerEntryPoint: a base whose entry point is a module of a layer.
func TestLayerEntryPoint(t *testing.T) {
	py, v := newest(t)
	dir := t.TempDir()
	l := buildLayered(t, dir, "epbase", "ep-", v)
	bs, _, _ := layerSpecs()
	ep, _ := buildPex(t, dir, "ep.pex", writeWheels(t, filepath.Join(dir, "w2"), bs), Options{PythonVersion: v, ContentHash: "epbase2", EntryPoint: "heavy", Layers: l.refs})
	r := runPex(t, dir, baseEnv(py.Python, dir, filepath.Join(dir, "root")), "", ep, "a", "-c")
	if r.code != 0 || r.stdout != "heavy main heavy-42-dep-two ['a', '-c']\n" {
		t.Errorf("exit %d, %q, stderr %s", r.code, r.stdout, r.stderr)
	}
}
