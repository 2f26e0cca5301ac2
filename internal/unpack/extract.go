package unpack

import (
	"archive/zip"
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/internal/reproducible"
)

// Keep chooses the members to extract by their names as the archive has
// them; nil keeps every member.
type Keep func(name string) bool

// ErrTooLarge is matched (errors.Is) when an archive exceeds
// Options.MaxBytes or Options.MaxMembers.
var ErrTooLarge = errors.New("archive too large")

// Options say how to extract. The zero Options extract every member of
// clusterpack's own archives: no links, no member twice, no limits.
type Options struct {
	// Keep chooses the members to extract; nil keeps them all.
	Keep Keep
	// CopyLinks writes a symbolic or hard link whose target is a regular
	// file of the archive, inside it, as a copy of that file, once every
	// member is written; any other link is an error. Without it every
	// link is an error. No link is ever created.
	CopyLinks bool
	// Replace lets a member replace a file an earlier member wrote, as
	// tar appends do and pip extracts them; without it that is an error.
	Replace bool
	// MaxBytes bounds the bytes written, link copies included; 0 is no
	// bound.
	MaxBytes int64
	// MaxMembers bounds the number of members; 0 is no bound.
	MaxMembers int
	// MaxRatio bounds how many times its compressed size a zip member
	// may expand to, once past ratioFloor bytes (a zip bomb: a 1 MiB
	// wheel holding a 1 GiB member); 0 is no bound.
	MaxRatio int64
}

// ratioFloor is the size below which MaxRatio does not apply: small
// members of zeros compress a thousandfold, harmlessly.
const ratioFloor = 16 << 20

// File extracts the archive at archive, a tar.gz, tar or zip file told
// apart by its content, into dir.
func File(ctx context.Context, archive, dir string, opts Options) error {
	x := newExtractor(dir, opts)
	if err := Walk(ctx, archive, x.member); err != nil {
		return err
	}
	return x.finish()
}

// ZipFile extracts the zip archive (or pex) at archive into dir.
func ZipFile(ctx context.Context, archive, dir string, keep Keep) error {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return fmt.Errorf("not a zip or pex archive: %w", err)
	}
	defer zr.Close()
	return Zip(ctx, &zr.Reader, dir, keep)
}

// Zip extracts the members of zr that keep accepts into dir, with the
// zero Options: executable members become 0755 and others 0644; links
// are refused, since clusterpack's archives never contain them.
func Zip(ctx context.Context, zr *zip.Reader, dir string, keep Keep) error {
	// keep applies before names are checked: an unsafe name that is
	// not extracted is no error.
	x := newExtractor(dir, Options{})
	if err := walkZip(ctx, zr, keep, x.member); err != nil {
		return err
	}
	return x.finish()
}

// ZipWith extracts the members of zr into dir as opts say (opts.Keep
// among them); a zip reader's archive may start with other bytes, as a
// pex starts with its shebang line.
func ZipWith(ctx context.Context, zr *zip.Reader, dir string, opts Options) error {
	x := newExtractor(dir, opts)
	if err := walkZip(ctx, zr, opts.Keep, x.member); err != nil {
		return err
	}
	return x.finish()
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

// TarGz extracts a gzipped tar stream into dir with the zero Options:
// directories and regular files only.
func TarGz(ctx context.Context, r io.Reader, dir string) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("not a tar.gz archive: %w", err)
	}
	x := newExtractor(dir, Options{})
	if err := walkTar(ctx, gz, x.member); err != nil {
		return err
	}
	return x.finish()
}

// extractor writes the members it is shown under dir.
type extractor struct {
	dir     string
	opts    Options
	written int64
	members int
	files   map[string]bool // names of the regular files written
	links   []*Member       // with CopyLinks, the links to copy at the end
}

func newExtractor(dir string, opts Options) *extractor {
	return &extractor{dir: dir, opts: opts, files: map[string]bool{}}
}

// target is where the member called name (cleaned) goes.
func (x *extractor) target(name string) string {
	return filepath.Join(x.dir, filepath.FromSlash(name))
}

// member writes one member, or keeps a link for finish.
func (x *extractor) member(m *Member) error {
	if x.opts.Keep != nil && !x.opts.Keep(m.Raw) {
		return nil
	}
	x.members++
	if x.opts.MaxMembers > 0 && x.members > x.opts.MaxMembers {
		return fmt.Errorf("%w: more than %d entries", ErrTooLarge, x.opts.MaxMembers)
	}
	switch m.Type {
	case Directory:
		if err := os.MkdirAll(x.target(m.Name), 0o755); err != nil {
			return &MemberError{Name: m.Raw, Err: err}
		}
		return nil
	case Regular:
		body := m.Body
		if x.opts.MaxRatio > 0 && m.Compressed > 0 {
			limit := max(m.Compressed*x.opts.MaxRatio, ratioFloor)
			body = &ratioReader{r: body, left: limit, raw: m.Raw, ratio: x.opts.MaxRatio, compressed: m.Compressed}
		}
		return x.write(m.Raw, m.Name, body, m.Mode)
	case Symlink, Hardlink:
		if !x.opts.CopyLinks {
			return &MemberError{Name: m.Raw, Err: fmt.Errorf("is a %s, which is not extracted", m.Type)}
		}
		x.links = append(x.links, &Member{Raw: m.Raw, Name: m.Name, Type: m.Type, Link: m.Link})
		return nil
	}
	return &MemberError{Name: m.Raw, Err: errors.New("is a device or FIFO")}
}

// ratioReader fails once a member has expanded past its ratio budget.
type ratioReader struct {
	r          io.Reader
	left       int64
	raw        string
	ratio      int64
	compressed int64
}

func (r *ratioReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.left -= int64(n)
	if r.left < 0 {
		return n, fmt.Errorf("%w: it expands more than %d times its compressed size of %d bytes (a zip bomb?)", ErrTooLarge, r.ratio, r.compressed)
	}
	return n, err
}

// write writes a regular file from r, within the byte budget.
func (x *extractor) write(raw, name string, r io.Reader, perm fs.FileMode) error {
	dst := x.target(name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return &MemberError{Name: raw, Err: err}
	}
	flags := os.O_CREATE | os.O_WRONLY | os.O_EXCL
	if x.opts.Replace {
		flags = os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	}
	f, err := os.OpenFile(dst, flags, reproducible.Mode(perm))
	if err != nil {
		return &MemberError{Name: raw, Err: err}
	}
	if x.opts.MaxBytes > 0 {
		r = io.LimitReader(r, x.opts.MaxBytes-x.written+1)
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	x.written += n
	if err != nil {
		return &MemberError{Name: raw, Err: err}
	}
	if x.opts.MaxBytes > 0 && x.written > x.opts.MaxBytes {
		return &MemberError{Name: raw, Err: fmt.Errorf("%w: it unpacks to more than %d bytes", ErrTooLarge, x.opts.MaxBytes)}
	}
	x.files[name] = true
	return nil
}

// finish writes the links kept by member as copies of their targets.
func (x *extractor) finish() error {
	for _, l := range x.links {
		from, err := linkSource(l)
		if err == nil && !x.files[from] {
			err = fmt.Errorf("links to %q, which is not a regular file of the archive", l.Link)
		}
		if err != nil {
			return &MemberError{Name: l.Raw, Err: err}
		}
		if err := x.copyFile(l, from); err != nil {
			return err
		}
	}
	return nil
}

// copyFile writes the link l as a copy of the file from.
func (x *extractor) copyFile(l *Member, from string) error {
	src, err := os.Open(x.target(from))
	if err != nil {
		return &MemberError{Name: l.Raw, Err: err}
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return &MemberError{Name: l.Raw, Err: err}
	}
	return x.write(l.Raw, l.Name, src, st.Mode().Perm())
}

// linkSource is the cleaned archive name a link member refers to: a hard
// link names a member, a symbolic link is relative to its directory and
// must stay inside the archive.
func linkSource(l *Member) (string, error) {
	if l.Type == Hardlink {
		name, err := CleanName(l.Link)
		if err != nil {
			return "", fmt.Errorf("hard link target %q: %w", l.Link, err)
		}
		return name, nil
	}
	if l.Link == "" || path.IsAbs(l.Link) || strings.Contains(l.Link, `\`) || strings.ContainsRune(l.Link, 0) {
		return "", fmt.Errorf("symlink to %q points outside the archive", l.Link)
	}
	joined := path.Join(path.Dir(l.Name), l.Link)
	if joined == ".." || strings.HasPrefix(joined, "../") {
		return "", fmt.Errorf("symlink to %q points outside the archive", l.Link)
	}
	return joined, nil
}

func (t Type) String() string {
	switch t {
	case Regular:
		return "regular file"
	case Directory:
		return "directory"
	case Symlink:
		return "symbolic link"
	case Hardlink:
		return "hard link"
	}
	return "device or FIFO"
}
