package reproducible

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"strconv"
	"testing"
	"time"
)

func TestEpoch(t *testing.T) {
	if got := Epoch(); !got.Equal(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("Epoch() = %v", got)
	}
	if got := strconv.FormatInt(Epoch().Unix(), 10); got != SourceDateEpoch {
		t.Errorf("Epoch().Unix() = %s, SourceDateEpoch = %s", got, SourceDateEpoch)
	}
}

// TestSetZipEpoch: a member dated with SetZipEpoch reads back as Epoch,
// with no extra field, written through CreateHeader or CreateRaw.
func TestSetZipEpoch(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	fh := &zip.FileHeader{Name: "a", Method: zip.Store, Modified: time.Now()}
	SetZipEpoch(fh)
	w, err := zw.CreateHeader(fh)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("x"))
	raw := &zip.FileHeader{Name: "b", Method: zip.Store, CRC32: fh.CRC32, CompressedSize64: 1, UncompressedSize64: 1}
	SetZipEpoch(raw)
	if w, err = zw.CreateRaw(raw); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("x"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if !f.Modified.Equal(Epoch()) || len(f.Extra) != 0 {
			t.Errorf("%s: modified %v, extra %x; want %v and none", f.Name, f.Modified, f.Extra, Epoch())
		}
	}
}

func TestMode(t *testing.T) {
	for _, tt := range []struct{ in, want fs.FileMode }{
		{0o644, 0o644}, {0o600, 0o644}, {0o400, 0o644}, {0, 0o644}, {0o666, 0o644},
		{0o755, 0o755}, {0o700, 0o755}, {0o100, 0o755}, {0o001, 0o755}, {0o777, 0o755},
		{fs.ModeSetuid | 0o4755, 0o755}, {fs.ModeDir | 0o755, 0o755},
	} {
		if got := Mode(tt.in); got != tt.want {
			t.Errorf("Mode(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
