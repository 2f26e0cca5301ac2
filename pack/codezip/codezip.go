// Package codezip packs the importable code of a project directory (the
// code in development, installed editable) into a deterministic zip that
// Spark's --py-files and Flink's -pyfs put on sys.path: the project's
// top-level packages and modules at the zip's root, src/ layouts included,
// without caches, VCS or build directories. The zip is named by a hash of
// its inputs, computed before it is written, so that an unchanged project
// is found in a store without zipping it again, and a one-line change
// ships only this small zip.
package codezip

import (
	"archive/zip"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/clusterpack/clusterpack/internal/reproducible"
)

// LayoutVersion is part of every hash: it changes when the zips change
// for the same inputs.
const LayoutVersion = "1"

// File is one file of the zip.
type File struct {
	Path   string // slash-separated, relative to the zip root
	Source string // absolute path on disk
	Mode   fs.FileMode
	SHA256 string
	Size   int64
}

// Plan is what goes into a project's code zip, and its name.
type Plan struct {
	Project string // the project directory
	Root    string // where the importable code is: Project or Project/src
	Files   []File // sorted by Path
	// TopLevel are the importable names: packages and modules.
	TopLevel []string
	Hash     string
}

// Filename is the zip's name: code-<project dir name>-<hash>.zip.
func (p *Plan) Filename() string {
	base := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, filepath.Base(p.Project))
	return "code-" + base + "-" + p.Hash + ".zip"
}

// skipDirs are never code.
var skipDirs = map[string]bool{
	"__pycache__": true, ".git": true, ".hg": true, ".svn": true, ".tox": true, ".nox": true,
	".venv": true, "venv": true, "build": true, "dist": true, ".mypy_cache": true, ".pytest_cache": true,
	".ruff_cache": true, "node_modules": true, ".ipynb_checkpoints": true, ".eggs": true,
}

// notPackages are top-level directories that hold no importable code of
// the project even when they have an __init__.py.
var notPackages = map[string]bool{"tests": true, "test": true, "docs": true, "doc": true, "examples": true, "benchmarks": true, "scripts": true}

// notModules are top-level files that are tooling, not code.
var notModules = map[string]bool{"setup.py": true, "conftest.py": true, "noxfile.py": true, "fabfile.py": true}

// NewPlan finds the importable code of a project directory: with a src/
// directory holding packages, that directory; else the project's root.
// Packages are directories with an __init__.py (and everything in them
// but caches); modules are top-level .py files.
//
// Symbolic links in what is packed are followed only inside the project:
// a link whose target (resolved all the way) is in the project directory
// is stored as what it points to, a file's content or a directory's
// files, under the link's name (a zip on sys.path holds no links, and a
// project that links a module in from elsewhere in its tree should run on
// the cluster as it does here). A link that leads out of the project
// (/etc/passwd, ../outside), one that points at nothing, and one to a
// directory it is in (a loop) are a *LinkError naming the link: never
// packed, never silently left out, since either would ship something
// other than the code the user sees.
func NewPlan(ctx context.Context, project string) (*Plan, error) {
	abs, err := filepath.Abs(project)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("code directory %s: %w", project, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("code directory %s is not a directory", project)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("code directory %s: %w", project, err)
	}
	w := &walker{ctx: ctx, project: project, real: real}
	p := &Plan{Project: abs, Root: abs}
	rootDir := real // where the importable names are, links resolved
	src := filepath.Join(real, "src")
	if srcReal, err := w.resolve(src, "src"); err == nil {
		if names, _ := topLevel(srcReal); len(names) > 0 {
			p.Root, rootDir = filepath.Join(abs, "src"), srcReal
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	names, err := topLevel(rootDir)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("code directory %s has no Python package (a directory with __init__.py) or module (a .py file), in it or in src/", project)
	}
	p.TopLevel = names
	for _, name := range names {
		if err := w.add(filepath.Join(rootDir, name), name, nil); err != nil {
			return nil, err
		}
	}
	p.Files = w.files
	sort.Slice(p.Files, func(i, j int) bool { return p.Files[i].Path < p.Files[j].Path })
	h := sha256.New()
	fmt.Fprintf(h, "clusterpack code zip layout %s\n", LayoutVersion)
	for _, f := range p.Files {
		fmt.Fprintf(h, "%s %o %s\n", f.Path, f.Mode, f.SHA256)
	}
	p.Hash = hex.EncodeToString(h.Sum(nil))[:20]
	return p, nil
}

// LinkError is a symbolic link in a project's code that is not packed: it
// leads out of the project, points at nothing, or loops.
type LinkError struct {
	Project string // the code directory, as given
	Link    string // slash-separated, relative to the code root (the project or its src/)
	Target  string // what the link says
	Reason  string // "leads out of the project", ...
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("code directory %s: %s is a symbolic link to %s, which %s: it is not packed; replace the link with the file or directory itself (or remove it)",
		e.Project, e.Link, e.Target, e.Reason)
}

// walker gathers the files of a project's packages and modules.
type walker struct {
	ctx     context.Context
	project string // as given, for messages
	real    string // the project directory, links resolved
	files   []File
}

// resolve returns the real path of path, which is rel in the zip: path
// itself when it is no link, else where its links lead, which must be in
// the project. A path that does not exist is fs.ErrNotExist.
func (w *walker) resolve(path, rel string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return "", err
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	target, _ := os.Readlink(path)
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", &LinkError{Project: w.project, Link: rel, Target: target, Reason: "does not exist"}
	}
	if r, err := filepath.Rel(w.real, real); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) || filepath.IsAbs(r) {
		return "", &LinkError{Project: w.project, Link: rel, Target: target, Reason: "leads out of the project " + w.real}
	}
	return real, nil
}

// add adds the file or directory at path (rel in the zip), following a
// link inside the project; open holds the real directories being walked
// above it, to find loops.
func (w *walker) add(path, rel string, open map[string]bool) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	real, err := w.resolve(path, rel)
	if err != nil {
		return err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return fmt.Errorf("code directory %s: %w", w.project, err)
	}
	switch {
	case fi.IsDir():
		if open[real] {
			target, _ := os.Readlink(path)
			return &LinkError{Project: w.project, Link: rel, Target: target, Reason: "is a directory it is in (a loop)"}
		}
		entries, err := os.ReadDir(real)
		if err != nil {
			return fmt.Errorf("code directory %s: %w", w.project, err)
		}
		inner := map[string]bool{real: true}
		for d := range open {
			inner[d] = true
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || e.Type()&fs.ModeSymlink != 0 {
				// Skipped by name, before any link is followed: a
				// .venv full of links to an interpreter is not code.
				if skipDirs[name] || strings.HasSuffix(name, ".egg-info") {
					continue
				}
			}
			if strings.HasSuffix(name, ".pyc") || strings.HasSuffix(name, ".pyo") {
				continue
			}
			if err := w.add(filepath.Join(real, name), rel+"/"+name, inner); err != nil {
				return err
			}
		}
		return nil
	case fi.Mode().IsRegular():
		f, err := fileOf(real, rel)
		if err != nil {
			return fmt.Errorf("code directory %s: %w", w.project, err)
		}
		w.files = append(w.files, f)
		return nil
	}
	return nil // sockets, devices and pipes are not code
}

// topLevel lists the importable names of a directory, sorted. A link
// counts as what it points to (add checks where it leads); one named
// like a module that points at nothing is listed, for add to report.
func topLevel(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		isDir, isFile := e.IsDir(), e.Type().IsRegular()
		if e.Type()&fs.ModeSymlink != 0 {
			fi, err := os.Stat(filepath.Join(dir, name))
			isDir, isFile = err == nil && fi.IsDir(), err != nil || fi.Mode().IsRegular()
		}
		switch {
		case isDir:
			if skipDirs[name] || notPackages[name] || strings.HasPrefix(name, ".") || strings.Contains(name, "-") {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, name, "__init__.py")); err == nil {
				out = append(out, name)
			}
		case isFile && strings.HasSuffix(name, ".py") && !notModules[name] && !strings.Contains(strings.TrimSuffix(name, ".py"), "."):
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

func fileOf(path, rel string) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return File{}, err
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, fmt.Errorf("reading %s: %w", path, err)
	}
	return File{Path: rel, Source: path, Mode: reproducible.Mode(info.Mode()), SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

// Write writes the zip: entries sorted, fixed times and modes, deflated
// at a fixed level, so the same plan gives the same bytes anywhere. A file
// that changed since the plan was made is an error (the name would lie).
func (p *Plan) Write(ctx context.Context, w io.Writer) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, 6)
	})
	dirs := map[string]bool{}
	for _, f := range p.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Directory entries first, so every unzip creates them with modes.
		parts := strings.Split(f.Path, "/")
		for i := 1; i < len(parts); i++ {
			d := strings.Join(parts[:i], "/") + "/"
			if dirs[d] {
				continue
			}
			dirs[d] = true
			fh := &zip.FileHeader{Name: d, Method: zip.Store, Modified: reproducible.Epoch()}
			fh.SetMode(fs.ModeDir | 0o755)
			if _, err := zw.CreateHeader(fh); err != nil {
				return err
			}
		}
		fh := &zip.FileHeader{Name: f.Path, Method: zip.Deflate, Modified: reproducible.Epoch()}
		fh.SetMode(f.Mode)
		out, err := zw.CreateHeader(fh)
		if err != nil {
			return err
		}
		src, err := os.Open(f.Source)
		if err != nil {
			return err
		}
		h := sha256.New()
		_, err = io.Copy(io.MultiWriter(out, h), src)
		src.Close()
		if err != nil {
			return fmt.Errorf("zipping %s: %w", f.Source, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
			return fmt.Errorf("%s changed while it was being zipped; run again", f.Source)
		}
	}
	return zw.Close()
}
