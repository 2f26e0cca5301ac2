package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/storetest"
)

func openDir(t *testing.T, dir string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFileConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		// A root that does not exist yet: the first Put creates it.
		return openDir(t, filepath.Join(t.TempDir(), "store"))
	})
}

func TestFileURLConformance(t *testing.T) {
	storetest.RunWith(t, func(t *testing.T) store.Store {
		return openDir(t, "file://"+filepath.ToSlash(t.TempDir()))
	}, storetest.Config{BigSize: -1})
}

func TestFileSidecar(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	content := []byte("hello")
	storetest.Put(t, s, "sub/env-1.pex", content)
	side, err := os.ReadFile(filepath.Join(dir, "sub", "env-1.pex.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	if want := storetest.SHA256(content) + "  env-1.pex\n"; string(side) != want {
		t.Errorf("sidecar = %q; want %q (sha256sum format)", side, want)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "sub"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".clusterpack-tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
	// A damaged sidecar means no digest, not an error.
	os.WriteFile(filepath.Join(dir, "sub", "env-1.pex.sha256"), []byte("garbage\n"), 0o644)
	info, err := s.Stat(context.Background(), "sub/env-1.pex")
	if err != nil || info.SHA256 != "" {
		t.Errorf("Stat with a damaged sidecar = %+v, %v; want no digest", info, err)
	}
	// A crashed Put's temporary file is not listed.
	os.WriteFile(filepath.Join(dir, ".clusterpack-tmp-123"), []byte("partial"), 0o600)
	list, err := s.List(context.Background(), "")
	if err != nil || len(list) != 1 || list[0].Name != "sub/env-1.pex" {
		t.Errorf("List = %+v, %v; want only sub/env-1.pex", list, err)
	}
}

func TestFileRootIsAFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "f")
	os.WriteFile(f, nil, 0o644)
	_, err := store.Open(context.Background(), f, store.Options{})
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Open of a file = %v; want a 'not a directory' error", err)
	}
}

func TestFilePermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	s := openDir(t, dir)
	_, err := s.Put(context.Background(), "x", strings.NewReader("x"), 1, store.PutOptions{})
	if !errors.Is(err, store.ErrAccessDenied) {
		t.Errorf("Put into a read-only directory: %v; want ErrAccessDenied", err)
	}
}
