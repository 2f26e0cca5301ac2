package index

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

// wheelFile is one member of a test wheel.
type wheelFile struct {
	name    string
	content []byte
	stored  bool
}

// buildWheel writes a wheel for name and version with archive/zip: the
// given files first, then the .dist-info directory (METADATA, WHEEL,
// RECORD), as wheel builders do.
func buildWheel(t testing.TB, name, version, metadata string, files ...wheelFile) []byte {
	t.Helper()
	distInfo := name + "-" + version + ".dist-info/"
	files = append(files,
		wheelFile{name: distInfo + "METADATA", content: []byte(metadata)},
		wheelFile{name: distInfo + "WHEEL", content: []byte("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")},
		wheelFile{name: distInfo + "RECORD", content: []byte("")},
	)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range files {
		method := zip.Deflate
		if f.stored {
			method = zip.Store
		}
		fw, err := w.CreateHeader(&zip.FileHeader{Name: f.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(f.content); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// noise returns n incompressible bytes, the same for the same seed.
func noise(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// buildZip64 writes, by hand, a stored-only zip archive that uses zip64
// records throughout: zip64 extra fields in the central directory with the
// sizes and offsets (the 32-bit fields saturated), a zip64 end record and
// locator, and an end record whose fields are all saturated. Preamble
// bytes come first, so that offsets are not zero.
func buildZip64(t testing.TB, preamble []byte, files ...wheelFile) []byte {
	t.Helper()
	le := binary.LittleEndian
	var out bytes.Buffer
	out.Write(preamble)
	var directory bytes.Buffer
	for _, f := range files {
		offset := uint64(out.Len())
		crc := crc32.ChecksumIEEE(f.content)
		// Local header: sizes in a zip64 extra field too.
		local := make([]byte, 30)
		le.PutUint32(local, localHeaderSignature)
		le.PutUint16(local[4:], 45)
		le.PutUint32(local[14:], crc)
		le.PutUint32(local[18:], 0xffffffff)
		le.PutUint32(local[22:], 0xffffffff)
		le.PutUint16(local[26:], uint16(len(f.name)))
		localExtra := make([]byte, 20)
		le.PutUint16(localExtra, zip64ExtraID)
		le.PutUint16(localExtra[2:], 16)
		le.PutUint64(localExtra[4:], uint64(len(f.content)))
		le.PutUint64(localExtra[12:], uint64(len(f.content)))
		le.PutUint16(local[28:], uint16(len(localExtra)))
		out.Write(local)
		out.WriteString(f.name)
		out.Write(localExtra)
		out.Write(f.content)

		central := make([]byte, 46)
		le.PutUint32(central, centralHeaderSignature)
		le.PutUint16(central[4:], 45)
		le.PutUint16(central[6:], 45)
		le.PutUint32(central[16:], crc)
		le.PutUint32(central[20:], 0xffffffff)
		le.PutUint32(central[24:], 0xffffffff)
		le.PutUint16(central[28:], uint16(len(f.name)))
		extra := make([]byte, 4+24)
		le.PutUint16(extra, zip64ExtraID)
		le.PutUint16(extra[2:], 24)
		le.PutUint64(extra[4:], uint64(len(f.content)))
		le.PutUint64(extra[12:], uint64(len(f.content)))
		le.PutUint64(extra[20:], offset)
		le.PutUint16(central[30:], uint16(len(extra)))
		le.PutUint32(central[42:], 0xffffffff)
		directory.Write(central)
		directory.WriteString(f.name)
		directory.Write(extra)
	}
	directoryOffset := uint64(out.Len())
	out.Write(directory.Bytes())
	zip64EndOffset := uint64(out.Len())
	record := make([]byte, 56)
	le.PutUint32(record, zip64EndSignature)
	le.PutUint64(record[4:], 56-12)
	le.PutUint16(record[12:], 45)
	le.PutUint16(record[14:], 45)
	le.PutUint64(record[24:], uint64(len(files)))
	le.PutUint64(record[32:], uint64(len(files)))
	le.PutUint64(record[40:], uint64(directory.Len()))
	le.PutUint64(record[48:], directoryOffset)
	out.Write(record)
	locator := make([]byte, 20)
	le.PutUint32(locator, zip64LocatorSignature)
	le.PutUint64(locator[8:], zip64EndOffset)
	le.PutUint32(locator[16:], 1)
	out.Write(locator)
	end := make([]byte, 22)
	le.PutUint32(end, endSignature)
	le.PutUint16(end[8:], 0xffff)
	le.PutUint16(end[10:], 0xffff)
	le.PutUint32(end[12:], 0xffffffff)
	le.PutUint32(end[16:], 0xffffffff)
	out.Write(end)

	// The fixture must be a zip archive Go's own reader accepts.
	r, err := zip.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatalf("hand-made zip64 archive is invalid: %v", err)
	}
	if len(r.File) != len(files) {
		t.Fatalf("hand-made zip64 archive has %d files, want %d", len(r.File), len(files))
	}
	return out.Bytes()
}
