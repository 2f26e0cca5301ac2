package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/clusterpack/clusterpack/internal/atomicfile"
	"github.com/clusterpack/clusterpack/internal/cachedir"
	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/lockfile"
	"github.com/clusterpack/clusterpack/target"
)

const lockLong = `Resolve requirements for a target and write a PEP 751 lock file.

Requirements come as arguments (names with versions, "name @ URL", or paths
to wheels, sdists and project directories), as -e project directories, from
pip requirements files (-r, with
everything pip accepts in them: nested -r/-c, --index-url lines, ${VAR},
hashes) or from a pyproject.toml's [project] dependencies (-r pyproject.toml,
with --extra for optional dependencies). Indexes come from pip's
configuration (PIP_INDEX_URL, pip.conf, netrc) unless given here.

The lock pins every package for one target: by default python3 on PATH, or
--python 3.11 --platform manylinux_2_28_x86_64 for cluster nodes from any
host. Re-locking over an existing lock keeps its pins unless --upgrade or
--upgrade-package says otherwise.

For such a target (--platform, or a --python version with no local
interpreter), an older version with a wheel for the target is locked
rather than a newer one with only an sdist, as pip's --prefer-binary does:
an sdist is built on this host, for this host. A note names each package
where that happened. --no-prefer-binary locks the newest instead;
--prefer-binary does the same for a host target.

  clusterpack lock -r requirements.txt --python 3.11 --platform manylinux_2_28_x86_64
  clusterpack lock pandas pyarrow -o pylock.toml --format requirements`

func newLockCommand() *cobra.Command {
	var (
		flags  lockFlags
		output string
		format string
	)
	cmd := &cobra.Command{
		Use:   "lock [REQUIREMENT]...",
		Short: "Resolve requirements for a target into a pylock.toml",
		Long:  lockLong,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "pylock" && format != "requirements" {
				return usagef("--format must be pylock or requirements, not %q", format)
			}
			keep := output
			if format != "pylock" {
				keep = ""
			}
			in, err := flags.input(args, keep)
			if err != nil {
				return err
			}
			if output != "-" {
				in.LockDir = filepath.Dir(output)
			}
			env, err := commandEnv()
			if err != nil {
				return err
			}
			start := time.Now()
			env.Progress = consoleOf(cmd).Progress()
			res, err := lock.Make(cmd.Context(), in, env)
			if err != nil {
				return err
			}
			printLockNotes(cmd.ErrOrStderr(), res)
			var buf bytes.Buffer
			if format == "pylock" {
				err = res.Lock.Write(&buf)
			} else {
				err = res.Lock.WriteRequirements(&buf, lockfile.RequirementsOptions{LockName: "pylock.toml"})
			}
			if err != nil {
				return err
			}
			if output == "-" {
				_, err = cmd.OutOrStdout().Write(buf.Bytes())
				return err
			}
			if err := writeFileAtomic(output, buf.Bytes()); err != nil {
				return err
			}
			consoleOf(cmd).Wrote("lock", output)
			fmt.Fprintf(cmd.ErrOrStderr(), "Locked %d packages for Python %s on %s in %.2fs: %s\n",
				len(res.Lock.Packages), res.Target.PythonFullVersion, mainPlatform(res.Target), time.Since(start).Seconds(), output)
			return nil
		},
	}
	f := cmd.Flags()
	flags.register(f)
	f.BoolVarP(&flags.in.Upgrade, "upgrade", "U", false, "ignore the pins of an existing lock")
	f.StringArrayVarP(&flags.in.UpgradePackages, "upgrade-package", "P", nil, "upgrade this package despite the existing lock (repeatable)")
	f.StringVarP(&output, "output", "o", "pylock.toml", "file to write, - for standard output")
	f.StringVar(&format, "format", "pylock", "pylock (PEP 751) or requirements (pip, with hashes)")
	return cmd
}

// commandEnv is the process environment for packages that take one.
func commandEnv() (lock.Env, error) {
	cache, err := cachedir.Root(os.Getenv, runtime.GOOS)
	if err != nil {
		return lock.Env{}, err
	}
	home, _ := os.UserHomeDir()
	return lock.Env{Getenv: os.Getenv, HomeDir: home, CacheDir: cache, Logger: slog.Default(), Version: buildVersion()}, nil
}

// mainPlatform names the most specific platform of a target.
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

// writeFileAtomic writes data beside name and renames it into place,
// first removing the temporary files of earlier writes of name that a
// kill -9 left (atomicfile.RemoveStale: never one of a live process).
func writeFileAtomic(name string, data []byte) error {
	atomicfile.RemoveStale(filepath.Dir(name), "."+filepath.Base(name)+".")
	return atomicfile.WriteFile(name, data, 0o644)
}
