package file_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/file"
	"github.com/clusterpack/clusterpack/store/storetest"
)

// opts opens file URLs and plain paths with this backend alone.
var opts = store.Options{Openers: map[string]store.Opener{"file": file.Open}}

func openDir(t *testing.T, dir string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dir, opts)
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
	_, err := store.Open(context.Background(), f, opts)
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Open of a file = %v; want a 'not a directory' error", err)
	}
}

func TestFileOtherHost(t *testing.T) {
	if _, err := store.Open(context.Background(), "file://otherhost/dir", opts); err == nil {
		t.Error("file://otherhost/dir opened")
	}
}

// Plain relative paths become absolute file URLs.
func TestFileRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	s, err := store.Open(context.Background(), "rel/store", opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, "rel", "store", "x"))}).String(); s.URL("x") != want {
		t.Errorf("URL = %q; want %q", s.URL("x"), want)
	}
}

func TestFileEnsure(t *testing.T) {
	dir := t.TempDir()
	storetest.Ensure(t, openDir(t, dir), func(t *testing.T, name string) {
		storetest.FlipByte(t, filepath.Join(dir, name), 12345)
	})
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

// TestFileStaleTemps: a Put removes the temporary files that Puts killed
// (kill -9) left in its directory, but never one of a live process.
func TestFileStaleTemps(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	old := time.Now().Add(-10 * time.Minute)
	dead := filepath.Join(dir, ".clusterpack-tmp-"+strconv.Itoa(cmd.Process.Pid)+"-1")
	live := filepath.Join(dir, ".clusterpack-tmp-"+strconv.Itoa(os.Getppid())+"-2")
	for _, p := range []string{dead, live} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, old, old)
	}
	storetest.Put(t, s, "env-1.zip", []byte("whole"))
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the killed Put's temporary file is still there: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a live process's temporary file was removed: %v", err)
	}
}
