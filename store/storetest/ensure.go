package storetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/clusterpack/clusterpack/store"
)

// builder counts how often a build runs.
type builder struct {
	content []byte
	sha     string // as the build reports it
	calls   atomic.Int64
}

func newBuilder(b []byte) *builder { return &builder{content: b, sha: SHA256(b)} }

func (b *builder) build(ctx context.Context) (store.Content, error) {
	b.calls.Add(1)
	return store.Content{R: io.NopCloser(bytes.NewReader(b.content)), Size: int64(len(b.content)), SHA256: b.sha}, nil
}

// Ensure runs the upload-if-absent checks of store.Ensure, Check and
// Verify on s, an empty store: builds run only when needed, Force, a
// digest other than the one wanted, corruption at rest (corrupt damages
// the stored bytes of name behind the store's back, keeping its recorded
// digest), a build that lies about its digest, an object without a
// digest, and two Ensures of one name at once.
func Ensure(t *testing.T, s store.Store, corrupt func(t *testing.T, name string)) {
	ctx := context.Background()
	content := Data(99, 6<<20+3)
	b := newBuilder(content)
	name := "env-0123456789abcdef.pex"

	res, err := store.Ensure(ctx, s, name, b.build, store.EnsureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Uploaded || res.Found != store.Absent || b.calls.Load() != 1 {
		t.Fatalf("first Ensure: %+v, %d builds; want an upload after one build", res, b.calls.Load())
	}
	// Present: no build, nothing sent.
	res, err = store.Ensure(ctx, s, name, b.build, store.EnsureOptions{})
	if err != nil || res.Uploaded || res.Found != store.Present || b.calls.Load() != 1 {
		t.Fatalf("second Ensure: %+v, %v, %d builds; want present, no build", res, err, b.calls.Load())
	}
	if res.Info.SHA256 != b.sha || res.Info.Size != int64(len(content)) {
		t.Errorf("present info %+v", res.Info)
	}
	// Force uploads anyway.
	res, err = store.Ensure(ctx, s, name, b.build, store.EnsureOptions{Force: true})
	if err != nil || !res.Uploaded || b.calls.Load() != 2 {
		t.Fatalf("forced Ensure: %+v, %v", res, err)
	}
	// A recorded digest other than the one wanted: replaced.
	res, err = store.Ensure(ctx, s, name, b.build, store.EnsureOptions{Want: SHA256([]byte("other"))})
	if err == nil {
		t.Fatalf("Ensure with a Want the build does not produce succeeded: %+v", res)
	}
	if res.Found != store.DigestMismatch {
		t.Errorf("Found = %v; want DigestMismatch", res.Found)
	}

	// Corruption at rest: the recorded digest is right, the bytes are not.
	corrupt(t, name)
	res, err = store.Ensure(ctx, s, name, b.build, store.EnsureOptions{})
	if err != nil || res.Uploaded {
		t.Fatalf("without Verify a corrupt object passes as present (one Stat): %+v, %v", res, err)
	}
	if _, err := store.Verify(ctx, s, name); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("Verify of a corrupt object: %v; want ErrCorrupt", err)
	}
	res, err = store.Ensure(ctx, s, name, b.build, store.EnsureOptions{Verify: true, Want: b.sha})
	if err != nil || !res.Uploaded || res.Found != store.Corrupt {
		t.Fatalf("Ensure with Verify of a corrupt object: %+v, %v; want Corrupt and replaced", res, err)
	}
	if _, err := store.Verify(ctx, s, name); err != nil {
		t.Fatalf("after the replacement: %v", err)
	}
	got, _ := ReadAll(t, s, name)
	if !bytes.Equal(got, content) {
		t.Fatal("replaced object differs")
	}

	// A build whose bytes are not what it says: nothing is stored.
	bad := newBuilder(Data(100, 7<<20))
	bad.sha = SHA256([]byte("a lie"))
	if _, err := store.Ensure(ctx, s, "env-bad.pex", bad.build, store.EnsureOptions{}); !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("Ensure of content that does not match its sha256: %v; want ErrCorrupt", err)
	}
	AssertMissing(t, s, "env-bad.pex")

	// No digest recorded: replaced.
	if _, err := s.Put(ctx, "env-nodigest.pex", bytes.NewReader(content), int64(len(content)), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err = store.Ensure(ctx, s, "env-nodigest.pex", b.build, store.EnsureOptions{})
	if err != nil || !res.Uploaded || res.Found != store.NoDigest {
		t.Errorf("Ensure over an object without digest: %+v, %v", res, err)
	}

	// Two uploads of the same environment at once: both succeed, one object.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	c := newBuilder(Data(101, 11<<20))
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = store.Ensure(ctx, s, "env-twice.pex", c.build, store.EnsureOptions{})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("concurrent Ensure: %v", err)
		}
	}
	list, err := s.List(ctx, "env-twice")
	if err != nil || len(list) != 1 || list[0].SHA256 != c.sha {
		t.Errorf("after two concurrent Ensures: %+v, %v; want one object", list, err)
	}
	if _, err := store.Verify(ctx, s, "env-twice.pex"); err != nil {
		t.Error(err)
	}
}

// FlipByte inverts the byte at off of the file at path, for a corrupt
// function of Ensure on backends that keep objects as plain files.
func FlipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [1]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b[:], off); err != nil {
		t.Fatal(err)
	}
}

// EnsureUploaded runs store.Ensure of b under name on s and fails the test
// unless it uploaded b and store.Verify then reads back what it recorded:
// the "the next run completes" step of the fault tests.
func EnsureUploaded(t *testing.T, s store.Store, name string, b []byte) {
	t.Helper()
	ctx := ctxFor(t)
	res, err := store.Ensure(ctx, s, name, newBuilder(b).build, store.EnsureOptions{})
	if err != nil || !res.Uploaded {
		t.Fatalf("Ensure of %s: %+v, %v", name, res, err)
	}
	if _, err := store.Verify(ctx, s, name); err != nil {
		t.Fatalf("Verify of %s: %v", name, err)
	}
}
