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
	ctx, stop := signalContext(stopSignals...)
	err := newRootCommand().ExecuteContext(context.WithValue(ctx, mainProcessKey{}, true))
	stop()
	var status exitStatus
	if errors.As(err, &status) {
		os.Exit(int(status)) // a supervised process's status: it printed its own error
	}
	if sc := interruption(ctx); sc != nil && errors.Is(err, context.Canceled) {
		err = &interruptedError{sc, err.Error()}
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

// stopSignals stop a command: its context is cancelled, and the run
// command's supervisor passes them on to its child.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// signalContext is cancelled by the first of the signals, with a
// *signalCause as its context.Cause; later ones are ignored (the command
// is stopping already) until stop.
func signalContext(sigs ...os.Signal) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			cancel(&signalCause{s})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// signalCause is why a command's context was cancelled: a signal.
type signalCause struct{ sig os.Signal }

func (s *signalCause) Error() string { return s.sig.String() + " signal received" }

// ExitCode is the shell's status of a process the signal ended: 128 plus
// the signal's number (130 for SIGINT, 143 for SIGTERM).
func (s *signalCause) ExitCode() int {
	if n, ok := s.sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 1
}

// interruptedError is a command's error when a signal stopped it: exit
// status 128 plus the signal's number. what says what was cut short, or
// what is left.
type interruptedError struct {
	cause *signalCause
	what  string
}

func (e *interruptedError) Error() string {
	if e.what == "" {
		return "interrupted (" + e.cause.Error() + ")"
	}
	return "interrupted (" + e.cause.Error() + "): " + e.what
}

func (e *interruptedError) ExitCode() int { return e.cause.ExitCode() }

// interruption is the *signalCause of ctx, if a signal cancelled it.
func interruption(ctx context.Context) *signalCause {
	var sc *signalCause
	if errors.As(context.Cause(ctx), &sc) {
		return sc
	}
	return nil
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
