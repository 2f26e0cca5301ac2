// Package hashpipe writes bytes to a destination and hashes them on
// another goroutine, so that writing an archive and computing its digest
// take the longer of the two rather than their sum.
package hashpipe

import (
	"hash"
	"io"
	"sync"
)

// chunk is how many bytes are gathered before they go to the hasher.
const chunk = 1 << 20

// Writer passes writes to its destination at once and hashes them on a
// goroutine of its own. Sum waits for the hasher. A Writer is for one
// goroutine, as an io.Writer usually is.
type Writer struct {
	w    io.Writer
	h    hash.Hash
	buf  []byte
	todo chan []byte
	free chan []byte
	done chan struct{}
	once sync.Once
}

// New returns a Writer to w that hashes with h.
func New(w io.Writer, h hash.Hash) *Writer {
	p := &Writer{w: w, h: h, todo: make(chan []byte, 4), free: make(chan []byte, 5), done: make(chan struct{})}
	for range 5 {
		p.free <- make([]byte, 0, chunk)
	}
	p.buf = <-p.free
	go func() {
		defer close(p.done)
		for b := range p.todo {
			p.h.Write(b)
			p.free <- b[:0]
		}
	}()
	return p
}

// Write writes b to the destination and queues the bytes written for
// hashing.
func (p *Writer) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	written := b[:n]
	for len(written) > 0 {
		k := copy(p.buf[len(p.buf):cap(p.buf)], written)
		p.buf = p.buf[:len(p.buf)+k]
		written = written[k:]
		if len(p.buf) == cap(p.buf) {
			p.todo <- p.buf
			p.buf = <-p.free
		}
	}
	return n, err
}

// Sum hashes what is left, stops the hasher and returns the digest of
// every byte written. The Writer must not be written to afterwards.
func (p *Writer) Sum() []byte {
	p.once.Do(func() {
		if len(p.buf) > 0 {
			p.todo <- p.buf
		}
		close(p.todo)
		<-p.done
	})
	return p.h.Sum(nil)
}

// Close stops the hasher without a digest (on an error path); it is safe
// after Sum.
func (p *Writer) Close() { p.Sum() }
