package hdfs

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"

	gohdfs "github.com/colinmarc/hdfs/v2"
)

// Permissions for YARN's PUBLIC localization. A NodeManager keeps one
// copy of a resource for every user and application of the node (its
// filecache/, not usercache/<user>/filecache/) when the resource is
// public: Hadoop's FSDownload.isPublic, and Spark's
// ClientDistributedCacheManager, which decides the visibility Spark asks
// for, take a file as public when others may read it and every directory
// above it, to the root, lets others through (o+x). So Put gives every
// object ObjectMode and every directory it creates DirMode, explicitly
// (a chmod after the create, whatever the namenode's umask or a parent's
// default ACL would make of the create's mode), and PublicNote says when a
// directory it did not create keeps an object private.

const (
	// ObjectMode is the mode of every object Put writes: readable by all.
	ObjectMode os.FileMode = 0o644
	// DirMode is the mode of every directory Put creates: readable and
	// traversable by all.
	DirMode os.FileMode = 0o755
)

// makeDirs creates dir and its missing parents with DirMode, and sets
// that mode on each one it created. It costs one stat when dir exists.
func (s *hdfsStore) makeDirs(ctx context.Context, dir string) error {
	var missing []string
	for d := dir; ; d = path.Dir(d) {
		var fi os.FileInfo
		err := s.call(ctx, "stat", func(c *gohdfs.Client) error {
			var err error
			fi, err = c.Stat(d)
			return err
		})
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s is a file, not a directory", d)
			}
			break
		}
		if !notFound(err) {
			return err
		}
		missing = append(missing, d)
		if d == "/" {
			break
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if err := s.call(ctx, "mkdir", func(c *gohdfs.Client) error { return c.MkdirAll(dir, DirMode) }); err != nil {
		return err
	}
	// Top down, so that a directory is reachable once it has its mode.
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		if err := s.call(ctx, "chmod", func(c *gohdfs.Client) error { return c.Chmod(d, DirMode) }); err != nil {
			return fmt.Errorf("setting the mode of %s to %04o: %w", d, DirMode, err)
		}
	}
	return nil
}

// PublicNote says why YARN would not localize the object called name
// PUBLIC (shared by every user and application of a node): the object is
// not readable by others, or a directory above it does not let others
// through. It is "" when the object qualifies. The answer for each
// directory is kept for the store's life: directories above an upload
// seldom change, and a layered environment's objects share theirs.
func (s *hdfsStore) PublicNote(ctx context.Context, name string) (string, error) {
	p := s.path(name)
	var fi os.FileInfo
	if err := s.call(ctx, "stat", func(c *gohdfs.Client) error {
		var err error
		fi, err = c.Stat(p)
		return err
	}); err != nil {
		return "", s.fail("stat", name, "read", err)
	}
	var notes []string
	if fi.Mode().Perm()&0o004 == 0 {
		notes = append(notes, fmt.Sprintf("%s has mode %04o, not readable by others", s.URL(name), fi.Mode().Perm()))
	}
	for d := path.Dir(p); ; d = path.Dir(d) {
		note, err := s.dirNote(ctx, d)
		if err != nil {
			return "", s.fail("stat", name, "read", err)
		}
		if note != "" {
			notes = append(notes, note)
		}
		if d == "/" {
			break
		}
	}
	if len(notes) == 0 {
		return "", nil
	}
	return strings.Join(notes, "; ") + ": YARN localizes what is stored there privately, once per user (and per application " +
		"for an application resource), not PUBLIC once per node for every user; make every directory above the store " +
		"traversable by others (hdfs dfs -chmod o+x DIR) or upload under one that is", nil
}

// dirNote is the note for a directory that others cannot traverse, "" for
// one they can.
func (s *hdfsStore) dirNote(ctx context.Context, d string) (string, error) {
	s.publicMu.Lock()
	note, ok := s.publicDirs[d]
	s.publicMu.Unlock()
	if ok {
		return note, nil
	}
	var fi os.FileInfo
	if err := s.call(ctx, "stat", func(c *gohdfs.Client) error {
		var err error
		fi, err = c.Stat(d)
		return err
	}); err != nil {
		return "", err
	}
	if fi.Mode().Perm()&0o001 == 0 {
		u := *s.base
		u.Path = d
		note = fmt.Sprintf("the directory %s has mode %04o, not executable by others", u.String(), fi.Mode().Perm())
	}
	s.publicMu.Lock()
	if s.publicDirs == nil {
		s.publicDirs = map[string]string{}
	}
	s.publicDirs[d] = note
	s.publicMu.Unlock()
	return note, nil
}
