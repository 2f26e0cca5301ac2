package build517

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestCacheHits: a second call, from the same or a new Frontend sharing
// the cache, runs no hook; the wheel build also caches its METADATA.
func TestCacheHits(t *testing.T) {
	py := defaultPython(t)
	path := demoSdist(t, behaviour{RequiresDist: []string{"attrs"}})
	f, hooks := newFrontend(t, py)
	ctx := context.Background()

	md1, err := f.Metadata(ctx, path, "")
	if err != nil {
		t.Fatal(err)
	}
	afterMetadata := hooks.total()
	if afterMetadata != 2 { // get_requires, prepare_metadata
		t.Errorf("first Metadata ran %d hooks: %v", afterMetadata, hooks.runs())
	}
	md2, err := f.Metadata(ctx, path, "")
	if err != nil || !bytes.Equal(md1, md2) || hooks.total() != afterMetadata {
		t.Errorf("second Metadata: err %v, same %v, hooks %v", err, bytes.Equal(md1, md2), hooks.runs())
	}

	out1, out2 := t.TempDir(), t.TempDir()
	w1, err := f.BuildWheel(ctx, path, "", out1)
	if err != nil {
		t.Fatal(err)
	}
	if got := hooks.runs()["build_wheel"]; got != 1 {
		t.Errorf("build_wheel ran %d times", got)
	}
	before := hooks.total()
	w2, err := f.BuildWheel(ctx, path, "", out2)
	if err != nil {
		t.Fatal(err)
	}
	if hooks.total() != before {
		t.Errorf("second BuildWheel ran hooks: %v", hooks.runs())
	}
	if filepath.Dir(w1) != out1 || filepath.Dir(w2) != out2 || !sameFile(t, w1, w2) {
		t.Errorf("wheels %s and %s differ or are not in their outDirs", w1, w2)
	}

	fresh := &hookCounter{}
	g := &Frontend{Python: py, CacheDir: f.CacheDir, Logger: slog.New(fresh)}
	if _, err := g.Metadata(ctx, path, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := g.BuildWheel(ctx, path, "", t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if fresh.total() != 0 {
		t.Errorf("a new Frontend on the same cache ran hooks: %v", fresh.runs())
	}

	// BuildWheel first: the wheel's METADATA serves Metadata.
	other := demoSdist(t, behaviour{Name: "other", RequiresDist: []string{"idna"}})
	h, hooks2 := newFrontend(t, py)
	if _, err := h.BuildWheel(ctx, other, "", t.TempDir()); err != nil {
		t.Fatal(err)
	}
	n := hooks2.total()
	md, err := h.Metadata(ctx, other, "")
	if err != nil || hooks2.total() != n {
		t.Fatalf("Metadata after BuildWheel: %v, hooks %v", err, hooks2.runs())
	}
	if got := requiresDist(t, md); len(got) != 1 || got[0] != "idna" {
		t.Errorf("Requires-Dist = %q", got)
	}

	// Without a cache directory nothing is kept.
	none := &hookCounter{}
	u := &Frontend{Python: py, Logger: slog.New(none)}
	for range 2 {
		if _, err := u.BuildWheel(ctx, path, "", t.TempDir()); err != nil {
			t.Fatal(err)
		}
	}
	if got := none.runs()["build_wheel"]; got != 2 {
		t.Errorf("without a cache build_wheel ran %d times, want 2", got)
	}
}

// TestConcurrentBuilds: goroutines of one Frontend share one build;
// Frontends sharing a cache directory (as processes do) each build, and
// the cache ends up with complete files only.
func TestConcurrentBuilds(t *testing.T) {
	py := defaultPython(t)
	path := demoSdist(t, behaviour{Sleep: map[string]float64{"build_wheel": 0.5}})
	cache := t.TempDir()
	shared := &hookCounter{}
	one := &Frontend{Python: py, CacheDir: cache, Logger: slog.New(shared)}
	two := &Frontend{Python: py, CacheDir: cache}

	const n = 4
	wheels := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			f := one
			if i == n-1 {
				f = two
			}
			wheels[i], errs[i] = f.BuildWheel(context.Background(), path, "", t.TempDir())
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if !sameFile(t, wheels[0], wheels[i]) {
			t.Errorf("wheel %d differs", i)
		}
		if _, err := metadataFromWheel(wheels[i]); err != nil {
			t.Errorf("wheel %d: %v", i, err)
		}
	}
	if got := shared.runs()["build_wheel"]; got != 1 {
		t.Errorf("one Frontend's goroutines ran build_wheel %d times, want 1", got)
	}
	err := filepath.WalkDir(cache, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temporary file left in the cache: %s", p)
		}
		if d.IsDir() && filepath.Base(filepath.Dir(p)) == "tmp" {
			t.Errorf("scratch directory left in the cache: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(x, y)
}
