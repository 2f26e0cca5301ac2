package main

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/runner/elfcheck"
)

// newerThan217 is a shared object of this machine that requires a glibc
// symbol version newer than manylinux_2_17's (liblzma needs GLIBC_2.34
// on current distributions), as the extension a wheel tagged
// manylinux_2_17 must not carry.
func newerThan217(t *testing.T) []byte {
	t.Helper()
	for _, p := range []string{"/lib/x86_64-linux-gnu/liblzma.so.5", "/usr/lib/x86_64-linux-gnu/liblzma.so.5", "/lib/x86_64-linux-gnu/libexpat.so.1", "/usr/lib64/liblzma.so.5"} {
		f, err := elf.Open(p)
		if err != nil || f.Machine != elf.EM_X86_64 {
			continue
		}
		syms, _ := f.ImportedSymbols()
		f.Close()
		for _, s := range syms {
			if strings.HasPrefix(s.Version, "GLIBC_2.") && elfcheck.CompareVersions(strings.TrimPrefix(s.Version, "GLIBC_"), "2.17") > 0 {
				data, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				return data
			}
		}
	}
	t.Skip("no shared object here needs a glibc newer than 2.17")
	return nil
}

// TestCLICheckOnTheWayOut: upload, spark-args and flink-args check a
// built environment before sending it: one whose extension needs a newer
// glibc than its wheel's manylinux tag promises is refused with nothing
// sent; --no-check sends it; --check and --no-check together are a usage
// error.
func TestCLICheckOnTheWayOut(t *testing.T) {
	c := newCLI(t)
	so := newerThan217(t)
	idx := testindex.Start(t, []testindex.Project{
		{Name: "fastlib", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{Name: "fastlib", Version: "1.0", Tag: "cp311-cp311-manylinux_2_17_x86_64",
			Files: map[string]string{"fastlib/__init__.py": "", "fastlib/_core.cpython-311-x86_64-linux-gnu.so": string(so)}})}},
		{Name: "purelib", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{Name: "purelib", Version: "1.0",
			Files: map[string]string{"purelib/__init__.py": ""}})}},
	}, testindex.Options{})
	base := []string{"--index-url", idx.IndexURL(), "--python", "3.11", "--platform", "manylinux_2_17_x86_64"}
	store := filepath.Join(c.dir, "store")
	stored := func() []string {
		m, _ := filepath.Glob(filepath.Join(store, "env-*.zip"))
		return m
	}

	for _, cmd := range []string{"upload", "spark-args", "flink-args"} {
		_, errOut, code := c.run(append([]string{cmd, "fastlib", "--to", store}, base...)...)
		if code != 1 || !strings.Contains(errOut, "would fail on the cluster, so nothing was sent") || !strings.Contains(errOut, "fastlib") ||
			!strings.Contains(errOut, "--no-check") {
			t.Errorf("%s of a non-conforming environment: exit %d, stderr:\n%s", cmd, code, errOut)
		}
		if s := stored(); len(s) != 0 {
			t.Fatalf("%s sent %v after the check failed", cmd, s)
		}
	}
	_, errOut, code := c.run(append([]string{"upload", "fastlib", "--to", store, "--check", "--no-check"}, base...)...)
	if code != 2 || !strings.Contains(errOut, "--check or --no-check") {
		t.Errorf("--check --no-check: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = c.run(append([]string{"upload", "fastlib", "--to", store, "--no-check"}, base...)...)
	if code != 0 || len(stored()) != 1 || strings.Contains(errOut, "Checked") {
		t.Errorf("upload --no-check: exit %d, stored %v, stderr:\n%s", code, stored(), errOut)
	}
	_, errOut, code = c.run(append([]string{"upload", "purelib", "--to", store}, base...)...)
	if code != 0 || !strings.Contains(errOut, "Checked env-") || len(stored()) != 2 {
		t.Errorf("upload of a conforming environment: exit %d, stored %v, stderr:\n%s", code, stored(), errOut)
	}
}
