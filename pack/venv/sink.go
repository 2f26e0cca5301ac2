package venv

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/clusterpack/clusterpack/internal/reproducible"
	"github.com/clusterpack/clusterpack/pack/wheel"
)

// sink is an archive being written: a wheel.RawDestination for the
// wheels, plus the calls Write uses for its own files. It creates
// directory entries (0755) before the first entry inside them and refuses
// a path written twice, whoever writes it.
type sink interface {
	wheel.RawDestination
	// addDir adds a directory entry (and its parents) unless present.
	addDir(dir string) error
	// addFile adds a regular file of size bytes read from r.
	addFile(ctx context.Context, name string, mode fs.FileMode, size int64, r io.Reader) error
	// finish completes the archive (central directory, tar trailer,
	// gzip trailer) without closing the underlying writer.
	finish() error
	// abort releases resources after an error.
	abort()
	// setOwner names who writes the next files, for conflict errors.
	setOwner(owner string)
	// claimOnly records a file another archive (a layer) holds at name,
	// so that a file of this one at the same path is a conflict as it
	// would be in one environment; fh is the member's header when it is
	// copied raw, else nil.
	claimOnly(name string, fh *zip.FileHeader) error
	// counts reports the regular files written and whether the zip64
	// extensions were needed.
	counts() (files int, zip64 bool)
}

// paths tracks the names in an archive, so that a wheel's file cannot
// overwrite another's or one of the environment's own.
type paths struct {
	files map[string]string // file path → who wrote it
	// raw identifies files copied raw from a wheel by CRC-32 and size, so
	// that a second wheel shipping the same bytes at the same path (as
	// apache-flink and apache-flink-libraries do) is not a conflict.
	raw  map[string]rawID
	dirs map[string]bool
	// owner names who writes the files being added: a wheel's file name,
	// or "the environment".
	owner string
}

func newPaths() paths {
	return paths{files: map[string]string{}, dirs: map[string]bool{}, owner: "the environment"}
}

// claimFile records a file path; it is an error if the path is taken.
func (p *paths) claimFile(name string) error {
	if name == "" || strings.HasSuffix(name, "/") || !fs.ValidPath(name) {
		return fmt.Errorf("%q is not a clean relative file path", name)
	}
	if first, ok := p.files[name]; ok {
		return fmt.Errorf("%s is written twice (first by %s): %w", name, first, ErrConflict)
	}
	if p.dirs[name] {
		return fmt.Errorf("%s is a directory and a file: %w", name, ErrConflict)
	}
	p.files[name] = p.owner
	return nil
}

type rawID struct {
	crc  uint32
	size uint64
}

// claimRaw claims name for a member copied raw from a wheel. dup reports
// that an earlier wheel wrote the very same member there (same CRC-32 and
// size): pip overwrites such a file with identical bytes, so it is
// written once and the second copy is skipped. Different content at one
// path is still a conflict.
func (p *paths) claimRaw(name string, fh *zip.FileHeader) (dup bool, err error) {
	id := rawID{fh.CRC32, fh.UncompressedSize64}
	if _, ok := p.files[name]; ok {
		if prev, ok := p.raw[name]; ok && prev == id {
			return true, nil
		}
	}
	if err := p.claimFile(name); err != nil {
		return false, err
	}
	if p.raw == nil {
		p.raw = map[string]rawID{}
	}
	p.raw[name] = id
	return false, nil
}

// claimOnly claims a path of a file that is not written (see
// sink.claimOnly).
func (p *paths) claimOnly(name string, fh *zip.FileHeader) error {
	if fh != nil {
		_, err := p.claimRaw(name, fh)
		return err
	}
	return p.claimFile(name)
}

// missingDirs returns the parent directories of name not yet recorded,
// outermost first, and records them. A parent that is a file is an error.
func (p *paths) missingDirs(name string) ([]string, error) {
	var out []string
	for d := path.Dir(name); d != "." && d != "/" && !p.dirs[d]; d = path.Dir(d) {
		if first, ok := p.files[d]; ok {
			return nil, fmt.Errorf("%s is a file (written by %s) and a directory: %w", d, first, ErrConflict)
		}
		out = append(out, d)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	for _, d := range out {
		p.dirs[d] = true
	}
	return out, nil
}

// zipSink writes a zip archive. Wheel members go through
// wheel.ZipDestination (raw copies of the wheels' compressed bytes); the
// environment's own files are deflated by the caller (see precompressed)
// and added raw, so that no entry but the wheels' generated files needs a
// data descriptor.
type zipSink struct {
	cw    *countWriter
	zw    *zip.Writer
	wz    *wheel.Zip
	paths paths
	nfile int
	big   bool // an entry needed zip64 sizes
}

func newZipSink(w *countWriter) *zipSink {
	zw := zip.NewWriter(w)
	return &zipSink{cw: w, zw: zw, wz: wheel.ZipDestination(zw, ""), paths: newPaths()}
}

func zipHeader(name string, mode fs.FileMode) *zip.FileHeader {
	fh := &zip.FileHeader{Name: name}
	reproducible.SetZipEpoch(fh)
	fh.SetMode(mode)
	return fh
}

func (z *zipSink) addDir(dir string) error {
	dirs, err := z.paths.missingDirs(dir + "/x")
	if err != nil {
		return err
	}
	return z.writeDirs(dirs)
}

func (z *zipSink) writeDirs(dirs []string) error {
	for _, d := range dirs {
		fh := zipHeader(d+"/", fs.ModeDir|0o755)
		fh.Method = zip.Store
		if _, err := z.zw.CreateRaw(fh); err != nil {
			return fmt.Errorf("adding directory %s: %w", d, err)
		}
	}
	return nil
}

// prepare claims name and writes the directory entries it needs.
func (z *zipSink) prepare(name string) error {
	if err := z.paths.claimFile(name); err != nil {
		return err
	}
	dirs, err := z.paths.missingDirs(name)
	if err != nil {
		return err
	}
	z.nfile++
	return z.writeDirs(dirs)
}

func (z *zipSink) Create(name string, mode fs.FileMode) (io.WriteCloser, error) {
	if err := z.prepare(name); err != nil {
		return nil, err
	}
	return z.wz.Create(name, mode)
}

func (z *zipSink) CreateRaw(name string, fh *zip.FileHeader) (io.Writer, error) {
	dup, err := z.paths.claimRaw(name, fh)
	if err != nil {
		return nil, err
	}
	if dup {
		return io.Discard, nil
	}
	dirs, err := z.paths.missingDirs(name)
	if err != nil {
		return nil, err
	}
	z.nfile++
	if err := z.writeDirs(dirs); err != nil {
		return nil, err
	}
	if fh.UncompressedSize64 >= 1<<32-1 || fh.CompressedSize64 >= 1<<32-1 {
		z.big = true
	}
	return z.wz.CreateRaw(name, fh)
}

// addFile deflates r into a raw entry (stored when deflating does not
// help); see addCompressed for files compressed ahead.
func (z *zipSink) addFile(ctx context.Context, name string, mode fs.FileMode, size int64, r io.Reader) error {
	c, err := compressEntry(ctx, r, size)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return z.addCompressed(name, mode, c)
}

// addCompressed adds an entry compressed by compressEntry.
func (z *zipSink) addCompressed(name string, mode fs.FileMode, c *compressed) error {
	if err := z.prepare(name); err != nil {
		return err
	}
	fh := zipHeader(name, reproducible.Mode(mode))
	fh.Method = c.method
	fh.CRC32 = c.crc
	fh.UncompressedSize64 = c.size
	fh.CompressedSize64 = uint64(len(c.data))
	if c.size >= 1<<32-1 {
		z.big = true
	}
	w, err := z.zw.CreateRaw(fh)
	if err != nil {
		return fmt.Errorf("adding %s: %w", name, err)
	}
	if _, err := w.Write(c.data); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

func (z *zipSink) finish() error {
	cd := z.cw.n
	if err := z.zw.Close(); err != nil {
		return err
	}
	entries := z.nfile + len(z.paths.dirs)
	if entries >= 0xffff || cd >= 1<<32-1 || z.cw.n-cd >= 1<<32-1 {
		z.big = true
	}
	return nil
}

func (z *zipSink) abort() {}

func (z *zipSink) setOwner(owner string) { z.paths.owner = owner }

func (z *zipSink) claimOnly(name string, fh *zip.FileHeader) error {
	return z.paths.claimOnly(name, fh)
}

func (z *zipSink) counts() (int, bool) { return z.nfile, z.big }

// compressed is a file deflated in memory, ready for CreateRaw.
type compressed struct {
	method uint16
	crc    uint32
	size   uint64
	data   []byte
}

// compressEntry reads size bytes from r and deflates them, keeping the
// stored form when deflating does not make them smaller. It fails if r
// does not hold exactly size bytes.
func compressEntry(ctx context.Context, r io.Reader, size int64) (*compressed, error) {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	crc := crc32.NewIEEE()
	var raw bytes.Buffer
	keepRaw := size <= 1<<20 // small files: keep the bytes in case storing wins
	var dst io.Writer = io.MultiWriter(fw, crc)
	if keepRaw {
		dst = io.MultiWriter(fw, crc, &raw)
	}
	n, err := io.Copy(dst, io.LimitReader(ctxReader{ctx, r}, size+1))
	if err != nil {
		return nil, err
	}
	if n != size {
		return nil, fmt.Errorf("expected %d bytes, read %d (did it change while being read?)", size, n)
	}
	if err := fw.Close(); err != nil {
		return nil, err
	}
	c := &compressed{method: zip.Deflate, crc: crc.Sum32(), size: uint64(n), data: buf.Bytes()}
	if keepRaw && raw.Len() <= buf.Len() {
		c.method, c.data = zip.Store, raw.Bytes()
	}
	return c, nil
}

// tarSink writes a tar stream: PAX/USTAR headers chosen by archive/tar
// (USTAR unless a name or size needs PAX records), uid and gid 0, no user
// or group names, mtime 1980-01-01. Wheel members are inflated into it:
// CreateRaw knows the member's size for the header and inflates the
// compressed bytes on a goroutine as they arrive; Create (generated files
// and rewritten scripts, whose size is known only at the end) buffers the
// file in memory until Close.
type tarSink struct {
	tw      *tar.Writer
	paths   paths
	nfile   int
	pending func() error // completes the raw entry being written
}

func newTarSink(w io.Writer) *tarSink {
	return &tarSink{tw: tar.NewWriter(w), paths: newPaths()}
}

func tarHeader(name string, mode fs.FileMode, size int64) *tar.Header {
	h := &tar.Header{Name: name, Mode: int64(mode.Perm()), Size: size, ModTime: reproducible.Epoch(), Typeflag: tar.TypeReg}
	if mode.IsDir() {
		h.Typeflag, h.Name, h.Size = tar.TypeDir, name+"/", 0
	}
	return h
}

func (t *tarSink) flush() error {
	if t.pending == nil {
		return nil
	}
	p := t.pending
	t.pending = nil
	return p()
}

func (t *tarSink) writeDirs(dirs []string) error {
	for _, d := range dirs {
		if err := t.tw.WriteHeader(tarHeader(d, fs.ModeDir|0o755, 0)); err != nil {
			return fmt.Errorf("adding directory %s: %w", d, err)
		}
	}
	return nil
}

func (t *tarSink) addDir(dir string) error {
	if err := t.flush(); err != nil {
		return err
	}
	dirs, err := t.paths.missingDirs(dir + "/x")
	if err != nil {
		return err
	}
	return t.writeDirs(dirs)
}

func (t *tarSink) prepare(name string, mode fs.FileMode, size int64) error {
	if err := t.flush(); err != nil {
		return err
	}
	if err := t.paths.claimFile(name); err != nil {
		return err
	}
	return t.header(name, mode, size)
}

// header writes the directories name needs and its tar header.
func (t *tarSink) header(name string, mode fs.FileMode, size int64) error {
	dirs, err := t.paths.missingDirs(name)
	if err != nil {
		return err
	}
	if err := t.writeDirs(dirs); err != nil {
		return err
	}
	t.nfile++
	if err := t.tw.WriteHeader(tarHeader(name, reproducible.Mode(mode), size)); err != nil {
		return fmt.Errorf("adding %s: %w", name, err)
	}
	return nil
}

func (t *tarSink) addFile(ctx context.Context, name string, mode fs.FileMode, size int64, r io.Reader) error {
	if err := t.prepare(name, mode, size); err != nil {
		return err
	}
	n, err := io.Copy(t.tw, io.LimitReader(ctxReader{ctx, r}, size))
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if n != size {
		return fmt.Errorf("writing %s: expected %d bytes, read %d (did it change while being read?)", name, size, n)
	}
	return nil
}

// Create buffers the file and writes it when it is closed.
func (t *tarSink) Create(name string, mode fs.FileMode) (io.WriteCloser, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	return &tarBuffered{t: t, name: name, mode: mode}, nil
}

type tarBuffered struct {
	t    *tarSink
	name string
	mode fs.FileMode
	buf  bytes.Buffer
}

func (b *tarBuffered) Write(p []byte) (int, error) { return b.buf.Write(p) }

func (b *tarBuffered) Close() error {
	if err := b.t.prepare(b.name, b.mode, int64(b.buf.Len())); err != nil {
		return err
	}
	_, err := b.t.tw.Write(b.buf.Bytes())
	return err
}

// CreateRaw writes the header now and returns a writer taking the
// member's compressed bytes, which a goroutine inflates into the tar
// stream. The entry is completed (and checked) by the next call.
func (t *tarSink) CreateRaw(name string, fh *zip.FileHeader) (io.Writer, error) {
	if fh.Method != zip.Store && fh.Method != zip.Deflate {
		return nil, fmt.Errorf("%s: compression method %d is not supported", name, fh.Method)
	}
	size := int64(fh.UncompressedSize64)
	if err := t.flush(); err != nil {
		return nil, err
	}
	dup, err := t.paths.claimRaw(name, fh)
	if err != nil {
		return nil, err
	}
	if dup {
		return io.Discard, nil
	}
	if err := t.header(name, fh.Mode(), size); err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		var src io.Reader = pr
		if fh.Method == zip.Deflate {
			fr := flate.NewReader(pr)
			defer fr.Close()
			src = fr
		}
		n, err := io.Copy(t.tw, io.LimitReader(src, size))
		if err == nil && n != size {
			err = fmt.Errorf("inflating %s: %d bytes, the zip header says %d", name, n, size)
		}
		if err == nil {
			// Whatever follows the deflate stream must still be taken.
			_, err = io.Copy(io.Discard, pr)
		}
		pr.CloseWithError(err)
		done <- err
	}()
	t.pending = func() error {
		pw.Close()
		return <-done
	}
	return pw, nil
}

func (t *tarSink) finish() error {
	if err := t.flush(); err != nil {
		return err
	}
	return t.tw.Close()
}

func (t *tarSink) abort() {
	if t.pending != nil {
		p := t.pending
		t.pending = nil
		_ = p()
	}
}

func (t *tarSink) setOwner(owner string) { t.paths.owner = owner }

func (t *tarSink) claimOnly(name string, fh *zip.FileHeader) error {
	return t.paths.claimOnly(name, fh)
}

func (t *tarSink) counts() (int, bool) { return t.nfile, false }

// countWriter counts and hashes what passes.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ctxReader stops reading when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
