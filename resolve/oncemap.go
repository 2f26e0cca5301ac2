package resolve

import (
	"context"
	"errors"
	"sync"
)

// onceMap computes each key's value once, however many goroutines ask
// (the solver and the prefetchers ask for the same pages and metadata).
// Later callers wait for the first. A computation cut short because its
// caller's context was cancelled (a prefetch stopped by close) is not
// kept: the next caller whose own context is live computes it again.
type onceMap[V any] struct {
	mu sync.Mutex
	m  map[string]*onceEntry[V]
}

type onceEntry[V any] struct {
	done chan struct{}
	v    V
	err  error
}

// get returns key's value, calling compute for it when no one has.
func (o *onceMap[V]) get(ctx context.Context, key string, compute func() (V, error)) (V, error) {
	for {
		o.mu.Lock()
		if o.m == nil {
			o.m = map[string]*onceEntry[V]{}
		}
		e, ok := o.m[key]
		if !ok {
			e = &onceEntry[V]{done: make(chan struct{})}
			o.m[key] = e
			o.mu.Unlock()
			e.v, e.err = compute()
			close(e.done)
		} else {
			o.mu.Unlock()
		}
		select {
		case <-e.done:
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
		if e.err != nil && errors.Is(e.err, context.Canceled) && ctx.Err() == nil {
			o.mu.Lock()
			if o.m[key] == e {
				delete(o.m, key)
			}
			o.mu.Unlock()
			continue
		}
		return e.v, e.err
	}
}

// peek returns key's value if it has been computed without error, and
// never waits or computes.
func (o *onceMap[V]) peek(key string) (V, bool) {
	o.mu.Lock()
	e := o.m[key]
	o.mu.Unlock()
	var zero V
	if e == nil {
		return zero, false
	}
	select {
	case <-e.done:
		if e.err != nil {
			return zero, false
		}
		return e.v, true
	default:
		return zero, false
	}
}
