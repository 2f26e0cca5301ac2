// Command clusterpack turns Python requirements into environments that
// Spark and Flink clusters can run.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand().ExecuteContext(ctx)
	stop()
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(os.Stderr, "clusterpack: %v\nRun 'clusterpack --help' for usage.\n", err)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "clusterpack: %v\n", err)
		os.Exit(1)
	}
}

// usageError marks a mistake in the command line, reported with exit code 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}
