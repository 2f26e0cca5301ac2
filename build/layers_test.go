package build

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/clusterpack/clusterpack/internal/progress"
	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/lockfile"
	"github.com/clusterpack/clusterpack/target"
)

// blob is n bytes that do not deflate, the same for the same seed: a
// wheel holding it is over the layer threshold.
func blob(n int, seed uint64) string {
	r := rand.New(rand.NewChaCha8([32]byte{byte(seed)}))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return string(b)
}

// layeredWorld has two large distributions (each a layer: big has a
// console script and a .pth file of its own) and two small ones, tiny in
// two versions.
func layeredWorld() []testindex.Project {
	return []testindex.Project{
		{Name: "big", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{
			Name: "big", Version: "1.0",
			Files: map[string]string{
				"big/__init__.py": "V = 'big'\ndef main():\n    import small\n    print('big-cli', V, small.S)\n",
				"big/blob.bin":    blob(layerMinSize+100_000, 1),
				"big_extra.pth":   "big_extra_dir\n", "big_extra_dir/hooked.py": "H = 'hooked'\n",
			},
			EntryPoints: map[string]map[string]string{"console_scripts": {"big-cli": "big:main"}},
		})}},
		{Name: "huge", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{
			Name: "huge", Version: "2.0", Files: map[string]string{"huge/__init__.py": "V = 'huge'\n", "huge/blob.bin": blob(layerMinSize+500_000, 2)},
		})}},
		{Name: "small", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{Name: "small", Version: "1.0", Files: map[string]string{"small.py": "S = 'small'\n"}})}},
		{Name: "tiny", Files: []testindex.File{
			testindex.Wheel(testindex.WheelSpec{Name: "tiny", Version: "1.0", Files: map[string]string{"tiny.py": "T = '1.0'\n"}}),
			testindex.Wheel(testindex.WheelSpec{Name: "tiny", Version: "1.1", Files: map[string]string{"tiny.py": "T = '1.1'\n"}}),
		}},
	}
}

type layeredFixture struct {
	srv  *testindex.Server
	lenv lock.Env
}

func setupLayered(t *testing.T) layeredFixture {
	t.Helper()
	srv := testindex.Start(t, layeredWorld(), testindex.Options{})
	lenv := lock.Env{Getenv: func(string) string { return "" }, HomeDir: t.TempDir(), CacheDir: t.TempDir(), Version: "test"}
	return layeredFixture{srv: srv, lenv: lenv}
}

func (fx layeredFixture) lock(t *testing.T, reqs ...string) *lockfile.Lock {
	t.Helper()
	res, err := lock.Make(context.Background(), lock.Input{Requirements: reqs, IndexURL: fx.srv.IndexURL(),
		Target: target.Spec{Python: "3.11", Platforms: []string{"manylinux_2_28_x86_64"}}}, fx.lenv)
	if err != nil {
		t.Fatal(err)
	}
	return res.Lock
}

// build builds lk layered into out, with the cache dir cache ("": a
// new one).
func (fx layeredFixture) build(t *testing.T, lk *lockfile.Lock, format Format, out, cache string) *Manifest {
	t.Helper()
	p, err := NewPlan(lk, ".", Options{Format: format, Layers: true})
	if err != nil {
		t.Fatal(err)
	}
	env := newEnv(t, fx.lenv, lk)
	if cache != "" {
		env.CacheDir = cache
	}
	m, err := Build(context.Background(), p, out, env)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPlanLayers is the grouping rule: artifacts of layerMinSize or more
// get a layer each, the maxLayers largest (equal sizes by name); the rest,
// and artifacts of unknown size, stay in the base; layers are in name
// order. A layer's hash depends on its artifact, the format and the
// Python only.
func TestPlanLayers(t *testing.T) {
	art := func(name string, size int64) Artifact {
		return Artifact{Name: name, Version: "1", Filename: name + "-1-py3-none-any.whl", SHA256: strings.Repeat("a", 64), Size: size, Wheel: true}
	}
	var many, ties []Artifact
	for i := range 20 {
		many = append(many, art(fmt.Sprintf("p%02d", i), layerMinSize+int64(i%4)))
	}
	for i := 15; i >= 0; i-- {
		ties = append(ties, art(fmt.Sprintf("p%02d", i), layerMinSize))
	}
	for _, tc := range []struct {
		name string
		arts []Artifact
		want []string
	}{
		{"none large", []Artifact{art("a", 10), art("b", layerMinSize-1), art("c", 0)}, nil},
		{"threshold", []Artifact{art("a", layerMinSize), art("b", 5), art("c", 100<<20)}, []string{"a", "c"}},
		// p00..p19 of sizes layerMinSize + i%4: the 15 largest are those
		// with i%4 in {1, 2, 3}.
		{"the 15 largest", many, []string{"p01", "p02", "p03", "p05", "p06", "p07", "p09", "p10", "p11", "p13", "p14", "p15", "p17", "p18", "p19"}},
		// 16 of one size: ties are by name, p15 stays in the base.
		{"ties by name", ties, []string{"p00", "p01", "p02", "p03", "p04", "p05", "p06", "p07", "p08", "p09", "p10", "p11", "p12", "p13", "p14"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			layers := planLayers(tc.arts, FormatZip, [2]int{3, 11}, nil)
			var got []string
			for _, l := range layers {
				got = append(got, l.Artifacts[0].Name)
				if !strings.HasPrefix(l.Name, "layer-"+l.ContentHash+".zip") || l.Dir != "layer-"+l.ContentHash || len(l.ContentHash) != 20 {
					t.Errorf("layer %+v", l)
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("layers %v, want %v", got, tc.want)
			}
		})
	}
	a := art("a", layerMinSize)
	h := layerHash(a, FormatZip, [2]int{3, 11}, []string{"manylinux_2_28_x86_64"})
	if layerHash(a, FormatZip, [2]int{3, 11}, []string{"macosx_11_0_arm64"}) != h {
		t.Error("a wheel's layer hash depends on the lock's platforms")
	}
	sd := a
	sd.Wheel, sd.Filename = false, "a-1.tar.gz"
	if layerHash(sd, FormatZip, [2]int{3, 11}, []string{"manylinux_2_28_x86_64"}) == layerHash(sd, FormatZip, [2]int{3, 11}, []string{"macosx_11_0_arm64"}) {
		t.Error("an sdist's layer hash ignores the platforms it is built for")
	}
	for _, other := range []string{
		layerHash(a, FormatTarGz, [2]int{3, 11}, nil), layerHash(a, FormatZip, [2]int{3, 12}, nil),
		layerHash(art("b", layerMinSize), FormatZip, [2]int{3, 11}, nil),
	} {
		if other == h {
			t.Error("a layer hash ignores the format, the Python or the artifact")
		}
	}
	pex := planLayers([]Artifact{a}, FormatPex, [2]int{3, 11}, nil)
	if pex[0].Dir != pex[0].Name || !strings.HasSuffix(pex[0].Name, ".pex") {
		t.Errorf("a pex layer %+v", pex[0])
	}
}

// TestLayeredPlanNames: a layered plan's base is named apart from the
// monolith; --layers with a wheelhouse is refused.
func TestLayeredPlanNames(t *testing.T) {
	fx := setupLayered(t)
	lk := fx.lock(t, "big", "huge", "small", "tiny==1.0")
	mono, err := NewPlan(lk, ".", Options{Format: FormatZip})
	if err != nil {
		t.Fatal(err)
	}
	layered, err := NewPlan(lk, ".", Options{Format: FormatZip, Layers: true})
	if err != nil {
		t.Fatal(err)
	}
	if mono.ContentHash == layered.ContentHash || len(mono.Layers) != 0 || len(layered.Layers) != 2 {
		t.Fatalf("monolith %s %d layers, layered %s %d layers", mono.ContentHash, len(mono.Layers), layered.ContentHash, len(layered.Layers))
	}
	if !layered.InLayer("big") || !layered.InLayer("huge") || layered.InLayer("small") {
		t.Errorf("layers %+v", layered.Layers)
	}
	if _, err := NewPlan(lk, ".", Options{Format: FormatWheelhouse, Layers: true}); !errors.Is(err, ErrWheelhouseLayers) {
		t.Errorf("--layers with a wheelhouse: %v", err)
	}

}

func unpackTo(t *testing.T, archive, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("tar", "-xzf", archive, "-C", dir)
	if strings.HasSuffix(archive, ".zip") {
		cmd = exec.Command("unzip", "-q", archive, "-d", dir)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
}

// TestBuildLayered builds a layered environment from the served index in
// every format. A venv's base and layers are unpacked as siblings (the
// base through a symbolic link, as YARN links an alias) and the base's
// bin/python runs with real CPython: the layers' modules import, the
// layer's console script runs from the base's bin/, its .pth took
// effect; a pex base runs with its layer files beside it. Then: a second build reuses everything; another machine's
// build gives the same bytes; an environment sharing one distribution
// gets that layer under the same name with the same bytes, found already
// in the output directory; a one-package change leaves every layer's
// name as it was.
func TestBuildLayered(t *testing.T) {
	py := pyref.Default(t)
	fx := setupLayered(t)
	lk := fx.lock(t, "big", "huge", "small", "tiny==1.0")
	for _, format := range []Format{FormatZip, FormatTarGz, FormatPex} {
		t.Run(string(format), func(t *testing.T) {
			out, cache := t.TempDir(), t.TempDir()
			m := fx.build(t, lk, format, out, cache)
			interp := "environment/bin/python"
			if format == FormatPex {
				interp = "./" + filepath.Base(m.Archive)
			}
			if len(m.Layers) != 2 || len(m.Packages) != 4 || m.Interpreter != interp {
				t.Fatalf("manifest %+v", m)
			}
			for i, want := range []string{"big", "huge"} {
				l := m.Layers[i]
				dir := "layer-" + l.ContentHash
				if format == FormatPex {
					dir = l.Name
				}
				if len(l.Packages) != 1 || l.Packages[0].Name != want || l.Archive != filepath.Join(out, l.Name) || sum(t, l.Archive) != l.SHA256 ||
					l.Name != "layer-"+l.ContentHash+"."+string(format) || l.Dir != dir {
					t.Errorf("layer %d: %+v", i, l)
				}
			}
			if base, err := os.Stat(m.Archive); err != nil || base.Size() > 100_000 {
				t.Errorf("the base is not small: %v %v", base.Size(), err)
			}
			stored, err := readManifest(filepath.Join(out, "env-"+m.ContentHash+".json"))
			if err != nil || len(stored.Layers) != 2 || stored.Layers[0].Archive != "" || stored.Layers[0].SHA256 != m.Layers[0].SHA256 {
				t.Fatalf("stored manifest %+v %v", stored, err)
			}

			work := t.TempDir()
			env := append(os.Environ(), "PATH="+filepath.Dir(py.Python)+":/usr/bin:/bin", "PEX_ROOT="+t.TempDir())
			imports := "import big, huge, small, tiny, hooked; print(big.V, huge.V, small.S, tiny.T, hooked.H)"
			runs := []struct {
				args []string
				want string
			}{{[]string{"environment/bin/python", "-c", imports}, "big huge small 1.0 hooked"}, {[]string{"environment/bin/big-cli"}, "big-cli big small"}}
			if format == FormatPex {
				for _, f := range append([]string{m.Archive}, m.Layers[0].Archive, m.Layers[1].Archive) {
					if err := os.WriteFile(filepath.Join(work, filepath.Base(f)), mustRead(t, f), 0o755); err != nil {
						t.Fatal(err)
					}
				}
				runs = runs[:1]
				runs[0].args = []string{py.Python, filepath.Base(m.Archive), "-c", imports}
			} else {
				store := t.TempDir()
				unpackTo(t, m.Archive, filepath.Join(store, "base"))
				if err := os.Symlink(filepath.Join(store, "base"), filepath.Join(work, "environment")); err != nil {
					t.Fatal(err)
				}
				for _, l := range m.Layers {
					unpackTo(t, l.Archive, filepath.Join(work, l.Dir))
				}
			}
			for _, c := range runs {
				name := c.args[0]
				if !filepath.IsAbs(name) {
					name = filepath.Join(work, name)
				}
				cmd := exec.Command(name, c.args[1:]...)
				cmd.Dir, cmd.Env = work, env
				got, err := cmd.CombinedOutput()
				if err != nil || strings.TrimSpace(string(got)) != c.want {
					t.Errorf("%v: %v: %q, want %q", c.args, err, got, c.want)
				}
			}

			// Reused: nothing written again.
			before := mtimes(t, out)
			again := fx.build(t, lk, format, out, cache)
			if again.SHA256 != m.SHA256 || again.Layers[1].Archive != m.Layers[1].Archive || fmt.Sprint(mtimes(t, out)) != fmt.Sprint(before) ||
				!again.Reused || !again.Layers[0].Reused || m.Reused || m.Layers[0].Reused {
				t.Errorf("a second build was not a reuse: %+v", again)
			}
			// Another directory and cache: the same bytes.
			other := fx.build(t, lk, format, t.TempDir(), "")
			if other.SHA256 != m.SHA256 || other.Layers[0].SHA256 != m.Layers[0].SHA256 || other.Layers[1].SHA256 != m.Layers[1].SHA256 {
				t.Errorf("two builds differ: %+v and %+v", m, other)
			}

			// Another environment with big: its layer, by name and bytes,
			// found in the output directory (not written again: its stamp
			// in the cache vouches for it).
			bigLayer, _ := os.Stat(m.Layers[0].Archive)
			shared := fx.build(t, fx.lock(t, "big", "tiny==1.1"), format, out, cache)
			if len(shared.Layers) != 1 || shared.Layers[0].Name != m.Layers[0].Name || shared.Layers[0].SHA256 != m.Layers[0].SHA256 || !shared.Layers[0].Reused || shared.Reused {
				t.Errorf("big's layer in another environment: %+v, was %+v", shared.Layers, m.Layers[0])
			}
			if now, _ := os.Stat(m.Layers[0].Archive); !now.ModTime().Equal(bigLayer.ModTime()) {
				t.Errorf("big's layer, in the output directory already, was written again")
			}

			// One small package changed: a new base, the same layers.
			bumped := fx.build(t, fx.lock(t, "big", "huge", "small", "tiny==1.1"), format, t.TempDir(), "")
			if bumped.ContentHash == m.ContentHash || bumped.Layers[0].Name != m.Layers[0].Name || bumped.Layers[1].Name != m.Layers[1].Name ||
				bumped.Layers[1].SHA256 != m.Layers[1].SHA256 {
				t.Errorf("a one-package change: %+v, was %+v", bumped, m)
			}
		})
	}
}

// mtimes maps the files of dir to their modification times.
func mtimes(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fi.ModTime().UnixNano()
	}
	return out
}

// TestLayeredCorruptLayerRebuilt: a layer changed in the output directory
// is not reused: the build writes it again; a wheel whose cached file was
// tampered with fails the build before any layer gets its name.
func TestLayeredCorruptLayerRebuilt(t *testing.T) {
	pyref.Default(t)
	fx := setupLayered(t)
	lk := fx.lock(t, "big", "huge", "small")
	out := t.TempDir()
	m := fx.build(t, lk, FormatZip, out, "")
	if err := os.WriteFile(m.Layers[1].Archive, []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	again := fx.build(t, lk, FormatZip, out, "")
	if sum(t, again.Layers[1].Archive) != m.Layers[1].SHA256 {
		t.Error("a corrupted layer was reused")
	}

	p, _ := NewPlan(lk, ".", Options{Format: FormatZip, Layers: true})
	env := newEnv(t, fx.lenv, lk)
	if _, err := Build(context.Background(), p, t.TempDir(), env); err != nil {
		t.Fatal(err)
	}
	cached, _ := filepath.Glob(filepath.Join(env.CacheDir, "artifacts", "*", "*", "*", "huge-2.0-*.whl"))
	if len(cached) != 1 {
		t.Fatalf("cached huge wheel: %v", cached)
	}
	evil := testindex.Wheel(testindex.WheelSpec{Name: "huge", Version: "2.0", Files: map[string]string{"huge/__init__.py": "V = 'evil'\n"}})
	if err := os.WriteFile(cached[0], evil.Content, 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := t.TempDir()
	if _, err := Build(context.Background(), p, fresh, env); err == nil || !strings.Contains(err.Error(), "package huge") {
		t.Fatalf("a tampered layer wheel: %v", err)
	}
	if entries, _ := os.ReadDir(fresh); len(entries) != 0 {
		t.Errorf("files left in the output directory: %v", entries)
	}
}

// TestLayeredProgress: the written bytes of every archive of a layered
// build are reported under its file name, each up to its size.
func TestLayeredProgress(t *testing.T) {
	pyref.Default(t)
	fx := setupLayered(t)
	lk := fx.lock(t, "big", "huge", "small")
	p, err := NewPlan(lk, ".", Options{Format: FormatZip, Layers: true})
	if err != nil {
		t.Fatal(err)
	}
	env := newEnv(t, fx.lenv, lk)
	var mu sync.Mutex
	written := map[string]int64{}
	env.Progress = func(e progress.Event) {
		if e.Step == progress.Write {
			mu.Lock()
			written[e.Name] = e.Done
			mu.Unlock()
		}
	}
	m, err := Build(context.Background(), p, t.TempDir(), env)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{filepath.Base(m.Archive): m.Size}
	for _, l := range m.Layers {
		want[l.Name] = l.Size
	}
	if fmt.Sprint(written) != fmt.Sprint(want) {
		t.Errorf("written %v, want %v", written, want)
	}
}
