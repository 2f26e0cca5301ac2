package journal

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

const tmpfsMagic = 0x01021994

// TestNewInMemory: with no directory given, the journal is made in
// /dev/shm, which is memory (tmpfs), where the machine has one.
func TestNewInMemory(t *testing.T) {
	var st syscall.Statfs_t
	if err := syscall.Statfs("/dev/shm", &st); err != nil || st.Type != tmpfsMagic {
		t.Skip("no tmpfs at /dev/shm here")
	}
	j, err := New("", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := syscall.Fstatfs(int(j.File().Fd()), &st); err != nil || st.Type != tmpfsMagic {
		t.Fatalf("the journal's file system is %#x (%v), not tmpfs", st.Type, err)
	}
	// Reserved: its blocks are there before anything is written.
	fi, err := j.File().Stat()
	if err != nil {
		t.Fatal(err)
	}
	if sys := fi.Sys().(*syscall.Stat_t); sys.Blocks*512 < int64(headerSize+DefaultRing) {
		t.Fatalf("%d bytes reserved of %d", sys.Blocks*512, headerSize+DefaultRing)
	}
}

// TestNewFullFileSystem: a file system without room for the ring fails
// New, with the reason, instead of a SIGBUS at a later write into the
// mapping. A 1 MiB tmpfs stands for the full disk (root only).
func TestNewFullFileSystem(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here (%v: %s)", err, out)
	}
	defer exec.Command("umount", dir).Run()
	j, err := New(dir, 4<<20)
	if err == nil {
		j.Close()
		t.Fatal("a 4 MiB journal was made on a 1 MiB file system")
	}
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("error %v, want ENOSPC", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
	// What fits is made.
	j, err = New(dir, 256<<10)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
}
