package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/clusterpack/clusterpack/internal/atomicfile"
	"github.com/clusterpack/clusterpack/internal/redact"
)

// Metadata returns the core metadata (the METADATA file) of a file listed
// by Project: the PEP 658 .metadata file when the index offers one (its
// hash checked when given); else, for a wheel, its .dist-info/METADATA,
// read through HTTP range requests when the server serves ranges, or from
// the whole wheel, downloaded and checked against the index's hash. Local
// files are read directly. Results are cached under CacheDir by URL and
// hash. For a non-wheel the index offers no metadata for, the error wraps
// ErrNotWheel.
func (c *Client) Metadata(ctx context.Context, f File) ([]byte, error) {
	u, err := url.Parse(f.URL)
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: malformed URL %s: %w", f.Filename, redact.Mask(f.URL), redactURLError(err))
	}
	if u.Scheme == "file" {
		return localMetadata(ctx, f, u.Path)
	}
	u.User = nil
	cachePath := c.metadataCachePath(f)
	if cachePath != "" {
		if data, err := os.ReadFile(cachePath); err == nil {
			c.log.Debug("metadata in cache", "file", f.Filename)
			return data, nil
		}
	}
	var data []byte
	if f.CoreMetadata {
		data, err = c.coreMetadataFile(ctx, f, u)
		switch {
		case isNotFound(err) && isWheel(f.Filename):
			c.log.Warn("the index lists a core-metadata file it does not serve; reading the wheel", "file", f.Filename, "index", f.Index)
		case err != nil:
			return nil, err
		}
	}
	if data == nil {
		if !isWheel(f.Filename) {
			return nil, fmt.Errorf("metadata of %s: %w: the index offers no core-metadata file for it", f.Filename, ErrNotWheel)
		}
		if data, err = c.wheelMetadata(ctx, f, u); err != nil {
			return nil, err
		}
	}
	if cachePath != "" {
		if err := atomicfile.WriteFile(cachePath, data, 0o644); err != nil {
			c.log.Warn("not caching metadata", "file", f.Filename, "error", err.Error())
		}
	}
	return data, nil
}

func isWheel(filename string) bool {
	return strings.HasSuffix(strings.ToLower(filename), ".whl")
}

// metadataCachePath returns where the metadata of f is cached: a name
// derived from its URL and hashes; "" without a cache directory.
func (c *Client) metadataCachePath(f File) string {
	if c.cacheDir == "" {
		return ""
	}
	key := []string{redact.Strip(f.URL)}
	for name, value := range f.Hashes {
		key = append(key, name+"="+value)
	}
	slices.Sort(key[1:])
	sum := sha256.Sum256([]byte(strings.Join(key, "\n")))
	name := hex.EncodeToString(sum[:])
	return filepath.Join(c.cacheDir, "metadata-v1", name[:2], name)
}

// coreMetadataFile fetches the PEP 658 file <URL>.metadata.
func (c *Client) coreMetadataFile(ctx context.Context, f File, u *url.URL) ([]byte, error) {
	metadataURL := *u
	metadataURL.Path += ".metadata"
	if metadataURL.RawPath != "" {
		metadataURL.RawPath += ".metadata"
	}
	check := newChecker(f.CoreMetadataHashes)
	var data []byte
	err := c.do(ctx, request{url: &metadataURL, index: f.Index}, func(resp *http.Response) error {
		if resp.StatusCode != http.StatusOK {
			return httpError(redact.Mask(metadataURL.String()), resp)
		}
		var err error
		data, err = io.ReadAll(io.LimitReader(resp.Body, maxMetadataSize+1))
		if err != nil {
			return fmt.Errorf("reading %s: %w", redact.Mask(metadataURL.String()), err)
		}
		if len(data) > maxMetadataSize {
			return fmt.Errorf("%s is larger than %d bytes", redact.Mask(metadataURL.String()), maxMetadataSize)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if check != nil {
		check.Write(data)
		if err := check.verify(f.Filename + ".metadata"); err != nil {
			return nil, err
		}
	}
	return data, nil
}

// wheelMetadata reads the METADATA of a remote wheel. It first asks for
// the wheel's tail: a 206 reply means the server serves ranges, and the
// rest is read the same way; a 200 reply brings the whole wheel, which is
// kept in a temporary file, checked against the index's hash and read.
func (c *Client) wheelMetadata(ctx context.Context, f File, u *url.URL) ([]byte, error) {
	failed := func(err error) error {
		return fmt.Errorf("reading the metadata of %s from %s: %w", f.Filename, redact.Mask(f.URL), err)
	}
	spool, err := os.CreateTemp("", "clusterpack-*.whl")
	if err != nil {
		return nil, failed(err)
	}
	defer os.Remove(spool.Name())
	defer spool.Close()

	check := newChecker(f.Hashes)
	var (
		src     *rangeSource
		spooled bool
	)
	header := http.Header{"Range": {fmt.Sprintf("bytes=-%d", c.tailSize)}}
	err = c.do(ctx, request{url: u, index: f.Index, header: header}, func(resp *http.Response) error {
		src, spooled = nil, false
		switch resp.StatusCode {
		case http.StatusPartialContent:
			start, end, total, err := parseContentRange(resp.Header.Get("Content-Range"))
			if err != nil || end != total-1 {
				return fmt.Errorf("%w: asked for the last %d bytes, got Content-Range %q", errNoRanges, c.tailSize, resp.Header.Get("Content-Range"))
			}
			tail, err := readExactly(resp.Body, end-start+1)
			if err != nil {
				return err
			}
			validator := resp.Header.Get("ETag")
			if strings.HasPrefix(validator, "W/") {
				validator = "" // If-Range takes strong validators only
			}
			src = &rangeSource{client: c, url: u, index: f.Index, length: total, validator: validator,
				regions: []region{{offset: start, data: tail}}}
			return nil
		case http.StatusOK:
			spooled = true
			return writeBody(resp.Body, spool, check)
		default:
			return httpError(redact.Mask(u.String()), resp)
		}
	})
	var status *HTTPError
	switch {
	case errors.As(err, &status) && status.StatusCode == http.StatusRequestedRangeNotSatisfiable, errors.Is(err, errNoRanges):
		c.log.Debug("range request refused; downloading the whole wheel", "file", f.Filename, "error", err.Error())
	case err != nil:
		return nil, failed(err)
	case src != nil:
		data, err := readWheelMetadata(ctx, src, f.Filename)
		if err == nil || !errors.Is(err, errNoRanges) {
			if err != nil {
				return nil, failed(err)
			}
			return data, nil
		}
		c.log.Debug("range request refused; downloading the whole wheel", "file", f.Filename, "error", err.Error())
	}
	if !spooled {
		if err := c.fetchFile(ctx, f, u, spool); err != nil {
			return nil, failed(err)
		}
	} else if err := check.verify(f.Filename); err != nil {
		return nil, err
	}
	local, err := newFileSource(spool)
	if err != nil {
		return nil, failed(err)
	}
	data, err := readWheelMetadata(ctx, local, f.Filename)
	if err != nil {
		return nil, failed(err)
	}
	return data, nil
}

// localMetadata reads the METADATA of a local wheel.
func localMetadata(ctx context.Context, f File, path string) ([]byte, error) {
	if !isWheel(f.Filename) {
		return nil, fmt.Errorf("metadata of %s: %w", path, ErrNotWheel)
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", f.Filename, err)
	}
	defer file.Close()
	src, err := newFileSource(file)
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", f.Filename, err)
	}
	data, err := readWheelMetadata(ctx, src, f.Filename)
	if err != nil {
		return nil, fmt.Errorf("reading the metadata of %s: %w", path, err)
	}
	return data, nil
}
