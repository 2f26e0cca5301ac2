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

// Fetch puts an uploaded environment on this machine, once per content
// hash, for a Spark or Flink master that runs its Python here: the pex
// goes to cacheDir/unpacked/<hash>/<name>, a venv archive is unpacked
// there under the directory its interpreter path names. The bytes are
// checked against the manifest's sha256. It returns the interpreter's
// absolute path. opts open the store of the manifest's URL (its Openers
// must know the URL's scheme).
func Fetch(ctx context.Context, r *Result, cacheDir string, opts store.Options) (string, error) {
	if r.ContentHash == "" || strings.ContainsAny(r.ContentHash, `/\.`) {
		return "", fmt.Errorf("the manifest has no content hash: give the manifest that 'clusterpack upload --manifest FILE' wrote")
	}
	name := path.Base(r.URL)
	if r.URL == "" || name == "." || name == "/" {
		return "", fmt.Errorf("the manifest has no url: give the manifest that 'clusterpack upload --manifest FILE' wrote")
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
		return fmt.Errorf("%s has sha256 %s, but the manifest records %s: upload it again with 'clusterpack upload --force'", url, got, want)
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
