package build517

import (
	"context"
	"errors"
)

// flight is one build in progress that other goroutines wait for.
type flight struct {
	done chan struct{}
	err  error
}

// singleFlight runs fn unless another goroutine of this Frontend runs it
// for the same key, in which case it waits for that run and returns its
// error. When that run was cancelled (its caller's context, not ours),
// the waiter runs fn itself. fn stores its result in the cache, where
// every caller looks afterwards.
func (f *Frontend) singleFlight(ctx context.Context, key string, fn func() error) error {
	for {
		f.mu.Lock()
		if f.flights == nil {
			f.flights = map[string]*flight{}
		}
		fl, running := f.flights[key]
		if !running {
			fl = &flight{done: make(chan struct{})}
			f.flights[key] = fl
		}
		f.mu.Unlock()

		if !running {
			fl.err = fn()
			f.mu.Lock()
			delete(f.flights, key)
			f.mu.Unlock()
			close(fl.done)
			return fl.err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-fl.done:
		}
		if errors.Is(fl.err, context.Canceled) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue // the leader gave up; try ourselves
		}
		return fl.err
	}
}
