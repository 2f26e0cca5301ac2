package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clusterpack/clusterpack/internal/cachedir"
	"github.com/clusterpack/clusterpack/target"
)

const targetLong = `Print the Python target that clusterpack resolves and builds for: its
version, its PEP 508 marker environment and the wheel tags it accepts, most
preferred first. A wheel is picked only when one of its tags is in this list,
so this is how to find out why a wheel was not picked.

A target is either a Python version plus the platform tags of the cluster
nodes, which works on any host (a Mac laptop targeting Linux nodes):

  clusterpack target --python 3.11 --platform manylinux_2_28_x86_64

or a real interpreter, asked once for its markers and tags (cached):

  clusterpack target --python /usr/bin/python3.11

With --python X.Y alone, a local interpreter of that version is used when
there is one (PATH, then pyenv); with no --python, python3 on PATH.
A version given as X.Y assumes X.Y.0 for python_full_version markers; give
X.Y.Z to be exact.

Platform tags: manylinux_2_N_ARCH (glibc 2.N, and every older manylinux),
manylinux2014_ARCH, musllinux_1_N_ARCH, linux_ARCH, macosx_X_Y_ARCH,
win_amd64, win32, win_arm64.`

func newTargetCommand() *cobra.Command {
	var (
		python    string
		platforms []string
		asJSON    bool
	)
	cmd := &cobra.Command{
		Use:   "target",
		Short: "Show the Python version, markers and wheel tags of a target",
		Long:  targetLong,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cache, err := cachedir.Root(os.Getenv, runtime.GOOS)
			if err != nil {
				return err
			}
			t, err := target.Resolve(cmd.Context(), target.Spec{Python: python, Platforms: platforms}, target.Options{CacheDir: cache})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(t)
			}
			return writeString(out, formatTarget(t))
		},
	}
	f := cmd.Flags()
	f.StringVar(&python, "python", "", "Python version (3.11, 3.11.7) or interpreter (path or command)")
	f.StringArrayVar(&platforms, "platform", nil, "platform tag of the cluster nodes, e.g. manylinux_2_28_x86_64 (repeatable, most preferred first)")
	f.BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// formatTarget is the human-readable form of a target.
func formatTarget(t *target.Target) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Python %s (%s)\n", t.PythonVersion, t.PythonFullVersion)
	if t.Interpreter != "" {
		fmt.Fprintf(&b, "Interpreter: %s\n", t.Interpreter)
	} else {
		b.WriteString("Interpreter: none (synthetic target)\n")
	}
	fmt.Fprintf(&b, "Platforms: %s\n", strings.Join(t.Platforms, ", "))
	b.WriteString("Markers:\n")
	keys := make([]string, 0, len(t.Markers))
	for k := range t.Markers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s = %q\n", k, t.Markers[k])
	}
	fmt.Fprintf(&b, "Tags (%d, most preferred first):\n", len(t.Tags))
	for _, tg := range t.Tags {
		fmt.Fprintf(&b, "  %s\n", tg)
	}
	return b.String()
}
