package upload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/internal/redact"
	"github.com/clusterpack/clusterpack/internal/unpack"
	"github.com/clusterpack/clusterpack/store"
)

// ManifestError says that a manifest given to Fetch lacks what every
// upload manifest (Result) has: it is not one that Upload returned.
type ManifestError struct {
	// Missing is what it lacks: "content hash" or "url".
	Missing string
}

func (e *ManifestError) Error() string {
	return "the manifest has no " + e.Missing + ": give the manifest of an upload"
}

// DigestMismatchError says that the stored environment is not the one
// its upload manifest records: uploading it again with Options.Force
// replaces it.
type DigestMismatchError struct {
	URL       string // redacted
	Got, Want string // sha256, hex
}

func (e *DigestMismatchError) Error() string {
	return fmt.Sprintf("%s has sha256 %s, but the manifest records %s: upload it again, replacing the stored copy", e.URL, e.Got, e.Want)
}

// Fetch puts an uploaded environment on this machine, once per content
// hash, for a Spark or Flink master that runs its Python here: the pex
// goes to cacheDir/unpacked/<hash>/<name>, a venv archive is unpacked
// there under the directory its interpreter path names. The bytes are
// checked against the manifest's sha256. It returns the interpreter's
// absolute path. opts open the store of the manifest's URL (its Openers
// must know the URL's scheme). A manifest that lacks a content hash or
// URL is a *ManifestError; stored bytes that do not match its sha256, a
// *DigestMismatchError.
func Fetch(ctx context.Context, r *Result, cacheDir string, opts store.Options) (string, error) {
	if r.ContentHash == "" || strings.ContainsAny(r.ContentHash, `/\.`) {
		return "", &ManifestError{Missing: "content hash"}
	}
	name := path.Base(r.URL)
	if r.URL == "" || name == "." || name == "/" {
		return "", &ManifestError{Missing: "url"}
	}
	dir := filepath.Join(cacheDir, "unpacked", r.ContentHash)
	interp := filepath.Join(dir, name)
	if r.Format != build.FormatPex {
		interp = filepath.Join(dir, filepath.FromSlash(path.Clean(r.Interpreter)))
	}
	err := unpack.Once(dir, func(tmp string) error {
		st, err := store.Open(ctx, r.URL[:len(r.URL)-len(name)], opts)
		if err != nil {
			return err
		}
		defer st.Close()
		rc, _, err := st.Get(ctx, name)
		if err != nil {
			return err
		}
		defer rc.Close()
		// Every format is spooled first: zip needs random access, and
		// nothing is unpacked before its sha256 is known to be right.
		spool := filepath.Join(tmp, name)
		if err := download(rc, spool, r.SHA256, redact.URL(r.URL)); err != nil {
			return err
		}
		into := filepath.Join(tmp, archiveDir(r.Interpreter))
		switch r.Format {
		case build.FormatPex:
			return os.Chmod(spool, 0o755)
		case build.FormatTarGz:
			err = unpack.TarGzFile(ctx, spool, into)
		default:
			err = unpack.ZipFile(ctx, spool, into, nil)
		}
		if err != nil {
			return fmt.Errorf("unpacking %s: %w", redact.URL(r.URL), err)
		}
		return os.Remove(spool)
	})
	if err != nil {
		return "", fmt.Errorf("fetching the environment to run it locally: %w", err)
	}
	return interp, nil
}

// download copies rc to a new file at dst and checks its sha256.
func download(rc io.Reader, dst, want, url string) error {
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), rc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", url, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); want != "" && got != want {
		return &DigestMismatchError{URL: url, Got: got, Want: want}
	}
	return nil
}

// archiveDir is the top directory of a venv's interpreter path
// ("./environment/bin/python" gives "environment").
func archiveDir(interp string) string {
	p := strings.TrimPrefix(path.Clean(interp), "./")
	if i := strings.IndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return "environment"
}
