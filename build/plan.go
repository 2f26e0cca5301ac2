// Package build turns a lock into an archive a cluster runs: a PEX file or
// a zipped (or tar.gz) relocatable virtualenv, named by a content hash
// computed from the lock before anything is built, so that "is it built
// already?" and "is it uploaded already?" are one stat each.
//
// # Layered environments
//
// With Options.Layers an environment is a small base plus layers, as
// container images ship. The grouping rule, decided by NewPlan from the
// lock alone: every artifact whose locked size (Artifact.Size, the
// wheel's or sdist's file size) is 2 MiB or more gets a layer of its
// own, the 15 largest at most (equal sizes by name); every other
// distribution, and any whose size the lock does not record, is in the
// base. An environment is so at most 16 archives. Each layer is
// layer-<layer hash>.<ext>, the hash covering the layout version, the
// format, the target Python X.Y and the artifact's name, version, file
// name and sha256 (the lock's platforms too for an sdist built here),
// nothing of the environment around it: the same wheel gives the same
// layer, by name and bytes, in every environment of every user. The base
// is <name>-<content hash>.<ext>, the content hash also covering the
// split, with the launcher, the small distributions, every
// distribution's scripts and the list of its layers (see pack/venv and
// pack/pex for how each finds its layers on a node). Build writes each
// layer into the output directory unless it is there already (its size
// and sha256, or a stamp), then the base, then the manifest listing the
// layers (Manifest.Layers); each file is renamed into place only when
// complete and when every wheel has been verified.
package build

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/clusterpack/clusterpack/lockfile"
	"github.com/clusterpack/clusterpack/pack/venv"
	"github.com/clusterpack/clusterpack/pypa/distfilename"
	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/pypa/tags"
)

// LayoutVersion is part of every content hash: it changes whenever the
// archives clusterpack writes change for the same inputs.
const LayoutVersion = "3"

// Format is the kind of archive.
type Format string

const (
	FormatPex   Format = "pex"
	FormatZip   Format = "zip"
	FormatTarGz Format = "tar.gz"
	// FormatWheelhouse is a directory of the lock's wheels and a
	// requirements.txt pinning them by hash (FLIP-78's offline
	// requirements), not an environment.
	FormatWheelhouse Format = "wheelhouse"
)

// ErrWheelhouseLayers: --layers was given for a wheelhouse.
var ErrWheelhouseLayers = errors.New("a wheelhouse is a directory of wheels, not an environment: it has no base and layers (Options.Layers applies to a zip, tar.gz or pex)")

// ErrWheelhouseOptions: an interpreter path, a bundled Python, an entry
// point or a shebang were given for a wheelhouse, which has no
// interpreter: they belong to a venv archive or a pex.
var ErrWheelhouseOptions = errors.New("a wheelhouse holds wheels and a requirements file, no interpreter: an interpreter path, a bundled Python, an entry point or a shebang apply to a zip, tar.gz or pex")

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatPex, FormatZip, FormatTarGz, FormatWheelhouse:
		return f, nil
	}
	return "", fmt.Errorf("format %q: want pex, zip, tar.gz or wheelhouse", s)
}

// Options say what to build.
type Options struct {
	Format Format
	// Name prefixes the archive's file name; default "env".
	Name string
	// PythonPath is the interpreter a venv's bin/python runs on the nodes
	// ("" = pythonX.Y on PATH).
	PythonPath string
	// BundlePython is a local CPython to embed in a venv archive.
	BundlePython string
	// EntryPoint is what a pex runs ("mod:fn" or "mod"; "" = act as
	// the interpreter).
	EntryPoint string
	// Shebang overrides a pex's first line.
	Shebang string
	// Layers makes the environment a small base plus content-addressed
	// layers, one per large distribution (see Plan.Layers for the
	// rule). It is part of the content hash: a layered environment's base
	// is named apart from the monolith of the same lock.
	Layers bool
}

// Artifact is the file of one package that goes into the archive.
type Artifact struct {
	Name, Version string
	Filename      string
	URL           string // http(s) or file URL
	SHA256        string
	Size          int64
	Wheel         bool // else an sdist, built into a wheel first
	// Dependencies are the normalised names the lock records as the
	// package's dependencies ([[packages.dependencies]]).
	Dependencies []string
}

// Plan is everything about a build that is known before building: what
// goes in, and the name it will have.
type Plan struct {
	Options     Options
	Tool        lockfile.ClusterpackTool
	Python      [2]int
	Artifacts   []Artifact // sorted by name
	Local       []lockfile.Package
	ContentHash string
	// Layers are, with Options.Layers, the environment's layers in the
	// order the base loads them (by artifact name); every artifact not in
	// one is in the base. See planLayers for the rule.
	Layers []PlannedLayer
	// depsRecorded says the lock lists every package's dependencies (a
	// clusterpack lock does), so a wheel requiring more is a mismatch.
	depsRecorded bool
	// LockFile is the lock's path, when it was read from one, for
	// messages that name an entry's line; it is not part of the hash.
	LockFile string
	// bundleIdentity hashes the interpreter BundlePython names.
	bundleIdentity string
}

// Filename is the archive's name: <name>-<content hash>.<ext>, or
// <name>-<content hash> for a wheelhouse (a directory).
func (p *Plan) Filename() string {
	if p.Options.Format == FormatWheelhouse {
		return p.Options.Name + "-" + p.ContentHash
	}
	return p.Options.Name + "-" + p.ContentHash + "." + string(p.Options.Format)
}

// ManifestName is the name of the manifest written beside the archive.
func (p *Plan) ManifestName() string {
	return p.Options.Name + "-" + p.ContentHash + ".json"
}

// NewPlan chooses, for each package of the lock, the artifact that fits
// the lock's target best, and computes the content hash. lockDir is where
// the lock lives, for its relative paths.
func NewPlan(lk *lockfile.Lock, lockDir string, opts Options) (*Plan, error) {
	if opts.Name == "" {
		opts.Name = "env"
	}
	if strings.ContainsAny(opts.Name, `/\ `) || strings.HasPrefix(opts.Name, ".") {
		return nil, fmt.Errorf("archive name %q: use letters, digits, '-', '_' and '.' only", opts.Name)
	}
	if opts.Format == "" {
		opts.Format = FormatZip
	}
	if opts.Format == FormatWheelhouse && (opts.PythonPath != "" || opts.BundlePython != "" || opts.EntryPoint != "" || opts.Shebang != "") {
		return nil, ErrWheelhouseOptions
	}
	tool, err := lk.Clusterpack()
	if err != nil {
		return nil, fmt.Errorf("the lock has no [tool.clusterpack] target: make it with clusterpack lock")
	}
	major, minor, err := splitVersion(tool.PythonVersion)
	if err != nil {
		return nil, err
	}
	p := &Plan{Options: opts, Tool: tool, Python: [2]int{major, minor}}
	ranking := tags.NewRanking(tags.ForTarget(p.Python, tool.Platforms))
	for _, pkg := range lk.Packages {
		a, local, err := chooseArtifact(pkg, ranking, lockDir)
		if err != nil {
			return nil, err
		}
		if local {
			p.Local = append(p.Local, pkg)
			continue
		}
		for _, d := range pkg.Dependencies {
			if n, ok := d["name"].(string); ok {
				a.Dependencies = append(a.Dependencies, pep503.Normalize(n))
			}
		}
		p.Artifacts = append(p.Artifacts, a)
	}
	p.depsRecorded = strings.HasPrefix(lk.CreatedBy, "clusterpack")
	sort.Slice(p.Artifacts, func(i, j int) bool { return p.Artifacts[i].Name < p.Artifacts[j].Name })
	if opts.BundlePython != "" {
		id, err := interpreterIdentity(opts.BundlePython)
		if err != nil {
			return nil, err
		}
		p.bundleIdentity = id
	}
	if opts.Layers {
		if opts.Format == FormatWheelhouse {
			return nil, ErrWheelhouseLayers
		}
		p.Layers = planLayers(p.Artifacts, opts.Format, p.Python, tool.Platforms)
	}
	p.ContentHash = p.hash()
	return p, nil
}

// interpreterIdentity hashes what a bundled interpreter is made of that
// can change behind one path: its executable and its libpython.
func interpreterIdentity(python string) (string, error) {
	exe, err := filepath.EvalSymlinks(python)
	if err != nil {
		return "", &venv.BundleError{Python: python, Err: err}
	}
	files := []string{exe}
	libs, _ := filepath.Glob(filepath.Join(filepath.Dir(filepath.Dir(exe)), "lib", "libpython*.so*"))
	files = append(files, libs...)
	h := sha256.New()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", &venv.BundleError{Python: python, Err: err}
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// chooseArtifact picks the best wheel the target accepts, else the sdist.
// Directory packages (editable or local projects) are not part of the
// environment: upload ships them as code.
func chooseArtifact(pkg lockfile.Package, ranking tags.Ranking, lockDir string) (Artifact, bool, error) {
	a := Artifact{Name: pkg.Name, Version: pkg.Version}
	switch {
	case pkg.Directory != nil:
		return a, true, nil
	case pkg.VCS != nil:
		return a, false, fmt.Errorf("package %s comes from %s: VCS packages are not supported by build yet", pkg.Name, pkg.VCS.URL)
	case pkg.Archive != nil:
		loc, err := location(pkg.Archive.URL, pkg.Archive.Path, lockDir)
		if err != nil {
			return a, false, fmt.Errorf("package %s: %w", pkg.Name, err)
		}
		a.URL, a.Size, a.SHA256 = loc, pkg.Archive.Size, pkg.Archive.Hashes["sha256"]
		a.Filename = path.Base(strings.TrimPrefix(loc, "file://"))
		if u, err := url.Parse(loc); err == nil {
			a.Filename = path.Base(u.Path)
		}
		a.Wheel = strings.HasSuffix(a.Filename, ".whl")
		return a, false, needHash(a)
	}
	best, bestRank := -1, 0
	var seen []string
	for i, w := range pkg.Wheels {
		name := w.Filename()
		wf, err := distfilename.ParseWheel(name)
		if err != nil {
			return a, false, fmt.Errorf("package %s: %w", pkg.Name, err)
		}
		seen = append(seen, name)
		if r, ok := ranking.BestOf(wf.Tags); ok && (best < 0 || r < bestRank) {
			best, bestRank = i, r
		}
	}
	if best >= 0 {
		w := pkg.Wheels[best]
		loc, err := location(w.URL, w.Path, lockDir)
		if err != nil {
			return a, false, fmt.Errorf("package %s: %w", pkg.Name, err)
		}
		a.Filename, a.URL, a.SHA256, a.Size, a.Wheel = w.Filename(), loc, w.Hashes["sha256"], w.Size, true
		return a, false, needHash(a)
	}
	if pkg.Sdist != nil {
		loc, err := location(pkg.Sdist.URL, pkg.Sdist.Path, lockDir)
		if err != nil {
			return a, false, fmt.Errorf("package %s: %w", pkg.Name, err)
		}
		a.Filename, a.URL, a.SHA256, a.Size = pkg.Sdist.Filename(), loc, pkg.Sdist.Hashes["sha256"], pkg.Sdist.Size
		return a, false, needHash(a)
	}
	return a, false, fmt.Errorf("package %s %s: none of its wheels fits the lock's target (%s) and it has no sdist: %s", pkg.Name, pkg.Version, strings.Join(seen, ", "), "re-lock for this target")
}

func needHash(a Artifact) error {
	if len(a.SHA256) != 64 {
		return fmt.Errorf("package %s: %s has no sha256 in the lock; clusterpack builds only from hashed files", a.Name, a.Filename)
	}
	return nil
}

// location makes a lock's url or path (relative to the lock) a URL.
func location(u, p, lockDir string) (string, error) {
	if u != "" {
		return u, nil
	}
	if p == "" {
		return "", fmt.Errorf("neither url nor path")
	}
	if !filepath.IsAbs(p) {
		abs, err := filepath.Abs(filepath.Join(lockDir, filepath.FromSlash(p)))
		if err != nil {
			return "", err
		}
		p = abs
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String(), nil
}

// hash is the content hash: every input that changes the archive's bytes,
// and nothing else (not paths, dates or the machine).
func (p *Plan) hash() string {
	h := sha256.New()
	o := p.Options
	fmt.Fprintf(h, "clusterpack environment layout %s\n", LayoutVersion)
	fmt.Fprintf(h, "format %s\npython %d.%d\n", o.Format, p.Python[0], p.Python[1])
	fmt.Fprintf(h, "platforms %s\n", strings.Join(p.Tool.Platforms, " "))
	fmt.Fprintf(h, "python-path %q\nbundle-python %q\nentry-point %q\nshebang %q\n", o.PythonPath, p.bundleIdentity, o.EntryPoint, o.Shebang)
	for _, a := range p.Artifacts {
		fmt.Fprintf(h, "artifact %s %s %s sha256:%s\n", a.Name, a.Version, a.Filename, a.SHA256)
	}
	if o.Layers {
		// Only a layered plan writes these lines, so a monolith keeps
		// the name it had before layers existed.
		fmt.Fprintf(h, "layers\n")
		for _, l := range p.Layers {
			fmt.Fprintf(h, "layer %s\n", l.ContentHash)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:20]
}

func splitVersion(v string) (int, int, error) {
	a, b, ok := strings.Cut(v, ".")
	major, err1 := strconv.Atoi(a)
	minor, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("the lock's python version %q is not X.Y", v)
	}
	return major, minor, nil
}
