// Package lock turns what a user asks for (requirement strings,
// requirements files, pyproject.toml dependencies, pip's configuration and
// a target) into a PEP 751 lock: it gathers the inputs, resolves them for
// the target, and records every chosen file with its hash.
package lock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/clusterpack/clusterpack/index"
	"github.com/clusterpack/clusterpack/index/artifacts"
	"github.com/clusterpack/clusterpack/internal/progress"
	"github.com/clusterpack/clusterpack/internal/redact"
	"github.com/clusterpack/clusterpack/lock/pipconfig"
	"github.com/clusterpack/clusterpack/lock/reqfile"
	"github.com/clusterpack/clusterpack/lockfile"
	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/pypa/pep508"
	"github.com/clusterpack/clusterpack/resolve"
	"github.com/clusterpack/clusterpack/sdist/build517"
	"github.com/clusterpack/clusterpack/sdist/buildenv"
	"github.com/clusterpack/clusterpack/target"
)

// Input is everything `clusterpack lock` is given.
type Input struct {
	// Requirements are requirement strings from the command line: PEP 508
	// requirements ("pandas>=2", "pkg @ https://.../pkg.whl") or paths to
	// wheels, sdists and project directories.
	Requirements []string
	// Editables are project directories installed in development mode
	// (-e): locked as editable directory packages, shipped apart as code.
	Editables []string
	// LockDir is the directory the lock is written to: local paths in the
	// lock are relative to it, as PEP 751 says. Empty means the current
	// directory.
	LockDir string
	// RequirementFiles are -r files: pip requirements files, or
	// pyproject.toml files whose [project] dependencies are read.
	RequirementFiles []string
	// Extras select [project.optional-dependencies] of pyproject.toml files.
	Extras []string
	// ConstraintFiles are -c files.
	ConstraintFiles []string
	// FromVenv is a virtualenv whose installed distributions are locked
	// exactly: each at its installed version, editable installs as
	// editable directory packages. Its interpreter is the default target.
	FromVenv string
	// Exclude names packages to leave out of the lock, as uv's
	// --no-install-package does: each is resolved as usual (its
	// dependencies stay, unless excluded too) and then dropped. A
	// virtualenv's distribution of that name is not read at all. The
	// names, PEP 503-normalised and sorted, are recorded in
	// [tool.clusterpack] exclude.
	Exclude []string

	Target target.Spec

	// Index options given on the command line; they override requirements
	// files and pip's configuration. Nil slices and empty strings mean
	// "not given".
	IndexURL       string
	ExtraIndexURLs []string
	FindLinks      []string
	NoIndex        bool
	Pre            bool
	OnlyBinary     []string
	NoBinary       []string
	// PreferBinary says whether an older version with a wheel for the
	// target is locked rather than a newer one with only a source
	// distribution; by default, for foreign targets.
	PreferBinary BinaryPreference
	// ExcludeNewer, when set, locks what the indexes offered before it:
	// files uploaded at or after it are left out (resolve.Options.ExcludeNewer).
	// It is recorded in the lock.
	ExcludeNewer time.Time

	// Previous is an earlier lock whose pins are kept unless Upgrade is
	// set or the package is in UpgradePackages.
	Previous        *lockfile.Lock
	Upgrade         bool
	UpgradePackages []string
}

// BinaryPreference is whether a lock prefers wheels, as pip's
// --prefer-binary does: when the newest version that fits has only a
// source distribution for the target and an older one has a wheel, the
// older one is locked.
type BinaryPreference int

const (
	// PreferBinaryForeign prefers wheels for a foreign target: one with
	// declared platforms, or a Python version that is not a local
	// interpreter (target.Target.Synthetic). A wheel built from source on
	// this host is made for this host, not for such a target. A
	// requirements file's --prefer-binary line, or prefer-binary in pip's
	// configuration (pip.conf, PIP_PREFER_BINARY), turns it on for any
	// target.
	PreferBinaryForeign BinaryPreference = iota
	// PreferBinaryAlways prefers wheels for every target.
	PreferBinaryAlways
	// PreferBinaryNever locks the newest version that fits, wheel or not.
	PreferBinaryNever
)

// applies reports whether wheels are preferred for t, given whether a
// requirements file asked for it.
func (b BinaryPreference) applies(t *target.Target, fromFiles bool) bool {
	switch b {
	case PreferBinaryAlways:
		return true
	case PreferBinaryNever:
		return false
	}
	return fromFiles || t.Synthetic()
}

// Env is the process environment the lock is made in.
type Env struct {
	Getenv   func(string) string
	HomeDir  string
	CacheDir string // clusterpack's cache root
	Logger   *slog.Logger
	// Version is clusterpack's version, for created-by.
	Version string
	// Progress, when set, hears of packages resolved and of source
	// distributions built for their metadata.
	Progress progress.Func
}

func markersOf(env pep508.Environment) lockfile.Markers {
	return lockfile.Markers{
		ImplementationName: env["implementation_name"], ImplementationVersion: env["implementation_version"],
		OSName: env["os_name"], PlatformMachine: env["platform_machine"],
		PlatformPythonImplementation: env["platform_python_implementation"], PlatformRelease: env["platform_release"],
		PlatformSystem: env["platform_system"], PlatformVersion: env["platform_version"],
		PythonFullVersion: env["python_full_version"], PythonVersion: env["python_version"], SysPlatform: env["sys_platform"],
	}
}

// Result is a lock and what went into it.
type Result struct {
	Lock       *lockfile.Lock
	Target     *target.Target
	Resolution *resolve.Resolution
	// Notes are what the user should know about the lock, one line each
	// (no flag names: the command adds those).
	Notes []string
	// PassedOver are the packages locked at an older version with a wheel
	// rather than a newer source-only one (Input.PreferBinary).
	PassedOver []string
}

// Errors of Make that a caller may word in its own terms: each message
// says what to give, in Input's terms.
var (
	// ErrNothingToLock: the input has no requirements, requirements
	// files, editable projects or virtualenv with packages.
	ErrNothingToLock = errors.New("nothing to lock: give requirements, requirements files, editable projects or a virtualenv")
	// ErrVenvNoInterpreter: the virtualenv of Input.FromVenv has no
	// interpreter (bin/python points nowhere), and no target was given
	// in its place.
	ErrVenvNoInterpreter = errors.New("its interpreter is missing (bin/python points nowhere)")
)

// Make gathers the inputs, resolves them and returns the lock.
func Make(ctx context.Context, in Input, env Env) (result *Result, err error) {
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	log := env.Logger
	cfg, err := pipconfig.Load(env.Getenv, pipconfig.LoadOptions{HomeDir: env.HomeDir, Command: "install"})
	if err != nil {
		return nil, err
	}
	exclude, err := excludeSet(in.Exclude)
	if err != nil {
		return nil, err
	}
	in.Exclude = exclude.names()
	excludeMatched := map[string]bool{}
	var cacheKey string
	if in.FromVenv != "" {
		venvReqs, venvRefs, python, err := fromVenv(ctx, in.FromVenv, exclude, excludeMatched)
		if err != nil {
			return nil, err
		}
		onlyVenv := len(in.Requirements) == 0 && len(in.Editables) == 0 && len(in.RequirementFiles) == 0 && len(in.ConstraintFiles) == 0
		in.Requirements = append(append([]string{}, in.Requirements...), venvReqs...)
		in.Editables = append(append([]string{}, in.Editables...), venvRefs...)
		if in.Target.Python == "" && len(in.Target.Platforms) == 0 {
			if python == "" {
				return nil, fmt.Errorf("virtualenv %s: %w; recreate the virtualenv or give the target's Python", in.FromVenv, ErrVenvNoInterpreter)
			}
			in.Target.Python = python
		}
		if onlyVenv {
			// Everything is pinned by what is installed: the same venv,
			// target and indexes always give the same lock, so it is kept.
			cacheKey = venvLockKey(in, cfg)
			if res, err := cachedVenvLock(ctx, cacheKey, in, env); err == nil {
				return res, nil
			}
		}
	}
	defer func() {
		if cacheKey != "" && result != nil {
			storeVenvLock(cacheKey, result.Lock, env)
		}
	}()
	reqs, cons, refs, fileOpts, err := gather(ctx, in, env)
	if err != nil {
		return nil, err
	}
	settings := merge(cfg, fileOpts, in)
	tgt, err := target.Resolve(ctx, in.Target, target.Options{CacheDir: env.CacheDir, Getenv: env.Getenv})
	if err != nil {
		return nil, err
	}
	settings.preferBinary = in.PreferBinary.applies(tgt, fileOpts.PreferBinary || cfg.PreferBinary)
	client, err := newClient(env, cfg, settings)
	if err != nil {
		return nil, err
	}
	cache := &artifacts.Cache{Dir: filepath.Join(env.CacheDir, "artifacts"), Source: client}
	frontend, findErr := newFrontend(tgt, client, cache, env, log)
	dr := &directResolver{client: client, cache: cache, frontend: frontend, tmp: filepath.Join(env.CacheDir, "tmp")}
	var direct []*resolve.Direct
	for _, ref := range refs {
		d, err := dr.resolve(ctx, ref)
		if err != nil {
			return nil, explainInterpreter(err, findErr, tgt)
		}
		direct = append(direct, d)
	}
	opts := resolve.Options{
		Target:        tgt,
		Source:        client,
		SdistMetadata: sdistMetadata(frontend, findErr, tgt, cache, env.Progress),
		Prereleases:   settings.pre,
		OnlyBinary:    formatControl(settings.onlyBinary),
		NoBinary:      formatControl(settings.noBinary),
		Preferences:   preferences(in),
		PreferBinary:  settings.preferBinary,
		ExcludeNewer:  in.ExcludeNewer,
		Logger:        log,
		Progress:      env.Progress,
	}
	res, err := resolve.Resolve(ctx, resolve.Request{Requirements: reqs, Constraints: cons, Direct: direct}, opts)
	if err != nil {
		return nil, err
	}
	excludeNotes := exclude.drop(res, excludeMatched)
	settings.exclude = in.Exclude
	lockDir := in.LockDir
	if lockDir == "" {
		lockDir = "."
	}
	lk, err := build(ctx, res, tgt, settings, in.ExcludeNewer, cache, lockDir)
	if err != nil {
		return nil, err
	}
	result = &Result{Lock: lk, Target: tgt, Resolution: res, Notes: excludeNotes}
	for _, p := range res.Packages {
		if p.NewerSdistOnly != nil {
			result.PassedOver = append(result.PassedOver, p.Name)
			result.Notes = append(result.Notes, fmt.Sprintf("%s: %s has no wheel for %s; locked %s, the newest with one",
				p.Name, p.NewerSdistOnly, mainPlatform(tgt), p.Version))
		}
	}
	return result, nil
}

// mainPlatform names the most specific platform of a target: linux_<arch>
// comes first in the list but says less than manylinux_2_28_<arch>.
func mainPlatform(t *target.Target) string {
	for _, p := range t.Platforms {
		if !strings.HasPrefix(p, "linux_") {
			return p
		}
	}
	if len(t.Platforms) > 0 {
		return t.Platforms[0]
	}
	return "any platform"
}

// newFrontend makes the PEP 517 frontend that reads the metadata of
// source-only versions, run by a local interpreter of the target's Python
// version in build environments clusterpack resolves and installs itself.
// The hooks run on this host: for a cross-platform target, metadata that
// depends on the platform is computed for the host's platform (rare; uv
// does the same). findErr says why no interpreter was found, if none was:
// static metadata still works then.
func newFrontend(tgt *target.Target, client *index.Client, cache *artifacts.Cache, env Env, log *slog.Logger) (*build517.Frontend, error) {
	python, findErr := tgt.Interpreter, error(nil)
	if tgt.Synthetic() {
		python, findErr = target.FindInterpreter(tgt.PythonVersion, target.Options{CacheDir: env.CacheDir, Getenv: env.Getenv})
	}
	return buildenv.NewFrontend(buildenv.FrontendOptions{
		Python: python, PythonVersion: tgt.PythonVersion, Source: client, Artifacts: cache,
		CacheDir: env.CacheDir, Getenv: env.Getenv, Logger: log,
	}), findErr
}

// sdistMetadata reads the metadata of source-only versions: static PEP 643
// metadata straight from the sdist, else through the PEP 517 hooks.
func sdistMetadata(frontend *build517.Frontend, findErr error, tgt *target.Target, cache *artifacts.Cache, report progress.Func) resolve.SdistMetadataFunc {
	return func(ctx context.Context, f index.File) ([]byte, error) {
		path, sum, err := cache.Get(ctx, f)
		if err != nil {
			return nil, err
		}
		report.Report(progress.Event{Step: progress.Build, Name: f.Filename})
		md, err := frontend.Metadata(ctx, path, sum)
		if err != nil {
			return nil, explainInterpreter(fmt.Errorf("%s: %w", f.Filename, err), findErr, tgt)
		}
		return md, nil
	}
}

// explainInterpreter adds, to a build that failed for want of an
// interpreter, why none was found.
func explainInterpreter(err, findErr error, tgt *target.Target) error {
	var ie *build517.InterpreterError
	if errors.As(err, &ie) && findErr != nil {
		return fmt.Errorf("%w\nbuilding metadata needs Python %s: %v", err, tgt.PythonVersion, findErr)
	}
	return err
}

// settings are the effective index and format options.
type settings struct {
	indexes, findLinks, trustedHosts []string
	noIndex, pre, preferBinary       bool
	onlyBinary, noBinary             []string
	exclude                          []string
}

// merge applies pip's configuration, then the requirements files' options,
// then the command line, each overriding the one before.
func merge(cfg *pipconfig.Config, files reqfile.FileOptions, in Input) settings {
	s := settings{pre: cfg.Pre || files.Pre || in.Pre, noIndex: cfg.NoIndex}
	indexURL, extras := cfg.IndexURL, cfg.ExtraIndexURLs
	if files.IndexURL != "" {
		indexURL, extras = files.IndexURL, nil
	}
	extras = append(extras, files.ExtraIndexURLs...)
	if in.IndexURL != "" {
		indexURL = in.IndexURL
	}
	extras = append(extras, in.ExtraIndexURLs...)
	s.noIndex = s.noIndex || files.NoIndex || in.NoIndex
	if !s.noIndex {
		s.indexes = dedupe(append([]string{indexURL}, extras...))
	}
	s.findLinks = dedupe(append(append(append([]string{}, cfg.FindLinks...), files.FindLinks...), in.FindLinks...))
	s.trustedHosts = dedupe(append(append([]string{}, cfg.TrustedHosts...), files.TrustedHosts...))
	s.onlyBinary = dedupe(append(append(append([]string{}, cfg.OnlyBinary...), files.OnlyBinary...), in.OnlyBinary...))
	s.noBinary = dedupe(append(append(append([]string{}, cfg.NoBinary...), files.NoBinary...), in.NoBinary...))
	return s
}

func dedupe(items []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range items {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func formatControl(names []string) resolve.FormatControl {
	fc := resolve.FormatControl{Names: map[string]bool{}}
	for _, n := range names {
		if n == ":all:" {
			fc.All = true
			continue
		}
		fc.Names[pep503.Normalize(n)] = true
	}
	return fc
}

func preferences(in Input) map[string]string {
	if in.Previous == nil || in.Upgrade {
		return nil
	}
	skip := map[string]bool{}
	for _, n := range in.UpgradePackages {
		skip[pep503.Normalize(n)] = true
	}
	out := map[string]string{}
	for _, p := range in.Previous.Packages {
		if p.Version != "" && !skip[p.Name] {
			out[p.Name] = p.Version
		}
	}
	return out
}

// gather reads the requirements and constraints of every input.
func gather(ctx context.Context, in Input, env Env) (reqs, cons []pep508.Requirement, refs []reference, opts reqfile.FileOptions, err error) {
	for _, s := range in.Requirements {
		if looksLikePath(s) {
			refs = append(refs, reference{source: "argument " + s, location: s})
			continue
		}
		r, err := parseRequirementArg(s)
		if err != nil {
			return nil, nil, nil, opts, err
		}
		if r.URL != "" {
			refs = append(refs, reference{source: "argument " + redact.Mask(s), req: r, named: true, location: r.URL})
			continue
		}
		reqs = append(reqs, r)
	}
	for _, dir := range in.Editables {
		refs = append(refs, reference{source: "-e " + dir, location: dir, editable: true})
	}
	add := func(list []reqfile.Requirement, constraint bool) error {
		for _, r := range list {
			if r.Editable || r.Req == nil || r.Path != "" || r.URL != "" {
				if r.Constraint || constraint {
					return fmt.Errorf("%s: %q: a constraint must name a package and versions, not a location", r.Line, r.Text)
				}
				ref := reference{source: r.Line.String(), location: r.Path, editable: r.Editable}
				if ref.location == "" {
					ref.location = r.URL
				}
				if r.Req != nil {
					ref.req, ref.named = *r.Req, true
					ref.req.URL = ""
				} else {
					ref.req = pep508.Requirement{Extras: r.Extras, Marker: r.Marker}
				}
				refs = append(refs, ref)
				continue
			}
			if r.Constraint || constraint {
				cons = append(cons, *r.Req)
			} else {
				reqs = append(reqs, *r.Req)
			}
		}
		return nil
	}
	ropts := reqfile.Options{Getenv: env.Getenv}
	for _, path := range in.RequirementFiles {
		if filepath.Base(path) == "pyproject.toml" {
			list, err := reqfile.ParsePyproject(path, in.Extras)
			if err != nil {
				return nil, nil, nil, opts, err
			}
			if err := add(list, false); err != nil {
				return nil, nil, nil, opts, err
			}
			continue
		}
		f, err := reqfile.Parse(ctx, path, ropts)
		if err != nil {
			return nil, nil, nil, opts, err
		}
		if err := add(f.Requirements, false); err != nil {
			return nil, nil, nil, opts, err
		}
		if err := add(f.Constraints, true); err != nil {
			return nil, nil, nil, opts, err
		}
		opts = mergeFileOptions(opts, f.Options)
	}
	for _, path := range in.ConstraintFiles {
		f, err := reqfile.Parse(ctx, path, ropts)
		if err != nil {
			return nil, nil, nil, opts, err
		}
		if err := add(append(f.Requirements, f.Constraints...), true); err != nil {
			return nil, nil, nil, opts, err
		}
		opts = mergeFileOptions(opts, f.Options)
	}
	if len(reqs) == 0 && len(refs) == 0 {
		return nil, nil, nil, opts, ErrNothingToLock
	}
	return reqs, cons, refs, opts, nil
}

// looksLikePath tells a path argument ("./dist/x.whl", ".", "../proj")
// from a requirement, as pip does: path separators or archive endings.
func looksLikePath(s string) bool {
	if strings.Contains(s, "@") || strings.ContainsAny(s, "<>=!~;[") {
		return false
	}
	return s == "." || s == ".." || strings.ContainsRune(s, '/') || strings.ContainsRune(s, filepath.Separator) ||
		strings.HasSuffix(s, ".whl") || strings.HasSuffix(s, ".tar.gz") || strings.HasSuffix(s, ".zip")
}

// mergeFileOptions combines the options of several top-level files as pip
// does when given several -r: later files override index-url, lists add up.
func mergeFileOptions(a, b reqfile.FileOptions) reqfile.FileOptions {
	if b.IndexURL != "" {
		a.IndexURL, a.ExtraIndexURLs = b.IndexURL, nil
	}
	a.ExtraIndexURLs = append(a.ExtraIndexURLs, b.ExtraIndexURLs...)
	a.FindLinks = append(a.FindLinks, b.FindLinks...)
	a.TrustedHosts = append(a.TrustedHosts, b.TrustedHosts...)
	a.NoIndex = a.NoIndex || b.NoIndex
	a.Pre = a.Pre || b.Pre
	a.PreferBinary = a.PreferBinary || b.PreferBinary
	a.OnlyBinary = append(a.OnlyBinary, b.OnlyBinary...)
	a.NoBinary = append(a.NoBinary, b.NoBinary...)
	return a
}

// build records the resolution as a PEP 751 lock.
func build(ctx context.Context, res *resolve.Resolution, tgt *target.Target, s settings, excludeNewer time.Time, cache *artifacts.Cache, lockDir string) (*lockfile.Lock, error) {
	lk := &lockfile.Lock{
		LockVersion:    lockfile.SupportedLockVersion,
		CreatedBy:      "clusterpack",
		RequiresPython: "==" + tgt.PythonVersion + ".*",
		Environments:   []string{environmentMarker(tgt)},
	}
	for _, p := range res.Packages {
		lp := lockfile.Package{Name: p.Name, Version: p.Version.String(), RequiresPython: p.RequiresPython}
		for _, d := range p.Dependencies {
			lp.Dependencies = append(lp.Dependencies, map[string]any{"name": d})
		}
		if ref := p.Reference; ref != nil {
			if err := recordReference(&lp, ref, lockDir); err != nil {
				return nil, err
			}
			lk.Packages = append(lk.Packages, lp)
			continue
		}
		files := append([]index.File{}, p.Wheels...)
		if p.Sdist != nil {
			files = append(files, *p.Sdist)
		}
		for _, f := range files {
			hashes, size, err := fileHashes(ctx, cache, f)
			if err != nil {
				return nil, err
			}
			if lp.Index == "" && strings.HasPrefix(f.Index, "http") {
				lp.Index = redact.Strip(f.Index)
			}
			url := redact.Strip(f.URL)
			if strings.HasSuffix(f.Filename, ".whl") {
				lp.Wheels = append(lp.Wheels, lockfile.Wheel{URL: url, Size: size, Hashes: hashes, UploadTime: f.UploadTime.UTC()})
			} else {
				lp.Sdist = &lockfile.Sdist{URL: url, Size: size, Hashes: hashes, UploadTime: f.UploadTime.UTC()}
			}
		}
		lk.Packages = append(lk.Packages, lp)
	}
	tool := lockfile.ClusterpackTool{
		PythonVersion: tgt.PythonVersion, PythonFullVersion: tgt.PythonFullVersion,
		Interpreter: !tgt.Synthetic(), Platforms: tgt.Platforms, Markers: markersOf(tgt.Markers),
		Pre: s.pre, OnlyBinary: s.onlyBinary, NoBinary: s.noBinary, PreferBinary: s.preferBinary,
		Exclude: s.exclude,
	}
	if !excludeNewer.IsZero() {
		tool.ExcludeNewer = excludeNewer.UTC().Format(time.RFC3339Nano)
	}
	if err := lk.SetClusterpack(tool); err != nil {
		return nil, err
	}
	if err := lk.Validate(); err != nil {
		return nil, fmt.Errorf("the lock clusterpack made is invalid (a bug, please report it): %w", err)
	}
	return lk.Sorted(), nil
}

// recordReference writes a direct reference's source: a directory (no
// version, as PEP 751 requires for source trees) or an archive.
func recordReference(lp *lockfile.Package, ref *resolve.Direct, lockDir string) error {
	if ref.File == nil {
		lp.Version = ""
		rel, err := relativePath(lockDir, ref.Dir)
		if err != nil {
			return err
		}
		lp.Directory = &lockfile.Directory{Path: rel, Editable: ref.Editable}
		return nil
	}
	a := &lockfile.Archive{Size: ref.File.Size, Hashes: ref.File.Hashes}
	if u, err := url.Parse(ref.File.URL); err == nil && u.Scheme == "file" {
		rel, err := relativePath(lockDir, filepath.FromSlash(u.Path))
		if err != nil {
			return err
		}
		a.Path = rel
	} else {
		a.URL = redact.Strip(ref.File.URL)
	}
	lp.Archive = a
	return nil
}

// relativePath is path relative to the lock's directory, with slashes.
func relativePath(lockDir, path string) (string, error) {
	base, err := filepath.Abs(lockDir)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(base, path)
	if err != nil {
		return "", fmt.Errorf("%s cannot be written relative to %s: %w", path, base, err)
	}
	return filepath.ToSlash(rel), nil
}

// environmentMarker is the PEP 751 environments marker of a target: the
// lock installs only where these hold.
func environmentMarker(t *target.Target) string {
	m := t.Markers
	return fmt.Sprintf(`python_version == "%s" and sys_platform == "%s" and platform_machine == "%s" and implementation_name == "%s"`,
		m["python_version"], m["sys_platform"], m["platform_machine"], m["implementation_name"])
}

// fileHashes returns the file's sha256, and its size when known: from the
// index when it gave them; a file the index gave no sha256 for is
// downloaded into the artifact cache (where build will find it) and
// hashed. The size is optional in PEP 751: a missing one is left out
// rather than paid for with a download.
func fileHashes(ctx context.Context, cache *artifacts.Cache, f index.File) (map[string]string, int64, error) {
	if h := f.Hashes["sha256"]; h != "" {
		return map[string]string{"sha256": h}, f.Size, nil
	}
	path, sum, err := cache.Get(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, 0, err
	}
	return map[string]string{"sha256": sum}, fi.Size(), nil
}
