//go:build unix

package journal

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/clusterpack/clusterpack/internal/testing/syncbuf"
)

func TestLayout(t *testing.T) {
	if got := unsafe.Sizeof(header{}); got > slotsAt {
		t.Fatalf("the header is %d bytes, past the slots at %d", got, slotsAt)
	}
	if end := slotsAt + Slots*unsafe.Sizeof(slot{}); end > headerSize {
		t.Fatalf("the slots end at %d, past the ring at %d", end, headerSize)
	}
}

// record is the i-th test record: its number, padding of a length that
// varies with i (every 700th record 20,000 bytes, more than the rings of
// the tests), and a newline.
func record(i int) []byte {
	pad := i * 37 % 3000
	if i%700 == 350 {
		pad = 20000
	}
	return fmt.Appendf(nil, "%d %s\n", i, strings.Repeat("x", pad))
}

// checkRecords checks that out is records 0..n-1, whole and in order.
func checkRecords(t *testing.T, out []byte, n int) {
	t.Helper()
	s := bufio.NewScanner(bytes.NewReader(out))
	s.Buffer(nil, 1<<30)
	i := 0
	for s.Scan() {
		if want := bytes.TrimSuffix(record(i), []byte("\n")); !bytes.Equal(s.Bytes(), want) {
			t.Fatalf("record %d is %.80q, want %.80q", i, s.Bytes(), want)
		}
		i++
	}
	if i != n {
		t.Fatalf("%d records, want %d", i, n)
	}
}

// TestRingInProcess writes records larger and smaller than a small ring
// from one goroutine while another drains it: every record arrives whole
// and in order, through the wrap-around and the waits for room.
func TestRingInProcess(t *testing.T) {
	for _, ring := range []int{4096, 5000, 1 << 20} {
		t.Run(strconv.Itoa(ring), func(t *testing.T) {
			j, err := New(t.TempDir(), ring)
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			// The direct writer is the same buffer: a record over the
			// ring's size is written once the ring is drained. (The lock
			// is for the race detector, which does not see the atomics
			// of the mapping, outside Go's memory, as synchronisation.)
			out := &syncbuf.Buffer{}
			j.direct = out
			done := make(chan struct{})
			drained := make(chan error, 1)
			go func() { drained <- j.Drain(context.Background(), out, done) }()
			const n = 2000
			for i := 0; i < n; i++ {
				if _, err := j.Write(record(i)); err != nil {
					t.Fatal(err)
				}
			}
			close(done)
			if err := <-drained; err != nil {
				t.Fatal(err)
			}
			checkRecords(t, out.Bytes(), n)
		})
	}
}

func TestSlots(t *testing.T) {
	j, err := New(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	j.Running(3, 0xabc, 70, 71)
	j.Running(0, 0xdef, 69, 0)
	j.Running(5, 1, 1, 2)
	j.Idle(5)
	got := fmt.Sprint(j.Calls())
	if want := "[{0 69 0 3567} {3 70 71 2748}]"; got != want {
		t.Fatalf("calls %s, want %s", got, want)
	}
	j.Running(Slots+3, 9, 80, 81) // the same slot as worker 3
	if got := j.Calls(); len(got) != 2 || got[1].Worker != Slots+3 || got[1].Index != 80 {
		t.Fatalf("calls %v", got)
	}
}

func TestOpenRejects(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "not-a-journal")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Open(f, nil, nil); err == nil {
		t.Fatal("an empty file opened as a journal")
	}
	if err := f.Truncate(headerSize + 4096); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(f, nil, nil); err == nil || !strings.Contains(err.Error(), "no journal header") {
		t.Fatalf("a file of zeros: %v", err)
	}
}

func TestWriteSupervisorGone(t *testing.T) {
	j, err := New(t.TempDir(), 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	j.alive = func() bool { return false }
	if _, err := j.Write(make([]byte, 4000)); err != nil {
		t.Fatal(err) // there is room: no wait, no check
	}
	if _, err := j.Write(make([]byte, 200)); !errors.Is(err, ErrSupervisorGone) {
		t.Fatalf("a full ring with nobody draining it: %v", err)
	}
}

const childEnv = "CLUSTERPACK_JOURNAL_TEST_CHILD"

// TestProcessDies runs a child process that writes records into the
// journal and dies without a word (SIGKILL, as the out-of-memory killer
// sends) while it runs row 1500, or ends normally: the supervisor writes
// out every record published before, none cut, a record larger than the
// ring in its place, and finds the row that was running.
func TestProcessDies(t *testing.T) {
	if !Supported {
		t.Skip("no shared mappings here")
	}
	for _, how := range []string{"kill", "end"} {
		t.Run(how, func(t *testing.T) {
			j, err := New(t.TempDir(), 8192)
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			out, err := os.OpenFile(filepath.Join(t.TempDir(), "out"), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			cmd := exec.Command(os.Args[0], "-test.run=^TestChild$")
			cmd.Env = append(os.Environ(), childEnv+"="+how)
			cmd.ExtraFiles = []*os.File{j.File()}
			cmd.Stdout = out
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			var werr error
			go func() { werr = cmd.Wait(); close(done) }()
			if err := j.Drain(context.Background(), out, done); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(out.Name())
			if err != nil {
				t.Fatal(err)
			}
			switch how {
			case "kill":
				var ee *exec.ExitError
				if !errors.As(werr, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
					t.Fatalf("the child: %v\n%s", werr, stderr.String())
				}
				if j.Ended() {
					t.Fatal("a killed child ended normally")
				}
				checkRecords(t, b, 1500)
				if got := fmt.Sprint(j.Calls()); got != "[{0 1500 1501 7}]" {
					t.Fatalf("running at the end: %s", got)
				}
			case "end":
				if werr != nil || !j.Ended() {
					t.Fatalf("the child: %v, ended %v\n%s", werr, j.Ended(), stderr.String())
				}
				checkRecords(t, b, 2000)
				if got := j.Calls(); len(got) != 0 {
					t.Fatalf("running at the end: %v", got)
				}
			}
		})
	}
}

// TestChild is the child of TestProcessDies.
func TestChild(t *testing.T) {
	how := os.Getenv(childEnv)
	if how == "" {
		t.Skip("run by TestProcessDies")
	}
	ppid := os.Getppid()
	j, err := Open(os.NewFile(3, "journal"), os.Stdout, func() bool { return os.Getppid() == ppid })
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2000; i++ {
		j.Running(0, 7, i, i+1)
		if how == "kill" && i == 1500 {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		j.Idle(0)
		if _, err := j.Write(record(i)); err != nil {
			t.Fatal(err)
		}
	}
	j.End()
	os.Exit(0)
}
