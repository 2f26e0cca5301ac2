package hdfs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	gohdfs "github.com/colinmarc/hdfs/v2"

	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/internal/backend"
)

// Writing an object: Put streams the bytes through the datanodes' write
// pipeline into a temporary file, then renames it over the name.

func (s *hdfsStore) Put(ctx context.Context, name string, r io.Reader, size int64, opts store.PutOptions) (store.Info, error) {
	if err := store.ValidName(name); err != nil {
		return store.Info{}, &store.Error{Op: "put", URL: s.URL(name), Err: err}
	}
	if err := store.ValidSHA256(opts.SHA256); err != nil {
		return store.Info{}, &store.Error{Op: "put", URL: s.URL(name), Err: err}
	}
	info, err := s.put(ctx, name, r, size, opts)
	if err != nil {
		return store.Info{}, s.fail("put", name, "write", err)
	}
	return info, nil
}

func (s *hdfsStore) put(ctx context.Context, name string, r io.Reader, size int64, opts store.PutOptions) (store.Info, error) {
	dst := s.path(name)
	dir := path.Dir(dst)
	if err := s.makeDirs(ctx, dir); err != nil {
		return store.Info{}, fmt.Errorf("creating the directory %s: %w", dir, err)
	}
	s.removeAbandoned(ctx, dir)

	// The temporary file: a new random name on each try, so that a create
	// whose answer was lost does not collide with the retry.
	var (
		tmp string
		w   *gohdfs.FileWriter
		wc  *gohdfs.Client
	)
	err := s.call(ctx, "create", func(c *gohdfs.Client) error {
		tmp = dir + "/" + tempPrefix + path.Base(name) + "-" + randomSuffix()
		nw, err := c.Create(tmp)
		if err != nil {
			return err
		}
		// The create's mode is masked by the namenode's view of the
		// umask and a parent's default ACL: set it (public.go).
		if err := c.Chmod(tmp, ObjectMode); err != nil {
			nw.Close()
			c.Remove(tmp)
			return err
		}
		if err := ctx.Err(); err != nil {
			// Created after the Put gave up on it: nobody else will
			// clean this one up.
			nw.Close()
			c.Remove(tmp)
			return err
		}
		w, wc = nw, c
		return nil
	})
	if err != nil {
		return store.Info{}, fmt.Errorf("creating a temporary file: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			s.removeQuietly(ctx, wc, tmp)
		}
	}()

	var src io.Reader = backend.NewExactReader(r, size)
	if p := backend.NewProgress(opts.Progress, size); p != nil {
		src = &backend.CountingReader{R: src, P: p}
	}
	n, err := s.copyTo(ctx, w, src)
	if err != nil {
		return store.Info{}, err
	}

	var fi os.FileInfo
	if err := s.call(ctx, "stat", func(c *gohdfs.Client) error {
		var err error
		fi, err = c.Stat(tmp)
		return err
	}); err != nil {
		return store.Info{}, fmt.Errorf("checking the temporary file %s: %w", tmp, err)
	}
	if fi.Size() != n {
		return store.Info{}, fmt.Errorf("the temporary file %s has %d bytes; %d were written", tmp, fi.Size(), n)
	}

	var manifestTmp string
	if opts.SHA256 != "" && s.digestMode() != SHA256Manifest {
		err := s.call(ctx, "set xattr", func(c *gohdfs.Client) error { return c.SetXAttr(tmp, XAttrSHA256, opts.SHA256) })
		if xattrsDisabled(err) && s.configured == SHA256Auto {
			s.noXAttrs()
		} else if err != nil {
			return store.Info{}, fmt.Errorf("recording the sha256 attribute: %w", err)
		}
	}
	if opts.SHA256 != "" && s.digestMode() == SHA256Manifest {
		manifestTmp, err = s.writeManifestTemp(ctx, dir, name, opts.SHA256)
		if err != nil {
			return store.Info{}, fmt.Errorf("writing the sha256 manifest: %w", err)
		}
		defer func() {
			if manifestTmp != "" {
				s.removeQuietly(ctx, nil, manifestTmp)
			}
		}()
	}
	if err := ctx.Err(); err != nil {
		return store.Info{}, err
	}
	// The old digest goes first: a reader may see the new object with no
	// digest for a moment, never with the old object's.
	err = s.call(ctx, "remove manifest", func(c *gohdfs.Client) error {
		err := c.Remove(dst + sidecarSuffix)
		if notFound(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return store.Info{}, fmt.Errorf("removing the old sha256 manifest: %w", err)
	}
	if err := s.rename(ctx, tmp, dst, n); err != nil {
		return store.Info{}, fmt.Errorf("renaming the temporary file into place: %w", err)
	}
	committed = true
	if manifestTmp != "" {
		if err := s.rename(ctx, manifestTmp, dst+sidecarSuffix, -1); err != nil {
			return store.Info{}, fmt.Errorf("renaming the sha256 manifest into place (the object is stored, unverified): %w", err)
		}
		manifestTmp = ""
	}
	s.log.Debug("stored", "url", s.URL(name), "size", n)
	return store.Info{Name: name, Size: n, SHA256: opts.SHA256, ModTime: fi.ModTime()}, nil
}

func randomSuffix() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// rename moves from over to, replacing it. A retried rename whose first
// try went through finds from gone and to in place with size bytes
// (size < 0: any), and counts as done.
func (s *hdfsStore) rename(ctx context.Context, from, to string, size int64) error {
	tries := 0
	return s.call(ctx, "rename", func(c *gohdfs.Client) error {
		tries++
		err := c.Rename(from, to)
		if err != nil && tries > 1 && notFound(err) {
			if fi, serr := c.Stat(to); serr == nil && (size < 0 || fi.Size() == size) {
				return nil
			}
		}
		return err
	})
}

// copyTo streams src into w and closes w, under ctx, and returns the
// number of bytes written. The caller's goroutine reads src (so src is
// never touched after copyTo returns); a goroutine of its own writes to
// the datanodes, two 1 MiB buffers apart. When ctx ends, copyTo returns at
// once, or as soon as a src.Read in progress returns (a reader that may
// block for long should watch the same context), and the writing goroutine is left
// to fail or finish on its own, within IOTimeout; the caller deletes the
// temporary file meanwhile. Reader errors are returned as they are.
func (s *hdfsStore) copyTo(ctx context.Context, w *gohdfs.FileWriter, src io.Reader) (int64, error) {
	const bufSize = 1 << 20
	free := make(chan []byte, 2)
	free <- make([]byte, bufSize)
	free <- make([]byte, bufSize)
	work := make(chan []byte, 2)
	failed := make(chan struct{})   // closed on the first write error
	finished := make(chan struct{}) // closed when the writer is done
	var werr error                  // set before failed or finished closes
	go func() {
		defer close(finished)
		for b := range work {
			if werr == nil {
				w.SetDeadline(time.Now().Add(s.ioTimeout))
				if _, err := w.Write(b); err != nil {
					werr = fmt.Errorf("writing to the datanode: %w", err)
					close(failed)
				}
			}
			free <- b[:cap(b)]
		}
		if werr != nil {
			w.Close()
			return
		}
		werr = s.closeWriter(ctx, w)
	}()
	var n int64
	for {
		var buf []byte
		select {
		case buf = <-free:
		case <-failed:
			close(work)
			return n, werr
		case <-ctx.Done():
			close(work)
			return n, ctx.Err()
		}
		if err := ctx.Err(); err != nil {
			close(work)
			return n, err
		}
		k, rerr := src.Read(buf)
		if k > 0 {
			work <- buf[:k]
			n += int64(k)
		} else {
			free <- buf
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			close(work)
			if err := ctx.Err(); err != nil {
				return n, err // the reader gave up because of the context
			}
			return n, rerr
		}
	}
	close(work)
	select {
	case <-finished:
		return n, werr
	case <-ctx.Done():
		return n, ctx.Err()
	}
}

// closeWriter completes the file, waiting while the namenode says its
// last block is still replicating, as the Java client does.
func (s *hdfsStore) closeWriter(ctx context.Context, w *gohdfs.FileWriter) error {
	pause := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		w.SetDeadline(time.Now().Add(s.ioTimeout))
		err := w.Close()
		if err == nil {
			return nil
		}
		if !gohdfs.IsErrReplicating(err) || attempt >= 8 || ctx.Err() != nil {
			return fmt.Errorf("completing the file: %w", err)
		}
		time.Sleep(pause)
		pause *= 2
	}
}

// removeQuietly deletes a temporary file after a failure, with a limit
// of its own so that a cancelled Put still cleans up.
func (s *hdfsStore) removeQuietly(ctx context.Context, c *gohdfs.Client, p string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := runCtx(ctx, func() error {
		if c == nil {
			var err error
			if c, err = s.getClient(ctx); err != nil {
				return err
			}
		}
		return c.Remove(p)
	})
	if err != nil && !notFound(err) {
		s.log.Warn("could not remove a temporary file", "path", p, "error", err)
	}
}

// abandonedAfter is how old a temporary file must be for a Put to take it
// as abandoned: no upload takes a day, and a Put that failed while the
// namenode was away (or whose process was killed) could not delete its
// own. Age is all there is to go by: the writer may be on another machine.
const abandonedAfter = 24 * time.Hour

// removeAbandoned deletes the temporary files in dir untouched for
// abandonedAfter, so that failed uploads do not pile up. Failures cost
// nothing but the space, and are only logged.
func (s *hdfsStore) removeAbandoned(ctx context.Context, dir string) {
	var entries []os.FileInfo
	err := s.call(ctx, "list temporary files", func(c *gohdfs.Client) error {
		var err error
		entries, err = c.ReadDir(dir)
		return err
	})
	if err != nil {
		s.log.Debug("not listing abandoned temporary files", "dir", dir, "error", err)
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) || time.Since(e.ModTime()) < abandonedAfter {
			continue
		}
		p := dir + "/" + e.Name()
		s.removeQuietly(ctx, nil, p)
		s.log.Info("removed an abandoned temporary file", "path", p, "modified", e.ModTime())
	}
}
