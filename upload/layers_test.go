package upload

import (
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/lockfile"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/backends"
	"github.com/clusterpack/clusterpack/target"
)

// The layered environments of these tests: two distributions large
// enough for layers of their own (3 and 2.5 MiB of incompressible
// bytes), one of them in two versions, beside a small one in two
// versions, as six 1.16.0 and 1.17.0 beside pandas and pyarrow.
type layeredFixture struct {
	env   build.Env
	locks map[string]*lockfile.Lock // by variant
}

// The variants: the same environment, with the small package bumped,
// and with one large package bumped.
const (
	variantBase      = "base"
	variantSmallBump = "small-bump"
	variantBigBump   = "big-bump"
)

func bigContent(seed uint64, n int) string {
	r := rand.New(rand.NewChaCha8([32]byte{byte(seed)}))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return string(b)
}

func layeredSetup(t *testing.T) *layeredFixture {
	t.Helper()
	wheel := func(name, version string, files map[string]string) testindex.File {
		return testindex.Wheel(testindex.WheelSpec{Name: name, Version: version, Files: files})
	}
	srv := testindex.Start(t, []testindex.Project{
		{Name: "biga", Files: []testindex.File{wheel("biga", "1.0", map[string]string{"biga/__init__.py": "X = 1\n", "biga/blob.bin": bigContent(1, 3<<20)})}},
		{Name: "bigb", Files: []testindex.File{
			wheel("bigb", "1.0", map[string]string{"bigb/__init__.py": "X = 1\n", "bigb/blob.bin": bigContent(2, 5<<19)}),
			wheel("bigb", "2.0", map[string]string{"bigb/__init__.py": "X = 2\n", "bigb/blob.bin": bigContent(3, 5<<19)}),
		}},
		{Name: "small", Files: []testindex.File{
			wheel("small", "1.16.0", map[string]string{"small.py": "V = '1.16.0'\n"}),
			wheel("small", "1.17.0", map[string]string{"small.py": "V = '1.17.0'\n"}),
		}},
	}, testindex.Options{})
	lenv := lock.Env{Getenv: func(string) string { return "" }, HomeDir: t.TempDir(), CacheDir: t.TempDir(), Version: "test"}
	f := &layeredFixture{locks: map[string]*lockfile.Lock{}}
	for variant, reqs := range map[string][]string{
		variantBase:      {"biga==1.0", "bigb==1.0", "small==1.16.0"},
		variantSmallBump: {"biga==1.0", "bigb==1.0", "small==1.17.0"},
		variantBigBump:   {"biga==1.0", "bigb==2.0", "small==1.16.0"},
	} {
		res, err := lock.Make(context.Background(), lock.Input{Requirements: reqs, IndexURL: srv.IndexURL(),
			Target: target.Spec{Python: "3.11", Platforms: []string{"manylinux_2_28_x86_64"}}}, lenv)
		if err != nil {
			t.Fatal(err)
		}
		f.locks[variant] = res.Lock
		if f.env.Client == nil {
			client, err := lock.DownloadClient(lenv, res.Lock)
			if err != nil {
				t.Fatal(err)
			}
			f.env = build.Env{Client: client, CacheDir: lenv.CacheDir, Version: "test"}
		}
	}
	return f
}

func (f *layeredFixture) plan(t *testing.T, variant string) *build.Plan {
	t.Helper()
	p, err := build.NewPlan(f.locks[variant], ".", build.Options{Format: build.FormatZip, Layers: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Layers) != 2 {
		t.Fatalf("the plan of %s has %d layers, want 2 (biga and bigb)", variant, len(p.Layers))
	}
	return p
}

func (f *layeredFixture) upload(t *testing.T, st store.Store, variant string, opts Options) *Result {
	t.Helper()
	opts.Plan, opts.Store = f.plan(t, variant), st
	res, err := Upload(context.Background(), opts, f.env)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// layerNamed is res's layer of that name.
func layerNamed(t *testing.T, res *Result, name string) build.Layer {
	t.Helper()
	for _, l := range res.Layers {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("the result has no layer %s: %+v", name, res.Layers)
	return build.Layer{}
}

// testLayeredUpload is the layered upload's story on one store: the
// first upload sends everything, the second nothing, a change of the
// small package only the base and its manifest, a change of one large
// package that layer too, and a layer deleted from the store is sent
// again. remove deletes an object behind the store's back.
func testLayeredUpload(t *testing.T, raw store.Store, remove func(t *testing.T, name string)) {
	f := layeredSetup(t)
	st := &counting{Store: raw}
	ctx := context.Background()

	var checked *build.Manifest
	first := f.upload(t, st, variantBase, Options{Check: func(_ context.Context, m *build.Manifest) error {
		checked = m
		return nil
	}})
	if !first.Uploaded || len(first.Layers) != 2 {
		t.Fatalf("first upload: uploaded %v, layers %+v", first.Uploaded, first.Layers)
	}
	if checked == nil || len(checked.Layers) != 2 || checked.Layers[0].Archive == "" {
		t.Fatalf("the check before sending saw %+v, want the layered manifest with each layer's archive", checked)
	}
	want := first.Size
	for _, l := range first.Layers {
		if !l.Uploaded || l.URL != raw.URL(l.Name) || !strings.HasPrefix(l.Name, "layer-") || l.SHA256 == "" || l.Size < 2<<20 || l.Archive != "" {
			t.Errorf("first upload's layer %+v: want it uploaded to %s with its sha256 and size, no local path", l, raw.URL(l.Name))
		}
		info, err := raw.Stat(ctx, l.Name)
		if err != nil || info.SHA256 != l.SHA256 || info.Size != l.Size {
			t.Errorf("the stored layer %s: %+v, %v; want sha256 %s, %d bytes", l.Name, info, err, l.SHA256, l.Size)
		}
		want += l.Size
	}
	if puts := st.puts.Load(); puts != 4 {
		t.Errorf("the first upload made %d puts, want 4: two layers, the base, the manifest", puts)
	}
	if got := st.bytes.Load(); got < want {
		t.Errorf("the first upload sent %d bytes, less than the %d of the base and layers", got, want)
	}
	total := st.bytes.Load()

	// Nothing changed: one Stat per layer and one for the base.
	st.reset()
	again := f.upload(t, st, variantBase, Options{})
	if again.Uploaded || st.puts.Load() != 0 || st.bytes.Load() != 0 || st.stats.Load() != 3 || st.gets.Load() != 0 {
		t.Fatalf("unchanged upload: uploaded %v, %d puts, %d bytes, %d stats, %d gets; want nothing sent, 3 stats",
			again.Uploaded, st.puts.Load(), st.bytes.Load(), st.stats.Load(), st.gets.Load())
	}
	for i, l := range again.Layers {
		if l.Uploaded || l.Name != first.Layers[i].Name || l.SHA256 != first.Layers[i].SHA256 || l.URL == "" {
			t.Errorf("unchanged upload's layer %+v, want %s not uploaded, with its URL", l, first.Layers[i].Name)
		}
	}

	// Another machine, without the local build: the base's stored manifest.
	other := f.env
	f.env.CacheDir = t.TempDir()
	st.reset()
	fromStore := f.upload(t, st, variantBase, Options{})
	f.env = other
	if fromStore.Uploaded || st.puts.Load() != 0 || st.stats.Load() != 3 || st.gets.Load() != 1 || len(fromStore.Layers) != 2 {
		t.Fatalf("another machine: uploaded %v, %d puts, %d stats, %d gets, layers %+v; want 3 stats and the manifest read",
			fromStore.Uploaded, st.puts.Load(), st.stats.Load(), st.gets.Load(), fromStore.Layers)
	}

	// The small package bumped: only the new base and its manifest.
	st.reset()
	small := f.upload(t, st, variantSmallBump, Options{})
	if !small.Uploaded || small.Archive == first.Archive || st.puts.Load() != 2 {
		t.Fatalf("small bump: uploaded %v (%s), %d puts; want a new base and its manifest only", small.Uploaded, small.Archive, st.puts.Load())
	}
	for i, l := range small.Layers {
		if l.Uploaded || l.Name != first.Layers[i].Name {
			t.Errorf("small bump's layer %+v: want %s, shared and not sent", l, first.Layers[i].Name)
		}
	}
	if sent := st.bytes.Load(); sent >= total/50 {
		t.Errorf("small bump sent %d of the environment's %d bytes, want under 2%%", sent, total)
	}
	t.Logf("small bump: %d of %d bytes sent (%.2f%%)", st.bytes.Load(), total, 100*float64(st.bytes.Load())/float64(total))

	// One large package bumped: its layer, the base and the manifest.
	st.reset()
	big := f.upload(t, st, variantBigBump, Options{})
	if !big.Uploaded || st.puts.Load() != 3 {
		t.Fatalf("big bump: uploaded %v, %d puts; want a layer, the base and the manifest", big.Uploaded, st.puts.Load())
	}
	var sent []string
	for _, l := range big.Layers {
		if l.Uploaded {
			sent = append(sent, l.Name)
		}
	}
	if len(sent) != 1 || sent[0] == first.Layers[0].Name || sent[0] == first.Layers[1].Name {
		t.Errorf("big bump sent the layers %q, want only bigb 2.0's new one", sent)
	}

	// A layer deleted from the store while the base is there: sent again,
	// the base not.
	gone := first.Layers[0]
	remove(t, gone.Name)
	st.reset()
	healed := f.upload(t, st, variantBase, Options{})
	if healed.Uploaded || !layerNamed(t, healed, gone.Name).Uploaded || layerNamed(t, healed, first.Layers[1].Name).Uploaded || st.puts.Load() != 1 {
		t.Fatalf("after deleting %s: base uploaded %v, layers %+v, %d puts; want only that layer sent", gone.Name, healed.Uploaded, healed.Layers, st.puts.Load())
	}
	if info, err := raw.Stat(ctx, gone.Name); err != nil || info.SHA256 != gone.SHA256 {
		t.Errorf("the layer sent again: %+v, %v; want sha256 %s", info, err, gone.SHA256)
	}
}

func TestLayeredUploadFileStore(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(context.Background(), dir, store.Options{Openers: backends.Openers()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	testLayeredUpload(t, st, func(t *testing.T, name string) {
		for _, p := range []string{name, name + store.SidecarSuffix} {
			if err := os.Remove(filepath.Join(dir, p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
		}
	})
}

// python311 is the machine's CPython 3.11, the layered environments'
// target.
func python311(t *testing.T) string {
	t.Helper()
	home, _ := os.UserHomeDir()
	if m, _ := filepath.Glob(filepath.Join(home, ".pyenv", "versions", "3.11*", "bin", "python3.11")); len(m) > 0 {
		return m[len(m)-1]
	}
	if p, err := exec.LookPath("python3.11"); err == nil {
		return p
	}
	if os.Getenv("CLUSTERPACK_REQUIRE_REFERENCE") == "1" {
		t.Fatal("no CPython 3.11")
	}
	t.Skip("no CPython 3.11 (set CLUSTERPACK_REQUIRE_REFERENCE=1 to fail instead)")
	return ""
}

// TestFetchLayered: for a local master, the base and its layers are
// unpacked side by side, as on the nodes, and the base's interpreter
// imports from the layers.
func TestFetchLayered(t *testing.T) {
	f := layeredSetup(t)
	py := python311(t)
	dir := t.TempDir()
	st, err := store.Open(context.Background(), dir, store.Options{Openers: backends.Openers()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, format := range []build.Format{build.FormatZip, build.FormatTarGz} {
		t.Run(string(format), func(t *testing.T) {
			p, err := build.NewPlan(f.locks[variantBase], ".", build.Options{Format: format, Layers: true, PythonPath: py})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Upload(context.Background(), Options{Plan: p, Store: st}, f.env)
			if err != nil {
				t.Fatal(err)
			}
			cache := t.TempDir()
			interp, err := Fetch(context.Background(), res, cache, store.Options{Openers: backends.Openers()})
			if err != nil {
				t.Fatal(err)
			}
			root := filepath.Join(cache, "unpacked", res.ContentHash)
			if want := filepath.Join(root, "environment", "bin", "python"); interp != want {
				t.Fatalf("interpreter %s, want %s", interp, want)
			}
			for _, l := range res.Layers {
				if _, err := os.Stat(filepath.Join(root, l.Dir, "lib", "python3.11", "site-packages")); err != nil {
					t.Errorf("layer %s is not unpacked beside the base: %v", l.Name, err)
				}
			}
			out, err := exec.Command(interp, "-c", "import biga, bigb, small; print(biga.__file__); print(bigb.__file__); print(small.__file__)").CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", interp, err, out)
			}
			lines := strings.Fields(string(out))
			if len(lines) != 3 || !strings.HasPrefix(lines[0], filepath.Join(root, "layer-")) || !strings.HasPrefix(lines[1], filepath.Join(root, "layer-")) ||
				!strings.HasPrefix(lines[2], filepath.Join(root, "environment")) {
				t.Errorf("the modules come from %q; want biga and bigb from layers beside the base under %s, small from the base", lines, root)
			}
			entries, _ := filepath.Glob(filepath.Join(root, ".spool-*"))
			if len(entries) != 0 {
				t.Errorf("downloads left beside the unpacked archives: %q", entries)
			}
		})
	}
}
