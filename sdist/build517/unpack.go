package build517

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// unpackLimits bound what unpacking an sdist may write.
type unpackLimits struct {
	maxBytes   int64 // total size of the files written
	maxEntries int
}

// defaultLimits are generous: pyspark's sdist unpacks to about 320 MB.
func defaultLimits() unpackLimits {
	return unpackLimits{maxBytes: 8 << 30, maxEntries: 500_000}
}

// unpack extracts the sdist into dest (which must exist and be empty) and
// returns the source tree: the single top-level directory when the
// archive has one, as sdists do, else dest. Symbolic and hard links are
// never created: a link to a regular file of the archive is written as a
// copy of it, any other link is an error. Devices and FIFOs are errors.
func unpack(sdistPath, dest string, limits unpackLimits) (string, error) {
	var (
		written int64
		entries int
		files   = map[string]bool{}
		links   []*archiveEntry
	)
	budget := func(name string, n int64) error {
		written += n
		if written > limits.maxBytes {
			return &ArchiveError{Sdist: sdistPath, Entry: name, Err: fmt.Errorf("unpacks to more than %d bytes", limits.maxBytes)}
		}
		return nil
	}
	err := walkArchive(sdistPath, func(e *archiveEntry) error {
		entries++
		if entries > limits.maxEntries {
			return &ArchiveError{Sdist: sdistPath, Err: fmt.Errorf("more than %d entries", limits.maxEntries)}
		}
		target := filepath.Join(dest, filepath.FromSlash(e.name))
		switch e.kind {
		case kindDir:
			return os.MkdirAll(target, 0o755)
		case kindSymlink, kindHardlink:
			links = append(links, &archiveEntry{name: e.name, kind: e.kind, link: e.link})
			return nil
		case kindOther:
			return &ArchiveError{Sdist: sdistPath, Entry: e.name, Err: errors.New("is a device or FIFO")}
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		n, err := writeFile(target, io.LimitReader(e.body, limits.maxBytes-written+1), fileMode(e.mode))
		if err != nil {
			return &ArchiveError{Sdist: sdistPath, Entry: e.name, Err: err}
		}
		files[e.name] = true
		return budget(e.name, n)
	})
	if err != nil {
		return "", err
	}
	for _, l := range links {
		from, err := linkSource(l)
		if err != nil || !files[from] {
			if err == nil {
				err = fmt.Errorf("links to %q, which is not a regular file of the sdist", l.link)
			}
			return "", &ArchiveError{Sdist: sdistPath, Entry: l.name, Err: err}
		}
		src, err := os.Open(filepath.Join(dest, filepath.FromSlash(from)))
		if err != nil {
			return "", err
		}
		st, err := src.Stat()
		if err == nil {
			err = budget(l.name, st.Size())
		}
		if err == nil {
			target := filepath.Join(dest, filepath.FromSlash(l.name))
			if err = os.MkdirAll(filepath.Dir(target), 0o755); err == nil {
				_, err = writeFile(target, src, st.Mode().Perm())
			}
		}
		src.Close()
		if err != nil {
			return "", err
		}
	}
	return sourceTree(dest)
}

// linkSource is the archive name a link entry refers to.
func linkSource(l *archiveEntry) (string, error) {
	if l.kind == kindHardlink {
		name, err := safeName(l.link)
		if err != nil {
			return "", fmt.Errorf("hard link target %q: %w", l.link, err)
		}
		return name, nil
	}
	if path.IsAbs(l.link) || strings.Contains(l.link, `\`) {
		return "", fmt.Errorf("symlink to %q points outside the sdist", l.link)
	}
	joined := path.Join(path.Dir(l.name), l.link)
	if joined == ".." || strings.HasPrefix(joined, "../") {
		return "", fmt.Errorf("symlink to %q points outside the sdist", l.link)
	}
	return joined, nil
}

func fileMode(m os.FileMode) os.FileMode {
	if m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

// writeFile creates (or truncates) name with r's content.
func writeFile(name string, r io.Reader, mode os.FileMode) (int64, error) {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
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
func readPKGINFO(sdistPath string) ([]byte, error) {
	var found []byte
	err := walkArchive(sdistPath, func(e *archiveEntry) error {
		if e.kind != kindFile || path.Base(e.name) != "PKG-INFO" || strings.Count(e.name, "/") > 1 {
			return nil
		}
		data, err := io.ReadAll(io.LimitReader(e.body, maxPKGINFO+1))
		if err != nil {
			return &ArchiveError{Sdist: sdistPath, Entry: e.name, Err: err}
		}
		if len(data) > maxPKGINFO {
			return &ArchiveError{Sdist: sdistPath, Entry: e.name, Err: fmt.Errorf("larger than %d bytes", maxPKGINFO)}
		}
		found = data
		return errStopWalk
	})
	return found, err
}
