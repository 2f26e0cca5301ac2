package upload

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/backends"
)

func TestFetch(t *testing.T) {
	f := setup(t)
	for _, format := range []build.Format{build.FormatPex, build.FormatZip, build.FormatTarGz} {
		t.Run(string(format), func(t *testing.T) {
			p, err := build.NewPlan(f.lock, ".", build.Options{Format: format})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Upload(context.Background(), Options{Plan: p, Store: f.st}, f.env)
			if err != nil {
				t.Fatal(err)
			}
			cache := t.TempDir()
			interp, err := Fetch(context.Background(), res, cache, store.Options{Openers: backends.Openers()})
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(cache, "unpacked", res.ContentHash)
			if !strings.HasPrefix(interp, dir+string(filepath.Separator)) {
				t.Fatalf("interpreter %s is not under %s", interp, dir)
			}
			info, err := os.Stat(interp)
			if format == build.FormatPex {
				if err != nil || info.Mode()&0o111 == 0 {
					t.Fatalf("pex %s: %v %v", interp, info, err)
				}
			} else {
				if err != nil {
					t.Fatalf("venv interpreter %s: %v", interp, err)
				}
				lib, _ := filepath.Glob(filepath.Join(dir, "environment", "lib", "python3.11", "site-packages", "lib", "__init__.py"))
				if len(lib) != 1 {
					t.Fatalf("the venv's site-packages was not unpacked under %s", dir)
				}
				if _, err := os.Stat(filepath.Join(dir, res.Archive)); err == nil {
					t.Error("the downloaded archive was left beside the unpacked one")
				}
			}
			// A second call uses what is there: the store is not read.
			if err := os.Remove(filepath.Join(f.storeAt, res.Archive)); err != nil {
				t.Fatal(err)
			}
			again, err := Fetch(context.Background(), res, cache, store.Options{Openers: backends.Openers()})
			if err != nil || again != interp {
				t.Fatalf("second fetch: %s %v", again, err)
			}
		})
	}
}

func TestFetchChecksSHA256(t *testing.T) {
	f := setup(t)
	res := f.upload(t, false)
	if _, err := f.st.Put(context.Background(), res.Archive, strings.NewReader("garbage"), 7, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	_, err := Fetch(context.Background(), res, cache, store.Options{Openers: backends.Openers()})
	var dm *DigestMismatchError
	if !errors.As(err, &dm) || dm.Want != res.SHA256 || !strings.Contains(err.Error(), res.SHA256) {
		t.Fatalf("corrupted object: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(cache, "unpacked")); len(entries) != 0 {
		t.Errorf("a failed fetch left %d entries", len(entries))
	}
	for _, bad := range []*Result{{}, {Manifest: build.Manifest{ContentHash: "../x"}, URL: res.URL}, {Manifest: build.Manifest{ContentHash: "abc"}}} {
		if _, err := Fetch(context.Background(), bad, cache, store.Options{Openers: backends.Openers()}); !errors.As(err, new(*ManifestError)) {
			t.Errorf("manifest %+v: %v", bad, err)
		}
	}
}
