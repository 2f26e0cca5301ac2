package runner

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/clusterpack/clusterpack/internal/unpack"
	"github.com/clusterpack/clusterpack/pack/pex"
	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/pypa/pep508"
	"github.com/clusterpack/clusterpack/pypa/record"
)

// Format is the kind of archive an Env was opened from.
type Format string

const (
	FormatVenv Format = "venv" // a venv zip or tar.gz (pack/venv)
	FormatPex  Format = "pex"  // a pex file (pack/pex)
)

// OpenOptions control OpenArchive.
type OpenOptions struct {
	// CacheDir is where archives are unpacked, one directory per archive
	// sha256 (CacheDir/<sha256>); required.
	CacheDir string
	// Platform is the target's platform tag (e.g. "manylinux_2_28_x86_64")
	// for the static check. Empty: the "platform" of the build manifest
	// beside the archive (<name>-<hash>.json), if there is one.
	Platform string
	// Limits bound what unpacking may write; the zero Limits are
	// DefaultLimits, and a negative field lifts that bound.
	Limits Limits
}

// Limits bound an archive's unpacking, against archives made to fill the
// disk (a 1 MiB wheel that expands to 1 GiB).
type Limits struct {
	// MaxBytes bounds the bytes written.
	MaxBytes int64
	// MaxFiles bounds the number of members.
	MaxFiles int
	// MaxRatio bounds how many times its compressed size one zip member
	// larger than 16 MiB may expand to.
	MaxRatio int64
}

// DefaultLimits are above what real environments reach: the largest
// (torch with its CUDA libraries) unpack to about 10 GB in under 100,000
// files, and compiled code and data compress less than 20 to 1.
var DefaultLimits = Limits{MaxBytes: 64 << 30, MaxFiles: 2_000_000, MaxRatio: 500}

// unpackOptions are l with its defaults, as internal/unpack takes them.
func (l Limits) unpackOptions() unpack.Options {
	pick := func(v, def int64) int64 {
		switch {
		case v < 0:
			return 0
		case v == 0:
			return def
		}
		return v
	}
	return unpack.Options{
		MaxBytes:   pick(l.MaxBytes, DefaultLimits.MaxBytes),
		MaxMembers: int(pick(int64(l.MaxFiles), int64(DefaultLimits.MaxFiles))),
		MaxRatio:   pick(l.MaxRatio, DefaultLimits.MaxRatio),
	}
}

// Env is an archive unpacked on this machine.
type Env struct {
	Archive string // the archive's path
	SHA256  string // hex sha256 of the archive's bytes
	Dir     string // the unpacked root (the venv root, or the pex's .deps parent)
	Format  Format
	// Python is the target's (major, minor).
	Python [2]int
	// Platform is the target platform tag, or "" when unknown.
	Platform string
	// SitePaths are the directories that go on sys.path as site
	// directories (their .pth files processed), in order: the venv's
	// lib/pythonX.Y/site-packages, or each pex chroot .deps/<wheel>; for
	// a layered environment the base's, then each layer's (a venv's
	// first the runner's own, see OpenEnvironment).
	SitePaths []string
	// Distributions are the installed distributions, sorted by name.
	Distributions []Distribution
	// Bundled is the interpreter shipped in the archive, or nil.
	Bundled *Interpreter
	// Layers are the layers of a layered environment, each opened on its
	// own, in load order; nil for an environment of one archive. The
	// base's SitePaths and Distributions then hold the union (see
	// OpenEnvironment).
	Layers []*Env
}

// Distribution is one installed distribution of an Env.
type Distribution struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// SiteDir is the site directory it is installed in (one of
	// Env.SitePaths).
	SiteDir string `json:"-"`
	// DistInfo is its .dist-info directory, relative to SiteDir.
	DistInfo string `json:"dist_info"`
	// Tags are the wheel tags of its WHEEL file ("cp311-cp311-manylinux_2_17_x86_64").
	Tags []string `json:"tags,omitempty"`
	// TopLevel are its importable top-level modules and packages.
	TopLevel []string `json:"top_level"`
	// Files are its files relative to SiteDir, from RECORD (paths outside
	// SiteDir, such as scripts in ../../../bin, are left out).
	Files []string `json:"-"`
	// Requires are the project names of its Requires-Dist lines
	// (normalised) but those of extras; other markers are ignored.
	Requires []string `json:"requires,omitempty"`
	// Optional are the project names it requires only with an extra
	// (a Requires-Dist whose marker names extra), with the extras.
	Optional map[string][]string `json:"optional,omitempty"`
}

// ModuleOwner returns the distribution whose top-level modules include
// the first component of a dotted module name, or nil.
func (e *Env) ModuleOwner(module string) *Distribution {
	top, _, _ := strings.Cut(module, ".")
	for i := range e.Distributions {
		for _, t := range e.Distributions[i].TopLevel {
			if t == top {
				return &e.Distributions[i]
			}
		}
	}
	return nil
}

// RequiredBy lists the distributions that declare a requirement on the
// project name (normalised comparison).
func (e *Env) RequiredBy(project string) []string {
	n := pep503.Normalize(project)
	var out []string
	for _, d := range e.Distributions {
		for _, r := range d.Requires {
			if r == n {
				out = append(out, d.Name)
			}
		}
	}
	return out
}

// Distribution returns the distribution of that (normalised) name, or nil.
func (e *Env) Distribution(name string) *Distribution {
	n := pep503.Normalize(name)
	for i := range e.Distributions {
		if pep503.Normalize(e.Distributions[i].Name) == n {
			return &e.Distributions[i]
		}
	}
	return nil
}

// OpenArchive unpacks a venv archive (zip or tar.gz) or a pex into
// opts.CacheDir/<sha256 of the archive> (or reuses that directory when an
// earlier call made it) and describes what is inside. Unpacking goes into
// a temporary sibling renamed into place, so concurrent calls and
// interrupted ones never see a partial directory. Archive members with
// absolute paths or ".." are refused.
func OpenArchive(ctx context.Context, archive string, opts OpenOptions) (*Env, error) {
	if opts.CacheDir == "" {
		return nil, errors.New("runner: OpenOptions.CacheDir is required")
	}
	sum, err := fileSHA256(archive)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(opts.CacheDir, sum)
	if err := extract(ctx, archive, dir, opts.Limits.unpackOptions()); err != nil {
		return nil, fmt.Errorf("unpacking %s: %w", archive, err)
	}
	env := &Env{Archive: archive, SHA256: sum, Dir: dir, Platform: opts.Platform}
	if err := env.describe(); err != nil {
		return nil, fmt.Errorf("%s: %w", archive, err)
	}
	if env.Platform == "" {
		env.Platform = manifestPlatform(archive)
	}
	return env, nil
}

func fileSHA256(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// manifestPlatform reads "platform" from the build manifest beside the
// archive, "" when there is none.
func manifestPlatform(archive string) string {
	base := archive
	for _, ext := range []string{".tar.gz", ".zip", ".pex"} {
		if b, ok := strings.CutSuffix(base, ext); ok {
			base = b
			break
		}
	}
	data, err := os.ReadFile(base + ".json")
	if err != nil {
		return ""
	}
	var m struct {
		Platform string `json:"platform"`
	}
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	return m.Platform
}

// extract extracts a venv archive or a pex into dir, once. Of a pex only
// PEX-INFO and the .deps/ chroots are kept: its bootstrap is not needed.
func extract(ctx context.Context, archive, dir string, opts unpack.Options) error {
	return unpack.Once(dir, func(tmp string) error {
		if strings.HasSuffix(archive, ".tar.gz") || strings.HasSuffix(archive, ".tgz") {
			return unpack.File(ctx, archive, tmp, opts)
		}
		zr, err := zip.OpenReader(archive)
		if err != nil {
			return fmt.Errorf("not a zip or pex archive: %w", err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			if f.Name == "PEX-INFO" {
				opts.Keep = func(name string) bool { return name == "PEX-INFO" || strings.HasPrefix(name, ".deps/") }
				break
			}
		}
		return unpack.ZipWith(ctx, &zr.Reader, tmp, opts)
	})
}

// ErrTooLarge is matched (errors.Is) when an archive unpacks past its
// Limits; an archive that really is that large opens with higher ones.
var ErrTooLarge = unpack.ErrTooLarge

var pyLibDir = regexp.MustCompile(`^python(\d+)\.(\d+)$`)

// describe fills in the format, version, site paths and distributions.
func (e *Env) describe() error {
	if data, err := os.ReadFile(filepath.Join(e.Dir, "PEX-INFO")); err == nil {
		info, err := pex.ParseInfo(data)
		if err != nil {
			return err
		}
		e.Format = FormatPex
		if v, ok := info.BuildProperties["version"].([]any); ok && len(v) >= 2 {
			maj, _ := v[0].(float64)
			min, _ := v[1].(float64)
			e.Python = [2]int{int(maj), int(min)}
		}
		wheels := make([]string, 0, len(info.Distributions))
		for w := range info.Distributions {
			wheels = append(wheels, w)
		}
		sort.Strings(wheels)
		for _, w := range wheels {
			e.SitePaths = append(e.SitePaths, filepath.Join(e.Dir, ".deps", w))
		}
	} else {
		e.Format = FormatVenv
		entries, err := os.ReadDir(filepath.Join(e.Dir, "lib"))
		if err != nil {
			return errors.New("neither a venv archive (no lib/pythonX.Y/site-packages) nor a pex (no PEX-INFO)")
		}
		for _, ent := range entries {
			if m := pyLibDir.FindStringSubmatch(ent.Name()); m != nil && ent.IsDir() {
				if _, err := os.Stat(filepath.Join(e.Dir, "lib", ent.Name(), "site-packages")); err == nil {
					maj, _ := strconv.Atoi(m[1])
					min, _ := strconv.Atoi(m[2])
					e.Python = [2]int{maj, min}
					e.SitePaths = []string{filepath.Join(e.Dir, "lib", ent.Name(), "site-packages")}
				}
			}
		}
		if e.SitePaths == nil {
			return errors.New("not a venv archive: no lib/pythonX.Y/site-packages")
		}
		e.Bundled = bundledInterpreter(e.Dir, e.Python)
	}
	if e.Python == [2]int{} {
		return errors.New("cannot tell the archive's Python version")
	}
	for _, site := range e.SitePaths {
		entries, err := os.ReadDir(site)
		if err != nil {
			return err
		}
		for _, ent := range entries {
			if ent.IsDir() && strings.HasSuffix(ent.Name(), ".dist-info") {
				d, err := readDistInfo(site, ent.Name())
				if err != nil {
					return err
				}
				e.Distributions = append(e.Distributions, *d)
			}
		}
	}
	sort.Slice(e.Distributions, func(i, j int) bool {
		return pep503.Normalize(e.Distributions[i].Name) < pep503.Normalize(e.Distributions[j].Name)
	})
	return nil
}

// bundledInterpreter finds libexec/pythonX.Y and lib/libpythonX.Y*.so*.
func bundledInterpreter(dir string, v [2]int) *Interpreter {
	xy := fmt.Sprintf("%d.%d", v[0], v[1])
	exe := filepath.Join(dir, "libexec", "python"+xy)
	if _, err := os.Stat(exe); err != nil {
		return nil
	}
	libs, _ := filepath.Glob(filepath.Join(dir, "lib", "libpython"+xy+"*.so*"))
	if len(libs) == 0 {
		return nil
	}
	sort.Strings(libs) // libpython3.11.so < libpython3.11.so.1.0: prefer the soname
	return &Interpreter{Executable: exe, Library: libs[len(libs)-1], Version: v, Bundled: true}
}

// readDistInfo reads METADATA, WHEEL, RECORD and top_level.txt.
func readDistInfo(site, name string) (*Distribution, error) {
	d := &Distribution{SiteDir: site, DistInfo: name}
	meta, err := os.ReadFile(filepath.Join(site, name, "METADATA"))
	if err != nil {
		return nil, fmt.Errorf("%s has no METADATA: %w", name, err)
	}
	d.Name, d.Version, d.Requires, d.Optional = parseMetadata(meta)
	if d.Name == "" {
		d.Name, _, _ = strings.Cut(strings.TrimSuffix(name, ".dist-info"), "-")
	}
	if w, err := os.ReadFile(filepath.Join(site, name, "WHEEL")); err == nil {
		d.Tags = parseWheelTags(w)
	}
	if rec, err := os.ReadFile(filepath.Join(site, name, "RECORD")); err == nil {
		d.Files = parseRecord(rec)
		d.TopLevel = topLevelFromFiles(d.Files)
	}
	if d.TopLevel == nil {
		if tl, err := os.ReadFile(filepath.Join(site, name, "top_level.txt")); err == nil {
			for _, l := range strings.Split(string(tl), "\n") {
				if l = strings.TrimSpace(l); isIdentifier(l) {
					d.TopLevel = append(d.TopLevel, l)
				}
			}
		}
	}
	return d, nil
}

// OptionalFor lists the distributions that require the project name only
// with an extra, each as "name[extra,...]".
func (e *Env) OptionalFor(project string) []string {
	n := pep503.Normalize(project)
	var out []string
	for _, d := range e.Distributions {
		if extras, ok := d.Optional[n]; ok {
			out = append(out, d.Name+"["+strings.Join(extras, ",")+"]")
		}
	}
	return out
}

// requirementName is the normalised project name of a Requires-Dist
// value and the extras its marker belongs to (pep508.Marker.Extras). A
// value PEP 508 refuses still names a project, by what precedes its first
// delimiter, with no extras: an environment another tool installed may
// carry such a line.
func requirementName(v string) (string, []string) {
	if r, err := pep508.ParseRequirement(v); err == nil {
		return r.NormalizedName(), r.Marker.Extras()
	}
	end := strings.IndexAny(v, " ;<>=!~[(@")
	if end < 0 {
		end = len(v)
	}
	return pep503.Normalize(v[:end]), nil
}

// parseMetadata reads Name, Version and the names of Requires-Dist from
// core metadata (RFC 822 headers; the body after the first blank line is
// the description and is ignored): those required only with an extra in
// optional, with the extras (canonical names), the others in requires.
func parseMetadata(data []byte) (name, version string, requires []string, optional map[string][]string) {
	seen := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "name":
			name = v
		case "version":
			version = v
		case "requires-dist":
			n, extras := requirementName(v)
			if n == "" {
				continue
			}
			if len(extras) > 0 {
				if optional == nil {
					optional = map[string][]string{}
				}
				for _, e := range extras {
					if !slices.Contains(optional[n], e) {
						optional[n] = append(optional[n], e)
					}
				}
				continue
			}
			if !seen[n] {
				seen[n] = true
				requires = append(requires, n)
			}
		}
	}
	for n := range optional {
		if seen[n] {
			delete(optional, n) // required anyway
		}
	}
	return name, version, requires, optional
}

func parseWheelTags(data []byte) []string {
	var tags []string
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), ":"); ok && strings.EqualFold(k, "Tag") {
			tags = append(tags, strings.TrimSpace(v))
		}
	}
	return tags
}

// parseRecord returns the paths of a RECORD that stay inside the site
// directory. Rows pypa/record refuses are skipped: the list only names
// top-level modules, and an environment another tool installed may have
// a row of its own making.
func parseRecord(data []byte) []string {
	entries, _ := record.ReadLenient(bytes.NewReader(data))
	var files []string
	for _, e := range entries {
		p := path.Clean(strings.ReplaceAll(e.Path, "\\", "/"))
		if strings.HasPrefix(p, "../") || p == ".." || strings.HasPrefix(p, "/") {
			continue
		}
		files = append(files, p)
	}
	return files
}

// topLevelFromFiles derives the importable top-level names from a file
// list: packages (a first path component that is an identifier, holding
// at least one file) and modules (*.py, extension modules) at the root.
func topLevelFromFiles(files []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if isIdentifier(n) && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, f := range files {
		first, rest, nested := strings.Cut(f, "/")
		if strings.HasSuffix(first, ".dist-info") || strings.HasSuffix(first, ".data") || first == "__pycache__" || strings.HasSuffix(first, ".libs") {
			continue
		}
		if nested {
			if strings.HasSuffix(rest, ".py") || strings.Contains(rest, ".so") || strings.HasSuffix(rest, ".pyd") || strings.HasSuffix(rest, ".pyc") {
				add(first)
			}
			continue
		}
		switch {
		case strings.HasSuffix(first, ".py"):
			add(strings.TrimSuffix(first, ".py"))
		case strings.HasSuffix(first, ".so") || strings.HasSuffix(first, ".pyd"):
			mod, _, _ := strings.Cut(first, ".")
			add(mod)
		}
	}
	sort.Strings(out)
	return out
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9') {
			continue
		}
		return false
	}
	return true
}
