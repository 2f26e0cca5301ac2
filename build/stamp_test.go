package build

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestStamp(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no change time to stamp on " + runtime.GOOS)
	}
	cache := t.TempDir()
	archive := filepath.Join(t.TempDir(), "env-x.zip")
	if err := os.WriteFile(archive, []byte("archive bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if stampMatches(cache, archive, "abc") {
		t.Fatal("a stamp matched before one was written")
	}
	writeStamp(cache, archive, "abc")
	if !stampMatches(cache, archive, "abc") {
		t.Fatal("the stamp just written does not match")
	}
	if stampMatches(cache, archive, "def") {
		t.Error("the stamp matched another sha256")
	}
	if stampMatches("", archive, "abc") {
		t.Error("no cache directory, yet a stamp matched")
	}
	// The same bytes written again, the modification time put back: the
	// change time moved, so the stamp no longer vouches for the file.
	fi, _ := os.Stat(archive)
	time.Sleep(10 * time.Millisecond)
	if err := os.WriteFile(archive, []byte("archive bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(archive, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if stampMatches(cache, archive, "abc") {
		t.Error("the stamp survived a write that kept the size and modification time")
	}
	entries, _ := os.ReadDir(filepath.Dir(archive))
	if len(entries) != 1 {
		t.Errorf("the stamp is beside the archive: %v", entries)
	}
}
