package unpack

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// Type says what an archive member is.
type Type int

const (
	Regular   Type = iota // a regular file
	Directory             // a directory
	Symlink               // a symbolic link; Member.Link is its target as written
	Hardlink              // a tar hard link; Member.Link names another member
	Special               // a device, FIFO or anything else: never extracted
)

// Member is one member of an archive, as Walk shows it.
type Member struct {
	// Name is the member's name checked and cleaned by CleanName: ""
	// only for a Directory that is the archive's root.
	Name string
	// Raw is the name as the archive has it.
	Raw  string
	Type Type
	Link string
	Mode fs.FileMode // permission bits
	// Body is the content of a Regular file, to be read before visit
	// returns.
	Body io.Reader
	// Compressed is the size the member's content takes in a zip
	// archive; 0 when not known (tar, whose stream is compressed whole).
	Compressed int64
}

// maxZipLink bounds the target a zip symbolic link stores as content.
const maxZipLink = 4096

// ErrUnknownFormat is matched (errors.Is) when Walk or File is given
// something that is not a tar.gz, tar or zip archive.
var ErrUnknownFormat = errors.New("not a tar.gz, tar or zip archive")

// Walk calls visit for every member of the archive at archive, a tar.gz,
// tar or zip file told apart by its content, not its name. A member with
// an unsafe name (see CleanName) is an error before visit sees it. visit
// may return fs.SkipAll to stop without an error. Errors about one member
// are *MemberError.
func Walk(ctx context.Context, archive string, visit func(*Member) error) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading %s: %w", archive, err)
	}
	head = head[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		gz, err := gzip.NewReader(bufio.NewReader(f))
		if err != nil {
			return fmt.Errorf("not a tar.gz archive: %w", err)
		}
		err = walkTar(ctx, gz, visit)
		return stopped(err)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		st, err := f.Stat()
		if err != nil {
			return err
		}
		zr, err := zip.NewReader(f, st.Size())
		if err != nil {
			return fmt.Errorf("not a zip archive: %w", err)
		}
		return stopped(walkZip(ctx, zr, nil, visit))
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return stopped(walkTar(ctx, bufio.NewReader(f), visit))
	}
	return ErrUnknownFormat
}

// stopped turns visit's fs.SkipAll into the end of a walk.
func stopped(err error) error {
	if errors.Is(err, fs.SkipAll) {
		return nil
	}
	return err
}

// walkTar visits the members of a tar stream; pax global headers (which
// git archive writes) are skipped.
func walkTar(ctx context.Context, r io.Reader, visit func(*Member) error) error {
	tr := tar.NewReader(r)
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
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		m := &Member{Raw: h.Name, Mode: h.FileInfo().Mode().Perm()}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse:
			m.Type, m.Body = Regular, tr
		case tar.TypeDir:
			m.Type = Directory
		case tar.TypeSymlink:
			m.Type, m.Link = Symlink, h.Linkname
		case tar.TypeLink:
			m.Type, m.Link = Hardlink, h.Linkname
		default:
			m.Type = Special
		}
		if err := named(m); err != nil {
			return err
		}
		if err := visit(m); err != nil {
			return err
		}
	}
}

// walkZip visits the members of zr that keep accepts (all with a nil
// keep). A symbolic link's target is its content.
func walkZip(ctx context.Context, zr *zip.Reader, keep Keep, visit func(*Member) error) error {
	for _, zf := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if keep != nil && !keep(zf.Name) {
			continue
		}
		mode := zf.Mode()
		m := &Member{Raw: zf.Name, Mode: mode.Perm(), Compressed: int64(zf.CompressedSize64)}
		switch {
		case mode.IsDir() || strings.HasSuffix(zf.Name, "/"):
			m.Type = Directory
		case mode&fs.ModeSymlink != 0:
			m.Type = Symlink
		case mode.IsRegular():
			m.Type = Regular
		default:
			m.Type = Special
		}
		if err := named(m); err != nil {
			return err
		}
		if err := visitZip(zf, m, visit); err != nil {
			return err
		}
	}
	return nil
}

// visitZip opens the content of a file or link member for visit.
func visitZip(zf *zip.File, m *Member, visit func(*Member) error) error {
	if m.Type != Regular && m.Type != Symlink {
		return visit(m)
	}
	rc, err := zf.Open()
	if err != nil {
		return &MemberError{Name: m.Raw, Err: err}
	}
	defer rc.Close()
	if m.Type == Symlink {
		target, err := io.ReadAll(io.LimitReader(rc, maxZipLink+1))
		if err != nil {
			return &MemberError{Name: m.Raw, Err: err}
		}
		if len(target) > maxZipLink {
			return &MemberError{Name: m.Raw, Err: fmt.Errorf("symbolic link target longer than %d bytes", maxZipLink)}
		}
		m.Link = string(target)
	} else {
		m.Body = rc
	}
	return visit(m)
}

// named checks and cleans m.Raw into m.Name. Only a directory may name
// the archive's root.
func named(m *Member) error {
	name, err := CleanName(m.Raw)
	if err != nil {
		return &MemberError{Name: m.Raw, Err: err}
	}
	if name == "" && m.Type != Directory {
		return &MemberError{Name: m.Raw, Err: errors.New("names the archive root")}
	}
	m.Name = name
	return nil
}
