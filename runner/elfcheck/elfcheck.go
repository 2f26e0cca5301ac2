// Package elfcheck checks the ELF extension modules of a Python
// environment against a manylinux policy (PEP 600), as auditwheel does when
// it repairs a wheel, but after the fact and for a whole environment: an
// extension module may require no versioned symbol (GLIBC_2.x,
// GLIBCXX_3.4.x, CXXABI_1.3.x, GCC_x, ...) newer than the policy's glibc
// level allows, and may need (DT_NEEDED) only shared libraries that are
// either bundled beside it (a wheel's "<name>.libs" directory, or a
// directory its RPATH/RUNPATH names relative to $ORIGIN) or on the policy's
// allow-list (libc, libm, libpthread, libstdc++, libX11, ...).
//
// The policies (policy_table.go) are generated from auditwheel's
// manylinux-policy.json. A manylinux_2_N level with no policy of its own
// (manylinux_2_30, manylinux_2_42, ...) uses the newest policy below it,
// with GLIBC raised to 2.N.
//
// debug/elf parses the files, all but the version needs table
// (.gnu.version_r), read here so that an object without one, or without
// a version symbol table beside it, is no error (see versionNeeds).
// Version strings are compared numerically, component by component
// ("3.4.19" < "3.4.100").
package elfcheck

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

type policyRow struct {
	glibc [2]int
	name  string
	libs  []string
	max   map[string]map[string]string // arch → symbol family → highest version
}

// Policy is what a manylinux platform tag allows.
type Policy struct {
	// Platform is the tag asked for, e.g. "manylinux_2_28_x86_64".
	Platform string
	// Name is the auditwheel policy used, e.g. "manylinux_2_28".
	Name string
	Arch string
	// Glibc is the glibc level (2, N) of the platform.
	Glibc [2]int
	// MaxVersions maps a symbol-version family ("GLIBC", "GLIBCXX",
	// "CXXABI", "GCC", "ZLIB", "LIBATOMIC") to its highest allowed version.
	MaxVersions map[string]string
	// Libraries is the allow-list of shared libraries (sonames) that an
	// extension may need without bundling them.
	Libraries []string
}

var (
	manylinuxRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^manylinux_(\d+)_(\d+)_([a-z0-9_]+)$`) })
	legacy      = map[string]string{"manylinux1": "manylinux_2_5", "manylinux2010": "manylinux_2_12", "manylinux2014": "manylinux_2_17"}
)

// ErrNoPolicy is wrapped by PolicyFor's error for a platform that has no
// manylinux policy (macOS, Windows, musllinux, linux_x86_64).
var ErrNoPolicy = errors.New("no manylinux policy")

// PolicyFor returns the policy of a manylinux platform tag:
// manylinux_2_N_ARCH or a legacy alias (manylinux1_x86_64,
// manylinux2010_x86_64, manylinux2014_aarch64).
func PolicyFor(platform string) (*Policy, error) {
	p := strings.ToLower(platform)
	for alias, name := range legacy {
		if rest, ok := strings.CutPrefix(p, alias+"_"); ok {
			p = name + "_" + rest
		}
	}
	m := manylinuxRE().FindStringSubmatch(p)
	if m == nil {
		return nil, fmt.Errorf("platform %q: %w (want manylinux_2_N_ARCH, manylinux2014_ARCH, ...)", platform, ErrNoPolicy)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	arch := m[3]
	var row *policyRow
	for i := range policyTable {
		r := &policyTable[i]
		if r.glibc[0] == major && r.glibc[1] <= minor {
			if _, ok := r.max[arch]; ok {
				row = r
			}
		}
	}
	if row == nil {
		return nil, fmt.Errorf("platform %q: %w for glibc %d.%d on %s (the oldest manylinux policies are manylinux_2_5 for x86_64 and i686, manylinux_2_17 for other architectures)", platform, ErrNoPolicy, major, minor, arch)
	}
	pol := &Policy{Platform: platform, Name: row.name, Arch: arch, Glibc: [2]int{major, minor}, MaxVersions: map[string]string{}, Libraries: slices.Clone(row.libs)}
	for k, v := range row.max[arch] {
		pol.MaxVersions[k] = v
	}
	if row.glibc != pol.Glibc {
		pol.MaxVersions["GLIBC"] = fmt.Sprintf("%d.%d", major, minor)
	}
	return pol, nil
}

// SystemLibraries are libraries off every manylinux allow-list that
// widely used wheels need without bundling them, on purpose, because they
// belong to the system: a wheel that needs one passes with a warning that
// names the package to install where the nodes lack it. Each maps to what
// it is and that package's names.
//
// libgomp.so.1 is GCC's OpenMP runtime: LightGBM's wheels link it and say
// in their installation guide that the system must have it (bundling a
// second OpenMP runtime beside the system's, which numpy's BLAS or another
// package may load, breaks OpenMP programs).
var SystemLibraries = map[string]string{
	"libgomp.so.1": "GCC's OpenMP runtime (libgomp1 on Debian and Ubuntu, libgomp on RHEL, CentOS and Amazon Linux)",
}

// Problem is one reason an extension module does not fit a policy.
type Problem struct {
	// File is the extension's path as the caller named it.
	File string `json:"file"`
	// Kind is "symbol-version", "library", "system-library" or
	// "not-loadable".
	Kind string `json:"kind"`
	// Warning is set for a problem that does not make the extension
	// unfit by itself: a "system-library" (see SystemLibraries).
	Warning bool `json:"warning,omitempty"`
	// Library is the needed library (for both kinds).
	Library string `json:"library,omitempty"`
	// Version is the symbol version required, e.g. "GLIBC_2.34".
	Version string `json:"version,omitempty"`
	// Message says what is wrong in words a user can act on.
	Message string `json:"message"`
}

// Result of checking one file.
type Result struct {
	// ELF is false for a file that is not an ELF object (nothing to check).
	ELF      bool
	Needed   []string // DT_NEEDED sonames
	RunPaths []string // DT_RPATH and DT_RUNPATH entries
	// Requires holds every versioned-symbol requirement, "GLIBC_2.17".
	Requires []string
	Problems []Problem
}

// Bundled reports whether a library (a soname) is shipped beside an
// extension: it is given the extension's path and the directories its
// RPATH/RUNPATH names, with $ORIGIN replaced by the extension's directory
// (all slash-separated, relative to the same root as the extension).
type Bundled func(soname string, searchDirs []string) bool

// Check reads the ELF object in r (named name in messages and in
// Problem.File) and checks it against pol. bundled may be nil (nothing
// is bundled). A file that is not ELF gives a Result with ELF false.
func Check(name string, r io.ReaderAt, pol *Policy, bundled Bundled) (*Result, error) {
	var magic [4]byte
	if n, _ := r.ReadAt(magic[:], 0); n < 4 || string(magic[:]) != elf.ELFMAG {
		return &Result{}, nil
	}
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable ELF file: %w", name, err)
	}
	defer f.Close()
	res := &Result{ELF: true}
	if f.Type != elf.ET_DYN {
		return res, nil
	}
	res.Needed, _ = f.DynString(elf.DT_NEEDED)
	rpath, _ := f.DynString(elf.DT_RPATH)
	runpath, _ := f.DynString(elf.DT_RUNPATH)
	dir := path.Dir(name)
	var search []string
	for _, list := range append(rpath, runpath...) {
		for _, p := range strings.Split(list, ":") {
			if p == "" {
				continue
			}
			res.RunPaths = append(res.RunPaths, p)
			if rest, ok := strings.CutPrefix(p, "$ORIGIN"); ok {
				search = append(search, path.Clean(dir+"/"+rest))
			} else if rest, ok := strings.CutPrefix(p, "${ORIGIN}"); ok {
				search = append(search, path.Clean(dir+"/"+rest))
			}
		}
	}
	isBundled := func(lib string) bool { return bundled != nil && bundled(lib, search) }
	if pol == nil {
		return res, nil
	}
	allowed := map[string]bool{}
	for _, l := range pol.Libraries {
		allowed[l] = true
	}
	for _, lib := range res.Needed {
		if allowed[lib] || isBundled(lib) || strings.HasPrefix(lib, "ld-linux") || strings.HasPrefix(lib, "libpython") {
			continue
		}
		if what, ok := SystemLibraries[lib]; ok {
			res.Problems = append(res.Problems, Problem{File: name, Kind: "system-library", Library: lib, Warning: true,
				Message: fmt.Sprintf("%s needs %s, %s, which it does not bundle and the %s policy does not allow: it expects the nodes to have it; make sure they do", name, lib, what, pol.Name)})
			continue
		}
		res.Problems = append(res.Problems, Problem{File: name, Kind: "library", Library: lib,
			Message: fmt.Sprintf("%s needs %s, which is neither bundled with it nor on the %s allow-list: the nodes may not have it (repair the wheel with auditwheel, or install a wheel that bundles it)", name, lib, pol.Name)})
	}
	needs, err := versionNeeds(f)
	if err != nil {
		return nil, fmt.Errorf("%s: reading its version requirements: %w", name, err)
	}
	for _, n := range needs {
		for _, d := range n.Needs {
			res.Requires = append(res.Requires, d.Dep)
			if isBundled(n.Name) {
				continue
			}
			if msg := checkVersion(d.Dep, pol); msg != "" {
				res.Problems = append(res.Problems, Problem{File: name, Kind: "symbol-version", Library: n.Name, Version: d.Dep,
					Message: fmt.Sprintf("%s requires %s from %s, newer than %s allows (%s): it will not load on the target's nodes; use a wheel built for %s or older, or target a newer platform", name, d.Dep, n.Name, pol.Platform, msg, pol.Name)})
			}
		}
	}
	return res, nil
}

// versionNeeds reads the version needs table (SHT_GNU_verneed,
// .gnu.version_r): per needed library, the symbol versions required of it.
// An object without the table requires no symbol version, which is legal
// (numpy ships such extension modules), and gives none. Unlike
// elf.File.DynamicVersionNeeds, it does not ask for the version symbol
// table (SHT_GNU_versym) as well: the dynamic loader checks every entry
// of the needs table whether or not a symbol refers to it, so an object
// with one and not the other still requires what the needs table says.
// Names come from the string table the section links to.
func versionNeeds(f *elf.File) ([]elf.DynamicVersionNeed, error) {
	vn := f.SectionByType(elf.SHT_GNU_VERNEED)
	if vn == nil {
		return nil, nil
	}
	d, err := vn.Data()
	if err != nil {
		return nil, fmt.Errorf("section %s: %w", vn.Name, err)
	}
	if int(vn.Link) <= 0 || int(vn.Link) >= len(f.Sections) || f.Sections[vn.Link].Type != elf.SHT_STRTAB {
		return nil, fmt.Errorf("section %s links to no string table (section %d)", vn.Name, vn.Link)
	}
	str, err := f.Sections[vn.Link].Data()
	if err != nil {
		return nil, fmt.Errorf("section %s: %w", f.Sections[vn.Link].Name, err)
	}
	cstr := func(off uint32) (string, error) {
		if int64(off) >= int64(len(str)) {
			return "", fmt.Errorf("section %s: string offset %d past the end of %s", vn.Name, off, f.Sections[vn.Link].Name)
		}
		s := str[off:]
		if i := slices.Index(s, 0); i >= 0 {
			s = s[:i]
		}
		return string(s), nil
	}
	bo := f.ByteOrder
	var needs []elf.DynamicVersionNeed
	// Elf_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32,
	// vn_next u32 (the same in ELF32 and ELF64), each followed (vn_aux
	// bytes on) by vn_cnt Elf_Vernaux: vna_hash u32, vna_flags u16,
	// vna_other u16, vna_name u32, vna_next u32. Offsets only go forward,
	// so the walk ends.
	for off := uint64(0); len(d) > 0; {
		if off+16 > uint64(len(d)) {
			return nil, fmt.Errorf("section %s: entry at %#x runs past its end", vn.Name, off)
		}
		e := d[off:]
		if v := bo.Uint16(e); v != 1 {
			return nil, fmt.Errorf("section %s: entry at %#x has version %d, not 1", vn.Name, off, v)
		}
		file, err := cstr(bo.Uint32(e[4:]))
		if err != nil {
			return nil, err
		}
		need := elf.DynamicVersionNeed{Name: file}
		aux := off + uint64(bo.Uint32(e[8:]))
		for n := bo.Uint16(e[2:]); n > 0; n-- {
			if aux+16 > uint64(len(d)) {
				return nil, fmt.Errorf("section %s: requirement at %#x runs past its end", vn.Name, aux)
			}
			a := d[aux:]
			dep, err := cstr(bo.Uint32(a[8:]))
			if err != nil {
				return nil, err
			}
			need.Needs = append(need.Needs, elf.DynamicVersionDep{Flags: elf.DynamicVersionFlag(bo.Uint16(a[4:])), Index: bo.Uint16(a[6:]), Dep: dep})
			next := bo.Uint32(a[12:])
			if next == 0 {
				break
			}
			aux += uint64(next)
		}
		needs = append(needs, need)
		next := bo.Uint32(e[12:])
		if next == 0 {
			break
		}
		off += uint64(next)
	}
	return needs, nil
}

// CheckFile is Check on a file of the local file system.
func CheckFile(name, file string, pol *Policy, bundled Bundled) (*Result, error) {
	fh, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return Check(name, fh, pol, bundled)
}

// checkVersion returns why a version requirement exceeds the policy, or "".
func checkVersion(dep string, pol *Policy) string {
	family, version, ok := strings.Cut(dep, "_")
	if !ok {
		return ""
	}
	switch dep {
	case "GLIBC_PRIVATE":
		return "GLIBC_PRIVATE is glibc's internal interface, never stable"
	case "GLIBC_ABI_DT_RELR":
		if CompareVersions(fmt.Sprintf("%d.%d", pol.Glibc[0], pol.Glibc[1]), "2.36") < 0 {
			return "DT_RELR relocations need glibc 2.36"
		}
		return ""
	}
	max, known := pol.MaxVersions[family]
	if !known || !numeric(version) {
		return ""
	}
	if CompareVersions(version, max) > 0 {
		return fmt.Sprintf("at most %s_%s", family, max)
	}
	return ""
}

func numeric(v string) bool {
	for _, p := range strings.Split(v, ".") {
		if p == "" {
			return false
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// CompareVersions compares dotted numeric versions component by component;
// a missing component counts as 0. Non-numeric components compare as 0.
func CompareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// IsExtension reports whether a path inside an environment looks like a
// shared object Python or an extension loads: "*.so" or "*.so.N...".
func IsExtension(p string) bool {
	base := path.Base(p)
	return strings.HasSuffix(base, ".so") || strings.Contains(base, ".so.")
}
