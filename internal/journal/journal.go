// Package journal is a file that a supervised process and its supervisor
// both map into memory, so that what the supervised process did survives
// it when it dies: a crash in native code it runs (a segfault in an
// extension module), os._exit, the out-of-memory killer.
//
// It holds two things. The output ring: the supervised process writes its
// records into it, each with one Write and without a system call, and the
// supervisor copies them out to the real standard output in large writes;
// a record is published whole or not at all, so the supervisor, which
// drains the ring after the process died, never writes a cut record and
// never loses a finished one. The slots: before each call a worker of the
// supervised process records the row it runs (and the OS thread it runs
// on), and clears it after, so the supervisor can name the rows that were
// running when the process died.
//
// The file is unlinked as soon as it is made: it lives as long as the two
// processes hold it (the supervised process gets it as an inherited file
// descriptor), and nothing is left behind.
package journal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

const (
	magic = "CPJRNL01"
	// headerSize holds the header and the slots, page-aligned.
	headerSize = 64 << 10
	// Slots is the number of worker slots: worker ids are taken modulo
	// it, so at most Slots workers can be told apart at once.
	Slots = 1024
	// slotsAt is where the slots start, after the header.
	slotsAt = 64
	// DefaultRing is the output ring's size when New is given 0.
	DefaultRing = 4 << 20
)

// header is the start of the mapping. Both processes use it through
// atomics only; the fields are 8-byte aligned in a page-aligned mapping.
type header struct {
	magic [8]byte
	size  uint64        // the ring's size in bytes
	tail  atomic.Uint64 // bytes the writer published, ever
	head  atomic.Uint64 // bytes the reader wrote out, ever
	ended atomic.Uint32 // the supervised process said it ends normally
	_     uint32
}

// slot is one worker's current call.
type slot struct {
	worker atomic.Int64 // worker id + 1; 0 while the worker runs nothing
	index  atomic.Int64
	line   atomic.Int64
	thread atomic.Uint64
}

// Journal is a mapped journal file, on either side.
type Journal struct {
	f     *os.File
	mem   []byte
	hdr   *header
	slots *[Slots]slot
	ring  []byte

	// The writer's side.
	mu     sync.Mutex
	direct io.Writer
	alive  func() bool
}

// New makes a journal in dir with an output ring of ring bytes
// (DefaultRing when 0). When dir is empty it tries /dev/shm first (memory:
// the kernel never writes the ring's pages back to a disk), then
// os.TempDir. The file's blocks are reserved as it is made where the
// system can (fallocate on Linux): a full file system then fails New,
// not a later write into the mapping, which would be a SIGBUS. File is
// the descriptor to hand to the supervised process (an inherited file,
// for Open); the name is gone already.
func New(dir string, ring int) (*Journal, error) {
	if ring <= 0 {
		ring = DefaultRing
	}
	dirs := []string{dir}
	if dir == "" {
		dirs = []string{"/dev/shm", os.TempDir()}
	}
	var f *os.File
	var errs []error
	for _, d := range dirs {
		var err error
		if f, err = create(d, headerSize+ring); err == nil {
			break
		}
		errs = append(errs, err)
	}
	if f == nil {
		return nil, fmt.Errorf("making the run's journal: %w", errors.Join(errs...))
	}
	j, err := mapFile(f, headerSize+ring)
	if err != nil {
		f.Close()
		return nil, err
	}
	copy(j.hdr.magic[:], magic)
	j.hdr.size = uint64(ring)
	j.ring = j.mem[headerSize:]
	return j, nil
}

// create makes the unlinked file of size bytes in dir, its blocks
// reserved.
func create(dir string, size int) (*os.File, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", dir)
	}
	f, err := os.CreateTemp(dir, "clusterpack-journal-*")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name())
	if err := allocate(f, int64(size)); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: reserving %d bytes: %w", dir, size, err)
	}
	return f, nil
}

// Open maps the journal file f that New made in the supervising process.
// direct is where Write sends a record larger than the whole ring (after
// the ring is drained, so the order holds): the real standard output,
// which the supervised process shares with its supervisor. alive reports
// whether the supervisor still runs; a writer waiting for room gives up
// when it does not.
func Open(f *os.File, direct io.Writer, alive func() bool) (*Journal, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("the run's journal: %w", err)
	}
	if st.Size() <= headerSize {
		return nil, fmt.Errorf("the run's journal is %d bytes: not one", st.Size())
	}
	j, err := mapFile(f, int(st.Size()))
	if err != nil {
		return nil, err
	}
	if string(j.hdr.magic[:]) != magic || j.hdr.size != uint64(st.Size()-headerSize) {
		j.Close()
		return nil, errors.New("the run's journal has no journal header")
	}
	j.ring = j.mem[headerSize:]
	j.direct, j.alive = direct, alive
	return j, nil
}

func mapFile(f *os.File, size int) (*Journal, error) {
	mem, err := mmap(f, size)
	if err != nil {
		return nil, fmt.Errorf("mapping the run's journal: %w", err)
	}
	j := &Journal{f: f, mem: mem}
	j.hdr = (*header)(unsafe.Pointer(&mem[0]))
	j.slots = (*[Slots]slot)(unsafe.Pointer(&mem[slotsAt]))
	return j, nil
}

// File is the journal's open file, for the supervised process to inherit.
func (j *Journal) File() *os.File { return j.f }

// Close unmaps the journal and closes its file.
func (j *Journal) Close() error {
	err := munmap(j.mem)
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ErrSupervisorGone is Write's error when the ring is full and the
// supervisor that drains it no longer runs.
var ErrSupervisorGone = errors.New("the supervising clusterpack process is gone: nothing drains the output")

// Write publishes p whole in the ring, waiting for room while the
// supervisor writes out what is before it. A p larger than the ring goes
// to the direct writer once the ring is drained. Write is safe for
// concurrent use; each call is one record.
func (j *Journal) Write(p []byte) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	size := uint64(len(j.ring))
	need := uint64(len(p))
	if need > size {
		need = size // wait until the ring is empty, then write directly
	}
	tail := j.hdr.tail.Load()
	for wait := time.Duration(0); size-(tail-j.hdr.head.Load()) < need; {
		if j.alive != nil && !j.alive() {
			return 0, ErrSupervisorGone
		}
		wait = backoff(wait)
		time.Sleep(wait)
	}
	if uint64(len(p)) > size {
		return j.direct.Write(p)
	}
	at := tail % size
	n := copy(j.ring[at:], p)
	copy(j.ring, p[n:])
	j.hdr.tail.Store(tail + uint64(len(p)))
	return len(p), nil
}

// backoff is the next wait of a poll: from 20µs, doubling, up to 2ms.
func backoff(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return 20 * time.Microsecond
	case d >= 2*time.Millisecond:
		return 2 * time.Millisecond
	}
	return 2 * d
}

// End tells the supervisor that the supervised process ends normally:
// its exit status is its own verdict, not a crash.
func (j *Journal) End() { j.hdr.ended.Store(1) }

// Ended reports whether the supervised process called End.
func (j *Journal) Ended() bool { return j.hdr.ended.Load() == 1 }

// Running records that worker runs row index (line line of its input,
// 0 when unknown) on the OS thread thread.
func (j *Journal) Running(worker int, thread uint64, index, line int) {
	s := &j.slots[worker%Slots]
	s.index.Store(int64(index))
	s.line.Store(int64(line))
	s.thread.Store(thread)
	s.worker.Store(int64(worker) + 1)
}

// Idle records that worker runs nothing.
func (j *Journal) Idle(worker int) {
	j.slots[worker%Slots].worker.Store(0)
}

// Call is a row a worker was running.
type Call struct {
	Worker, Index, Line int
	Thread              uint64
}

// Calls are the rows running now, by row.
func (j *Journal) Calls() []Call {
	var cs []Call
	for i := range j.slots {
		s := &j.slots[i]
		w := s.worker.Load()
		if w == 0 {
			continue
		}
		cs = append(cs, Call{Worker: int(w - 1), Index: int(s.index.Load()), Line: int(s.line.Load()), Thread: s.thread.Load()})
	}
	sort.Slice(cs, func(a, b int) bool { return cs[a].Index < cs[b].Index })
	return cs
}

// CopyOut writes what the ring holds to w and returns how many bytes.
func (j *Journal) CopyOut(w io.Writer) (int, error) {
	size := uint64(len(j.ring))
	head, tail := j.hdr.head.Load(), j.hdr.tail.Load()
	total := 0
	for head < tail {
		at := head % size
		end := min(size, at+(tail-head))
		n, err := w.Write(j.ring[at:end])
		total += n
		head += uint64(n)
		j.hdr.head.Store(head)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// Drain copies the ring out to w as the supervised process fills it,
// until done is closed (the process ended), and then once more, so that
// every record it published is written. It returns early on ctx's end or
// an error from w.
func (j *Journal) Drain(ctx context.Context, w io.Writer, done <-chan struct{}) error {
	var wait time.Duration
	for {
		n, err := j.CopyOut(w)
		if err != nil {
			return err
		}
		if n > 0 {
			wait = 0
			continue
		}
		wait = backoff(wait)
		t := time.NewTimer(wait)
		select {
		case <-done:
			t.Stop()
			_, err := j.CopyOut(w)
			return err
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
