package build517

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// entryKind says what an archive entry is.
type entryKind int

const (
	kindFile entryKind = iota
	kindDir
	kindSymlink
	kindHardlink
	kindOther // devices, FIFOs: never unpacked
)

// archiveEntry is one member of an sdist archive, its name already
// checked by safeName.
type archiveEntry struct {
	name string
	kind entryKind
	link string // symlink target as written, or hardlink's archive name
	mode fs.FileMode
	body io.Reader // the content of a kindFile entry
}

// errStopWalk ends walkArchive early without an error.
var errStopWalk = errors.New("stop")

// walkArchive calls visit for every entry of the .tar.gz, .tar or .zip
// file at sdistPath (the format is read from the content, not the name).
// Errors are *ArchiveError, or what visit returned.
func walkArchive(sdistPath string, visit func(*archiveEntry) error) error {
	f, err := os.Open(sdistPath)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(bufio.NewReader(f))
		if err != nil {
			return &ArchiveError{Sdist: sdistPath, Err: err}
		}
		err = walkTar(sdistPath, zr, visit)
		if errors.Is(err, errStopWalk) {
			return nil
		}
		return err
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		st, err := f.Stat()
		if err != nil {
			return err
		}
		err = walkZip(sdistPath, f, st.Size(), visit)
		if errors.Is(err, errStopWalk) {
			return nil
		}
		return err
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		err := walkTar(sdistPath, f, visit)
		if errors.Is(err, errStopWalk) {
			return nil
		}
		return err
	default:
		return &ArchiveError{Sdist: sdistPath, Err: errors.New("not a .tar.gz or .zip file")}
	}
}

func walkTar(sdistPath string, r io.Reader, visit func(*archiveEntry) error) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &ArchiveError{Sdist: sdistPath, Err: err}
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		name, err := safeName(h.Name)
		if err != nil {
			return &ArchiveError{Sdist: sdistPath, Entry: h.Name, Err: err}
		}
		e := &archiveEntry{name: name, mode: h.FileInfo().Mode().Perm()}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
			e.kind, e.body = kindFile, tr
		case tar.TypeDir:
			e.kind = kindDir
		case tar.TypeSymlink:
			e.kind, e.link = kindSymlink, h.Linkname
		case tar.TypeLink:
			e.kind, e.link = kindHardlink, h.Linkname
		default:
			e.kind = kindOther
		}
		if name == "" && e.kind != kindDir {
			return &ArchiveError{Sdist: sdistPath, Entry: h.Name, Err: errors.New("names the archive root")}
		}
		if err := visit(e); err != nil {
			return err
		}
	}
}

func walkZip(sdistPath string, r io.ReaderAt, size int64, visit func(*archiveEntry) error) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return &ArchiveError{Sdist: sdistPath, Err: err}
	}
	for _, zf := range zr.File {
		name, err := safeName(zf.Name)
		if err != nil {
			return &ArchiveError{Sdist: sdistPath, Entry: zf.Name, Err: err}
		}
		mode := zf.Mode()
		e := &archiveEntry{name: name, mode: mode.Perm()}
		switch {
		case mode.IsDir() || strings.HasSuffix(zf.Name, "/"):
			e.kind = kindDir
		case mode&fs.ModeSymlink != 0:
			target, err := readZipMember(zf, 4096)
			if err != nil {
				return &ArchiveError{Sdist: sdistPath, Entry: zf.Name, Err: err}
			}
			e.kind, e.link = kindSymlink, string(target)
		case mode.IsRegular():
			e.kind = kindFile
		default:
			e.kind = kindOther
		}
		if name == "" && e.kind != kindDir {
			return &ArchiveError{Sdist: sdistPath, Entry: zf.Name, Err: errors.New("names the archive root")}
		}
		if e.kind == kindFile {
			rc, err := zf.Open()
			if err != nil {
				return &ArchiveError{Sdist: sdistPath, Entry: zf.Name, Err: err}
			}
			e.body = rc
			err = visit(e)
			rc.Close()
			if err != nil {
				return err
			}
			continue
		}
		if err := visit(e); err != nil {
			return err
		}
	}
	return nil
}

func readZipMember(zf *zip.File, limit int64) ([]byte, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("longer than %d bytes", limit)
	}
	return data, nil
}

// safeName checks an archive member name and returns it cleaned and
// slash-separated, without a leading "./" ("" for the root itself). It
// refuses absolute names, drive letters, backslashes, NUL and ".."
// components: nothing may land outside the unpack directory.
func safeName(name string) (string, error) {
	switch {
	case strings.ContainsRune(name, 0):
		return "", errors.New("name contains NUL")
	case strings.Contains(name, `\`):
		return "", errors.New("name contains a backslash")
	case strings.HasPrefix(name, "/"):
		return "", errors.New("absolute path")
	case len(name) >= 2 && name[1] == ':':
		return "", errors.New("path with a drive letter")
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", errors.New("path leaves the archive (..)")
		}
	}
	clean := path.Clean(name)
	if clean == "." {
		return "", nil
	}
	return clean, nil
}
