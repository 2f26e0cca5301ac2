package runner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Isolation is how a pool's workers are separated.
type Isolation int

const (
	// IsolationAuto uses sub-interpreters with their own GIL on Python
	// 3.12 and later when there is more than one worker, and threads of
	// the main interpreter otherwise.
	IsolationAuto Isolation = iota
	// IsolationThreads runs every worker as a thread of the main
	// interpreter: they share modules and one GIL (so Python code does
	// not run in parallel), each has its own global namespace.
	IsolationThreads
	// IsolationSubinterpreters gives each worker a sub-interpreter with
	// its own GIL (Python 3.12+): Python code runs in parallel, modules
	// are imported once per worker. Extension modules that use
	// single-phase initialisation (many of them, numpy among them, up to
	// 3.13) cannot be imported in such a sub-interpreter: CPython raises
	// ImportError "... does not support loading in subinterpreters".
	IsolationSubinterpreters
)

func (i Isolation) String() string {
	switch i {
	case IsolationThreads:
		return "threads"
	case IsolationSubinterpreters:
		return "subinterpreters"
	}
	return "auto"
}

// Mode says which workers run a call.
type Mode int

const (
	// ModeAny gives the call to one worker, the first one free: a worker
	// still busy with a straggler takes no new call.
	ModeAny Mode = iota
	// ModeAll runs the call on every worker (set-up statements), each as
	// soon as it is free.
	ModeAll
)

// PoolOptions control NewPool.
type PoolOptions struct {
	// Workers is the number of interpreters (or threads); default 1.
	Workers   int
	Isolation Isolation
	// Timeout is the time a call may take before it is reported as a
	// straggler (a Result with Straggler set, in its place in the
	// output); zero means no limit. The call goes on running: CPython
	// offers no safe way to stop Python code in another thread
	// (PyThreadState_SetAsyncExc is seen only between bytecodes, never
	// in a sleep, a lock or C code). Its worker is abandoned instead: it
	// takes no new call, ends when the call returns (the late result
	// goes to OnStraggler), and a fresh worker, which runs the set-up
	// statements of Run again, takes its place, so that stragglers never
	// hold up the other calls.
	Timeout time.Duration
	// MaxWorkers bounds the workers alive at once, abandoned ones
	// included; default 4 × Workers. When every worker is abandoned and
	// no fresh one may start, the calls still queued are not run: each
	// is a Result with an Error of type "NotRun" naming the stragglers,
	// so the run still ends.
	MaxWorkers int
	// OnStraggler receives the late results of stragglers (Late set),
	// one at a time; nil drops them.
	OnStraggler func(Result)
	// StdoutToStderr points Python's sys.stdout at sys.stderr, so that
	// prints do not mix with JSON results written to standard output.
	StdoutToStderr bool
	// Path are directories put first on sys.path, in order: the user's
	// own modules. PYTHONPATH and the current directory are never on
	// sys.path (the interpreter runs in CPython's isolated mode).
	Path []string

	// Tracker, when not nil, is told which call each worker runs:
	// Running before each row of Map (and each Do, as its index 0), Idle
	// as soon as the call returned. A process that supervises this one
	// reads it after a crash to name the rows that were running (the run
	// command does, through a shared journal).
	Tracker Tracker
	// CrashFD, when not 0, is the file descriptor faulthandler writes the
	// Python traceback of every thread to when the process crashes,
	// instead of standard error: the supervising process reads it then.
	CrashFD int

	// In a worker process (ServeWorker) rows are handed over one at a
	// time.
	oneByOne bool
	// rowByRow turns rowBatch off: every row goes through row() (the
	// tests compare the two).
	rowByRow bool
}

// Tracker is told the call each worker runs (PoolOptions.Tracker). thread
// is the worker's OS thread as faulthandler names it in a traceback
// ("Thread 0x00007f..."), 0 when unknown. Its methods are called on the
// workers' threads, for every row: they must be cheap and safe for
// concurrent use.
type Tracker interface {
	Running(worker int, thread uint64, index, line int)
	Idle(worker int)
}

// Pool is a set of workers running calls in an Env.
type Pool struct {
	py        *Python
	env       *Env
	opts      PoolOptions
	isolation Isolation
	note      string
	shared    chan *job
	quit      chan struct{}
	stopWatch chan struct{}
	none      uintptr
	strMu     sync.Mutex
	closeOnce sync.Once
	exited    sync.WaitGroup
	usesMain  bool

	mu       sync.Mutex
	workers  []*worker // the live workers, one per slot
	all      []*worker // every worker started, abandoned ones included
	alive    int       // workers whose loop has not returned
	nextID   int
	starting int    // fresh workers decided on whose startWorker has not yet run
	setupReq []byte // the set-up statements a fresh worker runs first
	draining bool   // a drainer is failing the queued calls (starved)
	replErr  error  // why a fresh worker could not start; no more are tried
}

// Call is one of the four call patterns (set exactly one of Function,
// File, Eval and Exec).
type Call struct {
	// Function is "module:function"; the function may be a dotted path
	// ("builtins:str.upper"). Args is a JSON array (positional
	// arguments), a JSON object (keyword arguments), another JSON value
	// (the one argument) or empty (no arguments).
	Function string
	Args     json.RawMessage
	// File is a script run in the worker's namespace as __main__, with
	// sys.argv = [File] + Argv.
	File string
	Argv []string
	// Eval is an expression evaluated in the worker's namespace after
	// Vars (JSON values) are bound in it; its value is the result. The
	// variables are removed again after the call (a name bound before
	// gets its old value back), with rows after each row.
	Eval string
	Vars map[string]json.RawMessage
	// Exec are statements run in order in the worker's namespace.
	Exec []string
	// Out names variables of the worker's namespace to read back after
	// the call (before Vars are removed): Result.Vars holds their JSON
	// values, written by the rule of Result.Value; a name the namespace
	// lacks is left out. Not with rows (Pool.Do only).
	Out []string
	// Arrays are Go slices handed to Python without a copy, as NumPy
	// arrays over the same memory: keyword arguments of Function,
	// variables of Eval and Exec. Pool.Do only; see Array.
	Arrays map[string]Array
}

func (c Call) kind() (string, error) {
	var kinds []string
	if c.Function != "" {
		kinds = append(kinds, "call")
	}
	if c.File != "" {
		kinds = append(kinds, "file")
	}
	if c.Eval != "" {
		kinds = append(kinds, "eval")
	}
	if len(c.Exec) > 0 {
		kinds = append(kinds, "exec")
	}
	if len(kinds) != 1 {
		return "", fmt.Errorf("a call needs exactly one of a function, a file, an expression or statements; got %d", len(kinds))
	}
	return kinds[0], nil
}

// isTarget reports whether fn has the form of a call target,
// module:function or module.function.
func isTarget(fn string) bool { return strings.Contains(fn, ":") || strings.Contains(fn, ".") }

// request encodes the call for the bootstrap.
func (c Call) request() ([]byte, error) {
	k, err := c.kind()
	if err != nil {
		return nil, err
	}
	if k == "call" && len(c.Out) == 0 && isTarget(c.Function) {
		// Written by hand: a call a second costs less than json.Marshal
		// of a map (which compacts Args again).
		args := bytes.TrimSpace(c.Args)
		if len(args) > 0 && !validJSON(args) {
			return nil, fmt.Errorf("call %s: the arguments are not valid JSON", c.Function)
		}
		b := append(make([]byte, 0, 48+len(c.Function)+len(args)), `{"kind":"call","function":`...)
		b = appendJSONString(b, []byte(c.Function))
		if len(args) > 0 {
			b = append(append(b, `,"args":`...), args...)
		}
		return append(b, '}'), nil
	}
	req := map[string]any{"kind": k}
	switch k {
	case "call":
		if !isTarget(c.Function) {
			return nil, fmt.Errorf("call %q: want module:function", c.Function)
		}
		req["function"] = c.Function
		if len(bytes.TrimSpace(c.Args)) > 0 {
			if !json.Valid(c.Args) {
				return nil, fmt.Errorf("call %s: the arguments are not valid JSON", c.Function)
			}
			req["args"] = c.Args
		}
	case "file":
		req["file"], req["argv"] = c.File, c.Argv
	case "eval":
		req["expr"] = c.Eval
		vars := map[string]json.RawMessage{}
		for k, v := range c.Vars {
			if !isIdentifier(k) {
				return nil, fmt.Errorf("variable %q is not a Python name", k)
			}
			if !json.Valid(v) {
				return nil, fmt.Errorf("variable %s: value is not valid JSON", k)
			}
			vars[k] = v
		}
		req["vars"] = vars
	case "exec":
		req["exec"] = c.Exec
	}
	if len(c.Out) > 0 {
		for _, n := range c.Out {
			if !isIdentifier(n) {
				return nil, fmt.Errorf("variable %q to read back is not a Python name", n)
			}
		}
		req["out"] = c.Out
	}
	return json.Marshal(req)
}

// PyError is an exception raised by Python code.
type PyError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	// Last is the last line of the traceback: "ModuleNotFoundError: No
	// module named 'pyarrow'".
	Last      string `json:"last"`
	Traceback string `json:"traceback,omitempty"`
	// Module is the module an ImportError names, if any.
	Module string `json:"module,omitempty"`
	// ExitCode is set for SystemExit.
	ExitCode *int `json:"exit_code,omitempty"`
}

// Error is Last. A nil *PyError says "<nil>": in a process where
// faulthandler is on, a nil dereference is a fatal SIGSEGV, not the panic
// fmt recovers from when it prints a Result without an error.
func (e *PyError) Error() string {
	if e == nil {
		return "<nil>"
	}
	return e.Last
}

// Result is the outcome of one call on one worker.
type Result struct {
	// Index is the call's place in its Map input (0 for Do); Line is
	// its line in the input, when the RowReader says (a LineReader).
	Index int `json:"index"`
	Line  int `json:"line,omitempty"`
	// Worker is the worker that ran the call, -1 for a call not run.
	Worker int `json:"worker"`
	// Value is the JSON of the result (null for None). JSON has no NaN
	// or Infinity: they are the strings "NaN", "Infinity" and
	// "-Infinity", as Spark's JSON writer has them. Tuples, sets and
	// frozensets are lists, bytes UTF-8 text, objects with tolist()
	// (NumPy arrays and scalars) what it returns; any other object is an
	// error (TypeError naming its type), never its repr().
	Value json.RawMessage `json:"value,omitempty"`
	// Vars are the variables Call.Out asked for.
	Vars  map[string]json.RawMessage `json:"vars,omitempty"`
	Error *PyError                   `json:"error,omitempty"`
	// Straggler marks the placeholder of a call that ran past the
	// timeout; its result comes later, with Late set, on OnStraggler.
	Straggler bool `json:"straggler,omitempty"`
	Late      bool `json:"late,omitempty"`
	// Elapsed is the time the call ran (so far, for a straggler).
	Elapsed time.Duration `json:"-"`
	setup   bool          // the Map's callable could not be prepared
	// reused: Value is the worker's scratch space (MapOptions.ReuseValues),
	// good until the next row of its worker.
	reused bool
}

// MarshalJSON adds elapsed_ms.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		plain
		ElapsedMS float64 `json:"elapsed_ms"`
	}{plain(r), float64(r.Elapsed.Microseconds()) / 1000})
}

// NewPool starts opts.Workers workers for env, each on its own locked OS
// thread with its own Python thread state (and sub-interpreter, see
// Isolation). In every interpreter sys.path is the standard library
// CPython found from the interpreter's prefix, without that
// interpreter's own site-packages, followed by env.SitePaths processed
// as site directories (.pth files included).
func NewPool(ctx context.Context, py *Python, env *Env, opts PoolOptions) (*Pool, error) {
	if env.Python != py.version {
		return nil, fmt.Errorf("the archive is for Python %d.%d but the loaded libpython is %d.%d", env.Python[0], env.Python[1], py.version[0], py.version[1])
	}
	if opts.Workers <= 0 {
		opts.Workers = 1
	}
	if opts.MaxWorkers < opts.Workers {
		opts.MaxWorkers = 4 * opts.Workers
	}
	p := &Pool{py: py, env: env, opts: opts, shared: make(chan *job, 4*opts.Workers), quit: make(chan struct{}), stopWatch: make(chan struct{})}
	canSub := py.f.newInterpreterFromConfig != nil && (py.version[0] > 3 || py.version[1] >= 12)
	switch opts.Isolation {
	case IsolationSubinterpreters:
		if !canSub {
			return nil, fmt.Errorf("sub-interpreters with their own GIL need Python 3.12 or later; this is %d.%d: use threads", py.version[0], py.version[1])
		}
		p.isolation = IsolationSubinterpreters
	case IsolationThreads:
		p.isolation = IsolationThreads
	default:
		p.isolation = IsolationThreads
		if opts.Workers > 1 {
			if canSub {
				p.isolation = IsolationSubinterpreters
			} else {
				p.note = fmt.Sprintf("Python %d.%d has no per-interpreter GIL (3.12+): the %d workers are threads sharing one interpreter and one GIL", py.version[0], py.version[1], opts.Workers)
			}
		}
	}
	if p.isolation == IsolationThreads {
		if err := py.useMain(env); err != nil {
			return nil, err
		}
		p.usesMain = true
	}
	for i := 0; i < opts.Workers; i++ {
		// One at a time: workers bootstrap in turn, so that the first
		// one sets up the shared interpreter before the others look.
		w, err := p.startWorker(nil, false)
		if err != nil {
			p.Close(ctx)
			return nil, fmt.Errorf("starting worker %d: %w", i, err)
		}
		p.workers = append(p.workers, w)
	}
	if opts.Timeout > 0 {
		go p.watch()
	}
	return p, nil
}

// Isolation is the isolation the pool uses.
func (p *Pool) Isolation() Isolation { return p.isolation }

// Note explains a choice NewPool made (e.g. threads for want of 3.12), or "".
func (p *Pool) Note() string { return p.note }

// Workers is the number of workers (live ones: an abandoned worker's
// place is taken by a fresh one).
func (p *Pool) Workers() int { return len(p.live()) }

// Started is the number of workers started so far, fresh ones in the
// place of abandoned ones included (counted from the moment the pool
// decides to start them, so a count read as soon as a straggler is
// reported includes its replacement).
func (p *Pool) Started() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.nextID + p.starting
}

func (p *Pool) live() []*worker {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*worker(nil), p.workers...)
}

// startWorker starts a worker with the next id, its first job first (the
// set-up of a fresh worker), and waits until it is ready.
func (p *Pool) startWorker(first *job, replacing bool) (*worker, error) {
	p.mu.Lock()
	w := &worker{p: p, py: p.py, id: p.nextID, own: make(chan *job, 16), sub: p.isolation == IsolationSubinterpreters}
	p.nextID++
	if replacing {
		p.starting--
	}
	p.alive++
	p.all = append(p.all, w)
	p.mu.Unlock()
	if first != nil {
		w.own <- first
	}
	ready := make(chan error)
	p.exited.Add(1)
	go func() {
		defer p.exited.Done()
		defer func() {
			p.mu.Lock()
			p.alive--
			p.mu.Unlock()
		}()
		w.loop(ready)
	}()
	return w, <-ready
}

// setSetup records the set-up statements a fresh worker runs first.
func (p *Pool) setSetup(req []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setupReq = req
}

// watch marks calls running past the timeout as stragglers, abandons
// their workers and starts fresh ones in their place.
func (p *Pool) watch() {
	tick := p.opts.Timeout / 20
	tick = min(max(tick, time.Millisecond), 50*time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-p.stopWatch:
			return
		case now := <-t.C:
			for _, w := range p.live() {
				j := w.cur.Load()
				if j == nil {
					continue
				}
				s := j.start.Load()
				if s == 0 || now.UnixNano()-s < int64(p.opts.Timeout) {
					continue
				}
				if j.state.CompareAndSwap(0, 2) {
					j.complete(Result{Index: j.index, Line: j.line, Worker: w.id, Straggler: true, Elapsed: time.Duration(now.UnixNano() - s),
						Error: &PyError{Type: "Timeout", Last: fmt.Sprintf("%s: still running after %v on worker %d: reported as a straggler; the worker is abandoned (a late result goes to the straggler stream)", j.what(), p.opts.Timeout, w.id)}})
					p.abandon(w)
				}
			}
			p.replaceAbandoned()
		}
	}
}

// abandon takes w out of service: calls queued for it alone are not run.
func (p *Pool) abandon(w *worker) {
	w.abandoned.Store(true)
	for {
		select {
		case j := <-w.own:
			j.finish(w, Result{Error: &PyError{Type: "NotRun", Last: fmt.Sprintf("%s: not run: worker %d is held by a call past the timeout", j.what(), w.id)}})
		default:
			return
		}
	}
}

// replaceAbandoned starts a fresh worker in the place of each abandoned
// one, as long as MaxWorkers allows; when every place is held by an
// abandoned worker and none can start, the queued calls are failed.
func (p *Pool) replaceAbandoned() {
	p.mu.Lock()
	for i, w := range p.workers {
		if !w.abandoned.Load() || w.replacing || p.replErr != nil || p.alive >= p.opts.MaxWorkers {
			continue
		}
		w.replacing = true
		p.alive++ // the fresh worker's place, taken before it starts
		p.starting++
		var first *job
		if p.setupReq != nil {
			first = newJob(jobRequest, p.setupReq, 0)
		}
		go p.replace(i, first)
	}
	drain := !p.draining && p.starvedLocked()
	if drain {
		p.draining = true
	}
	p.mu.Unlock()
	if drain {
		go p.drain()
	}
}

// replace starts a fresh worker, runs the set-up on it, and puts it in
// place i. p.alive already counts it.
func (p *Pool) replace(i int, first *job) {
	w, err := p.startWorker(first, true)
	p.mu.Lock()
	p.alive-- // startWorker counted it again
	p.mu.Unlock()
	if err == nil && first != nil {
		<-first.done
		if first.res.Error != nil {
			err = &SetupError{Worker: w.id, Err: first.res.Error}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.replErr = err
		slog.Warn("runner: no fresh worker can take the place of an abandoned one", "err", err)
		return
	}
	p.workers[i] = w
}

// starvedLocked reports whether every place is held by an abandoned
// worker and none can be replaced now (p.mu held).
func (p *Pool) starvedLocked() bool {
	for _, w := range p.workers {
		if !w.abandoned.Load() || w.replacing && p.replErr == nil {
			return false
		}
	}
	return p.replErr != nil || p.alive >= p.opts.MaxWorkers
}

func (p *Pool) starved() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.starvedLocked()
}

// drain fails the queued calls while the pool is starved, naming the
// stragglers that hold it.
func (p *Pool) drain() {
	defer func() {
		p.mu.Lock()
		p.draining = false
		p.mu.Unlock()
	}()
	for {
		select {
		case <-p.quit:
			return
		case j := <-p.shared:
			if !p.starved() {
				go func() {
					select {
					case p.shared <- j:
					case <-p.quit:
					}
				}()
				return
			}
			var held []string
			for _, w := range p.live() {
				if c := w.cur.Load(); c != nil {
					held = append(held, fmt.Sprintf("%s on worker %d", c.what(), w.id))
				}
			}
			j.finishNoWorker(Result{Error: &PyError{Type: "NotRun", Last: fmt.Sprintf("%s: not run: every worker is held by a call past the timeout (%s) and at most %d workers may run", j.what(), strings.Join(held, ", "), p.opts.MaxWorkers)}})
		}
	}
}
func (p *Pool) straggler(r Result) {
	if p.opts.OnStraggler == nil {
		return
	}
	p.strMu.Lock()
	defer p.strMu.Unlock()
	p.opts.OnStraggler(r)
}

// Do runs one call: on one free worker (ModeAny) or on every worker
// (ModeAll, one Result per worker in worker order). A Python exception is
// a Result with Error set, not an error: err is for calls that could not
// be made (a malformed call, a closed pool, ctx done while waiting for a
// worker).
func (p *Pool) Do(ctx context.Context, c Call, mode Mode) ([]Result, error) {
	if len(c.Arrays) > 0 {
		return p.doArrays(ctx, c, mode)
	}
	if k, err := c.kind(); mode == ModeAny && err == nil && k == "call" && len(c.Out) == 0 && isTarget(c.Function) {
		// A function of one plain str run inline needs neither the
		// request (the arguments are valid JSON by their form) nor a
		// job a worker would signal.
		if arg, ok := plainStringArg(bytes.TrimSpace(c.Args)); ok {
			if res, ok := p.inline(ctx, func() *job { return &job{kind: jobRequest, fn: c.Function, str: arg, isStr: true} }); ok {
				return []Result{res}, nil
			}
		}
	}
	req, err := c.request()
	if err != nil {
		return nil, err
	}
	mk := func() *job {
		j := newJob(jobRequest, req, 0)
		j.out = len(c.Out) > 0
		if c.Function != "" && !j.out {
			j.fn, j.args = c.Function, bytes.TrimSpace(c.Args)
		}
		return j
	}
	if mode == ModeAny {
		if res, ok := p.inline(ctx, mk); ok {
			return []Result{res}, nil
		}
	}
	return p.submit(ctx, mk, mode)
}

func (p *Pool) submit(ctx context.Context, mk func() *job, mode Mode) ([]Result, error) {
	var jobs []*job
	if mode == ModeAll {
		for _, w := range p.live() {
			j := mk()
			select {
			case w.own <- j:
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-p.quit:
				return nil, errors.New("the pool is closed")
			}
			jobs = append(jobs, j)
		}
	} else {
		j := mk()
		select {
		case p.shared <- j:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-p.quit:
			return nil, errors.New("the pool is closed")
		}
		jobs = append(jobs, j)
	}
	out := make([]Result, len(jobs))
	for i, j := range jobs {
		select {
		case <-j.done:
			out[i] = j.res
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the call: %w (it keeps running in its worker)", ctx.Err())
		}
	}
	return out, nil
}

// RowReader yields input rows, io.EOF at the end.
type RowReader interface {
	Next() ([]byte, error)
}

type jsonLines struct {
	s     *bufio.Scanner
	line  int
	buf   []byte // rows are copied into it, a block at a time
	plain bool   // the last row is a plain JSON string (plainString)
}

// plainReader is a RowReader that knows whether the row Next returned
// last is a plain JSON string (plainString): Map's batches then take its
// text without scanning it again on the worker's thread.
type plainReader interface {
	plainRow() bool
}

func (j *jsonLines) plainRow() bool { return j.plain }

// JSONLines reads one JSON value per non-blank line.
func JSONLines(r io.Reader) RowReader {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64<<10), 1<<30)
	return &jsonLines{s: s}
}

// LineReader is a RowReader that knows the input line of the row Next
// returned last; Map puts it in the Result and in its messages.
type LineReader interface {
	RowReader
	Line() int
}

// Line is the line of the row Next returned last (1 for the first line).
func (j *jsonLines) Line() int { return j.line }

func (j *jsonLines) Next() ([]byte, error) {
	for j.s.Scan() {
		j.line++
		b := bytes.TrimSpace(j.s.Bytes())
		if len(b) == 0 {
			continue
		}
		_, j.plain = plainString(b)
		if !j.plain && !validJSON(b) {
			return nil, fmt.Errorf("input line %d is not valid JSON", j.line)
		}
		// The row outlives the scanner's buffer: a copy, in a block
		// shared with the rows around it (one allocation for many).
		if len(b) > cap(j.buf)-len(j.buf) {
			j.buf = make([]byte, 0, max(64<<10, len(b)))
		}
		n := len(j.buf)
		j.buf = append(j.buf, b...)
		return j.buf[n:len(j.buf):len(j.buf)], nil
	}
	if err := j.s.Err(); err != nil {
		return nil, err
	}
	return nil, io.EOF
}

// MapOptions control Map.
type MapOptions struct {
	// Raw passes each row to Call.Function as a Python str (the row's
	// bytes, not decoded as JSON) and takes a str back, written as a JSON
	// string: the fast path, for functions of one string.
	Raw bool
	// ReuseValues lets a row's Result.Value be memory the runner uses
	// again for a later row, as bufio.Scanner's Bytes: emit must copy a
	// Value it keeps after it returns. It saves an allocation per row,
	// for an emit that writes each record out (run --input does).
	ReuseValues bool
}

type mapRun struct {
	ctx      context.Context
	req      []byte
	raw      bool
	reuse    bool       // MapOptions.ReuseValues
	function bool       // a function call (Call.Function)
	seq      *sequencer // nil: the rows' results are read from their jobs
}

// MapStats counts what Map (or Run) did. Map sets the first three; Run
// adds Unfinished, the stragglers still running when it returned, and
// Started, the workers it started (fresh ones in the place of abandoned
// ones included).
type MapStats struct {
	Calls, Errors, Stragglers int
	Unfinished, Started       int
}

// Line is the stats line Run writes to Progress once the rows are done:
// "N calls, N errors, N stragglers", and, when fresh workers took the
// place of ones held by stragglers, how many beyond the first workers.
func (st MapStats) Line(workers int) string {
	line := fmt.Sprintf("%d calls, %d errors, %d stragglers", st.Calls, st.Errors, st.Stragglers)
	if extra := st.Started - max(workers, 1); extra > 0 {
		line += fmt.Sprintf(", %d more workers started in the place of workers held by stragglers", extra)
	}
	return line
}

// Map runs the call once per row, on whichever worker is free, and hands
// the results to emit in input order. A function gets the row (decoded
// from JSON) as its one argument; an expression or statements see it as
// the variable "row" (statements give the value of "result"). Exceptions
// in user code are results (Error set) and the run goes on; a call past
// the pool's timeout is emitted as a straggler placeholder in its place.
// Map stops at the first error from rows or emit, or when the function
// itself cannot be found or imported. A script (Call.File) takes no rows:
// ErrFileRows.
func (p *Pool) Map(ctx context.Context, c Call, rows RowReader, emit func(Result) error, opts MapOptions) (MapStats, error) {
	var st MapStats
	if err := c.check(true, opts); err != nil {
		return st, err
	}
	req, err := c.request()
	if err != nil {
		return st, err
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	seq := &sequencer{ready: map[int]Result{}, total: -1, done: make(chan struct{}), emit: emit, st: &st, cancel: cancel, what: c.Function + c.Eval}
	m := &mapRun{ctx: ctx, req: req, raw: opts.Raw, function: c.Function != "", reuse: opts.ReuseValues, seq: seq}
	readErr := make(chan error, 1)
	go func() {
		// Without a timeout rows go to the workers in batches, which
		// saves most of the hand-over cost; with one, each row is its
		// own job so that a straggler holds up no other row.
		batch := 1
		if p.opts.Timeout == 0 && !p.opts.oneByOne {
			batch = 128
		}
		lines, _ := rows.(LineReader)
		plain, _ := rows.(plainReader)
		for i := 0; ; {
			chunk := make([][]byte, 0, batch)
			var rerr error
			var chunkLines []int
			if lines != nil {
				chunkLines = make([]int, 0, batch)
			}
			chunkPlain := plain != nil
			for len(chunk) < batch {
				row, err := rows.Next()
				if err != nil {
					rerr = err
					break
				}
				if lines != nil {
					chunkLines = append(chunkLines, lines.Line())
				}
				chunkPlain = chunkPlain && plain.plainRow()
				chunk = append(chunk, row)
			}
			if len(chunk) > 0 {
				j := &job{kind: jobRow, m: m, index: i, done: make(chan struct{})}
				if len(chunkLines) > 0 {
					j.line = chunkLines[0]
				}
				if batch == 1 {
					j.req = chunk[0]
				} else {
					j.kind, j.rows, j.lines, j.plain = jobRows, chunk, chunkLines, chunkPlain
				}
				select {
				case p.shared <- j:
				case <-ctx.Done():
					seq.end(i)
					readErr <- nil
					return
				case <-p.quit:
					seq.end(i)
					readErr <- errors.New("the pool is closed")
					return
				}
				i += len(chunk)
			}
			if rerr != nil {
				seq.end(i)
				if rerr == io.EOF {
					rerr = nil
				}
				readErr <- rerr
				return
			}
		}
	}()
	rerr := <-readErr
	select {
	case <-seq.done:
	case <-ctx.Done():
	}
	failure := seq.close()
	if failure == nil && rerr != nil {
		failure = rerr
	}
	if failure == nil && parent.Err() != nil {
		failure = parent.Err()
	}
	return st, failure
}

// sequencer hands Map's results to emit in input order, on the goroutine
// that completes the result that is next in order (a worker, or the
// watchdog for a straggler's placeholder): a worker's result is emitted
// before the worker starts another call whenever every earlier row is
// done, so a crash of the process loses no row that could be emitted.
type sequencer struct {
	mu       sync.Mutex
	next     int
	ready    map[int]Result
	total    int // the number of rows, -1 until the reader ended
	done     chan struct{}
	finished bool // done is closed
	closed   bool
	failure  error
	emit     func(Result) error
	st       *MapStats
	cancel   func()
	what     string
}

// put takes the result of one row and emits what is now in order.
func (s *sequencer) put(r Result) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.failure != nil {
		return
	}
	if r.Index != s.next {
		if r.reused { // it waits: its worker will write the next row there
			r.Value, r.reused = bytes.Clone(r.Value), false
		}
		s.ready[r.Index] = r
		s.check()
		return
	}
	// r is next (with one worker, always): emitted without the map.
	for s.failure == nil {
		s.next++
		s.st.count(r)
		if r.setup {
			s.failure = fmt.Errorf("%s: %s", s.what, r.Error.Last)
		} else if err := s.emit(r); err != nil {
			s.failure = err
		}
		var ok bool
		if r, ok = s.ready[s.next]; !ok {
			break
		}
		delete(s.ready, s.next)
	}
	s.check()
}

// end says how many rows there are.
func (s *sequencer) end(total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total = total
	s.check()
}

// check closes done once every row is emitted or the run failed (s.mu
// held); done itself never changes, Map reads it unlocked.
func (s *sequencer) check() {
	if s.finished {
		return
	}
	if s.failure != nil {
		s.cancel()
	}
	if s.failure != nil || s.total >= 0 && s.next >= s.total {
		close(s.done)
		s.finished = true
	}
}

// close stops the emitting (results that come later are dropped) and
// returns the failure, if any.
func (s *sequencer) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return s.failure
}

// UnfinishedError is Close's error when calls were still running when
// its ctx was done: their workers are left running until the process
// exits (Python code cannot be stopped).
type UnfinishedError struct {
	// Calls are placeholders of the calls still running: Index, Line,
	// Worker, Elapsed so far, and Straggler when they had run past the
	// timeout.
	Calls []Result
	names []string
}

func (e *UnfinishedError) Error() string {
	return fmt.Sprintf("%d calls still running, left running until the process exits (Python code cannot be stopped): %s", len(e.Calls), strings.Join(e.names, ", "))
}

// Names names each call still running, in the order of Calls: "row 3
// (line 4) on worker 1, running for 2.1s".
func (e *UnfinishedError) Names() []string { return e.names }

// Close stops the workers once their current calls return, waiting for
// them until ctx is done; calls still running then (stragglers) are left
// running, their threads end with the process, and Close returns an
// *UnfinishedError naming them.
func (p *Pool) Close(ctx context.Context) error {
	p.closeOnce.Do(func() {
		close(p.quit)
		close(p.stopWatch)
	})
	done := make(chan struct{})
	go func() { p.exited.Wait(); close(done) }()
	select {
	case <-done:
		if p.usesMain {
			p.usesMain = false
			p.py.releaseMain()
		}
		return nil
	case <-ctx.Done():
		if p.usesMain {
			// The abandoned calls go on in the main interpreter, whose
			// sys.path the next pool may set for another archive.
			p.usesMain = false
			p.py.releaseMain()
		}
		p.mu.Lock()
		all := append([]*worker(nil), p.all...)
		p.mu.Unlock()
		ue := &UnfinishedError{}
		now := time.Now().UnixNano()
		for _, w := range all {
			j := w.cur.Load()
			if j == nil {
				continue
			}
			index, line := j.running()
			r := Result{Index: index, Line: line, Worker: w.id, Straggler: j.state.Load() == 2}
			if s := j.start.Load(); s != 0 {
				r.Elapsed = time.Duration(now - s)
			}
			ue.Calls = append(ue.Calls, r)
			ue.names = append(ue.names, fmt.Sprintf("%s on worker %d, running for %v", j.what(), w.id, r.Elapsed.Round(time.Millisecond)))
		}
		return ue
	}
}

// bigValue is the size past which WriteJSON writes a value in place.
const bigValue = 1 << 20

// AppendJSON appends r's JSON (the form of MarshalJSON, a newline after
// it) to dst. Value is copied as it is: it is JSON the runner made
// (Python's json module or Go's), so it is not validated or compacted
// again, which keeps a value of a gigabyte a copy, not three passes.
func (r Result) AppendJSON(dst []byte) []byte {
	dst = r.appendHead(dst)
	dst = append(dst, r.Value...)
	return r.appendTail(dst)
}

// WriteJSON writes r's JSON line to w: with one Write when the value is
// small, so that a record is never cut; a value over 1 MiB is written in
// place, between its record's head and tail, without a copy. buf is
// scratch space, returned for the next call.
func (r Result) WriteJSON(w io.Writer, buf []byte) ([]byte, error) {
	if len(r.Value) <= bigValue {
		buf = r.AppendJSON(buf[:0])
		_, err := w.Write(buf)
		return buf, err
	}
	buf = r.appendHead(buf[:0])
	if _, err := w.Write(buf); err != nil {
		return buf, err
	}
	if _, err := w.Write(r.Value); err != nil {
		return buf, err
	}
	buf = r.appendTail(buf[:0])
	_, err := w.Write(buf)
	return buf, err
}

// appendHead is the record up to its value (`"value":` included, when
// there is one).
func (r Result) appendHead(dst []byte) []byte {
	dst = append(dst, `{"index":`...)
	dst = strconv.AppendInt(dst, int64(r.Index), 10)
	if r.Line != 0 {
		dst = append(dst, `,"line":`...)
		dst = strconv.AppendInt(dst, int64(r.Line), 10)
	}
	dst = append(dst, `,"worker":`...)
	dst = strconv.AppendInt(dst, int64(r.Worker), 10)
	if len(r.Value) > 0 {
		dst = append(dst, `,"value":`...)
	}
	return dst
}

// appendMillis appends us microseconds as milliseconds, the bytes
// strconv.AppendFloat(dst, float64(us)/1000, 'f', -1, 64) gives (what
// MarshalJSON writes): the whole milliseconds, then up to three decimals
// without trailing zeros. float64(us)/1000 is the double nearest to the
// decimal us/1000, and while doubles are far closer together than 0.001
// (below 10^9 ms, 11 days, they are 10^-7 apart) no shorter decimal rounds
// to it, so the shortest form is that decimal.
func appendMillis(dst []byte, us int64) []byte {
	if us < 0 || us >= 1e12 {
		return strconv.AppendFloat(dst, float64(us)/1000, 'f', -1, 64)
	}
	dst = strconv.AppendInt(dst, us/1000, 10)
	frac := us % 1000
	if frac == 0 {
		return dst
	}
	digits := [3]byte{byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	n := 3
	for digits[n-1] == '0' {
		n--
	}
	return append(append(dst, '.'), digits[:n]...)
}

// appendTail is the record after its value, with the newline.
func (r Result) appendTail(dst []byte) []byte {
	if len(r.Vars) > 0 {
		b, _ := json.Marshal(r.Vars) // JSON the runner made, in sorted order
		dst = append(append(dst, `,"vars":`...), b...)
	}
	if r.Error != nil {
		b, _ := json.Marshal(r.Error)
		dst = append(append(dst, `,"error":`...), b...)
	}
	if r.Straggler {
		dst = append(dst, `,"straggler":true`...)
	}
	if r.Late {
		dst = append(dst, `,"late":true`...)
	}
	dst = append(dst, `,"elapsed_ms":`...)
	dst = appendMillis(dst, r.Elapsed.Microseconds())
	return append(dst, "}\n"...)
}
