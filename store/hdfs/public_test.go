package hdfs_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/hdfstest"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/hdfs"
	"github.com/clusterpack/clusterpack/store/storetest"
)

// What YARN needs to localize an object PUBLIC (Hadoop's
// FSDownload.isPublic): the object readable by others, every directory
// above it executable by others. Put sets both, and PublicNote names a
// directory above the store that keeps an object private.
func TestHDFSPublicModes(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{})
	raw := rawClient(t, c)
	ctx := context.Background()
	top := freshDir(t)
	if err := raw.MkdirAll(top, 0o755); err != nil {
		t.Fatal(err)
	}

	s := openHDFS(t, c.URL(top+"/new/store"), store.Options{}, hdfs.Options{})
	defer s.Close()
	storetest.Put(t, s, "layer-0123.zip", []byte("a layer"))
	storetest.Put(t, s, "sub/deeper/env-1.zip", []byte("an environment"))
	for p, want := range map[string]os.FileMode{
		top + "/new":                            hdfs.DirMode,
		top + "/new/store":                      hdfs.DirMode,
		top + "/new/store/layer-0123.zip":       hdfs.ObjectMode,
		top + "/new/store/sub":                  hdfs.DirMode,
		top + "/new/store/sub/deeper":           hdfs.DirMode,
		top + "/new/store/sub/deeper/env-1.zip": hdfs.ObjectMode,
	} {
		fi, err := raw.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %04o, want %04o", p, fi.Mode().Perm(), want)
		}
	}
	pn, ok := s.(store.PublicNoter)
	if !ok {
		t.Fatal("the HDFS store is no store.PublicNoter")
	}
	for _, name := range []string{"layer-0123.zip", "sub/deeper/env-1.zip"} {
		if note, err := pn.PublicNote(ctx, name); err != nil || note != "" {
			t.Errorf("PublicNote(%s) = %q, %v; want no note", name, note, err)
		}
	}

	// A private directory above the store (a 0700 home directory) is
	// not created by Put, so it keeps its mode, and it is noted.
	priv := top + "/home-0700"
	if err := raw.MkdirAll(priv, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := raw.Chmod(priv, 0o700); err != nil {
		t.Fatal(err)
	}
	ps := openHDFS(t, c.URL(priv+"/envs"), store.Options{}, hdfs.Options{})
	defer ps.Close()
	storetest.Put(t, ps, "layer-4567.zip", []byte("a private layer"))
	note, err := ps.(store.PublicNoter).PublicNote(ctx, "layer-4567.zip")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(note, c.URL(priv)+" has mode 0700") || !strings.Contains(note, "PUBLIC") {
		t.Errorf("PublicNote = %q, want it to name %s and its mode 0700, and PUBLIC", note, c.URL(priv))
	}
	if strings.Contains(note, "/envs has mode") {
		t.Errorf("PublicNote = %q names the 0755 directory the store created", note)
	}
	if fi, err := raw.Stat(priv + "/envs/layer-4567.zip"); err != nil || fi.Mode().Perm() != hdfs.ObjectMode {
		t.Errorf("the object under the private directory: %v, %v; want mode %04o", fi, err, hdfs.ObjectMode)
	}
	if _, err := ps.(store.PublicNoter).PublicNote(ctx, "absent.zip"); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("PublicNote of a missing object: %v, want not-exist", err)
	}
}
