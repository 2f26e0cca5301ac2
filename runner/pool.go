package runner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	// output); zero means no limit. The call goes on running (CPython
	// offers no safe way to stop Python code in another thread), its
	// worker stays busy and takes no new call until it returns, and its
	// late result goes to OnStraggler.
	Timeout time.Duration
	// OnStraggler receives the late results of stragglers (Late set),
	// one at a time; nil drops them.
	OnStraggler func(Result)
	// StdoutToStderr points Python's sys.stdout at sys.stderr, so that
	// prints do not mix with JSON results written to standard output.
	StdoutToStderr bool
}

// Pool is a set of workers running calls in an Env.
type Pool struct {
	py        *Python
	env       *Env
	opts      PoolOptions
	isolation Isolation
	note      string
	workers   []*worker
	shared    chan *job
	quit      chan struct{}
	stopWatch chan struct{}
	none      uintptr
	strMu     sync.Mutex
	closeOnce sync.Once
	exited    sync.WaitGroup
	usesMain  bool
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
	// Vars (JSON values) are bound in it; its value is the result.
	Eval string
	Vars map[string]json.RawMessage
	// Exec are statements run in order in the worker's namespace.
	Exec []string
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

// request encodes the call for the bootstrap.
func (c Call) request() ([]byte, error) {
	k, err := c.kind()
	if err != nil {
		return nil, err
	}
	req := map[string]any{"kind": k}
	switch k {
	case "call":
		if !strings.Contains(c.Function, ":") && !strings.Contains(c.Function, ".") {
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

func (e *PyError) Error() string { return e.Last }

// Result is the outcome of one call on one worker.
type Result struct {
	// Index is the call's place in its Map input (0 for Do).
	Index  int `json:"index"`
	Worker int `json:"worker"`
	// Value is the JSON of the result (null for None).
	Value json.RawMessage `json:"value,omitempty"`
	Error *PyError        `json:"error,omitempty"`
	// Straggler marks the placeholder of a call that ran past the
	// timeout; its result comes later, with Late set, on OnStraggler.
	Straggler bool `json:"straggler,omitempty"`
	Late      bool `json:"late,omitempty"`
	// Elapsed is the time the call ran (so far, for a straggler).
	Elapsed time.Duration `json:"-"`
	setup   bool          // the Map's callable could not be prepared
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
	ready := make(chan error)
	for i := 0; i < opts.Workers; i++ {
		w := &worker{p: p, py: py, id: i, own: make(chan *job, 16), sub: p.isolation == IsolationSubinterpreters}
		p.exited.Add(1)
		go func() {
			defer p.exited.Done()
			w.loop(ready)
		}()
		// One at a time: workers bootstrap in turn, so that the first
		// one sets up the shared interpreter before the others look.
		if err := <-ready; err != nil {
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

// Workers is the number of workers.
func (p *Pool) Workers() int { return len(p.workers) }

// watch marks calls running past the timeout as stragglers.
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
			for _, w := range p.workers {
				j := w.cur.Load()
				if j == nil {
					continue
				}
				s := j.start.Load()
				if s == 0 || now.UnixNano()-s < int64(p.opts.Timeout) {
					continue
				}
				if j.state.CompareAndSwap(0, 2) {
					j.res = Result{Index: j.index, Worker: w.id, Straggler: true, Elapsed: time.Duration(now.UnixNano() - s),
						Error: &PyError{Type: "Timeout", Last: fmt.Sprintf("still running after %v on worker %d: reported as a straggler, its result will follow on the straggler stream", p.opts.Timeout, w.id)}}
					close(j.done)
				}
			}
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
	req, err := c.request()
	if err != nil {
		return nil, err
	}
	return p.submit(ctx, jobRequest, req, mode)
}

func (p *Pool) submit(ctx context.Context, kind jobKind, req []byte, mode Mode) ([]Result, error) {
	var jobs []*job
	if mode == ModeAll {
		for _, w := range p.workers {
			j := newJob(kind, req, 0)
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
		j := newJob(kind, req, 0)
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
	s    *bufio.Scanner
	line int
}

// JSONLines reads one JSON value per non-blank line.
func JSONLines(r io.Reader) RowReader {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64<<10), 1<<30)
	return &jsonLines{s: s}
}

func (j *jsonLines) Next() ([]byte, error) {
	for j.s.Scan() {
		j.line++
		b := bytes.TrimSpace(j.s.Bytes())
		if len(b) == 0 {
			continue
		}
		if !json.Valid(b) {
			return nil, fmt.Errorf("input line %d is not valid JSON", j.line)
		}
		return bytes.Clone(b), nil
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
}

type mapRun struct {
	ctx context.Context
	req []byte
	raw bool
}

// MapStats counts what Map did.
type MapStats struct {
	Calls, Errors, Stragglers int
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
	m := &mapRun{ctx: ctx, req: req, raw: opts.Raw}
	order := make(chan *job, 256+8*len(p.workers))
	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		// Without a timeout rows go to the workers in batches, which
		// saves most of the hand-over cost; with one, each row is its
		// own job so that a straggler holds up no other row.
		batch := 1
		if p.opts.Timeout == 0 {
			batch = 128
		}
		for i := 0; ; {
			var chunk [][]byte
			var rerr error
			for len(chunk) < batch {
				row, err := rows.Next()
				if err != nil {
					rerr = err
					break
				}
				chunk = append(chunk, row)
			}
			if len(chunk) > 0 {
				j := &job{kind: jobRow, m: m, index: i, done: make(chan struct{})}
				if batch == 1 {
					j.req = chunk[0]
				} else {
					j.kind, j.rows = jobRows, chunk
				}
				i += len(chunk)
				select {
				case order <- j:
				case <-ctx.Done():
					readErr <- nil
					return
				}
				select {
				case p.shared <- j:
				case <-ctx.Done():
					readErr <- nil
					return
				case <-p.quit:
					readErr <- errors.New("the pool is closed")
					return
				}
			}
			if rerr == io.EOF {
				readErr <- nil
				return
			}
			if rerr != nil {
				readErr <- rerr
				return
			}
		}
	}()
	var failure error
	for j := range order {
		select {
		case <-j.done:
		case <-ctx.Done():
			if failure == nil {
				failure = ctx.Err()
			}
			continue
		}
		if failure != nil {
			continue
		}
		results := []Result{j.res}
		if j.kind == jobRows {
			results = j.results
		}
		for _, r := range results {
			if failure != nil {
				break
			}
			st.count(r)
			if r.setup {
				failure = fmt.Errorf("%s: %s", c.Function+c.Eval, r.Error.Last)
				cancel()
				break
			}
			if err := emit(r); err != nil {
				failure = err
				cancel()
			}
		}
	}
	if err := <-readErr; err != nil && failure == nil {
		failure = err
	}
	if failure == nil && parent.Err() != nil {
		failure = parent.Err()
	}
	return st, failure
}

// Close stops the workers once their current calls return, waiting for
// them until ctx is done; workers still running a straggler then are
// left running (their threads end with the process) and reported.
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
		var busy []string
		for _, w := range p.workers {
			if w.busy.Load() != 0 {
				busy = append(busy, fmt.Sprint(w.id))
			}
		}
		return fmt.Errorf("workers %s are still running calls (Python code cannot be stopped): left running until the process exits", strings.Join(busy, ", "))
	}
}
