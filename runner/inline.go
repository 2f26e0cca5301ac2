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
// The caller's thread gets a Python thread state of its own the first
// time (PyGILState_Ensure, kept for the thread) and holds the GIL for
// the call only. The worker's inuse lock
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
	if call(f.gilStateThisThread) == 0 {
		// A thread state for this thread, kept: the counter of
		// PyGILState_Ensure stays at one while the GIL is released
		// (one made and deleted per call costs more than the call). A
		// worker locked to this thread later deletes it first (see
		// dropKeptThreadState).
		call(f.gilStateEnsure)
		call(f.saveThread)
	}
	g := call(f.gilStateEnsure)
	j := mk()
	start := time.Now()
	// The worker's scratch space is used under inuse, as on its thread.
	t := w.p.opts.Tracker
	if t != nil {
		var thread uint64 // this thread, not the worker's
		if f.threadIdent != 0 {
			thread = uint64(call(f.threadIdent))
		}
		t.Running(w.id, thread, j.index, j.line)
	}
	res := w.request(j)
	if t != nil {
		t.Idle(w.id)
	}
	if j.fn == "" {
		w.flush() // a function call's own callable flushed (prepare_call)
	}
	call(f.gilStateRelease, g)
	res.Worker, res.Elapsed = w.id, time.Since(start)
	return res, true
}

// dropKeptThreadState deletes the thread state an inline call kept for
// this OS thread, if any, before a worker makes its own here (the GIL not
// held): Go may lock a fresh worker to a thread an inline call ran on,
// and with two thread states PyGILState_Ensure on it (pyarrow calls it)
// would take the kept one and wait for the GIL its own thread holds. No
// inline call can be running on this thread: the worker's goroutine is
// locked to it.
func (w *worker) dropKeptThreadState() {
	f := &w.py.f
	kept := call(f.gilStateThisThread)
	if kept == 0 {
		return
	}
	call(f.restoreThread, kept)
	call(f.threadStateClear, kept)
	call(f.threadStateDeleteCurrent) // releases the GIL, forgets the thread's state
}
