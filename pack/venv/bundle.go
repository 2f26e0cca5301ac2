package venv

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/internal/reproducible"
)

// bundled is a local CPython installation to copy into the environment.
type bundled struct {
	version     [2]int
	fullVersion string // "3.12.1"
	files       []ownFile
	// needsLDPath says the launcher must put the environment's lib/ on
	// LD_LIBRARY_PATH: the executable needs a shared libpython and its
	// RUNPATH/RPATH does not already say $ORIGIN/../lib.
	needsLDPath bool
}

// inspectScript prints what Write needs to know about an interpreter. It
// runs with -I -S: no site, no user environment.
const inspectScript = `import json, os, sys, sysconfig
v = sysconfig.get_config_vars()
json.dump({
    "implementation": sys.implementation.name,
    "version": list(sys.version_info[:3]),
    "base_prefix": sys.base_prefix,
    "executable": os.path.realpath(sys.executable),
    "stdlib": sysconfig.get_path("stdlib"),
    "platstdlib": sysconfig.get_path("platstdlib"),
    "libdir": v.get("LIBDIR") or "",
    "instsoname": v.get("INSTSONAME") or "",
    "shared": bool(v.get("Py_ENABLE_SHARED")),
}, sys.stdout)
`

type pythonInfo struct {
	Implementation string `json:"implementation"`
	Version        []int  `json:"version"`
	BasePrefix     string `json:"base_prefix"`
	Executable     string `json:"executable"`
	Stdlib         string `json:"stdlib"`
	Platstdlib     string `json:"platstdlib"`
	Libdir         string `json:"libdir"`
	Instsoname     string `json:"instsoname"`
	Shared         bool   `json:"shared"`
}

// inspectPython runs the interpreter once to find its installation and
// lists the files to bundle:
//
//   - libexec/pythonX.Y: the executable (symbolic links followed);
//   - lib/<INSTSONAME>, e.g. lib/libpython3.12.so.1.0, for a shared build;
//   - lib/pythonX.Y/...: the standard library, without site-packages,
//     test and tests packages, idlelib, __pycache__ directories, .pyc and
//     .pyo files and static libraries (*.a); lib-dynload is kept.
//
// Symbolic links to files are stored as copies of their target (zip has
// no portable symlink, and the two formats hold the same files);
// symbolic links to directories are skipped.
func inspectPython(ctx context.Context, python string) (*bundled, error) {
	b, err := inspect(ctx, python)
	if err != nil {
		return nil, fmt.Errorf("venv: %w", &BundleError{Python: python, Err: err})
	}
	return b, nil
}

// inspect is inspectPython, with errors that do not name the python.
func inspect(ctx context.Context, python string) (*bundled, error) {
	cmd := exec.CommandContext(ctx, python, "-I", "-S", "-c", inspectScript)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("running it: %w: %s", err, msg)
		}
		return nil, fmt.Errorf("running it: %w", err)
	}
	var info pythonInfo
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil {
		return nil, fmt.Errorf("reading its description: %w", err)
	}
	if info.Implementation != "cpython" || len(info.Version) != 3 || info.Version[0] != 3 {
		return nil, fmt.Errorf("it is %s %v, not CPython 3", info.Implementation, info.Version)
	}
	b := &bundled{
		version:     [2]int{info.Version[0], info.Version[1]},
		fullVersion: fmt.Sprintf("%d.%d.%d", info.Version[0], info.Version[1], info.Version[2]),
	}
	xy := fmt.Sprintf("%d.%d", b.version[0], b.version[1])
	want := filepath.Join(info.BasePrefix, "lib", "python"+xy)
	if filepath.Clean(info.Stdlib) != want || filepath.Clean(info.Platstdlib) != want {
		return nil, fmt.Errorf("its standard library is at %s (and %s), not %s: only a POSIX prefix layout can be bundled",
			info.Stdlib, info.Platstdlib, want)
	}

	exe, err := os.Stat(info.Executable)
	if err != nil {
		return nil, err
	}
	b.files = append(b.files, ownFile{name: "libexec/python" + xy, mode: 0o755, src: info.Executable, size: exe.Size()})
	needsLib, originLib, err := elfLibpython(info.Executable)
	if err != nil {
		return nil, err
	}
	if needsLib {
		if !info.Shared || info.Instsoname == "" {
			return nil, errors.New("the executable needs libpython but sysconfig names no shared library")
		}
		lib := filepath.Join(info.Libdir, info.Instsoname)
		st, err := os.Stat(lib)
		if err != nil {
			return nil, fmt.Errorf("its shared library: %w", err)
		}
		b.files = append(b.files, ownFile{name: "lib/" + info.Instsoname, mode: 0o644 | st.Mode().Perm()&0o111, src: lib, size: st.Size()})
		b.needsLDPath = !originLib
	}

	stdlib, err := walkStdlib(ctx, want, "lib/python"+xy)
	if err != nil {
		return nil, err
	}
	b.files = append(b.files, stdlib...)
	return b, nil
}

// elfLibpython reports whether the ELF executable needs a libpython
// shared library, and whether its RUNPATH (or RPATH) finds it in
// $ORIGIN/../lib, which is where the bundle puts it relative to
// libexec/.
func elfLibpython(exe string) (needs, origin bool, err error) {
	f, err := elf.Open(exe)
	if err != nil {
		return false, false, fmt.Errorf("%s is not an ELF executable (only Linux interpreters can be bundled): %w", exe, err)
	}
	defer f.Close()
	libs, err := f.ImportedLibraries()
	if err != nil {
		return false, false, fmt.Errorf("%s: reading its needed libraries: %w", exe, err)
	}
	for _, l := range libs {
		if strings.HasPrefix(l, "libpython") {
			needs = true
		}
	}
	for _, tag := range []elf.DynTag{elf.DT_RUNPATH, elf.DT_RPATH} {
		paths, _ := f.DynString(tag)
		for _, p := range paths {
			for _, dir := range strings.Split(p, ":") {
				d := strings.ReplaceAll(dir, "${ORIGIN}", "$ORIGIN")
				if path.Clean(d) == "$ORIGIN/../lib" {
					origin = true
				}
			}
		}
	}
	return needs, origin, nil
}

// skipStdlib reports whether the standard-library path rel (relative to
// lib/pythonX.Y, slash-separated) is left out of a bundle.
func skipStdlib(rel string, dir bool) bool {
	base := path.Base(rel)
	if dir {
		switch {
		case rel == "site-packages", rel == "idlelib", base == "__pycache__":
			return true
		case base == "test" || base == "tests":
			return true
		}
		return false
	}
	return strings.HasSuffix(base, ".pyc") || strings.HasSuffix(base, ".pyo") || strings.HasSuffix(base, ".a")
}

// walkStdlib lists the files of the standard library at root, to be
// stored under prefix.
func walkStdlib(ctx context.Context, root, prefix string) ([]ownFile, error) {
	var out []ownFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if skipStdlib(rel, true) {
				return filepath.SkipDir
			}
			return nil
		}
		if skipStdlib(rel, false) {
			return nil
		}
		st, err := os.Stat(p) // follows a symbolic link
		if err != nil {
			if d.Type()&fs.ModeSymlink != 0 {
				return nil // dangling
			}
			return err
		}
		if !st.Mode().IsRegular() {
			return nil // a link to a directory, a socket, ...
		}
		out = append(out, ownFile{name: prefix + "/" + rel, mode: reproducible.Mode(st.Mode()), src: p, size: st.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the standard library: %w", err)
	}
	return out, nil
}
