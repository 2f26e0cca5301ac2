package hdfs

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	gohdfs "github.com/colinmarc/hdfs/v2"

	"github.com/clusterpack/clusterpack/store"
)

// Where an object's sha256 is recorded: its extended attribute, or a
// manifest beside it.

func (s *hdfsStore) digestMode() SHA256Storage { return s.digest.Load().(SHA256Storage) }

// readSHA256 returns the recorded digest of name, whose file ipath names:
// its attribute, else its manifest. hasManifest, when not nil, says
// whether a manifest exists (from a directory listing), saving a lookup.
func (s *hdfsStore) readSHA256(ctx context.Context, name, ipath string, hasManifest *bool) (string, error) {
	if s.digestMode() != SHA256Manifest {
		var attrs map[string]string
		err := s.call(ctx, "list xattrs", func(c *gohdfs.Client) error {
			var err error
			attrs, err = c.ListXAttrs(ipath)
			return err
		})
		switch {
		case err == nil:
			if sha := attrs[XAttrSHA256]; sha != "" {
				if store.ValidSHA256(sha) == nil {
					return sha, nil
				}
				s.log.Warn("ignoring a damaged sha256 attribute", "url", s.URL(name), "value", sha)
				return "", nil
			}
		case xattrsDisabled(err) && s.configured == SHA256Auto:
			s.noXAttrs()
		case notFound(err):
			return "", errReplaced
		default:
			return "", fmt.Errorf("reading the sha256 attribute: %w", err)
		}
	}
	if hasManifest != nil && !*hasManifest {
		return "", nil
	}
	return s.readManifest(ctx, name)
}

// noXAttrs switches an automatic store to manifests.
func (s *hdfsStore) noXAttrs() {
	if s.digest.CompareAndSwap(SHA256Auto, SHA256Manifest) {
		s.log.Info("the namenode has extended attributes disabled: recording sha256 digests in .sha256 manifests", "url", s.URL(""))
	}
}

// readManifest returns the digest in name's manifest, "" if none.
func (s *hdfsStore) readManifest(ctx context.Context, name string) (string, error) {
	var line string
	err := s.call(ctx, "read manifest", func(c *gohdfs.Client) error {
		// By inode, so that a manifest replaced meanwhile reads as
		// missing rather than as a mix.
		fi, err := c.Stat(s.path(name) + sidecarSuffix)
		if err != nil {
			return err
		}
		f, err := c.Open(inodePath(fi, s.path(name)+sidecarSuffix))
		if err != nil {
			return err
		}
		defer f.Close()
		f.SetDeadline(time.Now().Add(s.ioTimeout))
		line, err = bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
		if err == io.EOF {
			err = nil
		}
		return err
	})
	if notFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the sha256 manifest: %w", err)
	}
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return "", nil
	}
	sha := strings.ToLower(fields[0])
	if store.ValidSHA256(sha) != nil {
		s.log.Warn("ignoring a damaged sha256 manifest", "url", s.URL(name)+sidecarSuffix)
		return "", nil
	}
	return sha, nil
}

// writeManifestTemp writes "<sha256>  <base name>\n" to a new temporary
// file in dir and returns its path.
func (s *hdfsStore) writeManifestTemp(ctx context.Context, dir, name, sha string) (string, error) {
	var tmp string
	err := s.call(ctx, "write manifest", func(c *gohdfs.Client) error {
		tmp = dir + "/" + tempPrefix + path.Base(name) + sidecarSuffix + "-" + randomSuffix()
		w, err := c.Create(tmp)
		if err != nil {
			return err
		}
		w.SetDeadline(time.Now().Add(s.ioTimeout))
		if _, err := fmt.Fprintf(w, "%s  %s\n", sha, path.Base(name)); err != nil {
			w.Close()
			c.Remove(tmp)
			return err
		}
		if err := s.closeWriter(ctx, w); err != nil {
			c.Remove(tmp)
			return err
		}
		return nil
	})
	return tmp, err
}
