package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// openPty opens a pseudo-terminal pair: what is written to the second
// file is read from the first.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		m.Close()
		t.Skipf("unlocking the pseudo-terminal: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		m.Close()
		t.Skipf("naming the pseudo-terminal: %v", e)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("opening the pseudo-terminal: %v", err)
	}
	return m, s
}

// TestCLIProgressOnTerminal: with standard error a terminal, lock draws
// its progress and ends with the line naming the lock it wrote.
func TestCLIProgressOnTerminal(t *testing.T) {
	c := newCLI(t)
	idx := greetIndex(t, testindex.Options{})
	master, slave := openPty(t)
	defer master.Close()
	cmd := exec.Command(c.bin, append([]string{"lock", "greet", "--index-url", idx.IndexURL(), "-o", "pylock.toml"}, linux311...)...)
	cmd.Dir, cmd.Env = c.dir, c.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	read := make(chan string)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, master) // ends with EIO when the child closes the terminal
		read <- b.String()
	}()
	err := cmd.Wait()
	got := <-read
	if err != nil {
		t.Fatalf("lock: %v\n%s", err, got)
	}
	for _, want := range []string{"Resolving: ", "packages (greet)", "\x1b[K", "Locked 2 packages", "Wrote lock pylock.toml"} {
		if !strings.Contains(got, want) {
			t.Errorf("the terminal shows no %q:\n%q", want, got)
		}
	}
}
