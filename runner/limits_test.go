package runner

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenArchiveLimits: an archive that expands far past its size (a
// small zip holding 64 MiB of zeros) is refused before it fills the
// disk, and opens with the ratio bound lifted.
func TestOpenArchiveLimits(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("environment/lib/python3.11/site-packages/bomb/data.bin")
	zero := make([]byte, 1<<20)
	for i := 0; i < 64; i++ {
		w.Write(zero)
	}
	zw.Close()
	archive := filepath.Join(t.TempDir(), "env-bomb.zip")
	if err := os.WriteFile(archive, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := OpenArchive(context.Background(), archive, OpenOptions{CacheDir: t.TempDir()})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("OpenArchive of a zip bomb = %v, want ErrTooLarge", err)
	}
	cache := t.TempDir()
	_, err = OpenArchive(context.Background(), archive, OpenOptions{CacheDir: cache, Limits: Limits{MaxRatio: -1}})
	if errors.Is(err, ErrTooLarge) {
		t.Fatalf("with the ratio bound lifted: %v", err)
	}
	got, _ := filepath.Glob(filepath.Join(cache, "*", "environment", "lib", "python3.11", "site-packages", "bomb", "data.bin"))
	if len(got) != 1 {
		t.Fatalf("with the ratio bound lifted, nothing was unpacked (err %v)", err)
	}
	if fi, serr := os.Stat(got[0]); serr != nil || fi.Size() != 64<<20 {
		t.Errorf("unpacked %v, %v; want 64 MiB", fi, serr)
	}
}
