package runner

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

//go:embed bootstrap.py
var bootstrapSource string

// worker is one interpreter (or one thread of the shared interpreter) on
// its own locked OS thread. Its Python objects may be touched only on
// that thread, with its thread state current.
type worker struct {
	p   *Pool
	py  *Python
	id  int
	own chan *job // ModeAll calls, served before shared ones

	cur  atomic.Pointer[job] // the job running, for the watchdog
	busy atomic.Int32
	// inuse is held while Python code runs in this worker's namespace:
	// by the worker's own thread between taking the GIL and releasing
	// it, or by a caller running a call inline (Pool.Do, see inline).
	inuse sync.Mutex
	// abandoned: a call of this worker ran past the timeout; it takes no
	// new call and ends when that call returns. replacing (p.mu): a
	// fresh worker is starting in its place.
	abandoned atomic.Bool
	replacing bool

	ts, ts0                                                                       uintptr // thread state; ts0 is the main-interpreter state a sub-interpreter was made from
	sub                                                                           bool
	obj                                                                           uintptr // the _CPWorker
	mRun, mPrepare, mPrepareRaw, mTakeError, mDescribe, mFlush, mCheck, mTakeVars uintptr
	mPrepareCall, mPrepareCallStr, mEncode                                        uintptr
	failed                                                                        uintptr // _cp_failed
	// The callables of Do calls of a function (prepare_call and
	// prepare_call_str), by name.
	calls map[string][2]uintptr

	// The callable Map prepared, for the map it was prepared for, and
	// the one for its rows that are plain strings (the function itself,
	// prepare_raw).
	mapFor          *mapRun
	mapFn, mapStrFn uintptr
	mapErr          *PyError

	// rowBatch's scratch: the rows' texts, joined, and the str "\n".
	texts  [][]byte
	joined []byte
	// reuse: the row running may have its Value in scratch (a Map with
	// ReuseValues, set for each row by its batch) in values.
	reuse   bool
	values  []byte
	newline uintptr
	// releaseLater's list and how many of its slots are taken.
	later  uintptr
	laterN int

	arr *workerArrays // Call.Arrays state (arrays.go), made on first use

	thread uint64 // the OS thread, as PyThread_get_thread_ident names it

	scratch *[4]uintptr // out-parameters of C calls, on the heap
	empty   *[1]byte
}

type jobKind int

const (
	jobRequest jobKind = iota // run req through _CPWorker.run
	jobRow                    // one Map row
	jobCheck                  // import modules (req is a JSON list)
	jobRows                   // a batch of Map rows (no timeout)
	jobArrays                 // a Do call with Call.Arrays (arrays.go)
)

type job struct {
	kind  jobKind
	req   []byte
	m     *mapRun
	index int
	line  int    // the row's line in its input, when the reader knows it
	out   bool   // jobRequest: the call reads variables back (Call.Out)
	fn    string // jobRequest: a function call without Out, made by its prepared callable with args
	args  []byte
	str   []byte // jobRequest: fn's one plain-text str argument, when isStr (Do found it)
	isStr bool
	rows  [][]byte     // jobRows
	lines []int        // jobRows: the line of each row, when known
	plain bool         // jobRows: every row is a plain JSON string, as the reader found (plainString)
	each  chan Result  // jobRows: each row's result as soon as it is done (capacity len(rows))
	start atomic.Int64 // unix nanoseconds when a worker took it (jobRows: its current row); 0 before
	at    atomic.Int32 // jobRows: the row of the batch running
	state atomic.Int32 // 0 running or queued, 1 done, 2 reported as a straggler
	res   Result
	done  chan struct{}

	arrays *arrayCall // jobArrays
}

func newJob(kind jobKind, req []byte, index int) *job {
	return &job{kind: kind, req: req, index: index, done: make(chan struct{})}
}

// what names the job in messages: "row 3 (line 4)", or "the call"; a
// batch of rows by the row it runs.
func (j *job) what() string {
	index, line := j.running()
	switch {
	case j.m == nil:
		return "the call"
	case line > 0:
		return fmt.Sprintf("row %d (line %d)", index, line)
	}
	return fmt.Sprintf("row %d", index)
}

// running is the row the job runs: its own, or a batch's current one.
func (j *job) running() (index, line int) {
	if j.kind != jobRows {
		return j.index, j.line
	}
	i := int(j.at.Load())
	if i < len(j.lines) {
		line = j.lines[i]
	}
	return j.index + i, line
}

// finishNoWorker records the result of a job no worker ran (Worker -1).
func (j *job) finishNoWorker(res Result) {
	res.Index, res.Line, res.Worker = j.index, j.line, -1
	if j.state.CompareAndSwap(0, 1) {
		j.complete(res)
	}
}

// complete records the result of a job (its state already set); a row of
// a Map goes to the Map's sequencer.
func (j *job) complete(res Result) {
	j.res = res
	close(j.done)
	if j.m != nil && j.kind == jobRow {
		j.m.seq.put(res)
	}
}

// finish records the result; a job already reported as a straggler sends
// its late result to the straggler stream instead.
func (j *job) finish(w *worker, res Result) {
	res.Index, res.Line, res.Worker = j.index, j.line, w.id
	if s := j.start.Load(); s != 0 {
		res.Elapsed = time.Duration(time.Now().UnixNano() - s)
	}
	if j.state.CompareAndSwap(0, 1) {
		j.complete(res)
		return
	}
	res.Late = true
	w.p.straggler(res)
}

func (w *worker) loop(ready chan<- error) {
	// The thread keeps Python thread state for its whole life: it stays
	// locked to this goroutine, and when the goroutine returns Go ends
	// the thread.
	runtime.LockOSThread()
	w.scratch = new([4]uintptr)
	w.empty = new([1]byte)
	w.dropKeptThreadState()
	if err := w.start(); err != nil {
		ready <- err
		return
	}
	if f := w.py.f.threadIdent; f != 0 {
		w.thread = uint64(call(f))
	}
	ready <- nil
	for {
		j := w.next(true)
		if j == nil {
			break
		}
		w.inuse.Lock()
		call(w.py.f.restoreThread, w.ts)
		for j != nil {
			w.exec(j)
			if j.state.Load() == 2 || w.abandoned.Load() {
				break // a straggler: this worker was replaced
			}
			j = w.next(false)
		}
		w.flush()
		call(w.py.f.saveThread)
		w.inuse.Unlock()
		if w.abandoned.Load() || j != nil && j.state.Load() == 2 {
			w.p.abandon(w)
			break
		}
	}
	w.stop()
}

// next takes the next job: the worker's own queue first, then the shared
// one. With block false it returns nil at once when both are empty.
func (w *worker) next(block bool) *job {
	select {
	case j := <-w.own:
		return j
	default:
	}
	if !block {
		select {
		case j := <-w.own:
			return j
		case j := <-w.p.shared:
			return j
		default:
			return nil
		}
	}
	select {
	case j := <-w.own:
		return j
	case j := <-w.p.shared:
		return j
	case <-w.p.quit:
		return nil
	}
}

func (w *worker) exec(j *job) {
	began := time.Now()
	j.start.Store(began.UnixNano())
	w.cur.Store(j)
	w.busy.Store(1)
	defer func() { w.cur.Store(nil); w.busy.Store(0) }()
	if j.m != nil && j.m.ctx.Err() != nil {
		cancelled := Result{Error: &PyError{Type: "Cancelled", Last: "cancelled: " + j.m.ctx.Err().Error()}}
		if j.kind == jobRows {
			for i := range j.rows {
				j.m.seq.put(cancelled.at(j, i, w))
			}
		}
		j.finish(w, cancelled)
		return
	}
	switch j.kind {
	case jobCheck:
		out, perr := w.callStr(w.mCheck, j.req)
		if perr != nil {
			j.finish(w, Result{Error: perr})
			return
		}
		j.finish(w, Result{Value: json.RawMessage(out)})
	case jobRequest:
		w.running(j.index, j.line)
		r := w.request(j)
		w.idle()
		j.finish(w, r)
	case jobArrays:
		w.running(j.index, j.line)
		r := w.arrays(j)
		w.idle()
		j.finish(w, r)
	case jobRow:
		w.running(j.index, j.line)
		r := w.row(j.m, j.req)
		w.idle()
		j.finish(w, r)
	case jobRows:
		// Each result is handed over at once, not with the batch, so that
		// a crash in a later row loses none that finished.
		// Each row is timed from the batch's start on the monotonic
		// clock alone (time.Since), one clock read at each end; time.Now
		// reads the wall clock too.
		b := w.batch(j)
		var rowStart time.Duration
		for i, row := range j.rows {
			if i > 0 {
				if err := j.m.ctx.Err(); err != nil {
					// Stopped: the rest of the batch is cancelled, as
					// the rows queued behind it are.
					cancelled := Result{Error: &PyError{Type: "Cancelled", Last: "cancelled: " + err.Error()}}
					for ; i < len(j.rows); i++ {
						j.m.seq.put(cancelled.at(j, i, w))
					}
					break
				}
				j.at.Store(int32(i))
				rowStart = time.Since(began)
				j.start.Store(began.UnixNano() + int64(rowStart))
			}
			if w.p.opts.Tracker != nil {
				w.running(j.running())
			}
			var r Result
			if b != nil {
				r = b.row(w, i)
			} else {
				r = w.row(j.m, row)
			}
			w.idle()
			r.Elapsed = time.Since(began) - rowStart
			j.m.seq.put(r.at(j, i, w))
		}
		b.release(w)
		j.finish(w, Result{})
	}
}

// running tells the pool's Tracker that w runs the call of row index.
func (w *worker) running(index, line int) {
	if t := w.p.opts.Tracker; t != nil {
		t.Running(w.id, w.thread, index, line)
	}
}

// idle tells the pool's Tracker that w's call returned.
func (w *worker) idle() {
	if t := w.p.opts.Tracker; t != nil {
		t.Idle(w.id)
	}
}

// at places r as row i of the batch j, run by w.
func (r Result) at(j *job, i int, w *worker) Result {
	r.Index, r.Worker = j.index+i, w.id
	if i < len(j.lines) {
		r.Line = j.lines[i]
	}
	return r
}

// request runs a Do call: run() gives the value's JSON, taken as it is
// (a value of a gigabyte is copied once, not decoded again), or None
// after an exception.
func (w *worker) request(j *job) Result {
	f := &w.py.f
	var r uintptr
	var perr *PyError
	if j.fn != "" {
		arg, ok := j.str, j.isStr
		if !ok {
			arg, ok = plainStringArg(j.args)
		}
		if ok {
			return w.callFunctionStr(j.fn, arg)
		}
		r, perr = w.callFunction(j.fn, j.args)
	} else {
		r, perr = w.callObj(w.mRun, j.req)
	}
	if perr != nil {
		return Result{Error: perr}
	}
	defer call(f.decRef, r)
	if r == w.none() {
		return Result{Error: w.takeError()}
	}
	s, ok := w.goString(r)
	if !ok {
		return Result{Error: w.fetchError()}
	}
	res := Result{Value: json.RawMessage(s)}
	if j.out {
		b, perr := w.callStr(w.mTakeVars, nil)
		if perr != nil {
			return Result{Error: perr}
		}
		if err := json.Unmarshal(b, &res.Vars); err != nil {
			return Result{Error: &PyError{Type: "RunnerError", Last: "undecodable variables from Python: " + err.Error()}}
		}
	}
	return res
}

// callFunction calls the function named fn with the arguments' JSON
// through its prepared callable (made on first use); the result is as
// run()'s.
func (w *worker) callFunction(fn string, args []byte) (uintptr, *PyError) {
	c, perr := w.prepared(fn, 0)
	if perr != nil {
		return 0, perr
	}
	return w.callObj(c, args)
}

// prepared is the callable of Do calls of fn: 0 takes the arguments'
// JSON (prepare_call), 1 one str (prepare_call_str).
func (w *worker) prepared(fn string, which int) (uintptr, *PyError) {
	c := w.calls[fn]
	if c[which] == 0 {
		prep := w.mPrepareCall
		if which == 1 {
			prep = w.mPrepareCallStr
		}
		o, perr := w.callObj(prep, []byte(fn))
		if perr != nil {
			return 0, perr
		}
		c[which] = o
		if w.calls == nil {
			w.calls = map[string][2]uintptr{}
		}
		w.calls[fn] = c
	}
	return c[which], nil
}

// callFunctionStr calls fn with one str, arg's bytes, the way a call
// with the JSON arguments ["arg"] would be made, without decoding them:
// a str result of plain text is written as JSON here (the bytes Python's
// encoder gives), any other goes to encode().
func (w *worker) callFunctionStr(fn string, arg []byte) Result {
	c, perr := w.prepared(fn, 1)
	if perr != nil {
		return Result{Error: perr}
	}
	a := w.unicode(arg)
	if a == 0 {
		return Result{Error: w.fetchError()}
	}
	r := w.callOne(c, a)
	w.releaseLater(a)
	if r == 0 {
		return Result{Error: w.fetchError()}
	}
	res := w.strResult(r)
	w.releaseLater(r)
	return res
}

const (
	// laterN is how many references releaseLater gathers before it
	// releases them, in one call.
	laterN = 64
	// laterMax is the largest str releaseLater keeps.
	laterMax = 4 << 10
)

// releaseLater releases the reference o: a small str with the next
// laterN-1 of them, from a list hidden from the GC (one C call for all,
// where Py_DecRef of each is one per object), anything else at once
// (GIL held).
func (w *worker) releaseLater(o uintptr) {
	f := &w.py.f
	if s, ok := w.py.asciiStr(o); !ok || len(s) > laterMax {
		call(f.decRef, o)
		return
	}
	if w.later == 0 {
		if w.later = w.py.hiddenList(laterN); w.later == 0 {
			call(f.decRef, o)
			return
		}
		w.laterN = 0
	}
	listSetItem(w.later, w.laterN, o)
	if w.laterN++; w.laterN == laterN {
		call(f.decRef, w.later)
		w.later = 0
	}
}

// strResult is the Result of what a str callable (prepare_call_str, or
// a Map's function called on a plain str row) returned: an error after
// _cp_failed, a plain-text str written here, anything else encoded by
// encode().
func (w *worker) strResult(r uintptr) Result {
	f := &w.py.f
	if r == w.failed {
		return Result{Error: w.takeError()}
	}
	s, ok := w.py.asciiStr(r) // read in place, or through the API:
	if !ok && w.py.unicodeType != 0 && typeOf(r) == w.py.unicodeType {
		if s, ok = w.utf8(r); !ok {
			call(f.errClear) // a str without UTF-8 (lone surrogates): encode() says why
		}
	}
	if ok && plainText(s) {
		v := w.valueSpace(len(s) + 2)
		return Result{Value: append(append(append(v, '"'), s...), '"'), reused: w.reuse}
	}
	e, perr := w.callObj2(w.mEncode, r)
	if perr != nil {
		return Result{Error: perr}
	}
	defer call(f.decRef, e)
	if e == w.none() {
		return Result{Error: w.takeError()}
	}
	v, ok := w.goString(e)
	if !ok {
		return Result{Error: w.fetchError()}
	}
	return Result{Value: v}
}

// callObj2 calls fn(o) and returns the new reference (GIL held).
func (w *worker) callObj2(fn, o uintptr) (uintptr, *PyError) {
	r := w.callOne(fn, o)
	if r == 0 {
		return 0, w.fetchError()
	}
	return r, nil
}

// takeError describes the exception the last call stored (pending).
func (w *worker) takeError() *PyError {
	out, perr := w.callStr(w.mTakeError, nil)
	if perr != nil {
		return perr
	}
	var e PyError
	if err := json.Unmarshal(out, &e); err != nil {
		return &PyError{Type: "RunnerError", Last: "undecodable exception from Python: " + err.Error()}
	}
	return &e
}

// row runs one Map row with the callable prepared for the map.
func (w *worker) row(m *mapRun, req []byte) Result {
	f := &w.py.f
	if perr := w.mapSetup(m); perr != nil {
		return Result{Error: perr, setup: true}
	}
	if m.function && !m.raw {
		if text, ok := plainString(req); ok {
			// A plain JSON string row: the str itself, no json.loads,
			// no json.dumps of a plain str result.
			fn, perr := w.strFn(m)
			if perr != nil {
				return Result{Error: perr}
			}
			r, perr := w.callObj(fn, text)
			if perr != nil {
				return Result{Error: perr}
			}
			defer call(f.decRef, r)
			return w.strResult(r)
		}
	}
	arg := w.unicode(req)
	if arg == 0 {
		return Result{Error: w.fetchError()}
	}
	r := w.callOne(w.mapFn, arg)
	call(f.decRef, arg)
	if r == 0 {
		return Result{Error: w.fetchError()}
	}
	defer call(f.decRef, r)
	if !m.raw && r == w.none() {
		return Result{Error: w.takeError()}
	}
	if m.raw {
		return w.rawResult(r)
	}
	s, ok := w.utf8(r)
	if !ok {
		return Result{Error: w.fetchError()}
	}
	return Result{Value: bytes.Clone(s)}
}

// rawResult is the Result of a raw row's call: the str r as a JSON
// string.
func (w *worker) rawResult(r uintptr) Result {
	s, ok := w.py.asciiStr(r)
	if !ok {
		if s, ok = w.utf8(r); !ok {
			return Result{Error: w.fetchError()}
		}
	}
	// Room for a few escapes (a raw JSON row's own quotes come back as
	// \" each): growing the slice would copy the value once more.
	v := appendJSONString(w.valueSpace(len(s)+8), s)
	if w.reuse {
		w.values = v[:0] // grown for escapes: kept for the next row
	}
	return Result{Value: v, reused: w.reuse}
}

// valueSpace is an empty slice of capacity n or more for a Result.Value:
// the worker's values space while it runs rows of a Map with
// ReuseValues (w.reuse), else new memory.
func (w *worker) valueSpace(n int) []byte {
	if !w.reuse || n > keptResult {
		w.reuse = false // a large value is not kept past its row
		return make([]byte, 0, n)
	}
	if cap(w.values) < n {
		w.values = make([]byte, 0, max(n, 256))
	}
	return w.values[:0]
}

// strFn is the callable of m's rows that are plain JSON strings, made
// on first use: the function itself (prepare_raw), called with the row's
// str; a call that fails returns NULL and fetchError describes it.
func (w *worker) strFn(m *mapRun) (uintptr, *PyError) {
	if w.mapStrFn == 0 {
		fn, perr := w.callObj(w.mPrepareRaw, m.req)
		if perr != nil {
			return 0, perr
		}
		w.mapStrFn = fn
	}
	return w.mapStrFn, nil
}

// mapSetup prepares the callable of the Map m (prepare, prepare_raw) on
// the first row of m this worker runs; the error is m's set-up error.
func (w *worker) mapSetup(m *mapRun) *PyError {
	f := &w.py.f
	if w.mapFor != m {
		for _, o := range []uintptr{w.mapFn, w.mapStrFn} {
			if o != 0 {
				call(f.decRef, o)
			}
		}
		w.mapFor, w.mapFn, w.mapStrFn, w.mapErr = m, 0, 0, nil
		prep := w.mPrepare
		if m.raw {
			prep = w.mPrepareRaw
		}
		fn, perr := w.callObj(prep, m.req)
		if perr != nil {
			w.mapErr = perr
		} else {
			w.mapFn = fn
		}
	}
	return w.mapErr
}

func (w *worker) none() uintptr {
	if w.p.none == 0 {
		return ^uintptr(0)
	}
	return w.p.none
}

// start makes the worker's thread state (and interpreter), runs the
// bootstrap, and releases the GIL.
func (w *worker) start() error {
	f := &w.py.f
	w.ts0 = call(f.threadStateNew, w.py.mainInterp)
	if w.ts0 == 0 {
		return errors.New("PyThreadState_New failed")
	}
	call(f.restoreThread, w.ts0)
	w.ts = w.ts0
	if w.sub {
		// faulthandler works in the main interpreter only (a
		// sub-interpreter's faulthandler.enable does nothing): enable it
		// there, for every thread of every interpreter.
		w.mainFaulthandler()
		cfg := &pyInterpreterConfig{AllowThreads: 1, CheckMultiInterpExtensions: 1, GIL: ownGIL}
		var ts uintptr
		st := f.newInterpreterFromConfig(unsafe.Pointer(&ts), unsafe.Pointer(cfg))
		runtime.KeepAlive(cfg)
		if err := st.err("creating a sub-interpreter"); err != nil {
			call(f.saveThread)
			return err
		}
		// The main interpreter's GIL was released; ts holds its own.
		w.ts = ts
	}
	if err := w.bootstrap(); err != nil {
		call(f.saveThread)
		return err
	}
	call(f.saveThread)
	return nil
}

// mainFaulthandler enables faulthandler in the main interpreter, whose
// thread state is current, writing to PoolOptions.CrashFD or standard
// error (as _cp_faulthandler does in a worker's own interpreter).
func (w *worker) mainFaulthandler() {
	f := &w.py.f
	mainName := cstr("__main__")
	mod := call(f.importAddModule, ptr(mainName))
	runtime.KeepAlive(mainName)
	if mod == 0 {
		call(f.errClear)
		return
	}
	d := call(f.moduleGetDict, mod)
	code := cstr(fmt.Sprintf("import faulthandler as _cp_fh, sys as _cp_fs\nif not _cp_fh.is_enabled():\n    _cp_fh.enable(file=%d or _cp_fs.__stderr__, all_threads=True)\ndel _cp_fh, _cp_fs\n", w.p.opts.CrashFD))
	r := call(f.runStringFlags, ptr(code), pyFileInput, d, d, 0)
	runtime.KeepAlive(code)
	if r == 0 {
		call(f.errClear)
		return
	}
	call(f.decRef, r)
}

func (w *worker) bootstrap() error {
	f := &w.py.f
	mainName := cstr("__main__")
	mod := call(f.importAddModule, ptr(mainName))
	runtime.KeepAlive(mainName)
	if mod == 0 {
		return fmt.Errorf("bootstrap: %s", w.fetchError().Last)
	}
	d := call(f.moduleGetDict, mod)
	cls := cstr("_CPWorker")
	if call(f.dictGetItemString, d, ptr(cls)) == 0 {
		src := w.unicode([]byte(bootstrapSource))
		key := cstr("_cp_src")
		call(f.dictSetItemString, d, ptr(key), src)
		call(f.decRef, src)
		code := cstr("exec(compile(_cp_src, '<clusterpack>', 'exec'))\n")
		r := call(f.runStringFlags, ptr(code), pyFileInput, d, d, 0)
		runtime.KeepAlive(code)
		runtime.KeepAlive(key)
		if r == 0 {
			return fmt.Errorf("the runner's bootstrap failed in Python %d.%d: %s", w.py.version[0], w.py.version[1], w.fetchError().Last)
		}
		call(f.decRef, r)
	}
	setupName := cstr("_cp_setup")
	setup := call(f.dictGetItemString, d, ptr(setupName))
	config, _ := json.Marshal(map[string]any{"sites": w.p.env.SitePaths, "path": w.p.opts.Path, "stdout_to_stderr": w.p.opts.StdoutToStderr, "crash_fd": w.p.opts.CrashFD})
	if _, perr := w.callStr(setup, config); perr != nil {
		return fmt.Errorf("setting sys.path: %s", perr.Last)
	}
	failedName := cstr("_cp_failed")
	w.failed = call(f.dictGetItemString, d, ptr(failedName)) // borrowed; __main__ keeps it
	runtime.KeepAlive(failedName)
	klass := call(f.dictGetItemString, d, ptr(cls))
	runtime.KeepAlive(cls)
	runtime.KeepAlive(setupName)
	obj, perr := w.callObj(klass, []byte(strconv.Itoa(w.id)))
	if perr != nil {
		return fmt.Errorf("bootstrap: %s", perr.Last)
	}
	w.obj = obj
	for _, m := range []struct {
		p    *uintptr
		name string
	}{{&w.mRun, "run"}, {&w.mPrepare, "prepare"}, {&w.mPrepareRaw, "prepare_raw"}, {&w.mTakeError, "take_error"},
		{&w.mDescribe, "describe"}, {&w.mFlush, "flush"}, {&w.mCheck, "check_imports"}, {&w.mTakeVars, "take_vars"},
		{&w.mPrepareCall, "prepare_call"}, {&w.mPrepareCallStr, "prepare_call_str"}, {&w.mEncode, "encode"}} {
		name := cstr(m.name)
		*m.p = call(f.objectGetAttrString, obj, ptr(name))
		runtime.KeepAlive(name)
		if *m.p == 0 {
			return fmt.Errorf("bootstrap: no method %s", m.name)
		}
	}
	noneName := cstr("None")
	if w.p.none == 0 {
		// None is one object per process; take it from builtins once.
		bi := cstr("builtins")
		bmod := call(f.importAddModule, ptr(bi))
		w.p.none = call(f.objectGetAttrString, bmod, ptr(noneName))
		runtime.KeepAlive(bi)
	}
	runtime.KeepAlive(noneName)
	return nil
}

// stop releases the worker's thread state; the GIL is not held. A
// sub-interpreter is left as it is, never ended: Py_EndInterpreter aborts
// the whole process when user code left a thread running in it, and the
// process exits soon after a pool closes anyway (see Python).
func (w *worker) stop() {
	f := &w.py.f
	w.inuse.Lock()
	defer w.inuse.Unlock()
	call(f.restoreThread, w.ts)
	w.flush()
	// What releaseLater and rowBatch kept.
	for _, o := range []uintptr{w.later, w.newline} {
		if o != 0 {
			call(f.decRef, o)
		}
	}
	w.later, w.newline = 0, 0
	if w.sub {
		call(f.saveThread)
		return
	}
	call(f.threadStateClear, w.ts)
	call(f.threadStateDeleteCurrent) // releases the GIL
}

// flush flushes Python's sys.stdout and sys.stderr (GIL held).
func (w *worker) flush() {
	f := &w.py.f
	if r := call(f.callObject, w.mFlush, 0); r != 0 {
		call(f.decRef, r)
		return
	}
	call(f.errClear)
}

// unicode makes a str from UTF-8 bytes (GIL held); 0 on error.
func (w *worker) unicode(b []byte) uintptr {
	p := uintptr(unsafe.Pointer(&w.empty[0]))
	if len(b) > 0 {
		p = uintptr(unsafe.Pointer(&b[0]))
	}
	r := call(w.py.f.unicodeFromStringAndSize, p, uintptr(len(b)))
	runtime.KeepAlive(b)
	return r
}

// goString copies a str's UTF-8 (GIL held).
func (w *worker) goString(o uintptr) ([]byte, bool) {
	s, ok := w.utf8(o)
	if !ok {
		return nil, false
	}
	return bytes.Clone(s), true
}

// utf8 is a str's UTF-8 in Python's memory, valid while o lives and is
// not changed (GIL held); never keep it.
func (w *worker) utf8(o uintptr) ([]byte, bool) {
	w.scratch[0] = 0
	p := call(w.py.f.unicodeAsUTF8AndSize, o, uintptr(unsafe.Pointer(&w.scratch[0])))
	if p == 0 {
		return nil, false
	}
	n := int(w.scratch[0])
	if n == 0 {
		return []byte{}, true
	}
	return unsafe.Slice((*byte)(cPtr(p)), n), true
}

func (w *worker) callOne(fn, arg uintptr) uintptr {
	f := &w.py.f
	if f.callOneArg != 0 {
		return call(f.callOneArg, fn, arg)
	}
	t := call(f.tupleNew, 1)
	call(f.incRef, arg)
	call(f.tupleSetItem, t, 0, arg)
	r := call(f.callObject, fn, t)
	call(f.decRef, t)
	return r
}

// callObj calls fn(str(arg)) and returns the new reference (GIL held).
func (w *worker) callObj(fn uintptr, arg []byte) (uintptr, *PyError) {
	a := w.unicode(arg)
	if a == 0 {
		return 0, w.fetchError()
	}
	r := w.callOne(fn, a)
	call(w.py.f.decRef, a)
	if r == 0 {
		return 0, w.fetchError()
	}
	return r, nil
}

// callStr calls fn(str(arg)) and returns the str result's bytes.
func (w *worker) callStr(fn uintptr, arg []byte) ([]byte, *PyError) {
	r, perr := w.callObj(fn, arg)
	if perr != nil {
		return nil, perr
	}
	defer call(w.py.f.decRef, r)
	s, ok := w.goString(r)
	if !ok {
		return nil, w.fetchError()
	}
	return s, nil
}

// fetchError takes the raised exception and describes it (GIL held).
func (w *worker) fetchError() *PyError {
	f := &w.py.f
	if call(f.errOccurred) == 0 {
		return &PyError{Type: "RunnerError", Last: "a Python call failed without an exception"}
	}
	s := w.scratch
	s[0], s[1], s[2] = 0, 0, 0
	call(f.errFetch, uintptr(unsafe.Pointer(&s[0])), uintptr(unsafe.Pointer(&s[1])), uintptr(unsafe.Pointer(&s[2])))
	call(f.errNormalize, uintptr(unsafe.Pointer(&s[0])), uintptr(unsafe.Pointer(&s[1])), uintptr(unsafe.Pointer(&s[2])))
	t, v, tb := s[0], s[1], s[2]
	defer func() {
		call(f.decRef, t)
		call(f.decRef, v)
		call(f.decRef, tb)
	}()
	if v == 0 {
		return &PyError{Type: "RunnerError", Last: "an exception without a value"}
	}
	if tb != 0 {
		call(f.exceptionSetTraceback, v, tb)
	}
	if w.mDescribe != 0 {
		r := w.callOne(w.mDescribe, v)
		if r != 0 {
			b, ok := w.goString(r)
			call(f.decRef, r)
			var e PyError
			if ok && json.Unmarshal(b, &e) == nil {
				return &e
			}
		}
		call(f.errClear)
	}
	str := call(f.objectStr, v)
	msg := "unprintable exception"
	if str != 0 {
		if b, ok := w.goString(str); ok {
			msg = string(b)
		}
		call(f.decRef, str)
	}
	call(f.errClear)
	return &PyError{Type: "Exception", Message: msg, Last: msg}
}
