package venv

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// TestSharedIdenticalFile: two wheels shipping the same bytes at one path
// (apache-flink and apache-flink-libraries both ship pyflink/version.py)
// install as pip installs them: the file once. Different bytes at one
// path stay a conflict.
func TestSharedIdenticalFile(t *testing.T) {
	dir := t.TempDir()
	a := buildWheel(t, dir, testindex.WheelSpec{Name: "flinkish", Version: "1.0", Files: map[string]string{"shared/__init__.py": "", "shared/version.py": "V = '2.2'\n", "shared/a.py": "A = 1\n"}})
	b := buildWheel(t, dir, testindex.WheelSpec{Name: "flinkish-libs", Version: "1.0", Files: map[string]string{"shared/version.py": "V = '2.2'\n", "shared/b.py": "B = 1\n"}})
	for _, format := range []Format{Zip, TarGz} {
		var buf bytes.Buffer
		if _, err := Write(context.Background(), &buf, []string{a, b}, Options{Format: format, PythonVersion: [2]int{3, 11}}); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if format == Zip {
			zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, f := range zr.File {
				if strings.HasSuffix(f.Name, "shared/version.py") {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("shared/version.py is in the zip %d times", n)
			}
		}
	}
	c := buildWheel(t, dir, testindex.WheelSpec{Name: "other", Version: "1.0", Files: map[string]string{"shared/version.py": "V = 'different'\n"}})
	var buf bytes.Buffer
	_, err := Write(context.Background(), &buf, []string{a, c}, Options{PythonVersion: [2]int{3, 11}})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("different bytes at one path gave %v", err)
	}
}
