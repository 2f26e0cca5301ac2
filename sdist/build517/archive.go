package build517

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/internal/unpack"
)

// sdistOptions are how sdists are unpacked (see internal/unpack): as pip
// does, a link to a regular file of the archive is written as a copy of
// it and a later member replaces an earlier one; any other link, a
// device or a FIFO is an error. The limits are generous: pyspark's sdist
// unpacks to about 320 MB.
func sdistOptions() unpack.Options {
	return unpack.Options{CopyLinks: true, Replace: true, MaxBytes: 8 << 30, MaxMembers: 500_000}
}

// unpackSdist extracts the sdist (a .tar.gz, .tar or .zip, told apart by
// content) into dest, which must exist and be empty, and returns the
// source tree: the single top-level directory when the archive has one,
// as sdists do, else dest.
func unpackSdist(ctx context.Context, sdistPath, dest string, opts unpack.Options) (string, error) {
	if err := unpack.File(ctx, sdistPath, dest, opts); err != nil {
		return "", archiveError(sdistPath, err)
	}
	return sourceTree(dest)
}

// archiveError makes an error of internal/unpack an *ArchiveError naming
// the sdist (and the member, when there is one); cancellation stays as
// it is.
func archiveError(sdistPath string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var me *unpack.MemberError
	if errors.As(err, &me) {
		return &ArchiveError{Sdist: sdistPath, Entry: me.Name, Err: me.Err}
	}
	return &ArchiveError{Sdist: sdistPath, Err: err}
}

// sourceTree returns dest's only entry when it is a directory, else dest.
func sourceTree(dest string) (string, error) {
	entries, err := os.ReadDir(dest)
	if err != nil {
		return "", err
	}
	if len(entries) == 1 && entries[0].IsDir() {
		return filepath.Join(dest, entries[0].Name()), nil
	}
	return dest, nil
}

// maxPKGINFO bounds the PKG-INFO read from an sdist (long descriptions
// make it large, but not this large).
const maxPKGINFO = 32 << 20

// readPKGINFO returns the sdist's top-level PKG-INFO ("<root>/PKG-INFO", or
// "PKG-INFO" in an archive without a root directory) without unpacking
// anything else; nil when there is none.
func readPKGINFO(ctx context.Context, sdistPath string) ([]byte, error) {
	var found []byte
	err := unpack.Walk(ctx, sdistPath, func(m *unpack.Member) error {
		if m.Type != unpack.Regular || path.Base(m.Name) != "PKG-INFO" || strings.Count(m.Name, "/") > 1 {
			return nil
		}
		data, err := io.ReadAll(io.LimitReader(m.Body, maxPKGINFO+1))
		if err != nil {
			return &unpack.MemberError{Name: m.Raw, Err: err}
		}
		if len(data) > maxPKGINFO {
			return &unpack.MemberError{Name: m.Raw, Err: fmt.Errorf("larger than %d bytes", maxPKGINFO)}
		}
		found = data
		return fs.SkipAll
	})
	if err != nil {
		return nil, archiveError(sdistPath, err)
	}
	return found, nil
}
