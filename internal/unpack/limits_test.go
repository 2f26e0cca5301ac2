package unpack

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// bomb is a zip of one member of n zero bytes (deflate: about n/1000).
func bomb(t *testing.T, n int) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("big.bin")
	if err != nil {
		t.Fatal(err)
	}
	zero := make([]byte, 1<<20)
	for written := 0; written < n; written += len(zero) {
		if _, err := w.Write(zero); err != nil {
			t.Fatal(err)
		}
	}
	w2, _ := zw.Create("small.txt")
	w2.Write(make([]byte, 4096))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "bomb.whl")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLimits(t *testing.T) {
	path := bomb(t, 64<<20) // 64 MiB of zeros in about 64 KiB
	for _, tc := range []struct {
		name string
		opts Options
		ok   bool
	}{
		{"no limits", Options{}, true},
		{"ratio", Options{MaxRatio: 200}, false},
		{"ratio high enough", Options{MaxRatio: 2000}, true},
		{"bytes", Options{MaxBytes: 32 << 20}, false},
		{"members", Options{MaxMembers: 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := File(context.Background(), path, t.TempDir(), tc.opts)
			if tc.ok && err != nil {
				t.Fatalf("File = %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("File = %v, want ErrTooLarge", err)
			}
		})
	}
}
