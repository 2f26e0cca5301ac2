package main

import (
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
)

const rootLong = `clusterpack turns Python requirements into an environment a Spark or Flink
cluster can run: it resolves the requirements for the cluster's Python and
platform, writes a PEP 751 pylock.toml, builds a content-hashed PEX file or
relocatable virtualenv archive, checks it in a CPython embedded in its own
process, uploads it once to S3, HDFS or a directory, and prints the submit
flags that use it.

The steps, each usable alone:

  clusterpack lock -r requirements.txt --python 3.11 --platform manylinux_2_28_x86_64
  clusterpack build --lock pylock.toml --format tar.gz
  clusterpack check dist/env-<hash>.tar.gz
  clusterpack upload --lock pylock.toml --format tar.gz --to s3://bucket/envs --code .
  spark-submit $(clusterpack spark-args --lock pylock.toml --format tar.gz --to s3://bucket/envs --code . --master yarn) job.py

To see what wheels a cluster node accepts:

  clusterpack target --python 3.11 --platform manylinux_2_28_x86_64

clusterpack reads pip's configuration (PIP_INDEX_URL, pip.conf, netrc), so it
works wherever pip works.`

func newRootCommand() *cobra.Command {
	var verbose, quiet bool
	root := &cobra.Command{
		Use:           "clusterpack",
		Short:         "Ship reproducible Python environments to Spark and Flink clusters",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if verbose && quiet {
				return usagef("give --verbose or --quiet, not both")
			}
			level := slog.LevelWarn
			if verbose {
				level = slog.LevelDebug
			}
			// --quiet leaves errors (main prints them on os.Stderr) and
			// what the command prints on standard output.
			stderr := cmd.ErrOrStderr()
			f, isFile := stderr.(*os.File)
			tty := isFile && isTerminal(f)
			if quiet {
				stderr, tty, level = io.Discard, false, slog.LevelError+1
			}
			con := newConsole(stderr, tty)
			cmd.SetErr(con)
			cmd.SetOut(con.Stdout(cmd.OutOrStdout()))
			cmd.SetContext(withConsole(cmd.Context(), con))
			slog.SetDefault(slog.New(slog.NewTextHandler(con, &slog.HandlerOptions{Level: level})))
			return nil
		},
	}
	root.PersistentFlags().BoolVarP(&verbose, "verbose", "v", false, "log what clusterpack does to standard error")
	root.PersistentFlags().BoolVarP(&quiet, "quiet", "q", false, "print nothing on standard error but errors (no progress, notes or summaries)")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(newVersionCommand(), newTargetCommand(), newLockCommand(), newBuildCommand(), newUploadCommand(), newSparkArgsCommand(), newFlinkArgsCommand(), newCheckCommand(), newRunCommand(), newRunWorkerCommand())
	withHints(root)
	withConsoleFinish(root)
	return root
}

func writeString(w io.Writer, s string) error {
	_, err := io.WriteString(w, s)
	return err
}
