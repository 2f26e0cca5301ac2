package wheel

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"

	"github.com/clusterpack/clusterpack/internal/reproducible"
	"github.com/clusterpack/clusterpack/pypa/record"
)

// copier writes planned members to a destination, verifying them.
type copier struct {
	ctx     context.Context
	archive *archive
	dest    Destination
	raw     RawDestination // nil when dest cannot take raw members
	verify  Verification
	shebang string
	buf     []byte
	// inflater is reused across raw copies (it holds a 32 KiB window).
	inflater io.ReadCloser
}

// written is the outcome of writing one file.
type written struct {
	file InstalledFile
	hash record.Hash // the sha256 RECORD lists
}

func newWritten(dest string, mode fs.FileMode, sum []byte, size int64) written {
	return written{
		file: InstalledFile{Path: dest, SHA256: hex.EncodeToString(sum), Size: size, Mode: reproducible.Mode(mode)},
		hash: record.Hash{Algorithm: "sha256", Digest: sum},
	}
}

// copyFile writes one member: a script whose shebang is rewritten, a raw
// copy when the destination takes them, else the inflated content.
func (c *copier) copyFile(pf plannedFile) (written, error) {
	if pf.script {
		w, rewritten, err := c.copyScript(pf)
		if err != nil || rewritten {
			return w, err
		}
	}
	if c.raw != nil && (pf.f.Method == zip.Store || pf.f.Method == zip.Deflate) {
		return c.copyRaw(pf)
	}
	return c.copyInflated(pf)
}

// hashers computes the RECORD check and the installed sha256 of content,
// sharing the hash when the wheel's RECORD uses sha256.
type hashers struct {
	check, sha hash.Hash
	w          io.Writer
}

func newHashers(rec record.Entry) (*hashers, error) {
	check, err := record.NewHash(rec.Hash.Algorithm)
	if err != nil {
		return nil, err
	}
	h := &hashers{check: check, sha: check, w: check}
	if rec.Hash.Algorithm != "sha256" {
		h.sha = sha256.New()
		h.w = io.MultiWriter(h.check, h.sha)
	}
	return h, nil
}

// verifyContent compares the content's hash and size with RECORD.
func (c *copier) verifyContent(pf plannedFile, h hash.Hash, size int64) error {
	if pf.record.Size >= 0 && size != pf.record.Size {
		return c.archive.memberError(pf.f.Name, fmt.Errorf("%w: RECORD says %d bytes, the content has %d", ErrRecordMismatch, pf.record.Size, size))
	}
	if got := h.Sum(nil); !bytes.Equal(got, pf.record.Hash.Digest) {
		return c.archive.memberError(pf.f.Name, fmt.Errorf("%w: RECORD says %s, the content hashes to %s",
			ErrRecordMismatch, pf.record.Hash, record.Hash{Algorithm: pf.record.Hash.Algorithm, Digest: got}))
	}
	return nil
}

// copyInflated writes the member's content through Create, hashing it.
// The zip reader checks the CRC-32 and size at the end.
func (c *copier) copyInflated(pf plannedFile) (written, error) {
	h, err := newHashers(pf.record)
	if err != nil {
		return written{}, c.archive.memberError(pf.f.Name, err)
	}
	rc, err := pf.f.Open()
	if err != nil {
		return written{}, c.archive.memberError(pf.f.Name, err)
	}
	defer rc.Close()
	w, err := c.dest.Create(pf.dest, pf.mode)
	if err != nil {
		return written{}, c.archive.memberError(pf.f.Name, fmt.Errorf("creating %s: %w", pf.dest, err))
	}
	n, err := io.CopyBuffer(io.MultiWriter(w, h.w), ctxReader{c.ctx, rc}, c.buf)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return written{}, c.archive.memberError(pf.f.Name, fmt.Errorf("writing %s: %w", pf.dest, err))
	}
	if err := c.verifyContent(pf, h.check, n); err != nil {
		return written{}, err
	}
	return newWritten(pf.dest, pf.mode, h.sha.Sum(nil), n), nil
}

// maxShebangLine bounds the "#!python" line of a script.
const maxShebangLine = 64 << 10

// copyScript rewrites a script whose first line starts with "#!python"
// (or "#!pythonw") to start with the target's shebang, replacing the
// whole first line as pip and pypa/installer do. It reports false, having
// written nothing, for other scripts.
func (c *copier) copyScript(pf plannedFile) (written, bool, error) {
	h, err := newHashers(pf.record)
	if err != nil {
		return written{}, false, c.archive.memberError(pf.f.Name, err)
	}
	rc, err := pf.f.Open()
	if err != nil {
		return written{}, false, c.archive.memberError(pf.f.Name, err)
	}
	defer rc.Close()
	br := bufio.NewReaderSize(io.TeeReader(ctxReader{c.ctx, rc}, h.w), maxShebangLine)
	head, err := br.Peek(len("#!python"))
	if string(head) != "#!python" {
		if err != nil && !errors.Is(err, io.EOF) {
			return written{}, false, c.archive.memberError(pf.f.Name, err)
		}
		return written{}, false, nil
	}
	first, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return written{}, false, c.archive.memberError(pf.f.Name, fmt.Errorf("%w: first line longer than %d bytes", ErrInvalidWheel, maxShebangLine))
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return written{}, false, c.archive.memberError(pf.f.Name, err)
	}
	originalSize := int64(len(first))
	w, err := c.dest.Create(pf.dest, pf.mode)
	if err != nil {
		return written{}, false, c.archive.memberError(pf.f.Name, fmt.Errorf("creating %s: %w", pf.dest, err))
	}
	out := sha256.New()
	mw := io.MultiWriter(w, out)
	n, err := io.WriteString(mw, c.shebang+"\n")
	var rest int64
	if err == nil {
		rest, err = io.CopyBuffer(mw, br, c.buf)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return written{}, false, c.archive.memberError(pf.f.Name, fmt.Errorf("writing %s: %w", pf.dest, err))
	}
	if err := c.verifyContent(pf, h.check, originalSize+rest); err != nil {
		return written{}, false, err
	}
	return newWritten(pf.dest, pf.mode, out.Sum(nil), int64(n)+rest), true, nil
}

// copyRaw copies the member's compressed bytes to the raw destination.
// With VerifyHashes the bytes are inflated on the side, as they pass, to
// check the hash, size and CRC-32; with VerifySizes only RECORD's size was
// checked (by makePlan) and RECORD's sha256 is taken as the content's.
func (c *copier) copyRaw(pf plannedFile) (written, error) {
	fh := pf.f.FileHeader
	fh.Name, fh.Modified, fh.Extra, fh.Comment = pf.dest, reproducible.Epoch(), nil, ""
	fh.SetMode(pf.mode)
	raw, err := pf.f.OpenRaw()
	if err != nil {
		return written{}, c.archive.memberError(pf.f.Name, err)
	}
	w, err := c.raw.CreateRaw(pf.dest, &fh)
	if err != nil {
		return written{}, c.archive.memberError(pf.f.Name, fmt.Errorf("creating %s: %w", pf.dest, err))
	}
	src := io.TeeReader(ctxReader{c.ctx, raw}, w)
	if c.verify == VerifySizes && pf.record.Hash.Algorithm == "sha256" {
		if _, err := io.CopyBuffer(io.Discard, src, c.buf); err != nil {
			return written{}, c.archive.memberError(pf.f.Name, fmt.Errorf("copying %s: %w", pf.dest, err))
		}
		return newWritten(pf.dest, pf.mode, pf.record.Hash.Digest, int64(pf.f.UncompressedSize64)), nil
	}
	content := src
	if pf.f.Method == zip.Deflate {
		if c.inflater == nil {
			c.inflater = flate.NewReader(src)
		} else if err := c.inflater.(flate.Resetter).Reset(src, nil); err != nil {
			return written{}, c.archive.memberError(pf.f.Name, err)
		}
		content = c.inflater
	}
	h, err := newHashers(pf.record)
	if err != nil {
		return written{}, c.archive.memberError(pf.f.Name, err)
	}
	crc := crc32.NewIEEE()
	n, err := io.CopyBuffer(io.MultiWriter(h.w, crc), content, c.buf)
	if err == nil {
		// The inflater may stop before the end of the compressed data;
		// the rest must reach the destination too.
		_, err = io.CopyBuffer(io.Discard, src, c.buf)
	}
	if err != nil {
		return written{}, c.archive.memberError(pf.f.Name, fmt.Errorf("copying %s: %w", pf.dest, err))
	}
	if uint64(n) != pf.f.UncompressedSize64 || crc.Sum32() != pf.f.CRC32 {
		return written{}, c.archive.memberError(pf.f.Name, fmt.Errorf("%w: %d bytes with CRC-32 %08x, the zip directory says %d bytes with %08x",
			zip.ErrChecksum, n, crc.Sum32(), pf.f.UncompressedSize64, pf.f.CRC32))
	}
	if err := c.verifyContent(pf, h.check, n); err != nil {
		return written{}, err
	}
	return newWritten(pf.dest, pf.mode, h.sha.Sum(nil), n), nil
}

// writeGenerated writes a file Install makes itself.
func (c *copier) writeGenerated(dest string, mode fs.FileMode, content []byte) (written, error) {
	if err := c.ctx.Err(); err != nil {
		return written{}, err
	}
	w, err := c.dest.Create(dest, mode)
	if err != nil {
		return written{}, fmt.Errorf("wheel %s: creating %s: %w", c.archive.filename, dest, err)
	}
	_, err = w.Write(content)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return written{}, fmt.Errorf("wheel %s: writing %s: %w", c.archive.filename, dest, err)
	}
	sum := sha256.Sum256(content)
	return newWritten(dest, mode, sum[:], int64(len(content))), nil
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
