package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// TestCLIExcludeNewer: --exclude-newer locks what the index offered
// before the cutoff (read from the index's PEP 700 upload times), records
// the cutoff in UTC, and refuses a value that is no time.
func TestCLIExcludeNewer(t *testing.T) {
	c := newCLI(t)
	const tag = "cp311-cp311-manylinux_2_17_x86_64"
	wheel := func(version string, uploaded time.Time) testindex.File {
		f := testindex.Wheel(testindex.WheelSpec{Name: "num", Version: version, Tag: tag})
		f.UploadTime = uploaded
		return f
	}
	idx := testindex.Start(t, []testindex.Project{{Name: "num", Files: []testindex.File{
		wheel("1.0", time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)),
		wheel("2.0", time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)),
	}}}, testindex.Options{})
	lockArgs := func(cutoff string) []string {
		return []string{"lock", "num", "--index-url", idx.IndexURL(), "--python", "3.11", "--platform", "manylinux_2_17_x86_64", "-o", "pylock.toml", "--upgrade", "--exclude-newer", cutoff}
	}
	read := func() string {
		data, err := os.ReadFile(filepath.Join(c.dir, "pylock.toml"))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	for _, tt := range []struct {
		cutoff, version, recorded string
	}{
		{"2024-12-01", "1.0", "2024-12-01T00:00:00Z"},
		{"2025-03-01T14:00:00+02:00", "1.0", "2025-03-01T12:00:00Z"}, // exactly 2.0's upload: left out
		{"2025-03-01T12:00:00.001Z", "2.0", "2025-03-01T12:00:00.001Z"},
	} {
		if _, errOut, code := c.run(lockArgs(tt.cutoff)...); code != 0 {
			t.Fatalf("lock --exclude-newer %s: exit %d\n%s", tt.cutoff, code, errOut)
		}
		lk := read()
		if !strings.Contains(lk, `version = "`+tt.version+`"`) || !strings.Contains(lk, `exclude-newer = "`+tt.recorded+`"`) {
			t.Errorf("--exclude-newer %s: want num %s and exclude-newer %s in the lock:\n%s", tt.cutoff, tt.version, tt.recorded, lk)
		}
	}

	_, errOut, code := c.run(lockArgs("2024-01-01")...)
	if code == 0 || !strings.Contains(errOut, "uploaded after the cutoff 2024-01-01T00:00:00Z") {
		t.Errorf("a cutoff before every upload: exit %d, stderr:\n%s", code, errOut)
	}
	_, errOut, code = c.run(lockArgs("last tuesday")...)
	if code != 2 || !strings.Contains(errOut, `--exclude-newer "last tuesday"`) || !strings.Contains(errOut, "RFC 3339") {
		t.Errorf("a bad cutoff: exit %d, stderr:\n%s", code, errOut)
	}
}
