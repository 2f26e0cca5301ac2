package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// RunOptions control Run.
type RunOptions struct {
	// Open says where the archive is unpacked (CacheDir is required).
	Open OpenOptions
	// Layers are the layer archives of a layered environment whose base
	// is Run's path, in load order. Empty: Run finds them itself
	// (Locate), so its path may also be a build manifest, or a base with
	// its manifest beside it.
	Layers []string
	// Find says where to look for a libpython when Python is nil.
	Find FindOptions
	// Python is a libpython already loaded; nil means FindInterpreter and
	// Load.
	Python *Python
	// Pool sets the workers: how many, their isolation, the timeout past
	// which a call is a straggler, where the late results of stragglers
	// go, and whether Python's sys.stdout is sys.stderr.
	Pool PoolOptions
	// Setup are statements run in order on every worker before the call
	// (before the first row, with Rows): imports and other set-up the
	// call relies on. When they raise, or time out, on any worker, Run
	// returns a *SetupError and makes no call.
	Setup []string
	// Mode says which workers make the call: ModeAny one, ModeAll every
	// worker (one Result each, in worker order). Ignored with Rows.
	Mode Mode
	// Rows, when not nil, makes the call once per row, as Pool.Map does:
	// a function gets the row as its argument, an expression or
	// statements see it as the variable "row" (statements give the value
	// of "result"). Map are Map's options.
	Rows RowReader
	Map  MapOptions
	// OnResult receives the results one at a time and in order: with
	// Rows one per row in input order, otherwise one (ModeAny) or one per
	// worker (ModeAll). A Python exception is a Result with Error set
	// (and the run goes on), a call past the timeout a Result with
	// Straggler set. An error from OnResult stops the run and is
	// returned. Nil drops the results; Run still counts them.
	OnResult func(Result) error
	// Progress, when not nil, receives lines on what Run does: "note: "
	// and the choice the pool made (see Pool.Note), before any call;
	// with Rows, once all rows are done, "N calls, N errors, N
	// stragglers", written before Run waits for stragglers still running;
	// then one "unfinished: " line for each call still running after
	// Grace.
	Progress io.Writer
	// Processes, when not nil, runs the workers in child processes (see
	// ProcessOptions): a crash costs one call, and a call past the
	// timeout is killed. Pool.Workers, Timeout and Path apply; Python,
	// when set, names the interpreter the processes load.
	Processes *ProcessOptions
	// Grace is how long Run waits at the end for stragglers still
	// running (so that their late results reach OnStraggler); default 2s.
	// Calls still running then are counted in MapStats.Unfinished, named
	// on Progress, and left running: Run returns all the same.
	Grace time.Duration
}

// DefaultGrace is RunOptions.Grace when it is zero.
const DefaultGrace = 2 * time.Second

// SetupError is Run's error when RunOptions.Setup failed on a worker.
type SetupError struct {
	Worker int
	Err    *PyError
}

func (e *SetupError) Error() string {
	return fmt.Sprintf("the set-up statements failed on worker %d: %s", e.Worker, e.Err.Last)
}

func (e *SetupError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

// ErrFileRows is the error of Run and Pool.Map for a script (Call.File)
// with rows: a script runs as __main__ and takes no row.
var ErrFileRows = errors.New("rows work with a function call, an expression or statements, not a file")

// Run runs code of the archive at path in this process, the way an
// executor would run a UDF: it opens the archive (OpenEnvironment, with
// the layers of RunOptions.Layers or those Locate finds), loads a
// libpython of its Python (FindInterpreter and Load, unless opts.Python
// is set), starts a pool (NewPool), runs opts.Setup on every worker, and
// then makes the call c, once (opts.Mode) or once per row of opts.Rows,
// handing each result to opts.OnResult.
//
// The call and the options are checked before the archive is opened.
// Exceptions in user code are results, not errors: the MapStats count
// the calls, the results with Error set (Errors) and the stragglers. An
// error is returned when the run could not be made or was stopped: a
// malformed call, an archive or interpreter that cannot be used, a
// *SetupError, an error from the rows or from OnResult, the function of
// a Map that cannot be imported, or ctx done.
//
// Before it returns Run closes the pool, which waits opts.Grace for calls
// still running past the timeout: their late results reach
// opts.Pool.OnStraggler before Run returns; the calls still running
// after that are MapStats.Unfinished, left running in their abandoned
// workers. Run never waits longer: it returns within the timeout plus
// the grace after the last call that does return.
func Run(ctx context.Context, path string, c Call, opts RunOptions) (MapStats, error) {
	var st MapStats
	if err := c.check(opts.Rows != nil, opts.Map); err != nil {
		return st, err
	}
	if opts.Processes != nil && len(c.Arrays) > 0 {
		return st, fmt.Errorf("%w: not in worker processes", ErrArrays)
	}
	if opts.Processes != nil {
		return runProcesses(ctx, path, c, opts)
	}
	env, err := opts.open(ctx, path)
	if err != nil {
		return st, err
	}
	py := opts.Python
	if py == nil {
		find := opts.Find
		if find.CacheDir == "" {
			find.CacheDir = opts.Open.CacheDir
		}
		in, err := FindInterpreter(ctx, env, find)
		if err != nil {
			return st, err
		}
		if py, err = Load(*in); err != nil {
			return st, err
		}
	}
	pool, err := NewPool(ctx, py, env, opts.Pool)
	if err != nil {
		return st, err
	}
	closed := false
	closePool := func() {
		if closed {
			return
		}
		closed = true
		grace := opts.Grace
		if grace <= 0 {
			grace = DefaultGrace
		}
		// The grace outlives ctx: stopped (an interrupt), the calls
		// running still get it to finish.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
		defer cancel()
		var ue *UnfinishedError
		if err := pool.Close(cctx); errors.As(err, &ue) {
			st.Unfinished = len(ue.Calls)
			if opts.Progress != nil {
				for _, n := range ue.Names() {
					fmt.Fprintf(opts.Progress, "unfinished: %s: abandoned, Python code cannot be stopped\n", n)
				}
			}
		}
		st.Started = pool.Started()
	}
	defer closePool()
	if note := pool.Note(); note != "" && opts.Progress != nil {
		fmt.Fprintln(opts.Progress, "note:", note)
	}
	if len(opts.Setup) > 0 {
		req, err := Call{Exec: opts.Setup}.request()
		if err != nil {
			return st, err
		}
		pool.setSetup(req)
		res, err := pool.Do(ctx, Call{Exec: opts.Setup}, ModeAll)
		if err != nil {
			return st, err
		}
		for _, r := range res {
			if r.Error != nil {
				return st, &SetupError{Worker: r.Worker, Err: r.Error}
			}
		}
	}
	emit := opts.OnResult
	if emit == nil {
		emit = func(Result) error { return nil }
	}
	if opts.Rows != nil {
		st, err = pool.Map(ctx, c, opts.Rows, emit, opts.Map)
		if err != nil {
			return st, err
		}
		st.Started = pool.Started()
		if opts.Progress != nil {
			fmt.Fprintln(opts.Progress, st.Line(opts.Pool.Workers))
		}
		closePool()
		return st, nil
	}
	res, err := pool.Do(ctx, c, opts.Mode)
	if err != nil {
		return st, err
	}
	for _, r := range res {
		st.count(r)
		if err := emit(r); err != nil {
			return st, err
		}
	}
	closePool()
	return st, nil
}

// archives are the environment's archives: path and opts.Layers, or
// what Locate finds from path.
func (opts *RunOptions) archives(path string) (Archives, error) {
	if len(opts.Layers) > 0 {
		return Archives{Base: path, Layers: opts.Layers}, nil
	}
	return Locate(path)
}

// open opens the environment path names (see RunOptions.Layers).
func (opts *RunOptions) open(ctx context.Context, path string) (*Env, error) {
	a, err := opts.archives(path)
	if err != nil {
		return nil, err
	}
	return OpenEnvironment(ctx, a, opts.Open)
}

// count adds a result to the stats: a straggler is not an error.
func (st *MapStats) count(r Result) {
	st.Calls++
	if r.Straggler {
		st.Stragglers++
	} else if r.Error != nil {
		st.Errors++
	}
}

// check says whether c can be made, once or (rows) once per row.
func (c Call) check(rows bool, opts MapOptions) error {
	if rows && c.File != "" {
		return ErrFileRows
	}
	if _, err := c.request(); err != nil {
		return err
	}
	if rows && len(c.Arrays) > 0 {
		return fmt.Errorf("%w: not once per row", ErrArrays)
	}
	if rows && len(c.Out) > 0 {
		return errors.New("variables are read back from one call, not from rows")
	}
	if rows && opts.Raw && c.Function == "" {
		return errors.New("raw rows work only with a function call")
	}
	return nil
}
