// Package corpus is the real data stack the corpus test
// (internal/e2e/corpus) locks, builds and checks for the cluster targets
// users have, and the prefetch that puts its downloads into the dev cache
// before the timed tests run (internal/testing/devinstall).
//
// The stack is locked from pypi.org as it was at ExcludeNewer (uv's
// exclude-newer, clusterpack's --exclude-newer), so the versions, and the
// cache's content, do not change from one day to the next; moving the date
// is a deliberate bump, as a reference version is.
package corpus

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/internal/testing/devcache"
	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/target"
)

// ExcludeNewer is the cutoff the stack is locked at.
const ExcludeNewer = "2026-11-15"

// Stack is the data stack: what the seeds' users ship to Spark and Flink.
var Stack = []string{
	"numpy", "pandas", "pyarrow", "scipy", "scikit-learn", "matplotlib",
	"polars", "duckdb", "xgboost", "lightgbm", "pyspark",
}

// Modules are top-level modules of Stack that a live check must import.
var Modules = []string{
	"numpy", "pandas", "pyarrow", "scipy", "sklearn", "matplotlib",
	"polars", "duckdb", "xgboost", "lightgbm", "pyspark",
}

// A Case is one cluster target. Platform "" means this host's interpreter
// of Python (a real target: the host's platform, and check imports
// everything live).
type Case struct {
	Python   string
	Platform string
}

// Name is the case's name, for subtests and logs.
func (c Case) Name() string {
	if c.Platform == "" {
		return "host-" + c.Python
	}
	return c.Python + "-" + c.Platform
}

// Args are the lock flags of the case's target.
func (c Case) Args() []string {
	args := []string{"--python", c.Python}
	if c.Platform != "" {
		args = append(args, "--platform", c.Platform)
	}
	return args
}

// Declared are the cluster targets: CentOS 7-era nodes (glibc 2.17) with
// Python 3.9 and 3.11, current x86_64 nodes with 3.12 and 3.13, Graviton
// (aarch64) nodes with 3.12.
var Declared = []Case{
	{"3.9", "manylinux_2_17_x86_64"},
	{"3.11", "manylinux_2_17_x86_64"},
	{"3.12", "manylinux_2_28_x86_64"},
	{"3.13", "manylinux_2_28_x86_64"},
	{"3.12", "manylinux_2_28_aarch64"},
}

// Cases are Declared, then one host case for each of Python 3.9 to 3.13
// that this machine has.
func Cases() []Case {
	cases := append([]Case{}, Declared...)
	for _, v := range []string{"3.9", "3.10", "3.11", "3.12", "3.13"} {
		if s, err := target.LocalInterpreters(v, target.Options{Getenv: os.Getenv}); err == nil && len(s.Candidates) > 0 {
			cases = append(cases, Case{Python: v})
		}
	}
	return cases
}

// CacheDir is the clusterpack cache (CLUSTERPACK_CACHE_DIR) the corpus
// uses: in the dev cache, so downloads and sdist builds are kept.
func CacheDir() (string, error) {
	return devcache.Path("corpus", "clusterpack-cache")
}

// Prefetch locks and builds every case once into CacheDir, so that the
// test finds every wheel (and pyspark's built wheel) there. It is cheap
// when they are: the cache is content-addressed.
func Prefetch(ctx context.Context, log io.Writer) error {
	cache, err := CacheDir()
	if err != nil {
		return err
	}
	unlock, err := devcache.Lock(cache)
	if err != nil {
		return err
	}
	defer unlock()
	cutoff, err := time.Parse(time.DateOnly, ExcludeNewer)
	if err != nil {
		return err
	}
	home, _ := os.UserHomeDir()
	env := lock.Env{Getenv: os.Getenv, HomeDir: home, CacheDir: cache, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "corpus-prefetch"}
	for _, c := range Cases() {
		begin := time.Now()
		res, err := lock.Make(ctx, lock.Input{Requirements: Stack, Target: target.Spec{Python: c.Python, Platforms: platforms(c)}, ExcludeNewer: cutoff}, env)
		if err != nil {
			return fmt.Errorf("corpus %s: lock: %w", c.Name(), err)
		}
		plan, err := build.NewPlan(res.Lock, ".", build.Options{Name: "env", Format: build.FormatZip})
		if err != nil {
			return fmt.Errorf("corpus %s: %w", c.Name(), err)
		}
		client, err := lock.DownloadClient(env, res.Lock)
		if err != nil {
			return err
		}
		out, err := os.MkdirTemp(filepath.Dir(cache), "prefetch-")
		if err != nil {
			return err
		}
		_, err = build.Build(ctx, plan, out, build.Env{Client: client, CacheDir: cache, Getenv: os.Getenv, Logger: env.Logger, Version: env.Version})
		os.RemoveAll(out)
		if err != nil {
			return fmt.Errorf("corpus %s: build: %w", c.Name(), err)
		}
		fmt.Fprintf(log, "devinstall: corpus %s: %d packages in the cache (%v)\n", c.Name(), len(res.Lock.Packages), time.Since(begin).Round(100*time.Millisecond))
	}
	return nil
}

func platforms(c Case) []string {
	if c.Platform == "" {
		return nil
	}
	return []string{c.Platform}
}
