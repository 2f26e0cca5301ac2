package main

import (
	"context"
	"debug/buildinfo"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/clusterpack/clusterpack/internal/atomicfile"
	"github.com/clusterpack/clusterpack/internal/pywheel"
	"github.com/clusterpack/clusterpack/internal/version"
	"github.com/clusterpack/clusterpack/runner/elfcheck"
)

// platformTags are the wheel tags of each platform a wheel is made for.
// Built with CGO_ENABLED=0, the Linux binary is still not static: purego
// (the runner's dlopen of libpython) links glibc's libc.so.6, libdl.so.2
// and libpthread.so.0 dynamically, with unversioned symbols, through
// glibc's loader. So it needs a glibc, any since 2.17: manylinux_2_17, and
// no musllinux tag (Dist checks the binary against the policy). Go 1.26
// runs on macOS 12 and later.
var platformTags = map[string][]string{
	"linux/amd64":  {"manylinux_2_17_x86_64", "manylinux2014_x86_64"},
	"linux/arm64":  {"manylinux_2_17_aarch64", "manylinux2014_aarch64"},
	"darwin/amd64": {"macosx_12_0_x86_64"},
	"darwin/arm64": {"macosx_12_0_arm64"},
}

func allPlatforms() []string {
	var l []string
	for p := range platformTags {
		l = append(l, p)
	}
	sort.Strings(l)
	return l
}

// Options are one wheel's inputs.
type Options struct {
	// Platform is GOOS/GOARCH, a key of platformTags.
	Platform string
	// OutDir receives the wheel.
	OutDir string
	// PythonSrc holds the clusterpack Python package (PythonSrc/clusterpack).
	PythonSrc string
	// Module is the package of the binary, as go build takes it.
	Module string
	// Logger reports each step.
	Logger *slog.Logger
}

// Dist builds the binary for o.Platform and writes its wheel into
// o.OutDir, returning the wheel's path. The wheel appears under its
// name only when complete.
func Dist(ctx context.Context, o Options) (string, error) {
	plats, ok := platformTags[o.Platform]
	if !ok {
		return "", fmt.Errorf("platform %q: clusterpack wheels are made for %s", o.Platform, strings.Join(allPlatforms(), ", "))
	}
	goos, goarch, _ := strings.Cut(o.Platform, "/")
	tmp, err := os.MkdirTemp("", "clusterpack-dist-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "clusterpack")
	o.Logger.Info("building", "platform", o.Platform)
	// -trimpath keeps this machine's paths out of the binary; VCS stamping
	// (off in some environments' GOFLAGS) gives it its version.
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=auto", "-ldflags=-s -w", "-o", bin, o.Module)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build for %s: %w\n%s", o.Platform, err, out)
	}
	if goos == "linux" {
		if err := checkManylinux(bin, plats[0]); err != nil {
			return "", err
		}
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return "", fmt.Errorf("reading the build information of the %s binary: %w", o.Platform, err)
	}
	v, err := version.PEP440(version.FromBuildInfo(info))
	if err != nil {
		return "", err
	}
	w := &pywheel.Wheel{Name: "clusterpack", Version: v, Generator: "clusterpack scripts/dist",
		Summary:        "Ship reproducible Python environments to Spark and Flink clusters",
		RequiresPython: ">=3.8"}
	for _, p := range plats {
		w.Tags = append(w.Tags, "py3-none-"+p)
	}
	w.Files = append(w.Files, pywheel.File{Path: w.ScriptsDir() + "/clusterpack", Executable: true, Open: opener(bin)})
	pkg, err := pythonFiles(o.PythonSrc)
	if err != nil {
		return "", err
	}
	w.Files = append(w.Files, pkg...)
	name, err := w.Filename()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return "", err
	}
	dst := filepath.Join(o.OutDir, name)
	f, err := atomicfile.CreateTemp(o.OutDir, "."+name+".")
	if err != nil {
		return "", fmt.Errorf("creating a temporary file in %s: %w", o.OutDir, err)
	}
	defer os.Remove(f.Name()) // fails harmlessly after the rename
	if err := w.Write(f); err != nil {
		f.Close()
		return "", fmt.Errorf("writing %s: %w", dst, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("writing %s: %w", dst, err)
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		return "", err
	}
	o.Logger.Info("wrote", "wheel", dst)
	return dst, nil
}

// checkManylinux refuses a binary that does not fit the manylinux
// policy of platform: one that needs a newer glibc symbol or a library
// outside the policy, which the wheel's tag would promise it does not.
func checkManylinux(bin, platform string) error {
	pol, err := elfcheck.PolicyFor(platform)
	if err != nil {
		return err
	}
	res, err := elfcheck.CheckFile("clusterpack", bin, pol, nil)
	if err != nil {
		return fmt.Errorf("checking the %s binary: %w", platform, err)
	}
	if !res.ELF {
		return fmt.Errorf("the binary built for %s is not an ELF file", platform)
	}
	if len(res.Problems) > 0 {
		var msgs []string
		for _, p := range res.Problems {
			msgs = append(msgs, p.Message)
		}
		return fmt.Errorf("the binary does not fit %s, the wheel's tag: %s", platform, strings.Join(msgs, "; "))
	}
	return nil
}

func opener(p string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return os.Open(p) }
}

// pythonFiles lists the clusterpack package under src as wheel members,
// without bytecode caches.
func pythonFiles(src string) ([]pywheel.File, error) {
	root := filepath.Join(src, "clusterpack")
	var out []pywheel.File
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".pyc") {
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		out = append(out, pywheel.File{Path: path.Clean(filepath.ToSlash(rel)), Open: opener(p)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the Python package %s: %w", root, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the Python package %s has no files", root)
	}
	return out, nil
}
