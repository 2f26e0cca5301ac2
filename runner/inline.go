package runner

import (
	"context"
	"runtime"
	"time"
)

// inline runs a Do call on the caller's own OS thread, in the namespace
// of a worker that is idle, when nothing the worker's thread is there for
// is needed: the pool's workers are threads of the main interpreter, there
// is no timeout to watch, and ctx cannot be cancelled (a caller that could
// stop waiting must not be held by the call). It saves the two thread
// hand-offs of a call given to a worker, which cost more than a short call
// itself. ok is false when the call must go to a worker instead.
//
// The caller's thread gets a Python thread state for the call
// (PyGILState_Ensure and PyGILState_Release) and holds the GIL for the
// call only. The worker's inuse lock
// keeps its own thread out of the namespace meanwhile.
func (p *Pool) inline(ctx context.Context, mk func() *job) (Result, bool) {
	f := &p.py.f
	if p.isolation != IsolationThreads || p.opts.Timeout > 0 || ctx.Done() != nil || f.gilStateEnsure == 0 {
		return Result{}, false
	}
	var w *worker
	p.mu.Lock()
	for _, c := range p.workers {
		if !c.abandoned.Load() && c.inuse.TryLock() {
			w = c
			break
		}
	}
	p.mu.Unlock()
	if w == nil {
		return Result{}, false
	}
	defer w.inuse.Unlock()
	select {
	case <-p.quit:
		return Result{}, false // closed: submit says so
	default:
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// A thread state for this call only: PyGILState_Release deletes it.
	// One kept for the thread would outlive the call on an OS thread Go
	// may later lock a fresh worker to, which then has two thread states:
	// PyGILState_Ensure there (pyarrow calls it) would take the kept one
	// and wait for the GIL its own thread holds.
	g := call(f.gilStateEnsure)
	j := mk()
	start := time.Now()
	// The worker's scratch space is used under inuse, as on its thread.
	res := w.request(j)
	w.flush()
	call(f.gilStateRelease, g)
	res.Worker, res.Elapsed = w.id, time.Since(start)
	return res, true
}
