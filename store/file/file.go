// Package file is the store backend of local directories: file:///dir
// URLs and plain paths.
//
// The backend keeps each object as a plain file under the root
// directory, and its recorded sha256 in a sidecar file beside it,
// "<name>.sha256", in the format of sha256sum ("<hex>  <base name>\n"),
// so `sha256sum -c env-….pex.sha256` checks an object by hand. A sidecar
// rather than an extended attribute: xattrs are missing or dropped on
// many file systems (tmpfs on older kernels, NFS, SMB, macOS copies,
// tar and rsync without flags), and a sidecar travels with `cp -r`.
//
// Put writes the content to a temporary file in the object's directory
// (".clusterpack-tmp-*", never listed), syncs it, removes the old
// sidecar, renames the temporary file over the name, then renames the
// new sidecar into place. So a reader sees the old object or the whole
// new one, never a part; and the recorded digest is either the right one
// or absent (never the previous object's), except when two Puts of
// different contents race on one name, which content-addressed names do
// not do. A crash leaves at most a temporary file (ignored, and removed
// by the next Put to that directory once it is a day old) or an object
// without its digest (which callers treat as unverified).
package file

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/clusterpack/clusterpack/internal/atomicfile"
	"github.com/clusterpack/clusterpack/internal/redact"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/internal/backend"
)

// The names reserved for the backend's own files.
const (
	sidecarSuffix = store.SidecarSuffix
	tempPrefix    = store.TempPrefix
	// tempPID is what atomicfile.CreateTemp is given: its names are
	// ".clusterpack-tmp-<pid>-<random>", which start with tempPrefix.
	tempPID = ".clusterpack-"
)

type fileStore struct {
	root string // absolute, in OS form
	log  *slog.Logger
}

// Open is the opener of file:// URLs and plain paths: the store is the
// directory u.Path, created (with its parents) by the first Put.
func Open(ctx context.Context, u *url.URL, opts store.Options) (store.Store, error) {
	if u.Host != "" && u.Host != "localhost" {
		return nil, &store.Error{Op: "open", URL: redact.URL(u.String()),
			Err: fmt.Errorf("file URLs name a local directory: use file:///path (host %q is not supported)", u.Host)}
	}
	p := u.Path
	if p == "" {
		p = u.Opaque
	}
	if p == "" {
		return nil, &store.Error{Op: "open", URL: redact.URL(u.String()), Err: errors.New("no directory in the URL")}
	}
	root := filepath.Clean(filepath.FromSlash(p))
	if !filepath.IsAbs(root) {
		abs, err := filepath.Abs(root)
		if err != nil {
			return nil, &store.Error{Op: "open", URL: redact.URL(u.String()), Err: err}
		}
		root = abs
	}
	s := &fileStore{root: root, log: backend.Logger(opts.Logger)}
	if fi, err := os.Stat(root); err == nil && !fi.IsDir() {
		return nil, &store.Error{Op: "open", URL: s.URL(""), Err: fmt.Errorf("%s is a file, not a directory", root)}
	}
	return s, nil
}

func (s *fileStore) URL(name string) string {
	p := filepath.ToSlash(s.root)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: file:///C:/dir
	}
	if name != "" {
		p = strings.TrimSuffix(p, "/") + "/" + name
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

func (s *fileStore) Close() error { return nil }

func (s *fileStore) path(name string) string {
	return filepath.Join(s.root, filepath.FromSlash(name))
}

func (s *fileStore) err(op, name string, err error) error {
	return &store.Error{Op: op, URL: s.URL(name), Err: err}
}

// osErr turns an os error into words and the package's sentinels.
func osErr(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return store.ErrNotExist
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: %v (check the directory's permissions)", store.ErrAccessDenied, err)
	}
	return err
}

func (s *fileStore) Stat(ctx context.Context, name string) (store.Info, error) {
	if err := store.ValidName(name); err != nil {
		return store.Info{}, s.err("stat", name, err)
	}
	if err := ctx.Err(); err != nil {
		return store.Info{}, s.err("stat", name, err)
	}
	fi, err := os.Stat(s.path(name))
	if err != nil {
		return store.Info{}, s.err("stat", name, osErr(err))
	}
	if !fi.Mode().IsRegular() {
		return store.Info{}, s.err("stat", name, store.ErrNotExist)
	}
	sha, err := s.readSidecar(name)
	if err != nil {
		return store.Info{}, s.err("stat", name, err)
	}
	return store.Info{Name: name, Size: fi.Size(), SHA256: sha, ModTime: fi.ModTime()}, nil
}

// readSidecar returns the recorded digest of name, "" when none.
func (s *fileStore) readSidecar(name string) (string, error) {
	f, err := os.Open(s.path(name) + sidecarSuffix)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the sha256 sidecar: %w", osErr(err))
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("reading the sha256 sidecar: %w", err)
	}
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return "", nil
	}
	sha := strings.ToLower(fields[0])
	if store.ValidSHA256(sha) != nil {
		// A damaged sidecar is no digest: the object counts as unverified.
		s.log.Warn("ignoring a damaged sha256 sidecar", "url", s.URL(name)+sidecarSuffix)
		return "", nil
	}
	return sha, nil
}

func (s *fileStore) Get(ctx context.Context, name string) (io.ReadCloser, store.Info, error) {
	if err := store.ValidName(name); err != nil {
		return nil, store.Info{}, s.err("get", name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, store.Info{}, s.err("get", name, err)
	}
	f, err := os.Open(s.path(name))
	if err != nil {
		return nil, store.Info{}, s.err("get", name, osErr(err))
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = store.ErrNotExist
	}
	var sha string
	if err == nil {
		sha, err = s.readSidecar(name)
	}
	if err != nil {
		f.Close()
		return nil, store.Info{}, s.err("get", name, osErr(err))
	}
	return &backend.CtxReadCloser{Ctx: ctx, R: f, C: f}, store.Info{Name: name, Size: fi.Size(), SHA256: sha, ModTime: fi.ModTime()}, nil
}

func (s *fileStore) Put(ctx context.Context, name string, r io.Reader, size int64, opts store.PutOptions) (store.Info, error) {
	if err := store.ValidName(name); err != nil {
		return store.Info{}, s.err("put", name, err)
	}
	if err := store.ValidSHA256(opts.SHA256); err != nil {
		return store.Info{}, s.err("put", name, err)
	}
	info, err := s.put(ctx, name, r, size, opts)
	if err != nil {
		return store.Info{}, s.err("put", name, err)
	}
	return info, nil
}

func (s *fileStore) put(ctx context.Context, name string, r io.Reader, size int64, opts store.PutOptions) (info store.Info, err error) {
	if err := ctx.Err(); err != nil {
		return store.Info{}, err
	}
	dst := s.path(name)
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return store.Info{}, fmt.Errorf("creating the directory: %w", osErr(err))
	}
	removeStaleTemps(dir, s.log)
	tmp, err := atomicfile.CreateTemp(dir, tempPID)
	if err != nil {
		return store.Info{}, fmt.Errorf("creating a temporary file: %w", osErr(err))
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	var src io.Reader = &backend.CtxReadCloser{Ctx: ctx, R: backend.NewExactReader(r, size)}
	if p := backend.NewProgress(opts.Progress, size); p != nil {
		src = &backend.CountingReader{R: src, P: p}
	}
	n, err := io.Copy(tmp, src)
	if err != nil {
		return store.Info{}, err
	}
	if err := tmp.Sync(); err != nil {
		return store.Info{}, fmt.Errorf("writing %s: %w", tmpName, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return store.Info{}, fmt.Errorf("writing %s: %w", tmpName, err)
	}
	fi, err := tmp.Stat()
	if err != nil {
		return store.Info{}, err
	}
	if err := tmp.Close(); err != nil {
		return store.Info{}, fmt.Errorf("writing %s: %w", tmpName, err)
	}
	var sideTmp string
	if opts.SHA256 != "" {
		sideTmp, err = writeTemp(dir, fmt.Sprintf("%s  %s\n", opts.SHA256, path.Base(name)))
		if err != nil {
			return store.Info{}, fmt.Errorf("writing the sha256 sidecar: %w", osErr(err))
		}
		defer func() {
			if err != nil {
				os.Remove(sideTmp)
			}
		}()
	}
	if err := ctx.Err(); err != nil {
		return store.Info{}, err
	}
	// The old digest goes first: a reader may see the new object with no
	// digest for a moment, never with the old object's.
	if err := os.Remove(dst + sidecarSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return store.Info{}, fmt.Errorf("removing the old sha256 sidecar: %w", osErr(err))
	}
	if err := os.Rename(tmpName, dst); err != nil {
		return store.Info{}, fmt.Errorf("renaming the temporary file into place: %w", osErr(err))
	}
	if sideTmp != "" {
		if err := os.Rename(sideTmp, dst+sidecarSuffix); err != nil {
			os.Remove(sideTmp)
			return store.Info{}, fmt.Errorf("renaming the sha256 sidecar into place (the object is stored, unverified): %w", osErr(err))
		}
	}
	syncDir(dir)
	s.log.Debug("stored", "url", s.URL(name), "size", n)
	return store.Info{Name: name, Size: n, SHA256: opts.SHA256, ModTime: fi.ModTime()}, nil
}

// writeTemp writes content to a new synced temporary file in dir.
func writeTemp(dir, content string) (string, error) {
	f, err := atomicfile.CreateTemp(dir, tempPID)
	if err != nil {
		return "", err
	}
	_, err = f.WriteString(content)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// syncDir makes a rename in dir durable where the OS allows it; errors
// are ignored (Windows and some file systems cannot sync directories).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// removeStaleTemps removes the temporary files of Puts whose process
// died (atomicfile.RemoveStale: never one of a live process), and those
// without a process id (an older clusterpack's) untouched for a day.
func removeStaleTemps(dir string, log *slog.Logger) {
	for _, p := range atomicfile.RemoveStale(dir, tempPID) {
		log.Debug("removed a stale temporary file", "path", p)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil || time.Since(fi.ModTime()) < 24*time.Hour {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			log.Debug("removed a stale temporary file", "path", filepath.Join(dir, e.Name()))
		}
	}
}

func (s *fileStore) List(ctx context.Context, prefix string) ([]store.Info, error) {
	// Walk only the deepest directory the prefix names.
	start := ""
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		start = prefix[:i]
		if store.ValidName(start) != nil {
			return nil, nil // no object can have that prefix
		}
	}
	var out []store.Info
	base := s.path(start)
	if start == "" {
		base = s.root
	}
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == base {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if d.IsDir() {
			if p != base && !strings.HasPrefix(name+"/", prefix) && !strings.HasPrefix(prefix, name+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasPrefix(name, prefix) || store.ValidName(name) != nil {
			return nil // temporary files, sidecars
		}
		fi, err := os.Stat(p) // follows symbolic links
		if err != nil || !fi.Mode().IsRegular() {
			return nil
		}
		sha, err := s.readSidecar(name)
		if err != nil {
			return err
		}
		out = append(out, store.Info{Name: name, Size: fi.Size(), SHA256: sha, ModTime: fi.ModTime()})
		return nil
	})
	if err != nil {
		return nil, s.err("list", prefix, osErr(err))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
