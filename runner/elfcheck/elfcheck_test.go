package elfcheck

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
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

// TestSystemLibrary: a library of SystemLibraries (LightGBM's libgomp.so.1)
// is a warning naming what to install, not a failure; bundled, nothing.
func TestSystemLibrary(t *testing.T) {
	so := fakeso.NeedsLibrary(t, t.TempDir(), "lib_lightgbm.so", "libgomp.so.1")
	pol, _ := PolicyFor("manylinux_2_17_x86_64")
	res, err := CheckFile("lightgbm/lib_lightgbm.so", so, pol, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 1 || !res.Problems[0].Warning || res.Problems[0].Kind != "system-library" {
		t.Fatalf("problems %+v", res.Problems)
	}
	if msg := res.Problems[0].Message; !strings.Contains(msg, "libgomp1 on Debian") || !strings.Contains(msg, "manylinux_2_17") {
		t.Errorf("message %q", msg)
	}
	res, err = CheckFile("lightgbm/lib_lightgbm.so", so, pol, func(lib string, dirs []string) bool { return lib == "libgomp.so.1" })
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

// gccShared compiles C source into dir/name with gcc -shared -fPIC and the
// extra arguments; it skips the test without gcc.
func gccShared(t *testing.T, dir, name, src string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skipf("gcc is not installed: %v", err)
	}
	c := filepath.Join(t.TempDir(), strings.TrimSuffix(name, ".so")+".c")
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command("gcc", append([]string{"-shared", "-fPIC", "-nostdlib", "-o", out, c}, args...)...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, b)
	}
	return out
}

// noVersionInfo fails the test when readelf (if installed) finds version
// information in file: the object must be what the test means it to be.
func noVersionInfo(t *testing.T, file string) {
	t.Helper()
	if _, err := exec.LookPath("readelf"); err != nil {
		return
	}
	out, _ := exec.Command("readelf", "-V", file).CombinedOutput()
	if !strings.Contains(string(out), "No version information found") {
		t.Fatalf("%s has version information:\n%s", file, out)
	}
}

// An ELF shared object without .gnu.version_r (and .gnu.version) is
// legal, and numpy ships such extension modules: it requires no symbol
// version, so it passes every policy's version check; its DT_NEEDED
// libraries are still checked.
func TestNoVersionTable(t *testing.T) {
	dir := t.TempDir()
	// Nothing needed at all (no DT_NEEDED).
	bare := gccShared(t, dir, "bare.cpython-311-x86_64-linux-gnu.so", "int clusterpack_inc(int x) { return x + 1; }\n")
	noVersionInfo(t, bare)
	// Needs an unversioned library, like numpy's lapack_lite needing the
	// libscipy_openblas it bundles in numpy.libs.
	libs := filepath.Join(dir, "pkg.libs")
	os.Mkdir(libs, 0o755)
	stub := gccShared(t, libs, "libblas-1a2b3c.so", "int clusterpack_dot(int x) { return x; }\n", "-Wl,-soname,libblas-1a2b3c.so")
	ext := gccShared(t, dir, "lapack_lite.so", "extern int clusterpack_dot(int);\nint clusterpack_f(int x) { return clusterpack_dot(x) + 1; }\n", "-Wl,--no-as-needed", stub)
	noVersionInfo(t, ext)

	for _, platform := range []string{"manylinux1_x86_64", "manylinux2014_x86_64", "manylinux_2_28_x86_64"} {
		pol, err := PolicyFor(platform)
		if err != nil {
			t.Fatal(err)
		}
		res, err := CheckFile("pkg/bare.so", bare, pol, nil)
		if err != nil || !res.ELF || len(res.Requires) != 0 || len(res.Problems) != 0 {
			t.Fatalf("%s: bare: %v %+v", platform, err, res)
		}
		res, err = CheckFile("pkg/lapack_lite.so", ext, pol, nil)
		if err != nil {
			t.Fatalf("%s: %v", platform, err)
		}
		if !slices.Equal(res.Needed, []string{"libblas-1a2b3c.so"}) || len(res.Requires) != 0 {
			t.Fatalf("%s: needed %v requires %v", platform, res.Needed, res.Requires)
		}
		// Not bundled: the library is still a problem.
		if len(res.Problems) != 1 || res.Problems[0].Kind != "library" || res.Problems[0].Library != "libblas-1a2b3c.so" {
			t.Fatalf("%s: unbundled: %+v", platform, res.Problems)
		}
		bundled := func(lib string, _ []string) bool { return lib == "libblas-1a2b3c.so" }
		res, err = CheckFile("pkg/lapack_lite.so", ext, pol, bundled)
		if err != nil || len(res.Problems) != 0 {
			t.Fatalf("%s: bundled: %v %+v", platform, err, res.Problems)
		}
	}
}

// A version needs table without a version symbol table still states
// requirements the dynamic loader checks (glibc's dl-version.c reads
// DT_VERNEED alone): GLIBC_2.99 is still found with .gnu.version gone.
func TestVerneedWithoutVersym(t *testing.T) {
	so := fakeso.NewerGlibc(t, t.TempDir(), "fast.so")
	data, err := os.ReadFile(so)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var shoff, shentsize uint64
	switch h := f.Class; h {
	case elf.ELFCLASS64:
		shoff, shentsize = f.ByteOrder.Uint64(data[0x28:]), uint64(f.ByteOrder.Uint16(data[0x3a:]))
	default:
		t.Skipf("class %v", h)
	}
	found := false
	for i, s := range f.Sections {
		if s.Type == elf.SHT_GNU_VERSYM {
			// sh_type is the second word of the section header.
			f.ByteOrder.PutUint32(data[shoff+uint64(i)*shentsize+4:], uint32(elf.SHT_PROGBITS))
			found = true
		}
	}
	if !found {
		t.Skip("no .gnu.version section")
	}
	pol, _ := PolicyFor("manylinux_2_28_x86_64")
	res, err := Check("fast.so", bytes.NewReader(data), pol, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 1 || res.Problems[0].Version != "GLIBC_2.99" {
		t.Fatalf("problems %+v (requires %v)", res.Problems, res.Requires)
	}
}
