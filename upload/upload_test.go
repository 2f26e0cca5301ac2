package upload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/lockfile"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/backends"
	"github.com/clusterpack/clusterpack/target"
)

// counting observes a real store: how many requests and bytes an upload
// costs.
type counting struct {
	store.Store
	stats, puts, gets atomic.Int64
	bytes             atomic.Int64
}

func (c *counting) Stat(ctx context.Context, name string) (store.Info, error) {
	c.stats.Add(1)
	return c.Store.Stat(ctx, name)
}

func (c *counting) Put(ctx context.Context, name string, r io.Reader, size int64, opts store.PutOptions) (store.Info, error) {
	c.puts.Add(1)
	c.bytes.Add(size)
	return c.Store.Put(ctx, name, r, size, opts)
}

func (c *counting) Get(ctx context.Context, name string) (io.ReadCloser, store.Info, error) {
	c.gets.Add(1)
	return c.Store.Get(ctx, name)
}

// PublicNote passes on to the store it counts, when that one can tell.
func (c *counting) PublicNote(ctx context.Context, name string) (string, error) {
	if pn, ok := c.Store.(store.PublicNoter); ok {
		return pn.PublicNote(ctx, name)
	}
	return "", nil
}

func (c *counting) reset() { c.stats.Store(0); c.puts.Store(0); c.gets.Store(0); c.bytes.Store(0) }

type fixture struct {
	lock    *lockfile.Lock
	env     build.Env
	st      *counting
	storeAt string
	code    string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	srv := testindex.Start(t, []testindex.Project{
		{Name: "lib", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{Name: "lib", Version: "1.0", Files: map[string]string{"lib/__init__.py": "X = 1\n"}})}},
	}, testindex.Options{})
	lenv := lock.Env{Getenv: func(string) string { return "" }, HomeDir: t.TempDir(), CacheDir: t.TempDir(), Version: "test"}
	res, err := lock.Make(context.Background(), lock.Input{Requirements: []string{"lib"}, IndexURL: srv.IndexURL(),
		Target: target.Spec{Python: "3.11", Platforms: []string{"manylinux_2_28_x86_64"}}}, lenv)
	if err != nil {
		t.Fatal(err)
	}
	client, err := lock.DownloadClient(lenv, res.Lock)
	if err != nil {
		t.Fatal(err)
	}
	storeAt := t.TempDir()
	st, err := store.Open(context.Background(), storeAt, store.Options{Openers: backends.Openers()})
	if err != nil {
		t.Fatal(err)
	}
	code := t.TempDir()
	writeCode(t, code, "def f():\n    return 1\n")
	return &fixture{lock: res.Lock, env: build.Env{Client: client, CacheDir: lenv.CacheDir, Version: "test"}, st: &counting{Store: st}, storeAt: storeAt, code: code}
}

func writeCode(t *testing.T, dir, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "myjob"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "myjob", "__init__.py"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) upload(t *testing.T, force bool) *Result {
	t.Helper()
	p, err := build.NewPlan(f.lock, ".", build.Options{Format: build.FormatZip})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Upload(context.Background(), Options{Plan: p, Store: f.st, Code: []string{f.code}, Force: force}, f.env)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestUploadOnlyWhatChanged(t *testing.T) {
	f := setup(t)
	first := f.upload(t, false)
	if !first.Uploaded || len(first.Code) != 1 || !first.Code[0].Uploaded {
		t.Fatalf("first upload: %+v", first)
	}
	if !strings.HasPrefix(first.URL, "file://") || !strings.HasSuffix(first.URL, first.Archive) || first.SHA256 == "" {
		t.Fatalf("result %+v", first)
	}

	// Nothing changed: one Stat per object, no bytes.
	f.st.reset()
	again := f.upload(t, false)
	if again.Uploaded || again.Code[0].Uploaded || f.st.puts.Load() != 0 || f.st.bytes.Load() != 0 {
		t.Fatalf("unchanged upload sent %d objects, %d bytes", f.st.puts.Load(), f.st.bytes.Load())
	}
	if f.st.stats.Load() != 2 || f.st.gets.Load() != 0 {
		t.Fatalf("unchanged upload made %d stats and %d gets, want 2 and 0", f.st.stats.Load(), f.st.gets.Load())
	}
	if again.SHA256 != first.SHA256 || again.Code[0].SHA256 != first.Code[0].SHA256 {
		t.Fatal("results differ for the same inputs")
	}

	// A machine without the local build reads the manifest from the store.
	f.env.CacheDir = t.TempDir()
	f.st.reset()
	other := f.upload(t, false)
	if other.Uploaded || f.st.puts.Load() != 0 || f.st.gets.Load() != 1 {
		t.Fatalf("another machine: uploaded %v, %d puts, %d gets", other.Uploaded, f.st.puts.Load(), f.st.gets.Load())
	}

	// One changed line ships only the code zip.
	writeCode(t, f.code, "def f():\n    return 2\n")
	f.st.reset()
	changed := f.upload(t, false)
	if changed.Uploaded || !changed.Code[0].Uploaded || f.st.puts.Load() != 1 || changed.Code[0].URL == first.Code[0].URL {
		t.Fatalf("code change: env uploaded %v, code uploaded %v, %d puts", changed.Uploaded, changed.Code[0].Uploaded, f.st.puts.Load())
	}
	if f.st.bytes.Load() > 10_000 {
		t.Fatalf("a one-line change sent %d bytes", f.st.bytes.Load())
	}

	// --force sends everything again.
	f.st.reset()
	forced := f.upload(t, true)
	if !forced.Uploaded || !forced.Code[0].Uploaded {
		t.Fatal("--force did not upload")
	}
}

// TestCorruptedObjectIsReplaced: an archive whose recorded sha256 does
// not match the manifest is built and uploaded again.
func TestCorruptedObjectIsReplaced(t *testing.T) {
	f := setup(t)
	first := f.upload(t, false)
	if _, err := f.st.Put(context.Background(), first.Archive, strings.NewReader("garbage"), 7, store.PutOptions{SHA256: strings.Repeat("ab", 32)}); err != nil {
		t.Fatal(err)
	}
	again := f.upload(t, false)
	if !again.Uploaded {
		t.Fatal("a corrupted archive was not replaced")
	}
	info, err := f.st.Stat(context.Background(), first.Archive)
	if err != nil || info.SHA256 != first.SHA256 || info.Size != first.Size {
		t.Fatalf("after replacing: %+v %v", info, err)
	}
}

// TestNoManifestIsReplaced: an archive whose manifest is neither on this
// machine nor in the store is not trusted: it is built and uploaded again,
// with its manifest.
func TestNoManifestIsReplaced(t *testing.T) {
	f := setup(t)
	first := f.upload(t, false)
	p, err := build.NewPlan(f.lock, ".", build.Options{Format: build.FormatZip})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(f.storeAt, p.ManifestName())); err != nil {
		t.Fatal(err)
	}
	f.env.CacheDir = t.TempDir()
	f.st.reset()
	again := f.upload(t, false)
	if !again.Uploaded || again.SHA256 != first.SHA256 || f.st.gets.Load() != 1 {
		t.Fatalf("without a manifest: uploaded %v, sha256 %s (first %s), %d gets", again.Uploaded, again.SHA256, first.SHA256, f.st.gets.Load())
	}
	if _, err := os.Stat(filepath.Join(f.storeAt, p.ManifestName())); err != nil {
		t.Errorf("the manifest was not uploaded again: %v", err)
	}
}

// TestVerifyFindsSameSizeCorruption: bytes flipped in the store's object,
// its size and recorded sha256 unchanged, pass the default check (one
// metadata request proves name, size and digest, not bytes); Verify reads
// the objects back, finds it and replaces it.
func TestVerifyFindsSameSizeCorruption(t *testing.T) {
	f := setup(t)
	first := f.upload(t, false)
	path := filepath.Join(f.storeAt, first.Archive)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if again := f.upload(t, false); again.Uploaded {
		t.Fatal("the default check saw the corruption: then --verify is not needed; update the README")
	}
	p, err := build.NewPlan(f.lock, ".", build.Options{Format: build.FormatZip})
	if err != nil {
		t.Fatal(err)
	}
	f.st.reset()
	res, err := Upload(context.Background(), Options{Plan: p, Store: f.st, Code: []string{f.code}, Verify: true}, f.env)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Uploaded || res.Code[0].Uploaded {
		t.Errorf("Verify: environment uploaded %v (want true), code uploaded %v (want false)", res.Uploaded, res.Code[0].Uploaded)
	}
	if f.st.gets.Load() < 2 {
		t.Errorf("Verify read back %d objects, want both", f.st.gets.Load())
	}
	got, _ := os.ReadFile(path)
	if sum := sha256.Sum256(got); hex.EncodeToString(sum[:]) != first.SHA256 {
		t.Error("the corrupted object was not replaced")
	}
}

// TestCheckBeforeSending: Options.Check sees the built archive before any
// byte is sent; its error stops the upload with nothing stored; it is not
// called when the store has the environment.
func TestCheckBeforeSending(t *testing.T) {
	f := setup(t)
	p, err := build.NewPlan(f.lock, ".", build.Options{Format: build.FormatZip})
	if err != nil {
		t.Fatal(err)
	}
	refuse := errors.New("the archive would fail on the cluster")
	var checked []string
	check := func(err error) func(context.Context, *build.Manifest) error {
		return func(_ context.Context, m *build.Manifest) error {
			if _, serr := os.Stat(m.Archive); serr != nil {
				t.Errorf("Check called without the built archive: %v", serr)
			}
			checked = append(checked, m.Archive)
			return err
		}
	}
	_, err = Upload(context.Background(), Options{Plan: p, Store: f.st, Check: check(refuse)}, f.env)
	if !errors.Is(err, refuse) {
		t.Fatalf("Upload with a failing check: %v, want the check's error", err)
	}
	if f.st.puts.Load() != 0 || len(checked) != 1 {
		t.Fatalf("a failing check: %d puts, %d checks; want 0 and 1", f.st.puts.Load(), len(checked))
	}
	res, err := Upload(context.Background(), Options{Plan: p, Store: f.st, Check: check(nil)}, f.env)
	if err != nil || !res.Uploaded || len(checked) != 2 {
		t.Fatalf("a passing check: %v, uploaded %v, %d checks", err, res != nil && res.Uploaded, len(checked))
	}
	if _, err := Upload(context.Background(), Options{Plan: p, Store: f.st, Check: check(refuse)}, f.env); err != nil || len(checked) != 2 {
		t.Fatalf("the store has it: %v, %d checks; want no error and no check", err, len(checked))
	}
}
