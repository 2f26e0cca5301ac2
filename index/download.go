package index

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/clusterpack/clusterpack/internal/redact"
)

// Download writes the file f to the path dst: it streams it into a
// temporary file in dst's directory, checks it against the hash the index
// published (a mismatch is a *HashMismatchError), and renames it to dst
// only when complete, so that dst never holds a partial or unverified
// file. Local files (file URLs) are copied the same way.
func (c *Client) Download(ctx context.Context, f File, dst string) (err error) {
	u, err := url.Parse(f.URL)
	if err != nil {
		return fmt.Errorf("downloading %s: malformed URL %s: %w", f.Filename, redact.Mask(f.URL), redactURLError(err))
	}
	u.User = nil
	dir := filepath.Dir(dst)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".*.part")
	if err != nil {
		return fmt.Errorf("downloading %s: %w", f.Filename, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if u.Scheme == "file" {
		err = copyLocal(ctx, f, u.Path, tmp)
	} else {
		err = c.fetchFile(ctx, f, u, tmp)
	}
	if err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("downloading %s: %w", f.Filename, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("downloading %s: %w", f.Filename, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("downloading %s: %w", f.Filename, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("downloading %s: %w", f.Filename, err)
	}
	c.log.Debug("downloaded", "file", f.Filename, "to", dst)
	return nil
}

// fetchFile downloads u into dst (from its start, again at each retry)
// and checks the result against f's hash.
func (c *Client) fetchFile(ctx context.Context, f File, u *url.URL, dst *os.File) error {
	check := newChecker(f.Hashes)
	if check == nil {
		c.log.Debug("no hash to check the download against", "file", f.Filename, "index", f.Index)
	}
	err := c.do(ctx, request{url: u, index: f.Index}, func(resp *http.Response) error {
		if resp.StatusCode != http.StatusOK {
			return httpError(redact.Mask(u.String()), resp)
		}
		return c.writeDownload(f.Filename, resp.Body, dst, check)
	})
	if err != nil {
		return fmt.Errorf("downloading %s: %w", f.Filename, err)
	}
	return check.verify(f.Filename)
}

// writeDownload is writeBody for a download, reporting the bytes to the
// client's received callback (a retry takes back what its attempt
// reported).
func (c *Client) writeDownload(filename string, body io.Reader, dst *os.File, check *checker) error {
	if c.received == nil {
		return writeBody(body, dst, check)
	}
	r := &countingReader{r: body, report: func(n int64) { c.received(filename, n) }}
	err := writeBody(r, dst, check)
	if err != nil && r.n > 0 {
		c.received(filename, -r.n)
	}
	return err
}

// countingReader reports each read's byte count.
type countingReader struct {
	r      io.Reader
	n      int64
	report func(int64)
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.n += int64(n)
		r.report(int64(n))
	}
	return n, err
}

// WithReceived is a client that shares c's connections, caches and
// limits and calls fn with the bytes of each download as they arrive
// (negative when a failed attempt's bytes are taken back before a
// retry). fn may be called from several goroutines at once.
func (c *Client) WithReceived(fn func(filename string, n int64)) *Client {
	cp := *c
	cp.received = fn
	return &cp
}

// writeBody copies a response body to the start of dst, truncating what
// an earlier attempt wrote, and through check when not nil.
func writeBody(body io.Reader, dst *os.File, check *checker) error {
	if err := dst.Truncate(0); err != nil {
		return err
	}
	if _, err := dst.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var w io.Writer = dst
	if check != nil {
		check.Reset()
		w = io.MultiWriter(dst, check)
	}
	_, err := io.Copy(w, body)
	return err
}

// copyLocal copies a local file into dst, checking its hash.
func copyLocal(ctx context.Context, f File, path string, dst *os.File) error {
	src, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("copying %s: %w", f.Filename, err)
	}
	defer src.Close()
	check := newChecker(f.Hashes)
	if err := writeBody(&contextReader{ctx: ctx, r: src}, dst, check); err != nil {
		return fmt.Errorf("copying %s: %w", path, err)
	}
	return check.verify(f.Filename)
}

// contextReader stops reading once its context is done.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (r *contextReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
