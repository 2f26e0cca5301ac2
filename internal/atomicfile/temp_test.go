package atomicfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestTempPID(t *testing.T) {
	for _, tc := range []struct {
		name, prefix string
		pid          int
		ok           bool
	}{
		{".env-abc.zip.tmp-123-456", ".", 123, true},
		{".clusterpack-tmp-77-1", ".clusterpack-", 77, true},
		{".clusterpack-tmp-77-1", ".", 77, true},
		{"env-abc.zip", ".", 0, false},
		{".env.tmp-12", ".", 0, false},
		{".envtmp-1-2", ".", 0, false},
		{"x.tmp-1-2", ".", 0, false},
		{".a.tmp-1-2x", ".", 0, false},
	} {
		pid, ok := tempPID(tc.name, tc.prefix)
		if pid != tc.pid || ok != tc.ok {
			t.Errorf("tempPID(%q, %q) = %d, %v; want %d, %v", tc.name, tc.prefix, pid, ok, tc.pid, tc.ok)
		}
	}
}

// TestRemoveStale: the file of a dead process goes once it has been quiet
// for a minute; that of a live process stays until it is a day old; this
// process's own, and other files, always stay.
func TestRemoveStale(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no liveness check on windows")
	}
	dir := t.TempDir()
	// A process that has exited: its pid is free (for now).
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot start a process: ", err)
	}
	dead := cmd.Process.Pid
	live := os.Getppid()
	old := time.Now().Add(-2 * time.Minute)
	ancient := time.Now().Add(-25 * time.Hour)
	files := map[string]time.Time{
		".env-a.zip.tmp-" + strconv.Itoa(dead) + "-1":        old,        // dead, quiet: removed
		".env-b.zip.tmp-" + strconv.Itoa(dead) + "-2":        time.Now(), // dead, but just written: kept
		".env-c.zip.tmp-" + strconv.Itoa(live) + "-3":        old,        // live: kept
		".env-d.zip.tmp-" + strconv.Itoa(live) + "-4":        ancient,    // live pid, a day old: removed
		".env-e.zip.tmp-" + strconv.Itoa(os.Getpid()) + "-5": ancient,    // this process: kept
		"env-f.zip": ancient, // not a temporary file
	}
	for name, mtime := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	// Directories (MkdirTemp's) go the same way, with their content.
	for name, mtime := range map[string]time.Time{
		".download-tmp-" + strconv.Itoa(dead) + "-6": old, // dead, quiet: removed
		".download-tmp-" + strconv.Itoa(live) + "-7": old, // live: kept
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, ".part"), []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	removed := RemoveStale(dir, ".")
	var names []string
	for _, p := range removed {
		names = append(names, filepath.Base(p))
	}
	want := []string{".download-tmp-" + strconv.Itoa(dead) + "-6", ".env-a.zip.tmp-" + strconv.Itoa(dead) + "-1", ".env-d.zip.tmp-" + strconv.Itoa(live) + "-4"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("removed %v, want %v", names, want)
	}
	f, err := CreateTemp(dir, ".env-g.zip.")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if pid, ok := tempPID(filepath.Base(f.Name()), "."); !ok || pid != os.Getpid() {
		t.Errorf("CreateTemp made %s: pid %d, %v", f.Name(), pid, ok)
	}
}
