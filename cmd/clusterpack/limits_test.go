package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIUnpackLimits: check refuses an archive that expands far past
// its size, naming the flag that lifts the limits; with the flag the
// unpacking goes through (what check then finds is another matter).
func TestCLIUnpackLimits(t *testing.T) {
	c := newCLI(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("environment/lib/python3.11/site-packages/bomb/data.bin")
	zero := make([]byte, 1<<20)
	for i := 0; i < 64; i++ {
		w.Write(zero)
	}
	zw.Close()
	archive := filepath.Join(t.TempDir(), "env-bomb.zip")
	if err := os.WriteFile(archive, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := c.run("check", "--static", archive)
	if code == 0 || !strings.Contains(errOut, "archive too large") || !strings.Contains(errOut, "(if the archive really is that large: --no-unpack-limits)") {
		t.Fatalf("check of a zip bomb: exit %d, stderr %s", code, errOut)
	}
	_, errOut, _ = c.run("check", "--static", "--no-unpack-limits", archive)
	if strings.Contains(errOut, "archive too large") {
		t.Errorf("--no-unpack-limits: still refused: %s", errOut)
	}
}
