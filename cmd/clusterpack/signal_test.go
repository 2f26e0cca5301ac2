package main

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// TestSignalContext: the first signal cancels the context with the signal
// as its cause, and exit status 128 plus its number; a second one is
// absorbed (the command is stopping already); stop leaves no cause.
func TestSignalContext(t *testing.T) {
	ctx, stop := signalContext(syscall.SIGUSR1)
	defer stop()
	if interruption(ctx) != nil {
		t.Fatal("an interruption before any signal")
	}
	for i := 0; i < 2; i++ {
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGUSR1); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the signal did not cancel the context")
	}
	sc := interruption(ctx)
	if sc == nil || sc.ExitCode() != 128+int(syscall.SIGUSR1) || sc.Error() != "user defined signal 1 signal received" {
		t.Fatalf("cause %v", context.Cause(ctx))
	}
	ctx2, stop2 := signalContext(syscall.SIGUSR2)
	stop2()
	if interruption(ctx2) != nil || ctx2.Err() == nil {
		t.Fatalf("after stop: cause %v, err %v", context.Cause(ctx2), ctx2.Err())
	}
}
