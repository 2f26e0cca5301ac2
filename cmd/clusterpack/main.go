// Command clusterpack turns Python requirements into environments that
// Spark and Flink clusters can run.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/target"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand().ExecuteContext(context.WithValue(ctx, mainProcessKey{}, true))
	stop()
	var status exitStatus
	if errors.As(err, &status) {
		os.Exit(int(status)) // a supervised process's status: it printed its own error
	}
	if err != nil {
		if isUsage(err) {
			fmt.Fprintf(os.Stderr, "clusterpack: %v\nRun 'clusterpack --help' for usage.\n", err)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "clusterpack: %v\n", err)
		var ec interface{ ExitCode() int }
		if errors.As(err, &ec) {
			os.Exit(ec.ExitCode())
		}
		os.Exit(1)
	}
}

// isUsage reports whether err is a mistake in the command line (exit code
// 2): a usageError, or a library error about what was typed: a requirement
// argument that cannot be read, a Python version that names no CPython.
func isUsage(err error) bool {
	var (
		ue *usageError
		re *lock.RequirementArgError
		ve *target.VersionError
		xe *lock.ExcludeNameError
	)
	// cobra reports an unknown sub-command with an untyped error.
	return errors.As(err, &ue) || errors.As(err, &re) || errors.As(err, &ve) || errors.As(err, &xe) || strings.HasPrefix(err.Error(), "unknown command ")
}

// usageError marks a mistake in the command line, reported with exit code 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// noArgs is cobra.NoArgs reported as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}
