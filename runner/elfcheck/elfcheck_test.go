package elfcheck

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/runner/internal/fakeso"
)

func TestPolicyFor(t *testing.T) {
	for _, c := range []struct {
		platform, name, glibc, glibcxx string
	}{
		{"manylinux_2_17_x86_64", "manylinux_2_17", "2.17", "3.4.19"},
		{"manylinux2014_x86_64", "manylinux_2_17", "2.17", "3.4.19"},
		{"manylinux1_x86_64", "manylinux_2_5", "2.5", "3.4.8"},
		{"manylinux_2_28_aarch64", "manylinux_2_28", "2.28", "3.4.24"},
		{"manylinux_2_30_x86_64", "manylinux_2_28", "2.30", "3.4.24"}, // no policy of its own
		{"MANYLINUX_2_34_X86_64", "manylinux_2_34", "2.34", "3.4.29"},
	} {
		p, err := PolicyFor(c.platform)
		if err != nil {
			t.Fatalf("%s: %v", c.platform, err)
		}
		if p.Name != c.name || p.MaxVersions["GLIBC"] != c.glibc || p.MaxVersions["GLIBCXX"] != c.glibcxx {
			t.Errorf("%s: got %s GLIBC %s GLIBCXX %s", c.platform, p.Name, p.MaxVersions["GLIBC"], p.MaxVersions["GLIBCXX"])
		}
		if !slices.Contains(p.Libraries, "libc.so.6") || !slices.Contains(p.Libraries, "libstdc++.so.6") {
			t.Errorf("%s: allow-list %v", c.platform, p.Libraries)
		}
	}
	for _, bad := range []string{"macosx_11_0_arm64", "linux_x86_64", "musllinux_1_2_x86_64", "manylinux_2_5_aarch64", "any"} {
		if _, err := PolicyFor(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"3.4.19", "3.4.100", -1}, {"2.17", "2.17.0", 0}, {"2.28", "2.3", 1}, {"1.3", "1.3.1", -1}} {
		if got := CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestNewerGlibc(t *testing.T) {
	dir := t.TempDir()
	so := fakeso.NewerGlibc(t, dir, "fast.cpython-311-x86_64-linux-gnu.so")
	pol, _ := PolicyFor("manylinux_2_28_x86_64")
	res, err := CheckFile("pkg/fast.cpython-311-x86_64-linux-gnu.so", so, pol, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.ELF || !slices.Contains(res.Requires, "GLIBC_2.99") {
		t.Fatalf("requires %v", res.Requires)
	}
	if len(res.Problems) != 1 || res.Problems[0].Version != "GLIBC_2.99" || res.Problems[0].Library != "libc.so.6" {
		t.Fatalf("problems %+v", res.Problems)
	}
	msg := res.Problems[0].Message
	for _, want := range []string{"pkg/fast.cpython-311-x86_64-linux-gnu.so", "GLIBC_2.99", "at most GLIBC_2.28"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestOldEnoughPasses(t *testing.T) {
	dir := t.TempDir()
	// The machine's gcc links memcpy@GLIBC_2.14: fine for 2.17, too new for 2.12.
	src := filepath.Join(dir, "ok.so")
	data := buildPlain(t, dir)
	os.WriteFile(src, data, 0o755)
	p17, _ := PolicyFor("manylinux2014_x86_64")
	res, err := CheckFile("ok.so", src, p17, nil)
	if err != nil || len(res.Problems) != 0 {
		t.Fatalf("manylinux2014: %v %+v", err, res)
	}
	p12, _ := PolicyFor("manylinux2010_x86_64")
	res, err = CheckFile("ok.so", src, p12, nil)
	if err != nil || len(res.Problems) != 1 || res.Problems[0].Version != "GLIBC_2.14" {
		t.Fatalf("manylinux2010: %v %+v", err, res)
	}
}

func buildPlain(t *testing.T, dir string) []byte {
	so := fakeso.NewerGlibc(t, t.TempDir(), "x.so")
	data, _ := os.ReadFile(so)
	back, err := fakeso.Retarget(data, "GLIBC_2.99", "GLIBC_2.14")
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func TestLibraries(t *testing.T) {
	dir := t.TempDir()
	so := fakeso.NeedsLibrary(t, dir, "ext.so", "libcrypto-abc123.so.3")
	pol, _ := PolicyFor("manylinux_2_28_x86_64")
	res, err := CheckFile("pkg/ext.so", so, pol, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 1 || res.Problems[0].Kind != "library" || res.Problems[0].Library != "libcrypto-abc123.so.3" {
		t.Fatalf("problems %+v", res.Problems)
	}
	bundled := func(lib string, dirs []string) bool { return lib == "libcrypto-abc123.so.3" }
	res, err = CheckFile("pkg/ext.so", so, pol, bundled)
	if err != nil || len(res.Problems) != 0 {
		t.Fatalf("bundled: %v %+v", err, res)
	}
}

func TestNotELF(t *testing.T) {
	res, err := Check("x.so", bytes.NewReader([]byte("#!/bin/sh\n")), nil, nil)
	if err != nil || res.ELF {
		t.Fatalf("%v %+v", err, res)
	}
	if _, err := Check("x.so", bytes.NewReader([]byte("\x7fELF\x02\x01\x01")), nil, nil); err == nil {
		t.Fatal("truncated ELF: no error")
	}
}

func FuzzCheck(f *testing.F) {
	f.Add([]byte("\x7fELF\x02\x01\x01\x00"))
	if so, err := os.ReadFile("/bin/true"); err == nil {
		f.Add(so[:min(len(so), 4096)])
	}
	pol, _ := PolicyFor("manylinux_2_17_x86_64")
	f.Fuzz(func(t *testing.T, data []byte) {
		Check("f.so", bytes.NewReader(data), pol, func(string, []string) bool { return false })
	})
}

func FuzzPolicyFor(f *testing.F) {
	for _, s := range []string{"manylinux_2_17_x86_64", "manylinux1_i686", "manylinux_99999_1_x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := PolicyFor(s)
		if err == nil && (p.MaxVersions["GLIBC"] == "" || len(p.Libraries) == 0) {
			t.Fatalf("%q: incomplete policy %+v", s, p)
		}
		CompareVersions(s, "2.17")
	})
}
