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
	"os"
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/artifacts"
	"github.com/clusterpack/clusterpack/build517"
	"github.com/clusterpack/clusterpack/buildenv"
	"github.com/clusterpack/clusterpack/index"
	"github.com/clusterpack/clusterpack/lockfile"
	"github.com/clusterpack/clusterpack/pep503"
	"github.com/clusterpack/clusterpack/pep508"
	"github.com/clusterpack/clusterpack/pipconfig"
	"github.com/clusterpack/clusterpack/reqfile"
	"github.com/clusterpack/clusterpack/resolve"
	"github.com/clusterpack/clusterpack/target"
)

// Input is everything `clusterpack lock` is given.
type Input struct {
	// Requirements are requirement strings from the command line.
	Requirements []string
	// RequirementFiles are -r files: pip requirements files, or
	// pyproject.toml files whose [project] dependencies are read.
	RequirementFiles []string
	// Extras select [project.optional-dependencies] of pyproject.toml files.
	Extras []string
	// ConstraintFiles are -c files.
	ConstraintFiles []string

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

	// Previous is an earlier lock whose pins are kept unless Upgrade is
	// set or the package is in UpgradePackages.
	Previous        *lockfile.Lock
	Upgrade         bool
	UpgradePackages []string
}

// Env is the process environment the lock is made in.
type Env struct {
	Getenv   func(string) string
	HomeDir  string
	CacheDir string // clusterpack's cache root
	Logger   *slog.Logger
	// Version is clusterpack's version, for created-by.
	Version string
}

// ToolTable is what clusterpack records under [tool.clusterpack]: the
// target the lock was resolved for, so that build can rebuild it.
type ToolTable struct {
	PythonVersion     string   `toml:"python-version"`
	PythonFullVersion string   `toml:"python-full-version"`
	Interpreter       bool     `toml:"from-interpreter"`
	Platforms         []string `toml:"platforms"`
	Markers           Markers  `toml:"markers"`
	Pre               bool     `toml:"pre,omitempty"`
	OnlyBinary        []string `toml:"only-binary,omitempty"`
	NoBinary          []string `toml:"no-binary,omitempty"`
}

// Markers is the target's marker environment in a TOML-friendly form.
type Markers struct {
	ImplementationName           string `toml:"implementation_name"`
	ImplementationVersion        string `toml:"implementation_version"`
	OSName                       string `toml:"os_name"`
	PlatformMachine              string `toml:"platform_machine"`
	PlatformPythonImplementation string `toml:"platform_python_implementation"`
	PlatformRelease              string `toml:"platform_release"`
	PlatformSystem               string `toml:"platform_system"`
	PlatformVersion              string `toml:"platform_version"`
	PythonFullVersion            string `toml:"python_full_version"`
	PythonVersion                string `toml:"python_version"`
	SysPlatform                  string `toml:"sys_platform"`
}

func markersOf(env pep508.Environment) Markers {
	return Markers{
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
}

// Make gathers the inputs, resolves them and returns the lock.
func Make(ctx context.Context, in Input, env Env) (*Result, error) {
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := pipconfig.Load(env.Getenv, pipconfig.LoadOptions{HomeDir: env.HomeDir, Command: "install"})
	if err != nil {
		return nil, err
	}
	reqs, cons, fileOpts, err := gather(ctx, in, env)
	if err != nil {
		return nil, err
	}
	settings := merge(cfg, fileOpts, in)
	tgt, err := target.Resolve(ctx, in.Target, target.Options{CacheDir: env.CacheDir, Getenv: env.Getenv})
	if err != nil {
		return nil, err
	}
	netrc, err := pipconfig.LoadNetrc(env.Getenv, env.HomeDir)
	if err != nil {
		return nil, err
	}
	client, err := index.New(index.Options{
		IndexURLs:      settings.indexes,
		FindLinks:      settings.findLinks,
		NoIndex:        settings.noIndex,
		CacheDir:       filepath.Join(env.CacheDir, "http"),
		Credentials:    netrc.Lookup,
		CertFile:       cfg.Cert,
		ClientCertFile: cfg.ClientCert,
		TrustedHosts:   settings.trustedHosts,
		Timeout:        cfg.Timeout,
		Retries:        cfg.Retries,
		UserAgent:      "clusterpack/" + env.Version,
		Logger:         log,
	})
	if err != nil {
		return nil, err
	}
	cache := &artifacts.Cache{Dir: filepath.Join(env.CacheDir, "artifacts"), Source: client}
	opts := resolve.Options{
		Target:        tgt,
		Source:        client,
		SdistMetadata: sdistMetadata(tgt, client, cache, env, log),
		Prereleases:   settings.pre,
		OnlyBinary:    formatControl(settings.onlyBinary),
		NoBinary:      formatControl(settings.noBinary),
		Preferences:   preferences(in),
		Logger:        log,
	}
	res, err := resolve.Resolve(ctx, resolve.Request{Requirements: reqs, Constraints: cons}, opts)
	if err != nil {
		return nil, err
	}
	lk, err := build(ctx, res, tgt, settings, cache)
	if err != nil {
		return nil, err
	}
	return &Result{Lock: lk, Target: tgt, Resolution: res}, nil
}

// sdistMetadata reads the metadata of source-only versions: static PEP 643
// metadata straight from the sdist, else the PEP 517 hooks run by a local
// interpreter of the target's Python version in an isolated build
// environment that clusterpack resolves and installs itself. The hooks
// run on this host: for a cross-platform target, metadata that depends on
// the platform is computed for the host's platform (rare; uv does the same).
func sdistMetadata(tgt *target.Target, client *index.Client, cache *artifacts.Cache, env Env, log *slog.Logger) resolve.SdistMetadataFunc {
	topts := target.Options{CacheDir: env.CacheDir, Getenv: env.Getenv}
	python, findErr := tgt.Interpreter, error(nil)
	if tgt.Synthetic() {
		python, findErr = target.FindInterpreter(tgt.PythonVersion, topts)
	}
	builder := &buildenv.Builder{Source: client, Artifacts: cache, Dir: filepath.Join(env.CacheDir, "buildenv"), TargetOptions: topts, Logger: log}
	frontend := &build517.Frontend{
		Python:        python,
		PythonVersion: tgt.PythonVersion,
		CacheDir:      filepath.Join(env.CacheDir, "build517"),
		Env:           env.Getenv,
		Logger:        log,
		Prepare:       builder.Prepare,
	}
	return func(ctx context.Context, f index.File) ([]byte, error) {
		path, sum, err := cache.Get(ctx, f)
		if err != nil {
			return nil, err
		}
		md, err := frontend.Metadata(ctx, path, sum)
		var ie *build517.InterpreterError
		if errors.As(err, &ie) && findErr != nil {
			return nil, fmt.Errorf("%s has no static metadata, and building it needs Python %s: %w", f.Filename, tgt.PythonVersion, findErr)
		}
		return md, err
	}
}

// settings are the effective index and format options.
type settings struct {
	indexes, findLinks, trustedHosts []string
	noIndex, pre                     bool
	onlyBinary, noBinary             []string
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
func gather(ctx context.Context, in Input, env Env) (reqs, cons []pep508.Requirement, opts reqfile.FileOptions, err error) {
	for _, s := range in.Requirements {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			return nil, nil, opts, fmt.Errorf("requirement %q: %w", s, err)
		}
		reqs = append(reqs, r)
	}
	add := func(list []reqfile.Requirement, constraint bool) error {
		for _, r := range list {
			if r.Editable || r.Req == nil || r.Path != "" || r.URL != "" {
				return fmt.Errorf("%s: %q: local paths, URLs and editable projects are not supported by lock yet; publish the project to an index or a --find-links directory and require it by name", r.Line, r.Text)
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
				return nil, nil, opts, err
			}
			if err := add(list, false); err != nil {
				return nil, nil, opts, err
			}
			continue
		}
		f, err := reqfile.Parse(ctx, path, ropts)
		if err != nil {
			return nil, nil, opts, err
		}
		if err := add(f.Requirements, false); err != nil {
			return nil, nil, opts, err
		}
		if err := add(f.Constraints, true); err != nil {
			return nil, nil, opts, err
		}
		opts = mergeFileOptions(opts, f.Options)
	}
	for _, path := range in.ConstraintFiles {
		f, err := reqfile.Parse(ctx, path, ropts)
		if err != nil {
			return nil, nil, opts, err
		}
		if err := add(append(f.Requirements, f.Constraints...), true); err != nil {
			return nil, nil, opts, err
		}
		opts = mergeFileOptions(opts, f.Options)
	}
	if len(reqs) == 0 {
		return nil, nil, opts, errors.New("nothing to lock: give requirements as arguments or with -r FILE")
	}
	return reqs, cons, opts, nil
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
	a.OnlyBinary = append(a.OnlyBinary, b.OnlyBinary...)
	a.NoBinary = append(a.NoBinary, b.NoBinary...)
	return a
}

// build records the resolution as a PEP 751 lock.
func build(ctx context.Context, res *resolve.Resolution, tgt *target.Target, s settings, cache *artifacts.Cache) (*lockfile.Lock, error) {
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
				lp.Index = lockfile.StripCredentials(f.Index)
			}
			url := lockfile.StripCredentials(f.URL)
			if strings.HasSuffix(f.Filename, ".whl") {
				lp.Wheels = append(lp.Wheels, lockfile.Wheel{URL: url, Size: size, Hashes: hashes, UploadTime: f.UploadTime.UTC()})
			} else {
				lp.Sdist = &lockfile.Sdist{URL: url, Size: size, Hashes: hashes, UploadTime: f.UploadTime.UTC()}
			}
		}
		lk.Packages = append(lk.Packages, lp)
	}
	tool := ToolTable{
		PythonVersion: tgt.PythonVersion, PythonFullVersion: tgt.PythonFullVersion,
		Interpreter: !tgt.Synthetic(), Platforms: tgt.Platforms, Markers: markersOf(tgt.Markers),
		Pre: s.pre, OnlyBinary: s.onlyBinary, NoBinary: s.noBinary,
	}
	if err := lk.SetTool("clusterpack", tool); err != nil {
		return nil, err
	}
	if err := lk.Validate(); err != nil {
		return nil, fmt.Errorf("the lock clusterpack made is invalid (a bug, please report it): %w", err)
	}
	return lk.Sorted(), nil
}

// environmentMarker is the PEP 751 environments marker of a target: the
// lock installs only where these hold.
func environmentMarker(t *target.Target) string {
	m := t.Markers
	return fmt.Sprintf(`python_version == "%s" and sys_platform == "%s" and platform_machine == "%s" and implementation_name == "%s"`,
		m["python_version"], m["sys_platform"], m["platform_machine"], m["implementation_name"])
}

// fileHashes returns the file's sha256 and size: from the index when it
// gave them, else from the file, downloaded into the artifact cache (where
// build will find it).
func fileHashes(ctx context.Context, cache *artifacts.Cache, f index.File) (map[string]string, int64, error) {
	if h := f.Hashes["sha256"]; h != "" && f.Size > 0 {
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
