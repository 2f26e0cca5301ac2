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
// there under the directory its interpreter path names. A layered
// environment's layers go beside the base, as on the nodes: each venv
// layer unpacked into its directory (Layer.Dir), each pex layer under its
// file name. The bytes are checked against the manifest's sha256s. It
// returns the interpreter's absolute path. opts open the store of the manifest's URL (its Openers
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
	type object struct{ url, sha, into string }
	base := archiveDir(r.Interpreter)
	if r.Format == build.FormatPex {
		base = name
	}
	objs := []object{{r.URL, r.SHA256, base}}
	for _, l := range r.Layers {
		into := l.Dir
		if r.Format == build.FormatPex {
			into = l.Name
		}
		if l.URL == "" || !plainName(into) || !plainName(l.Name) {
			return "", &ManifestError{Missing: "usable layer " + l.Name}
		}
		objs = append(objs, object{l.URL, l.SHA256, into})
	}
	err := unpack.Once(dir, func(tmp string) error {
		// The base and each layer side by side, as the nodes unpack them:
		// the base's hook finds each layer beside it.
		for _, o := range objs {
			if err := fetchOne(ctx, o.url, o.sha, r.Format, filepath.Join(tmp, o.into), tmp, opts); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("fetching the environment to run it locally: %w", err)
	}
	return interp, nil
}

// plainName reports whether s names a file in a directory, no more.
func plainName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, `/\`)
}

// fetchOne downloads the object at url, checks its sha256, and puts it
// at dst: a pex as an executable file, a venv archive unpacked into the
// directory dst. tmp is where it is spooled.
func fetchOne(ctx context.Context, url, sha string, format build.Format, dst, tmp string, opts store.Options) error {
	name := path.Base(url)
	st, err := store.Open(ctx, url[:len(url)-len(name)], opts)
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
	spool := filepath.Join(tmp, ".spool-"+name)
	if format == build.FormatPex {
		spool = dst
	}
	if err := download(rc, spool, sha, redact.URL(url)); err != nil {
		return err
	}
	switch format {
	case build.FormatPex:
		return os.Chmod(spool, 0o755)
	case build.FormatTarGz:
		err = unpack.TarGzFile(ctx, spool, dst)
	default:
		err = unpack.ZipFile(ctx, spool, dst, nil)
	}
	if err != nil {
		return fmt.Errorf("unpacking %s: %w", redact.URL(url), err)
	}
	return os.Remove(spool)
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
