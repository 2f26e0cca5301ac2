package hdfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	gohdfs "github.com/colinmarc/hdfs/v2"

	"github.com/clusterpack/clusterpack/store"
)

// Reading an object: Get, and a reader of the file's blocks under a
// context.

func (s *hdfsStore) Get(ctx context.Context, name string) (io.ReadCloser, store.Info, error) {
	if err := store.ValidName(name); err != nil {
		return nil, store.Info{}, &store.Error{Op: "get", URL: s.URL(name), Err: err}
	}
	for range 10 {
		info, ipath, err := s.stat(ctx, name)
		if err != nil {
			return nil, store.Info{}, s.fail("get", name, "read", err)
		}
		var f *gohdfs.FileReader
		err = s.call(ctx, "open", func(c *gohdfs.Client) error {
			var err error
			f, err = c.Open(ipath)
			return err
		})
		if notFound(err) {
			continue // replaced by a Put since the stat: look again
		}
		if err != nil {
			return nil, store.Info{}, s.fail("get", name, "read", err)
		}
		return newHDFSReader(ctx, s, f, name), info, nil
	}
	return nil, store.Info{}, s.fail("get", name, "read", fmt.Errorf("the object keeps being replaced: %w", errReplaced))
}

// hdfsReader reads an HDFS file under a context: a read fails once the
// context is done, and each read has IOTimeout to make progress. Reads go
// through a buffer of its own, in a goroutine, so that a read abandoned
// when the context ends never writes into the caller's slice; Close
// closes the file once such a read has ended.
type hdfsReader struct {
	ctx  context.Context
	f    *gohdfs.FileReader
	s    *hdfsStore
	name string
	buf  []byte
	busy chan struct{} // holds a token while a read is in flight
}

func newHDFSReader(ctx context.Context, s *hdfsStore, f *gohdfs.FileReader, name string) *hdfsReader {
	return &hdfsReader{ctx: ctx, f: f, s: s, name: name, busy: make(chan struct{}, 1)}
}

func (r *hdfsReader) Read(b []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	if len(b) == 0 {
		return 0, nil
	}
	select {
	case r.busy <- struct{}{}:
	case <-r.ctx.Done():
		return 0, r.ctx.Err()
	}
	if r.buf == nil {
		r.buf = make([]byte, 256<<10)
	}
	buf := r.buf[:min(len(b), len(r.buf))]
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() { <-r.busy }()
		r.f.SetDeadline(time.Now().Add(r.s.ioTimeout))
		n, err := r.f.Read(buf)
		done <- result{n, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-r.ctx.Done():
		return 0, r.ctx.Err()
	}
	n := copy(b, buf[:res.n])
	err := res.err
	if err != nil && err != io.EOF {
		if notFound(err) {
			err = errors.New("the object was replaced or removed while it was read (a Put of the same name?): read it again")
		}
		return n, r.s.fail("get", r.name, "read", err)
	}
	return n, err
}

func (r *hdfsReader) Close() error {
	select {
	case r.busy <- struct{}{}:
		return r.f.Close()
	default:
		// A read abandoned by a cancelled context is still in flight.
		go func() {
			r.busy <- struct{}{}
			r.f.Close()
		}()
		return nil
	}
}
