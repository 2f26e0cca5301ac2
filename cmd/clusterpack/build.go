package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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
  wheelhouse   not an environment: a directory wheelhouse-<content hash>/
               of the lock's wheels (sdists built) and a requirements.txt
               pinning each by sha256, which pip installs with no index
               (pip install --no-index --find-links DIR -r DIR/requirements.txt;
               flink-args prints it as -pyreq, FLIP-78's offline requirements)

The archive is named DIR/<name>-<content hash>.<ext>, with a manifest
DIR/<name>-<content hash>.json beside it. The hash comes from the lock's
file hashes, the target and the options, before anything is built: the same
inputs always give the same name and the same bytes, and a build that exists
already is not repeated.

With --layers (zip, tar.gz, pex) the environment is a small base (the
archive above) plus one layer per large distribution (2 MiB or more, the 15
largest), each DIR/layer-<its own hash>.<ext>, shipped beside the base:
the same wheel gives the same layer in every environment, so a one-package
change rebuilds and re-uploads the base and that package's layer only.

Without --lock, the requirements are locked first, with the lock flags.

  clusterpack build --lock pylock.toml --format pex -o dist
  clusterpack build pandas pyarrow --python 3.11 --platform manylinux_2_28_x86_64`

// buildFlags are the inputs of a build, shared by build and upload.
type buildFlags struct {
	lockFlags
	lockPath string
	format   string
	opts     build.Options
}

func (b *buildFlags) register(f *pflag.FlagSet) {
	b.lockFlags.register(f)
	f.StringVar(&b.lockPath, "lock", "", "pylock.toml to build (else the requirements are locked first)")
	f.StringVar(&b.format, "format", "zip", "pex, zip, tar.gz or wheelhouse (the lock's wheels and a requirements.txt with hashes, for Flink's -pyreq)")
	f.StringVar(&b.opts.Name, "name", "env", "archive name prefix (wheelhouse for a wheelhouse)")
	f.StringVar(&b.opts.PythonPath, "python-path", "", "interpreter the venv's bin/python runs on the nodes (default: pythonX.Y on PATH)")
	f.StringVar(&b.opts.BundlePython, "bundle-python", "", "local CPython to embed in a venv archive, so nodes need no Python")
	f.StringVar(&b.opts.EntryPoint, "entry-point", "", "what a pex runs (module:function or module) instead of acting as the interpreter")
	f.StringVar(&b.opts.Shebang, "shebang", "", "first line of a pex (default #!/usr/bin/env pythonX.Y)")
	f.BoolVar(&b.opts.Layers, "layers", false, "a small base plus one content-addressed layer per large distribution (2 MiB or more, the 15 largest), shipped beside it, so a one-package change re-uploads little")
}

// plan reads or makes the lock and plans its build. It returns the plan,
// the lock's directory and the lock.
func (b *buildFlags) plan(cmd *cobra.Command, args []string, env lock.Env) (*build.Plan, string, *lockfile.Lock, error) {
	f, err := build.ParseFormat(b.format)
	if err != nil {
		return nil, "", nil, usagef("%v", err)
	}
	b.opts.Format = f
	if f == build.FormatWheelhouse && b.opts.Layers {
		return nil, "", nil, usagef("--layers splits an environment into a base and layers; a wheelhouse is a directory of wheels, not an environment: drop --layers, or give --format zip, tar.gz or pex")
	}
	if f == build.FormatWheelhouse && !cmd.Flags().Changed("name") {
		b.opts.Name = "wheelhouse"
	}
	if b.lockPath != "" && b.given(args) {
		return nil, "", nil, usagef("give either --lock or requirements to lock, not both")
	}
	if b.lockPath != "" && len(b.in.Exclude) > 0 {
		return nil, "", nil, usagef("--exclude applies when locking: give it to 'clusterpack lock' (the lock %s already says what it holds), or give requirements instead of --lock", b.lockPath)
	}
	if b.lockPath == "" && !b.given(args) {
		return nil, "", nil, usagef("nothing to build: give --lock FILE, or requirements as arguments, -r FILE, -e DIR or --from-venv DIR")
	}
	var lk *lockfile.Lock
	lockDir := "."
	if b.lockPath != "" {
		if lk, err = lockfile.ReadFile(b.lockPath); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, "", nil, fmt.Errorf("lock file %s does not exist: write it with 'clusterpack lock -o %s', or give the requirements instead of --lock", b.lockPath, b.lockPath)
			}
			return nil, "", nil, err
		}
		lockDir = filepath.Dir(b.lockPath)
	} else {
		in, err := b.input(args, "")
		if err != nil {
			return nil, "", nil, err
		}
		env.Progress = consoleOf(cmd).Progress()
		res, err := lock.Make(cmd.Context(), in, env)
		if err != nil {
			return nil, "", nil, err
		}
		printLockNotes(cmd.ErrOrStderr(), res)
		lk = res.Lock
	}
	p, err := build.NewPlan(lk, lockDir, b.opts)
	if err != nil {
		return nil, "", nil, err
	}
	p.LockFile = b.lockPath
	return p, lockDir, lk, nil
}

func newBuildCommand() *cobra.Command {
	var (
		flags  buildFlags
		outDir string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "build [REQUIREMENT]...",
		Short: "Build a lock into a content-hashed PEX or zipped virtualenv",
		Long:  buildLong,
		RunE: func(cmd *cobra.Command, args []string) error {
			env, err := commandEnv()
			if err != nil {
				return err
			}
			start := time.Now()
			plan, _, lk, err := flags.plan(cmd, args, env)
			if err != nil {
				return err
			}
			client, err := lock.DownloadClient(env, lk)
			if err != nil {
				return err
			}
			m, err := build.Build(cmd.Context(), plan, outDir, build.Env{Client: client, CacheDir: env.CacheDir, Getenv: env.Getenv, Logger: env.Logger, Version: env.Version, Progress: consoleOf(cmd).Progress()})
			if err != nil {
				return err
			}
			consoleOf(cmd).Wrote("archive", m.Archive)
			if asJSON {
				return printJSON(cmd, m)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\n", m.Archive)
			printBuilt(cmd.ErrOrStderr(), m, time.Since(start))
			if m.Note != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "Note: %s\n", m.Note)
			}
			return nil
		},
	}
	f := cmd.Flags()
	flags.register(f)
	f.StringVarP(&outDir, "output-dir", "o", "dist", "directory for the archive and its manifest")
	f.BoolVar(&asJSON, "json", false, "print the manifest as JSON")
	return cmd
}

// printBuilt says what build wrote: the archive and, for a layered
// environment, each layer, written or found in the output directory.
func printBuilt(w io.Writer, m *build.Manifest, took time.Duration) {
	size := humanSize(m.Size)
	if m.Reused {
		size += ", there already"
	}
	fmt.Fprintf(w, "Built %d packages for Python %s on %s in %.2fs: %s (%s)\n", len(m.Packages), m.Python, m.Platform, took.Seconds(), m.Archive, size)
	if len(m.Layers) == 0 {
		return
	}
	fmt.Fprintf(w, "Layers, shipped beside it (%d):\n", len(m.Layers))
	for _, l := range m.Layers {
		state := "written"
		if l.Reused {
			state = "there already"
		}
		var pkgs []string
		for _, p := range l.Packages {
			pkgs = append(pkgs, p.Name+" "+p.Version)
		}
		fmt.Fprintf(w, "  %s (%s, %s): %s\n", l.Archive, strings.Join(pkgs, ", "), humanSize(l.Size), state)
	}
}

// printJSON prints v indented on standard output.
func printJSON(cmd *cobra.Command, v any) error {
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(v)
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
