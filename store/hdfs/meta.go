package hdfs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	gohdfs "github.com/colinmarc/hdfs/v2"

	"github.com/clusterpack/clusterpack/store"
)

// Metadata calls to the namenode: Stat and List. Once found, a file is
// addressed by its inode.

func (s *hdfsStore) Stat(ctx context.Context, name string) (store.Info, error) {
	if err := store.ValidName(name); err != nil {
		return store.Info{}, &store.Error{Op: "stat", URL: s.URL(name), Err: err}
	}
	info, _, err := s.stat(ctx, name)
	if err != nil {
		return store.Info{}, s.fail("stat", name, "read", err)
	}
	return info, nil
}

// errReplaced: the file found under a name was replaced (or removed)
// before its digest was read or it was opened.
var errReplaced = errors.New("replaced while it was read")

// stat returns the object's info and its file's inode path. A file
// replaced by a concurrent Put while it is looked at is looked up again.
func (s *hdfsStore) stat(ctx context.Context, name string) (store.Info, string, error) {
	for range 10 {
		info, ipath, err := s.statOnce(ctx, name)
		if !errors.Is(err, errReplaced) {
			return info, ipath, err
		}
	}
	return store.Info{}, "", fmt.Errorf("the object keeps being replaced: %w", errReplaced)
}

func (s *hdfsStore) statOnce(ctx context.Context, name string) (store.Info, string, error) {
	var fi os.FileInfo
	err := s.call(ctx, "stat", func(c *gohdfs.Client) error {
		var err error
		fi, err = c.Stat(s.path(name))
		return err
	})
	if err != nil {
		return store.Info{}, "", err
	}
	if fi.IsDir() {
		return store.Info{}, "", store.ErrNotExist
	}
	ipath := inodePath(fi, s.path(name))
	sha, err := s.readSHA256(ctx, name, ipath, nil)
	if err != nil {
		return store.Info{}, "", err
	}
	return store.Info{Name: name, Size: fi.Size(), SHA256: sha, ModTime: fi.ModTime()}, ipath, nil
}

// inodePath is the path that names fi's file even after a rename or a
// replacement: /.reserved/.inodes/<file id>.
func inodePath(fi os.FileInfo, p string) string {
	if st, ok := fi.Sys().(*gohdfs.FileStatus); ok && st.GetFileId() != 0 {
		return "/.reserved/.inodes/" + strconv.FormatUint(st.GetFileId(), 10)
	}
	return p
}

func (s *hdfsStore) List(ctx context.Context, prefix string) ([]store.Info, error) {
	start := s.root
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		if store.ValidName(prefix[:i]) != nil {
			return nil, nil // no object can have that prefix
		}
		start = s.path(prefix[:i])
	}
	var out []store.Info
	if err := s.walk(ctx, start, prefix, &out); err != nil {
		return nil, s.fail("list", prefix, "list", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// walk appends the objects under dir whose names start with prefix.
func (s *hdfsStore) walk(ctx context.Context, dir, prefix string, out *[]store.Info) error {
	var entries []os.FileInfo
	err := s.call(ctx, "list", func(c *gohdfs.Client) error {
		var err error
		entries, err = c.ReadDir(dir)
		return err
	})
	if notFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	files := make(map[string]bool, len(entries))
	for _, e := range entries {
		files[e.Name()] = !e.IsDir()
	}
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		rel := strings.TrimPrefix(strings.TrimPrefix(p, s.root), "/")
		if e.IsDir() {
			if strings.HasPrefix(rel+"/", prefix) || strings.HasPrefix(prefix, rel+"/") {
				if err := s.walk(ctx, p, prefix, out); err != nil {
					return err
				}
			}
			continue
		}
		if !strings.HasPrefix(rel, prefix) || store.ValidName(rel) != nil {
			continue // temporary files, manifests
		}
		hasManifest := files[e.Name()+sidecarSuffix]
		sha, err := s.readSHA256(ctx, rel, inodePath(e, p), &hasManifest)
		info := store.Info{Name: rel, Size: e.Size(), SHA256: sha, ModTime: e.ModTime()}
		if errors.Is(err, errReplaced) {
			// Replaced or removed since the listing: as it is now.
			info, _, err = s.stat(ctx, rel)
			if errors.Is(err, store.ErrNotExist) || notFound(err) {
				continue
			}
		}
		if err != nil {
			return err
		}
		*out = append(*out, info)
	}
	return nil
}
