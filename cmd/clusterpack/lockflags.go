package main

import (
	"errors"
	"io/fs"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/lockfile"
	"github.com/clusterpack/clusterpack/pypa/tags"
	"github.com/clusterpack/clusterpack/target"
)

// lockFlags are the inputs of a lock, shared by lock, build and upload.
type lockFlags struct {
	in       lock.Input
	python   string
	platform []string
	// preferBinary and noPreferBinary override the default of preferring
	// wheels for foreign targets only.
	preferBinary, noPreferBinary bool
	excludeNewer                 string
}

func (l *lockFlags) register(f *pflag.FlagSet) {
	in := &l.in
	f.StringArrayVarP(&in.RequirementFiles, "requirement", "r", nil, "requirements file or pyproject.toml (repeatable)")
	f.StringArrayVarP(&in.ConstraintFiles, "constraint", "c", nil, "constraints file (repeatable)")
	f.StringVar(&in.FromVenv, "from-venv", "", "lock exactly what this virtualenv has installed (its python is the default target)")
	f.StringArrayVarP(&in.Editables, "editable", "e", nil, "project directory in development, locked as an editable directory package (repeatable)")
	f.StringArrayVar(&in.Exclude, "exclude", nil, "package to leave out, such as pyspark, which the cluster has (repeatable; resolved, then dropped: its dependencies stay unless excluded too, as uv's --no-install-package)")
	f.StringArrayVar(&in.Extras, "extra", nil, "optional dependencies of pyproject.toml to include (repeatable)")
	f.StringVar(&l.python, "python", "", "Python version (3.11, 3.11.7) or interpreter (path or command)")
	f.StringArrayVar(&l.platform, "platform", nil, "platform tag of the cluster nodes, e.g. manylinux_2_28_x86_64 (repeatable)")
	f.StringVarP(&in.IndexURL, "index-url", "i", "", "base URL of the package index (PEP 503)")
	f.StringArrayVar(&in.ExtraIndexURLs, "extra-index-url", nil, "more index URLs (repeatable)")
	f.StringArrayVarP(&in.FindLinks, "find-links", "f", nil, "directory or HTML page of files (repeatable)")
	f.BoolVar(&in.NoIndex, "no-index", false, "use no index, only --find-links")
	f.BoolVar(&in.Pre, "pre", false, "allow pre-releases")
	f.StringArrayVar(&in.OnlyBinary, "only-binary", nil, "use only wheels for these packages (:all: for every package)")
	f.StringArrayVar(&in.NoBinary, "no-binary", nil, "use only source distributions for these packages (:all: for every package)")
	f.BoolVar(&l.preferBinary, "prefer-binary", false, "lock an older version with a wheel rather than a newer one with only an sdist, for any target (the default for a --platform target or a Python version with no local interpreter)")
	f.BoolVar(&l.noPreferBinary, "no-prefer-binary", false, "lock the newest versions even when only their sdists fit the target (built on this host)")
	f.StringVar(&l.excludeNewer, "exclude-newer", "", "lock what the indexes offered before this time: an RFC 3339 time (2026-11-01T12:00:00Z) or a date (2026-11-01, its start in UTC); files with no upload time are left out")
}

// parseExcludeNewer reads --exclude-newer: an RFC 3339 time, or a date
// meaning its first instant in UTC (UTC, not the local zone, so the same
// flag locks the same way on every machine).
func parseExcludeNewer(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("--exclude-newer %q: want an RFC 3339 time such as 2026-11-01T12:00:00Z or a date such as 2026-11-01", s)
}

// input is the lock.Input for the given arguments; lockPath, when not
// empty, is where the lock will be written (its pins are kept). A
// --platform that names no platform is a usage error, found before any
// work starts.
func (l *lockFlags) input(args []string, lockPath string) (lock.Input, error) {
	for _, p := range l.platform {
		if _, err := tags.ExpandPlatform(p); err != nil {
			return lock.Input{}, usagef("--platform: %v", err)
		}
	}
	in := l.in
	switch {
	case l.preferBinary && l.noPreferBinary:
		return lock.Input{}, usagef("give --prefer-binary or --no-prefer-binary, not both")
	case l.preferBinary:
		in.PreferBinary = lock.PreferBinaryAlways
	case l.noPreferBinary:
		in.PreferBinary = lock.PreferBinaryNever
	}
	if l.excludeNewer != "" {
		t, err := parseExcludeNewer(l.excludeNewer)
		if err != nil {
			return lock.Input{}, err
		}
		in.ExcludeNewer = t
	}
	in.Requirements = args
	in.Target = target.Spec{Python: l.python, Platforms: l.platform}
	if lockPath != "" && lockPath != "-" {
		in.LockDir = filepath.Dir(lockPath)
		if prev, err := lockfile.ReadFile(lockPath); err == nil {
			in.Previous = prev
		} else if !errors.Is(err, fs.ErrNotExist) {
			slog.Warn("ignoring the pins of the existing lock", "file", lockPath, "error", err)
		}
	}
	return in, nil
}

// given reports whether any lock input was given.
func (l *lockFlags) given(args []string) bool {
	in := l.in
	return len(args) > 0 || len(in.RequirementFiles) > 0 || in.FromVenv != "" || len(in.Editables) > 0
}
