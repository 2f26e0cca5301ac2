// Package buildenv makes the isolated environments PEP 517 builds run in:
// clusterpack resolves the build requirements itself for the interpreter
// that runs the build, takes their wheels from the artifact cache, and
// installs them into a directory named by the resolved set, so the same
// requirements give the same environment, built once.
package buildenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/clusterpack/clusterpack/index/artifacts"
	"github.com/clusterpack/clusterpack/pack/wheel"
	"github.com/clusterpack/clusterpack/pypa/pep508"
	"github.com/clusterpack/clusterpack/resolve"
	"github.com/clusterpack/clusterpack/sdist/build517"
	"github.com/clusterpack/clusterpack/target"
)

// Builder prepares build environments.
type Builder struct {
	// Source lists and describes packages (the index client).
	Source resolve.Source
	// Artifacts holds downloaded wheels.
	Artifacts *artifacts.Cache
	// Dir holds the environments, one directory per resolved set.
	Dir string
	// Target options for probing the build interpreter.
	TargetOptions target.Options
	Logger        *slog.Logger
}

// layoutVersion changes when the environment layout changes.
const layoutVersion = "1"

// Prepare resolves requirements for the interpreter python, installs them
// and returns the site-packages directory to put on the build's path. It
// has the signature of build517.PrepareFunc. Build requirements are taken
// from wheels only: a build backend that needs another sdist built first
// is rare, and allowing it would let builds recurse without end.
func (b *Builder) Prepare(ctx context.Context, requirements []string, python string) ([]string, error) {
	tgt, err := target.Resolve(ctx, target.Spec{Python: python}, b.TargetOptions)
	if err != nil {
		return nil, fmt.Errorf("build environment: %w", err)
	}
	var reqs []pep508.Requirement
	for _, s := range requirements {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			return nil, fmt.Errorf("build requirement %q: %w", s, err)
		}
		reqs = append(reqs, r)
	}
	res, err := resolve.Resolve(ctx, resolve.Request{Requirements: reqs}, resolve.Options{
		Target: tgt, Source: b.Source, OnlyBinary: resolve.FormatControl{All: true}, Logger: b.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("build requirements %s: %w", strings.Join(requirements, ", "), err)
	}
	major, minor, err := splitVersion(tgt.PythonVersion)
	if err != nil {
		return nil, err
	}
	scheme := wheel.VenvScheme([2]int{major, minor}, tgt.Markers["sys_platform"] == "win32")
	// The key names exactly what is installed, for which interpreter.
	h := sha256.New()
	fmt.Fprintf(h, "layout %s\npython %s\n", layoutVersion, tgt.PythonVersion)
	var files []string
	for _, p := range res.Packages {
		if len(p.Wheels) == 0 {
			return nil, fmt.Errorf("build requirement %s %s has no wheel for %s", p.Name, p.Version, python)
		}
		f := p.Wheels[0]
		fmt.Fprintf(h, "%s %s %s\n", p.Name, p.Version, f.Filename)
		files = append(files, f.Filename)
	}
	sort.Strings(files)
	dir := filepath.Join(b.Dir, hex.EncodeToString(h.Sum(nil))[:32])
	site := filepath.Join(dir, scheme.Purelib)
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return []string{site}, nil
	}
	if err := os.MkdirAll(b.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("build environment %s: %w", b.Dir, err)
	}
	staging, err := os.MkdirTemp(b.Dir, ".tmp-")
	if err != nil {
		return nil, fmt.Errorf("build environment %s: %w", b.Dir, err)
	}
	defer os.RemoveAll(staging)
	dest := wheel.DirDestination(staging)
	for _, p := range res.Packages {
		path, _, err := b.Artifacts.Get(ctx, p.Wheels[0])
		if err != nil {
			dest.Close()
			return nil, err
		}
		if _, err := wheel.Install(ctx, path, dest, wheel.Options{Scheme: scheme}); err != nil {
			dest.Close()
			return nil, fmt.Errorf("build environment: %w", err)
		}
	}
	if err := dest.Close(); err != nil {
		return nil, fmt.Errorf("build environment: %w", err)
	}
	if err := os.WriteFile(filepath.Join(staging, ".complete"), []byte(strings.Join(files, "\n")+"\n"), 0o644); err != nil {
		return nil, err
	}
	if err := os.Chmod(staging, 0o755); err != nil {
		return nil, err
	}
	if err := os.Rename(staging, dir); err != nil {
		// Another process made the same environment first: use it.
		if _, statErr := os.Stat(filepath.Join(dir, ".complete")); statErr == nil {
			return []string{site}, nil
		}
		return nil, fmt.Errorf("build environment %s: %w", dir, err)
	}
	return []string{site}, nil
}

func splitVersion(v string) (int, int, error) {
	a, b, ok := strings.Cut(v, ".")
	major, err1 := strconv.Atoi(a)
	minor, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("python version %q is not X.Y", v)
	}
	return major, minor, nil
}

// FrontendOptions say how NewFrontend sets up a PEP 517 frontend.
type FrontendOptions struct {
	// Python runs the hooks; PythonVersion is its X.Y.
	Python        string
	PythonVersion string
	// Source resolves the build requirements (the index client), and
	// Artifacts holds their wheels.
	Source    resolve.Source
	Artifacts *artifacts.Cache
	// CacheDir is clusterpack's cache root: the build environments go to
	// its buildenv/ and the frontend's work to its build517/.
	CacheDir string
	// Getenv is the process environment the hooks see.
	Getenv func(string) string
	Logger *slog.Logger
}

// NewFrontend is the PEP 517 frontend that builds sdists (or reads their
// metadata) with opts.Python, each build in an isolated environment of
// its build requirements that a Builder prepares under the cache.
func NewFrontend(opts FrontendOptions) *build517.Frontend {
	topts := target.Options{CacheDir: opts.CacheDir, Getenv: opts.Getenv}
	builder := &Builder{Source: opts.Source, Artifacts: opts.Artifacts, Dir: filepath.Join(opts.CacheDir, "buildenv"), TargetOptions: topts, Logger: opts.Logger}
	return &build517.Frontend{
		Python:        opts.Python,
		PythonVersion: opts.PythonVersion,
		CacheDir:      filepath.Join(opts.CacheDir, "build517"),
		Env:           opts.Getenv,
		Logger:        opts.Logger,
		Prepare:       builder.Prepare,
	}
}
