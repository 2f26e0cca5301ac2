// Package fakeso builds tiny shared objects for tests of the runner: one
// that requires a glibc symbol version the machine does not have
// (GLIBC_2.99), one that needs a library nobody has. It compiles C with
// the machine's gcc and, for the version, patches the compiled object:
// the version name in .dynstr ("GLIBC_2.14" → "GLIBC_2.99", same length)
// and its ELF hash in the SHT_GNU_verneed entry, so that the dynamic
// loader, like debug/elf, sees a real GLIBC_2.99 requirement. Only for
// tests.
package fakeso

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// memcpy is versioned GLIBC_2.14 on x86_64; the name is as long as the
// GLIBC_2.99 written over it.
const newGlibcSrc = `#include <string.h>
void *clusterpack_cp(void *d, const void *s, size_t n) { return memcpy(d, s, n); }
`

// NewerGlibc writes dir/name, a shared object requiring GLIBC_2.99.
// It skips the test when gcc is missing or the machine is not x86_64 glibc.
func NewerGlibc(t testing.TB, dir, name string) string {
	t.Helper()
	out := compile(t, dir, name, newGlibcSrc)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	patched, err := Retarget(data, "GLIBC_2.14", "GLIBC_2.99")
	if err != nil {
		t.Skipf("cannot craft the GLIBC_2.99 object here: %v", err)
	}
	if err := os.WriteFile(out, patched, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

// NeedsLibrary writes dir/name, a shared object with DT_NEEDED lib
// (linked against an empty stub library of that soname, not kept).
func NeedsLibrary(t testing.TB, dir, name, lib string) string {
	t.Helper()
	stubDir := t.TempDir()
	stub := filepath.Join(stubDir, lib)
	run(t, "gcc", "-shared", "-fPIC", "-o", stub, "-Wl,-soname,"+lib, "-x", "c", "/dev/null")
	out := filepath.Join(dir, name)
	src := filepath.Join(stubDir, "m.c")
	os.WriteFile(src, []byte("int clusterpack_x(void) { return 1; }\n"), 0o644)
	run(t, "gcc", "-shared", "-fPIC", "-o", out, src, "-Wl,--no-as-needed", stub)
	return out
}

func compile(t testing.TB, dir, name, src string) string {
	t.Helper()
	c := filepath.Join(t.TempDir(), "m.c")
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	run(t, "gcc", "-shared", "-fPIC", "-O1", "-fno-builtin", "-o", out, c)
	return out
}

func run(t testing.TB, name string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed: %v", name, err)
	}
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// Retarget renames the version requirement from → to (same length) in an
// ELF object and fixes its hash in the verneed table.
func Retarget(data []byte, from, to string) ([]byte, error) {
	if len(from) != len(to) {
		return nil, fmt.Errorf("%q and %q differ in length", from, to)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	dynstr := f.Section(".dynstr")
	verneed := f.Section(".gnu.version_r")
	if dynstr == nil || verneed == nil {
		return nil, fmt.Errorf("no .dynstr or .gnu.version_r section")
	}
	out := bytes.Clone(data)
	strs := out[dynstr.Offset : dynstr.Offset+dynstr.Size]
	i := bytes.Index(strs, append([]byte(from), 0))
	if i < 0 || (i > 0 && strs[i-1] != 0) {
		return nil, fmt.Errorf("no %s requirement in the object", from)
	}
	copy(strs[i:], to)
	bo := f.ByteOrder
	vn := out[verneed.Offset : verneed.Offset+verneed.Size]
	found := false
	// Elf_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
	// Elf_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
	for off := uint32(0); int(off)+16 <= len(vn); {
		cnt := bo.Uint16(vn[off+2:])
		aux := off + bo.Uint32(vn[off+8:])
		for j := uint16(0); j < cnt && int(aux)+16 <= len(vn); j++ {
			if int(bo.Uint32(vn[aux+8:])) == i {
				bo.PutUint32(vn[aux:], elfHash(to))
				found = true
			}
			next := bo.Uint32(vn[aux+12:])
			if next == 0 {
				break
			}
			aux += next
		}
		next := bo.Uint32(vn[off+12:])
		if next == 0 {
			break
		}
		off += next
	}
	if !found {
		return nil, fmt.Errorf("%s is not a version requirement", from)
	}
	return out, nil
}

// elfHash is the System V ELF hash of a name.
func elfHash(name string) uint32 {
	var h uint32
	for i := 0; i < len(name); i++ {
		h = h<<4 + uint32(name[i])
		if g := h & 0xf0000000; g != 0 {
			h ^= g >> 24
		}
		h &^= 0xf0000000
	}
	return h
}
