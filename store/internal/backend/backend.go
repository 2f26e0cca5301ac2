// Package backend holds what the store backends (store/file, store/s3,
// store/hdfs) share and store's users do not need: the defaults of
// store.Options, progress reporting and the readers that keep a Put to
// its size and its context.
package backend

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/clusterpack/clusterpack/store"
)

// Logger returns l, or a logger that discards everything when l is nil.
func Logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// Getenv returns opts.Getenv, or os.Getenv when it is nil.
func Getenv(opts store.Options) func(string) string {
	if opts.Getenv == nil {
		return os.Getenv
	}
	return opts.Getenv
}

// Progress serialises calls to a PutOptions.Progress and keeps done
// monotonic. A nil *Progress does nothing.
type Progress struct {
	fn    func(done, total int64)
	total int64
	mu    sync.Mutex
	done  int64
}

// NewProgress returns a Progress that reports to fn, or nil when fn is nil.
func NewProgress(fn func(done, total int64), total int64) *Progress {
	if fn == nil {
		return nil
	}
	return &Progress{fn: fn, total: total}
}

// Add reports n more bytes.
func (p *Progress) Add(n int64) {
	if p == nil || n == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.fn(p.done, p.total)
}

// CountingReader reports what is read through it to a Progress.
type CountingReader struct {
	R io.Reader
	P *Progress
}

func (c *CountingReader) Read(b []byte) (int, error) {
	n, err := c.R.Read(b)
	c.P.Add(int64(n))
	return n, err
}

// ExactReader reads exactly size bytes from r: it fails with
// store.ErrSizeMismatch when r ends early or has bytes past size.
// Backends wrap Put's reader in it so a short or long content is never
// stored. A negative size accepts any length.
type ExactReader struct {
	r    io.Reader
	size int64
	n    int64
}

// NewExactReader returns an ExactReader of size bytes from r.
func NewExactReader(r io.Reader, size int64) *ExactReader {
	return &ExactReader{r: r, size: size}
}

func (e *ExactReader) Read(b []byte) (int, error) {
	if e.size >= 0 && e.n >= e.size {
		// Check that r has nothing more.
		var one [1]byte
		for {
			n, err := e.r.Read(one[:])
			if n > 0 {
				return 0, fmt.Errorf("%w: more than %d bytes", store.ErrSizeMismatch, e.size)
			}
			if err == io.EOF {
				return 0, io.EOF
			}
			if err != nil {
				return 0, err
			}
		}
	}
	if e.size >= 0 && int64(len(b)) > e.size-e.n {
		b = b[:e.size-e.n]
	}
	n, err := e.r.Read(b)
	e.n += int64(n)
	if err == io.EOF {
		if e.size >= 0 && e.n < e.size {
			return n, fmt.Errorf("%w: content ended after %d of %d bytes", store.ErrSizeMismatch, e.n, e.size)
		}
		if e.size >= 0 {
			// Reaching size exactly with EOF: done.
			return n, io.EOF
		}
	}
	return n, err
}

// CtxReadCloser fails reads once Ctx is done. C, when not nil, is what
// Close closes.
type CtxReadCloser struct {
	Ctx context.Context
	R   io.Reader
	C   io.Closer
}

func (c *CtxReadCloser) Read(b []byte) (int, error) {
	if err := c.Ctx.Err(); err != nil {
		return 0, err
	}
	return c.R.Read(b)
}

func (c *CtxReadCloser) Close() error {
	if c.C == nil {
		return nil
	}
	return c.C.Close()
}
