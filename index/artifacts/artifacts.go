// Package artifacts is the content-addressed cache of distribution files:
// every wheel and sdist clusterpack downloads is kept under its sha256, so
// a file is fetched once whatever lock or build asks for it, and concurrent
// processes sharing the cache never see a partial file.
package artifacts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/index"
	"github.com/clusterpack/clusterpack/internal/atomicfile"
)

// Downloader fetches a file to a path. When f.Hashes has a sha256 it
// must check the bytes against it while writing (and fail with an
// *index.HashMismatchError): Get then trusts that digest rather than
// reading the file again. *index.Client is one.
type Downloader interface {
	Download(ctx context.Context, f index.File, dst string) error
}

// Cache keeps files under Dir/sha256/<first two hex digits>/<digest>/<filename>.
type Cache struct {
	Dir    string
	Source Downloader
}

// Path is where a file with the given digest is kept.
func (c *Cache) Path(sha256Hex, filename string) string {
	return filepath.Join(c.Dir, "sha256", sha256Hex[:2], sha256Hex, filename)
}

// Get returns the local path and sha256 of a file, downloading it when the
// cache does not have it. A file whose index gave a sha256 is looked up
// without any request; one without is downloaded and hashed.
func (c *Cache) Get(ctx context.Context, f index.File) (path, digest string, err error) {
	if strings.ContainsAny(f.Filename, `/\`) || f.Filename == "" || f.Filename == "." || f.Filename == ".." {
		return "", "", fmt.Errorf("artifact %q: not a plain file name", f.Filename)
	}
	if want := strings.ToLower(f.Hashes["sha256"]); isDigest(want) {
		p := c.Path(want, f.Filename)
		if _, err := os.Stat(p); err == nil {
			return p, want, nil
		}
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return "", "", fmt.Errorf("artifact cache %s: %w", c.Dir, err)
	}
	// The download directories of processes killed in the middle (a
	// partial file each, up to the size of the largest wheel) are taken
	// now, never one of a live process (atomicfile.RemoveStale).
	atomicfile.RemoveStale(c.Dir, ".download-")
	tmpDir, err := atomicfile.MkdirTemp(c.Dir, ".download-")
	if err != nil {
		return "", "", fmt.Errorf("artifact cache %s: %w", c.Dir, err)
	}
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, f.Filename)
	if err := c.Source.Download(ctx, f, tmp); err != nil {
		return "", "", err
	}
	if want := strings.ToLower(f.Hashes["sha256"]); isDigest(want) {
		digest = want // the Downloader checked it while writing
	} else {
		if digest, err = hashFile(tmp); err != nil {
			return "", "", err
		}
		if want != "" && want != digest {
			return "", "", &index.HashMismatchError{Filename: f.Filename, Algorithm: "sha256", Expected: want, Actual: digest}
		}
	}
	dst := c.Path(digest, f.Filename)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", "", fmt.Errorf("artifact cache %s: %w", c.Dir, err)
	}
	// Rename is atomic: a concurrent process that got there first wrote
	// the same bytes, so replacing its file is harmless.
	if err := os.Rename(tmp, dst); err != nil {
		return "", "", fmt.Errorf("artifact cache %s: %w", c.Dir, err)
	}
	return dst, digest, nil
}

// Verify checks a cached file against its digest: a file changed on disk
// is removed so the next Get downloads it again.
func (c *Cache) Verify(path, digest string) error {
	got, err := hashFile(path)
	if err != nil {
		return err
	}
	if got != digest {
		_ = os.Remove(path)
		return fmt.Errorf("cached file %s was corrupted (sha256 %s, want %s); it has been removed, run again to download it", path, got, digest)
	}
	return nil
}

// isDigest reports whether s is a sha256 in lower-case hex.
func isDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// IsMissing reports whether err says a cached file is not there.
func IsMissing(err error) bool { return errors.Is(err, fs.ErrNotExist) }
