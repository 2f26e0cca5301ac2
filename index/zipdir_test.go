package index

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// memorySource is a byteSource over bytes that counts reads.
type memorySource struct {
	data  []byte
	reads int
}

func (s *memorySource) size() int64 { return int64(len(s.data)) }

func (s *memorySource) readAt(_ context.Context, offset, length int64) ([]byte, error) {
	s.reads++
	if offset < 0 || length < 0 || offset > int64(len(s.data))-length {
		return nil, os.ErrInvalid
	}
	return s.data[offset : offset+length], nil
}

const demoMetadata = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: six\n"

func TestReadWheelMetadata(t *testing.T) {
	big := noise(200<<10, 1)
	tests := []struct {
		name, wheel string
		archive     []byte
		want        string
		wantErr     string
	}{
		{name: "small wheel", wheel: "demo-1.0-py3-none-any.whl", archive: buildWheel(t, "demo", "1.0", demoMetadata), want: demoMetadata},
		{name: "large wheel", wheel: "demo-1.0-py3-none-any.whl",
			archive: buildWheel(t, "demo", "1.0", demoMetadata, wheelFile{name: "demo/data.bin", content: big, stored: true}), want: demoMetadata},
		{name: "stored METADATA", wheel: "demo-1.0-py3-none-any.whl",
			archive: buildZip64(t, nil, wheelFile{name: "demo-1.0.dist-info/METADATA", content: []byte(demoMetadata)}), want: demoMetadata},
		{name: "zip64 with a preamble and a large member", wheel: "demo-1.0-py3-none-any.whl",
			archive: buildZip64(t, []byte("#!/usr/bin/env python\n"),
				wheelFile{name: "demo/data.bin", content: big},
				wheelFile{name: "demo-1.0.dist-info/METADATA", content: []byte(demoMetadata)}), want: demoMetadata},
		{name: "two dist-info directories", wheel: "Demo_Pkg-1.0-py3-none-any.whl",
			archive: buildZip64(t, nil,
				wheelFile{name: "other-2.0.dist-info/METADATA", content: []byte("wrong")},
				wheelFile{name: "demo_pkg-1.0.dist-info/METADATA", content: []byte(demoMetadata)}), want: demoMetadata},
		{name: "no METADATA", wheel: "demo-1.0-py3-none-any.whl",
			archive: buildZip64(t, nil, wheelFile{name: "demo/__init__.py"}), wantErr: "has no .dist-info/METADATA"},
		{name: "nested METADATA does not count", wheel: "demo-1.0-py3-none-any.whl",
			archive: buildZip64(t, nil, wheelFile{name: "demo/x.dist-info/METADATA"}), wantErr: "has no .dist-info/METADATA"},
		{name: "not a zip", wheel: "demo-1.0-py3-none-any.whl", archive: []byte("definitely not a zip archive, just text"), wantErr: "not a zip archive"},
		{name: "empty", wheel: "demo-1.0-py3-none-any.whl", archive: nil, wantErr: "not a zip archive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &memorySource{data: tt.archive}
			got, err := readWheelMetadata(context.Background(), src, tt.wheel)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("metadata %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadWheelMetadataCorrupt(t *testing.T) {
	wheel := buildWheel(t, "demo", "1.0", demoMetadata)
	metadataAt := bytes.Index(wheel, []byte("demo-1.0.dist-info/METADATA"))
	tests := []struct {
		name    string
		corrupt func(b []byte)
		wantErr string
	}{
		{"local header signature", func(b []byte) { b[metadataAt-30] = 'X' }, "bad local file header signature"},
		{"compressed data", func(b []byte) {
			for i := metadataAt + len("demo-1.0.dist-info/METADATA"); i < metadataAt+len("demo-1.0.dist-info/METADATA")+20; i++ {
				b[i] ^= 0xff
			}
		}, "METADATA"},
		{"central directory signature", func(b []byte) {
			at := bytes.LastIndex(b, []byte{0x50, 0x4b, 0x01, 0x02})
			b[at+3] = 9
		}, "bad signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bytes.Clone(wheel)
			tt.corrupt(b)
			_, err := readWheelMetadata(context.Background(), &memorySource{data: b}, "demo-1.0-py3-none-any.whl")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestFileSource(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo-1.0-py3-none-any.whl")
	if err := os.WriteFile(path, buildWheel(t, "demo", "1.0", demoMetadata), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := localMetadata(context.Background(), File{Filename: filepath.Base(path)}, path)
	if err != nil || string(got) != demoMetadata {
		t.Fatalf("localMetadata = %q, %v", got, err)
	}
}

// FuzzZipDirectory feeds arbitrary archives to the zip reading code,
// which must fail cleanly, never panic nor allocate without bound.
func FuzzZipDirectory(f *testing.F) {
	f.Add(buildWheel(f, "demo", "1.0", demoMetadata))
	f.Add(buildZip64(f, []byte("pre"), wheelFile{name: "demo-1.0.dist-info/METADATA", content: []byte(demoMetadata)}))
	f.Fuzz(func(t *testing.T, archive []byte) {
		readWheelMetadata(context.Background(), &memorySource{data: archive}, "demo-1.0-py3-none-any.whl")
	})
}
