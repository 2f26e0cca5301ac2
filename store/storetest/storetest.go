// Package storetest is the conformance suite every store.Store backend
// passes: the same tests, run against a local directory, a real S3 server
// and HDFS, as restic tests its backends.
//
// A backend's test calls
//
//	storetest.Run(t, func(t *testing.T) store.Store { ... })
//
// The function is called once per subtest and must return an empty store
// (a new directory, a new bucket prefix) that nothing else writes to; it
// registers its own cleanup with t.Cleanup. Run closes the stores it gets.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/store"
)

// Config tunes RunWith for a backend.
type Config struct {
	// BigSize is the size of the big-object test, 64 MiB by default (so
	// that S3 uploads it in several parts). -1 skips the test.
	BigSize int64
	// Concurrent is how many puts of the same name race, 4 by default.
	Concurrent int
}

// Run runs the conformance suite with the default Config.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	RunWith(t, open, Config{})
}

// RunWith runs the conformance suite.
func RunWith(t *testing.T, open func(t *testing.T) store.Store, cfg Config) {
	t.Helper()
	if cfg.BigSize == 0 {
		cfg.BigSize = 64 << 20
	}
	if cfg.Concurrent == 0 {
		cfg.Concurrent = 4
	}
	get := func(t *testing.T) store.Store {
		s := open(t)
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	}
	t.Run("StatMissing", func(t *testing.T) { testStatMissing(t, get(t)) })
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, get(t)) })
	t.Run("NoSHA256", func(t *testing.T) { testNoSHA256(t, get(t)) })
	t.Run("Empty", func(t *testing.T) { testEmpty(t, get(t)) })
	t.Run("Progress", func(t *testing.T) { testProgress(t, get(t)) })
	t.Run("InvalidNames", func(t *testing.T) { testInvalidNames(t, get(t)) })
	t.Run("AtomicFailingReader", func(t *testing.T) { testAtomicFailingReader(t, get(t)) })
	t.Run("AtomicCancel", func(t *testing.T) { testAtomicCancel(t, get(t)) })
	t.Run("AtomicSizeMismatch", func(t *testing.T) { testAtomicSizeMismatch(t, get(t)) })
	t.Run("AtomicKeepsOld", func(t *testing.T) { testAtomicKeepsOld(t, get(t)) })
	t.Run("NoPartialReads", func(t *testing.T) { testNoPartialReads(t, get(t)) })
	t.Run("Overwrite", func(t *testing.T) { testOverwrite(t, get(t)) })
	t.Run("List", func(t *testing.T) { testList(t, get(t)) })
	t.Run("ConcurrentSameName", func(t *testing.T) { testConcurrentSame(t, get(t), cfg.Concurrent) })
	t.Run("ConcurrentDifferentContent", func(t *testing.T) { testConcurrentDifferent(t, get(t), cfg.Concurrent) })
	if cfg.BigSize > 0 {
		t.Run("Big", func(t *testing.T) { testBig(t, get(t), cfg.BigSize) })
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Data returns n deterministic pseudo-random bytes from seed.
func Data(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n - n%8; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

// SHA256 is the hex sha256 of b.
func SHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Put stores b under name with its sha256 recorded, failing the test on
// error.
func Put(t *testing.T, s store.Store, name string, b []byte) store.Info {
	t.Helper()
	info, err := s.Put(ctxFor(t), name, bytes.NewReader(b), int64(len(b)), store.PutOptions{SHA256: SHA256(b)})
	if err != nil {
		t.Fatalf("Put(%q): %v", name, err)
	}
	return info
}

// ReadAll gets name's content and info, failing the test on error.
func ReadAll(t *testing.T, s store.Store, name string) ([]byte, store.Info) {
	t.Helper()
	rc, info, err := s.Get(ctxFor(t), name)
	if err != nil {
		t.Fatalf("Get(%q): %v", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %q: %v", name, err)
	}
	return b, info
}

// AssertMissing checks that name is neither stat-able, gettable nor
// listed.
func AssertMissing(t *testing.T, s store.Store, name string) {
	t.Helper()
	ctx := ctxFor(t)
	if info, err := s.Stat(ctx, name); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("Stat(%q) = %+v, %v; want ErrNotExist", name, info, err)
	}
	if rc, _, err := s.Get(ctx, name); !errors.Is(err, store.ErrNotExist) {
		if err == nil {
			rc.Close()
		}
		t.Errorf("Get(%q) error = %v; want ErrNotExist", name, err)
	}
	list, err := s.List(ctx, "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	for _, i := range list {
		if i.Name == name {
			t.Errorf("List shows %q, which should not exist: %+v", name, i)
		}
	}
}

func checkInfo(t *testing.T, what string, got store.Info, name string, content []byte, sha string) {
	t.Helper()
	if got.Name != name || got.Size != int64(len(content)) || got.SHA256 != sha {
		t.Errorf("%s = {Name:%q Size:%d SHA256:%q}; want {Name:%q Size:%d SHA256:%q}",
			what, got.Name, got.Size, got.SHA256, name, len(content), sha)
	}
	if got.ModTime.IsZero() {
		t.Errorf("%s: ModTime is zero", what)
	} else if d := time.Since(got.ModTime); d > time.Hour || d < -time.Hour {
		t.Errorf("%s: ModTime %v is %v away from now", what, got.ModTime, d)
	}
}

func testStatMissing(t *testing.T, s store.Store) {
	AssertMissing(t, s, "env-missing.pex")
	AssertMissing(t, s, "dir/env-missing.pex")
	// A "directory" that only holds objects is not an object.
	Put(t, s, "dir/sub/x.zip", []byte("x"))
	AssertMissing(t, s, "dir")
	AssertMissing(t, s, "dir/sub")
	var e *store.Error
	_, err := s.Stat(ctxFor(t), "env-missing.pex")
	if !errors.As(err, &e) {
		t.Errorf("Stat error %T %v is not a *store.Error", err, err)
	} else if !strings.Contains(err.Error(), s.URL("env-missing.pex")) {
		t.Errorf("Stat error %q does not name the URL %q", err, s.URL("env-missing.pex"))
	}
}

func testRoundTrip(t *testing.T, s store.Store) {
	for i, name := range []string{"env-0123abcd.pex", "nested/dir/code-99.zip", "with space+plus=eq.tar.gz"} {
		content := Data(uint64(i), 1000+i*4099)
		sha := SHA256(content)
		info, err := s.Put(ctxFor(t), name, bytes.NewReader(content), int64(len(content)),
			store.PutOptions{SHA256: sha, ContentType: "application/zip"})
		if err != nil {
			t.Fatalf("Put(%q): %v", name, err)
		}
		checkInfo(t, "Put info", info, name, content, sha)
		st, err := s.Stat(ctxFor(t), name)
		if err != nil {
			t.Fatalf("Stat(%q): %v", name, err)
		}
		checkInfo(t, "Stat info", st, name, content, sha)
		got, ginfo := ReadAll(t, s, name)
		if !bytes.Equal(got, content) {
			t.Errorf("Get(%q): %d bytes differ from the %d put", name, len(got), len(content))
		}
		checkInfo(t, "Get info", ginfo, name, content, sha)
		u := s.URL(name)
		if !strings.HasSuffix(u, "/"+name) && !strings.HasSuffix(u, "/"+strings.ReplaceAll(name, " ", "%20")) {
			t.Errorf("URL(%q) = %q; want it to end with the name", name, u)
		}
		if strings.Contains(u, "@") {
			t.Errorf("URL(%q) = %q carries user info", name, u)
		}
	}
}

func testNoSHA256(t *testing.T, s store.Store) {
	content := []byte("no digest recorded")
	info, err := s.Put(ctxFor(t), "plain.txt", bytes.NewReader(content), int64(len(content)), store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkInfo(t, "Put info", info, "plain.txt", content, "")
	st, err := s.Stat(ctxFor(t), "plain.txt")
	if err != nil {
		t.Fatal(err)
	}
	checkInfo(t, "Stat info", st, "plain.txt", content, "")
	// Overwriting an object that had a digest with one that has none
	// forgets the old digest.
	Put(t, s, "was-hashed", []byte("one"))
	if _, err := s.Put(ctxFor(t), "was-hashed", strings.NewReader("two"), 3, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err = s.Stat(ctxFor(t), "was-hashed")
	if err != nil {
		t.Fatal(err)
	}
	checkInfo(t, "Stat after overwrite without digest", st, "was-hashed", []byte("two"), "")
}

func testEmpty(t *testing.T, s store.Store) {
	info := Put(t, s, "empty", nil)
	checkInfo(t, "Put info", info, "empty", nil, SHA256(nil))
	got, ginfo := ReadAll(t, s, "empty")
	if len(got) != 0 {
		t.Errorf("empty object reads %d bytes", len(got))
	}
	checkInfo(t, "Get info", ginfo, "empty", nil, SHA256(nil))
}

func testProgress(t *testing.T, s store.Store) {
	content := Data(7, 3<<20+17)
	var calls, last, total int64 = 0, -1, -1
	var mu sync.Mutex
	_, err := s.Put(ctxFor(t), "progress.bin", bytes.NewReader(content), int64(len(content)), store.PutOptions{
		SHA256: SHA256(content),
		Progress: func(done, tot int64) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if done < last {
				t.Errorf("progress went back from %d to %d", last, done)
			}
			last, total = done, tot
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 {
		t.Fatal("Progress never called")
	}
	if last != int64(len(content)) || total != int64(len(content)) {
		t.Errorf("last progress = %d of %d; want %d of %d", last, total, len(content), len(content))
	}
}

func testInvalidNames(t *testing.T, s store.Store) {
	for _, name := range []string{"", "/abs", "a/../b", "../up", "trail/", "a//b", "./a", `back\slash`, "x.sha256"} {
		_, err := s.Put(ctxFor(t), name, strings.NewReader("x"), 1, store.PutOptions{})
		if !errors.Is(err, store.ErrInvalidName) {
			t.Errorf("Put(%q) error = %v; want ErrInvalidName", name, err)
		}
		if _, err := s.Stat(ctxFor(t), name); !errors.Is(err, store.ErrInvalidName) {
			t.Errorf("Stat(%q) error = %v; want ErrInvalidName", name, err)
		}
	}
	list, err := s.List(ctxFor(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Errorf("invalid puts left objects: %+v", list)
	}
}

// failingReader returns n bytes of data, then err.
type failingReader struct {
	data []byte
	n    int
	err  error
	hit  chan struct{} // closed when the failure point is reached
	once sync.Once
}

func (f *failingReader) Read(b []byte) (int, error) {
	if f.n <= 0 {
		f.once.Do(func() {
			if f.hit != nil {
				close(f.hit)
			}
		})
		return 0, f.err
	}
	if len(b) > f.n {
		b = b[:f.n]
	}
	if len(b) > len(f.data) {
		b = b[:len(f.data)]
	}
	k := copy(b, f.data)
	f.data = f.data[k:]
	f.n -= k
	return k, nil
}

var errReader = errors.New("storetest: the reader failed on purpose")

func testAtomicFailingReader(t *testing.T, s store.Store) {
	for _, at := range []int{0, 1000, 9 << 20} {
		name := fmt.Sprintf("failing-%d.bin", at)
		content := Data(3, 12<<20)
		r := &failingReader{data: content, n: at, err: errReader}
		_, err := s.Put(ctxFor(t), name, r, int64(len(content)), store.PutOptions{SHA256: SHA256(content)})
		if err == nil {
			t.Fatalf("Put with a reader failing after %d bytes succeeded", at)
		}
		if !errors.Is(err, errReader) {
			t.Errorf("Put error = %v; want it to wrap the reader's error", err)
		}
		AssertMissing(t, s, name)
	}
}

// blockingReader gives n bytes then blocks until its context ends.
type blockingReader struct {
	ctx     context.Context
	data    []byte
	n       int
	reached chan struct{}
	once    sync.Once
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if b.n <= 0 {
		b.once.Do(func() { close(b.reached) })
		<-b.ctx.Done()
		return 0, b.ctx.Err()
	}
	if len(p) > b.n {
		p = p[:b.n]
	}
	k := copy(p, b.data)
	b.data = b.data[k:]
	b.n -= k
	return k, nil
}

func testAtomicCancel(t *testing.T, s store.Store) {
	content := Data(4, 12<<20)
	ctx, cancel := context.WithCancel(ctxFor(t))
	r := &blockingReader{ctx: ctx, data: content, n: 7 << 20, reached: make(chan struct{})}
	errc := make(chan error, 1)
	go func() {
		_, err := s.Put(ctx, "cancelled.bin", r, int64(len(content)), store.PutOptions{SHA256: SHA256(content)})
		errc <- err
	}()
	select {
	case <-r.reached:
	case err := <-errc:
		t.Fatalf("Put returned before reading 7 MiB: %v", err)
	}
	time.Sleep(50 * time.Millisecond) // let parts in flight land
	cancel()
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("cancelled Put succeeded")
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Put error = %v; want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("cancelled Put did not return within a minute")
	}
	AssertMissing(t, s, "cancelled.bin")
}

func testAtomicSizeMismatch(t *testing.T, s store.Store) {
	_, err := s.Put(ctxFor(t), "short.bin", strings.NewReader("12345"), 10, store.PutOptions{})
	if !errors.Is(err, store.ErrSizeMismatch) {
		t.Errorf("Put of 5 bytes as 10: error = %v; want ErrSizeMismatch", err)
	}
	AssertMissing(t, s, "short.bin")
	_, err = s.Put(ctxFor(t), "long.bin", strings.NewReader("1234567890"), 5, store.PutOptions{})
	if !errors.Is(err, store.ErrSizeMismatch) {
		t.Errorf("Put of 10 bytes as 5: error = %v; want ErrSizeMismatch", err)
	}
	AssertMissing(t, s, "long.bin")
}

func testAtomicKeepsOld(t *testing.T, s store.Store) {
	old := Data(5, 5000)
	Put(t, s, "keep.bin", old)
	content := Data(6, 12<<20)
	r := &failingReader{data: content, n: 6 << 20, err: errReader}
	if _, err := s.Put(ctxFor(t), "keep.bin", r, int64(len(content)), store.PutOptions{SHA256: SHA256(content)}); err == nil {
		t.Fatal("failing Put succeeded")
	}
	got, info := ReadAll(t, s, "keep.bin")
	if !bytes.Equal(got, old) {
		t.Errorf("a failed overwrite changed the object: %d bytes, want the old %d", len(got), len(old))
	}
	checkInfo(t, "Get info after a failed overwrite", info, "keep.bin", old, SHA256(old))
}

// slowReader hands out its data in small pieces with pauses.
type slowReader struct {
	data  []byte
	chunk int
	pause time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(s.pause)
	n := min(len(p), s.chunk, len(s.data))
	copy(p, s.data[:n])
	s.data = s.data[n:]
	return n, nil
}

func testNoPartialReads(t *testing.T, s store.Store) {
	old := Data(8, 100<<10)
	Put(t, s, "watched.bin", old)
	content := Data(9, 6<<20)
	ctx := ctxFor(t)
	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads, partial atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			rc, info, err := s.Get(ctx, "watched.bin")
			if err != nil {
				t.Errorf("Get during Put: %v", err)
				return
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				// A reader racing with the replacement may fail on some
				// backends; it must never see a mix.
				continue
			}
			reads.Add(1)
			if !bytes.Equal(b, old) && !bytes.Equal(b, content) {
				partial.Add(1)
			}
			if int64(len(b)) != info.Size {
				t.Errorf("Get info says %d bytes, read %d", info.Size, len(b))
			}
		}
	}()
	r := &slowReader{data: content, chunk: 256 << 10, pause: 5 * time.Millisecond}
	_, err := s.Put(ctx, "watched.bin", r, int64(len(content)), store.PutOptions{SHA256: SHA256(content)})
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if partial.Load() > 0 {
		t.Errorf("%d of %d reads during a Put saw neither the old nor the new content", partial.Load(), reads.Load())
	}
	if reads.Load() == 0 {
		t.Error("no read completed during the Put")
	}
	got, _ := ReadAll(t, s, "watched.bin")
	if !bytes.Equal(got, content) {
		t.Error("after the Put the object is not the new content")
	}
}

func testOverwrite(t *testing.T, s store.Store) {
	a, b := Data(10, 3000), Data(11, 1234)
	Put(t, s, "over.bin", a)
	info := Put(t, s, "over.bin", b)
	checkInfo(t, "Put info", info, "over.bin", b, SHA256(b))
	got, ginfo := ReadAll(t, s, "over.bin")
	if !bytes.Equal(got, b) {
		t.Error("overwritten object does not read as the new content")
	}
	checkInfo(t, "Get info", ginfo, "over.bin", b, SHA256(b))
	st, err := s.Stat(ctxFor(t), "over.bin")
	if err != nil {
		t.Fatal(err)
	}
	checkInfo(t, "Stat info", st, "over.bin", b, SHA256(b))
}

func names(infos []store.Info) []string {
	out := make([]string, len(infos))
	for i, x := range infos {
		out[i] = x.Name
	}
	return out
}

func testList(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	list, err := s.List(ctx, "")
	if err != nil {
		t.Fatalf("List of an empty store: %v", err)
	}
	if len(list) != 0 {
		t.Fatalf("empty store lists %v", names(list))
	}
	objs := map[string][]byte{
		"env-b.pex":        Data(20, 10),
		"env-a.pex":        Data(21, 20),
		"envy":             Data(22, 30),
		"code/code-1.zip":  Data(23, 40),
		"code/sub/x.zip":   Data(24, 50),
		"codex/other.zip":  Data(25, 60),
		"unhashed-env.zip": Data(26, 70),
	}
	for n, b := range objs {
		if n == "unhashed-env.zip" {
			if _, err := s.Put(ctx, n, bytes.NewReader(b), int64(len(b)), store.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		Put(t, s, n, b)
	}
	cases := map[string][]string{
		"":           {"code/code-1.zip", "code/sub/x.zip", "codex/other.zip", "env-a.pex", "env-b.pex", "envy", "unhashed-env.zip"},
		"env-":       {"env-a.pex", "env-b.pex"},
		"env":        {"env-a.pex", "env-b.pex", "envy"},
		"code/":      {"code/code-1.zip", "code/sub/x.zip"},
		"code":       {"code/code-1.zip", "code/sub/x.zip", "codex/other.zip"},
		"code/s":     {"code/sub/x.zip"},
		"nothing":    {},
		"env-a.pex":  {"env-a.pex"},
		"code/sub/x": {"code/sub/x.zip"},
	}
	for prefix, want := range cases {
		list, err := s.List(ctx, prefix)
		if err != nil {
			t.Errorf("List(%q): %v", prefix, err)
			continue
		}
		if got := names(list); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("List(%q) = %q; want %q", prefix, got, want)
		}
		for _, i := range list {
			sha := SHA256(objs[i.Name])
			if i.Name == "unhashed-env.zip" {
				sha = ""
			}
			checkInfo(t, "List("+prefix+") entry", i, i.Name, objs[i.Name], sha)
		}
	}
}

func testConcurrentSame(t *testing.T, s store.Store, n int) {
	content := Data(30, 9<<20+5)
	sha := SHA256(content)
	ctx := ctxFor(t)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &slowReader{data: content, chunk: 1 << 20, pause: time.Millisecond}
			_, errs[i] = s.Put(ctx, "same.bin", r, int64(len(content)), store.PutOptions{SHA256: sha})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Put %d: %v", i, err)
		}
	}
	list, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := names(list); len(got) != 1 || got[0] != "same.bin" {
		t.Errorf("after %d concurrent puts the store lists %q; want one object", n, got)
	}
	got, info := ReadAll(t, s, "same.bin")
	if !bytes.Equal(got, content) {
		t.Error("content after concurrent puts differs")
	}
	checkInfo(t, "Get info", info, "same.bin", content, sha)
}

func testConcurrentDifferent(t *testing.T, s store.Store, n int) {
	ctx := ctxFor(t)
	contents := make([][]byte, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		contents[i] = Data(uint64(40+i), 1<<20+i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &slowReader{data: contents[i], chunk: 128 << 10, pause: time.Millisecond}
			_, errs[i] = s.Put(ctx, "racy.bin", r, int64(len(contents[i])), store.PutOptions{SHA256: SHA256(contents[i])})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Put %d: %v", i, err)
		}
	}
	got, info := ReadAll(t, s, "racy.bin")
	for _, c := range contents {
		if bytes.Equal(got, c) {
			if info.Size != int64(len(c)) {
				t.Errorf("Get info size %d; content has %d", info.Size, len(c))
			}
			return
		}
	}
	t.Errorf("after concurrent puts of different contents the object (%d bytes) is none of them", len(got))
}

func testBig(t *testing.T, s store.Store, size int64) {
	content := Data(50, int(size))
	sha := SHA256(content)
	start := time.Now()
	info, err := s.Put(ctxFor(t), "big.bin", bytes.NewReader(content), size, store.PutOptions{SHA256: sha})
	if err != nil {
		t.Fatal(err)
	}
	up := time.Since(start)
	checkInfo(t, "Put info", info, "big.bin", content, sha)
	start = time.Now()
	rc, ginfo, err := s.Get(ctxFor(t), "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		t.Fatal(err)
	}
	down := time.Since(start)
	if n != size || hex.EncodeToString(h.Sum(nil)) != sha {
		t.Errorf("big object read back as %d bytes with another sha256", n)
	}
	checkInfo(t, "Get info", ginfo, "big.bin", content, sha)
	t.Logf("%d MiB: put %v (%.0f MiB/s), get %v (%.0f MiB/s)", size>>20,
		up.Round(time.Millisecond), float64(size>>20)/up.Seconds(),
		down.Round(time.Millisecond), float64(size>>20)/down.Seconds())
}
