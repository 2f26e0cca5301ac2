// Package unpack extracts clusterpack's archives (zipped virtualenvs,
// pexes, tar.gz virtualenvs) onto disk safely: members that would land
// outside the destination, links and devices are refused, and a whole
// directory appears under its final name only once every file is written.
package unpack

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// completeMarker is the file Once writes last into a finished directory.
const completeMarker = ".complete"

// Join joins an archive member's name to root, refusing empty, absolute,
// backslashed and ".." names: nothing may be written outside root. "." and
// "./" (tar's name for the top directory) are root itself.
func Join(root, name string) (string, error) {
	trimmed := strings.TrimPrefix(name, "./")
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") ||
		strings.Contains("/"+trimmed+"/", "/../") {
		return "", fmt.Errorf("member %q: absolute or '..' paths are not allowed", name)
	}
	return filepath.Join(root, filepath.FromSlash(path.Clean("/"+trimmed))), nil
}

// Complete reports whether Once has finished dir.
func Complete(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, completeMarker))
	return err == nil
}

// Once makes dir with fill unless an earlier call finished it. fill writes
// into a fresh temporary sibling of dir, which is marked complete and
// renamed into place, so a reader never sees a half-written directory,
// concurrent callers agree on one result, and an interrupted call leaves
// only a temporary directory that the next call ignores.
func Once(dir string, fill func(tmp string) error) error {
	if Complete(dir) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	tmp := dir + ".tmp-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(rnd[:])
	defer os.RemoveAll(tmp)
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, completeMarker), nil, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if Complete(dir) {
			return nil // another process was first
		}
		// An interrupted attempt that predates the marker protocol, or
		// one killed between mkdir and rename on a filesystem that
		// leaves the name behind: replace it.
		if rerr := os.RemoveAll(dir); rerr != nil {
			return err
		}
		if err := os.Rename(tmp, dir); err != nil {
			if Complete(dir) {
				return nil
			}
			return err
		}
	}
	return nil
}

// Keep chooses the members to extract; nil keeps every member.
type Keep func(name string) bool

// ZipFile extracts the zip archive (or pex) at archive into dir.
func ZipFile(ctx context.Context, archive, dir string, keep Keep) error {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return fmt.Errorf("not a zip or pex archive: %w", err)
	}
	defer zr.Close()
	return Zip(ctx, &zr.Reader, dir, keep)
}

// Zip extracts the members of zr that keep accepts into dir. Executable
// members become 0755 and others 0644; symbolic links are refused, since
// clusterpack's archives never contain them.
func Zip(ctx context.Context, zr *zip.Reader, dir string, keep Keep) error {
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if keep != nil && !keep(f.Name) {
			continue
		}
		dst, err := Join(dir, f.Name)
		if err != nil {
			return err
		}
		mode := f.Mode()
		switch {
		case mode.IsDir():
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return err
			}
			continue
		case !mode.IsRegular():
			return fmt.Errorf("member %q is a %s, which clusterpack archives do not contain", f.Name, kind(mode))
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("member %q: %w", f.Name, err)
		}
		err = writeFile(dst, rc, fileMode(mode))
		rc.Close()
		if err != nil {
			return fmt.Errorf("member %q: %w", f.Name, err)
		}
	}
	return nil
}

// TarGzFile extracts the tar.gz archive at archive into dir.
func TarGzFile(ctx context.Context, archive, dir string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	return TarGz(ctx, bufio.NewReader(f), dir)
}

// TarGz extracts a gzipped tar stream into dir: directories and regular
// files only.
func TarGz(ctx context.Context, r io.Reader, dir string) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("not a tar.gz archive: %w", err)
	}
	tr := tar.NewReader(gz)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the tar stream: %w", err)
		}
		dst, err := Join(dir, h.Name)
		if err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := writeFile(dst, tr, fileMode(fs.FileMode(h.Mode))); err != nil {
				return fmt.Errorf("member %q: %w", h.Name, err)
			}
		default:
			return fmt.Errorf("member %q: type %q is not a file or directory, which clusterpack archives do not contain",
				h.Name, string(h.Typeflag))
		}
	}
}

// fileMode keeps only whether a member is executable.
func fileMode(m fs.FileMode) fs.FileMode {
	if m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}

// writeFile writes a new file; an existing one (a duplicate member) is an
// error rather than silently replaced.
func writeFile(dst string, r io.Reader, mode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
