package hashpipe

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"testing"
)

func TestDigestAndBytes(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, chunk - 1, chunk, chunk + 1, 5*chunk + 17} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rnd.IntN(256))
		}
		var out bytes.Buffer
		w := New(&out, sha256.New())
		// Writes of every size, from one byte to more than a chunk.
		for rest := data; len(rest) > 0; {
			n := min(len(rest), 1+rnd.IntN(3*chunk/2))
			if k, err := w.Write(rest[:n]); k != n || err != nil {
				t.Fatal(k, err)
			}
			rest = rest[n:]
		}
		want := sha256.Sum256(data)
		if got := w.Sum(); !bytes.Equal(got, want[:]) {
			t.Errorf("size %d: digest %x, want %x", size, got, want)
		}
		if !bytes.Equal(out.Bytes(), data) {
			t.Errorf("size %d: %d bytes reached the destination", size, out.Len())
		}
		w.Close() // after Sum: harmless
	}
}

type failAfter struct {
	n   int
	out bytes.Buffer
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		f.out.Write(p[:f.n])
		n := f.n
		f.n = 0
		return n, errors.New("disk full")
	}
	f.n -= len(p)
	return f.out.Write(p)
}

// A short write is reported, and only what was written is hashed.
func TestShortWrite(t *testing.T) {
	dst := &failAfter{n: 10}
	w := New(dst, sha256.New())
	if _, err := w.Write([]byte("0123456789abcdef")); err == nil {
		t.Fatal("no error")
	}
	want := sha256.Sum256([]byte("0123456789"))
	if got := w.Sum(); !bytes.Equal(got, want[:]) || dst.out.Len() != 10 {
		t.Errorf("digest %x (%d bytes written), want that of the 10 bytes written", got, dst.out.Len())
	}
}

func BenchmarkWrite(b *testing.B) {
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(buf)))
	w := New(discard{}, sha256.New())
	for b.Loop() {
		w.Write(buf)
	}
	w.Sum()
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
