package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/lockfile"
)

const buildLong = `Build the environment of a lock into one archive a cluster runs:

  zip, tar.gz  a relocatable virtualenv: unpack it anywhere and run
               bin/python (spark-submit --archives env.zip#environment,
               flink run -pyarch env.zip#venv -pyexec venv/bin/python)
  pex          one executable file that acts as the Python interpreter
               (PYSPARK_PYTHON=./env.pex)

The archive is named DIR/<name>-<content hash>.<ext>, with a manifest
DIR/<name>-<content hash>.json beside it. The hash comes from the lock's
file hashes, the target and the options, before anything is built: the same
inputs always give the same name and the same bytes, and a build that exists
already is not repeated.

Without --lock, the requirements are locked first, with the lock flags.

  clusterpack build --lock pylock.toml --format pex -o dist
  clusterpack build pandas pyarrow --python 3.11 --platform manylinux_2_28_x86_64`

func newBuildCommand() *cobra.Command {
	var (
		flags    lockFlags
		lockPath string
		format   string
		outDir   string
		asJSON   bool
		opts     build.Options
	)
	cmd := &cobra.Command{
		Use:   "build [REQUIREMENT]...",
		Short: "Build a lock into a content-hashed PEX or zipped virtualenv",
		Long:  buildLong,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := build.ParseFormat(format)
			if err != nil {
				return usagef("%v", err)
			}
			opts.Format = f
			if lockPath != "" && flags.given(args) {
				return usagef("give either --lock or requirements to lock, not both")
			}
			if lockPath == "" && !flags.given(args) {
				return usagef("nothing to build: give --lock FILE, or requirements as arguments, -r FILE, -e DIR or --from-venv DIR")
			}
			env, err := commandEnv()
			if err != nil {
				return err
			}
			start := time.Now()
			var lk *lockfile.Lock
			lockDir := "."
			if lockPath != "" {
				if lk, err = lockfile.ReadFile(lockPath); err != nil {
					return err
				}
				lockDir = filepath.Dir(lockPath)
			} else {
				res, err := lock.Make(cmd.Context(), flags.input(args, ""), env)
				if err != nil {
					return err
				}
				lk = res.Lock
			}
			plan, err := build.NewPlan(lk, lockDir, opts)
			if err != nil {
				return err
			}
			client, err := lock.DownloadClient(env, lk)
			if err != nil {
				return err
			}
			m, err := build.Build(cmd.Context(), plan, outDir, build.Env{Client: client, CacheDir: env.CacheDir, Getenv: env.Getenv, Logger: env.Logger, Version: env.Version})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(m)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\n", m.Archive)
			fmt.Fprintf(cmd.ErrOrStderr(), "Built %d packages for Python %s on %s in %.2fs: %s (%s)\n", len(m.Packages), m.Python, m.Platform, time.Since(start).Seconds(), m.Archive, humanSize(m.Size))
			if m.Note != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "Note: %s\n", m.Note)
			}
			return nil
		},
	}
	f := cmd.Flags()
	flags.register(f)
	f.StringVar(&lockPath, "lock", "", "pylock.toml to build (else the requirements are locked first)")
	f.StringVar(&format, "format", "zip", "pex, zip or tar.gz")
	f.StringVar(&opts.Name, "name", "env", "archive name prefix")
	f.StringVarP(&outDir, "output-dir", "o", "dist", "directory for the archive and its manifest")
	f.StringVar(&opts.PythonPath, "python-path", "", "interpreter the venv's bin/python runs on the nodes (default: pythonX.Y on PATH)")
	f.StringVar(&opts.BundlePython, "bundle-python", "", "local CPython to embed in a venv archive, so nodes need no Python")
	f.StringVar(&opts.EntryPoint, "entry-point", "", "what a pex runs (module:function or module) instead of acting as the interpreter")
	f.StringVar(&opts.Shebang, "shebang", "", "first line of a pex (default #!/usr/bin/env pythonX.Y)")
	f.BoolVar(&asJSON, "json", false, "print the manifest as JSON")
	return cmd
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
