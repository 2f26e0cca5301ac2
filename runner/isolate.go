package runner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// ProcessOptions run each worker of Run in a child process of its own,
// so that a crash of the interpreter (a segfault in an extension module,
// os.abort) costs the call that caused it, not the run: the call is a
// Result with an Error of type "Crash" whose Traceback is the Python
// traceback faulthandler wrote, and a fresh process takes the worker's
// place. A call past the timeout is stopped for good: its process is
// killed (SIGKILL), the call is a straggler with no late result, and a
// fresh process takes its place. Each process runs one call at a time,
// with the set-up statements run first; rows cross a pipe, so this is
// slower than workers in this process.
type ProcessOptions struct {
	// Command is the program and arguments that start one worker
	// process: a program whose main calls ServeWorker (the clusterpack
	// binary's hidden worker command). Required.
	Command []string
	// Env is the processes' environment; nil is this process's.
	Env []string
	// Output receives the processes' standard output and error (what
	// Python prints); nil is this process's standard error.
	Output io.Writer
}

// The worker process's protocol: requests on fd 3, answers on fd 4 (JSON
// lines), faulthandler's traceback in the file on fd 5.
const (
	fdRequests = 3
	fdAnswers  = 4
	fdCrash    = 5
)

// workerConfig is the first line a worker process reads.
type workerConfig struct {
	Archive string      `json:"archive"`
	Layers  []string    `json:"layers,omitempty"`
	Open    OpenOptions `json:"open"`
	Python  string      `json:"python"`
	Call    Call        `json:"call"`
	Setup   []string    `json:"setup,omitempty"`
	Rows    bool        `json:"rows"`
	Raw     bool        `json:"raw,omitempty"`
	Path    []string    `json:"path,omitempty"`
}

// workerMsg is one answer line of a worker process: ready once set-up is
// done, then one result per request line; fatal when it cannot go on.
type workerMsg struct {
	Ready  bool     `json:"ready,omitempty"`
	Result *Result  `json:"result,omitempty"`
	Setup  *PyError `json:"setup,omitempty"`
	Fatal  string   `json:"fatal,omitempty"`
}

// ServeWorker is the main of a worker process that Run starts for
// RunOptions.Processes: it reads its configuration and then one request
// per line on fd 3 (a row, or any line for a call without rows), runs
// each in a one-worker Pool of this process, and answers on fd 4. It
// returns when fd 3 is closed.
func ServeWorker(ctx context.Context) error {
	in := os.NewFile(fdRequests, "clusterpack-requests")
	out := os.NewFile(fdAnswers, "clusterpack-answers")
	if in == nil || out == nil {
		return errors.New("not started as a clusterpack worker process: no requests on fd 3")
	}
	var mu sync.Mutex
	send := func(m workerMsg) error {
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		_, err = out.Write(append(b, '\n'))
		return err
	}
	r := bufio.NewReader(in)
	line, err := r.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("reading the worker configuration: %w", err)
	}
	var cfg workerConfig
	if err := json.Unmarshal(line, &cfg); err != nil {
		return fmt.Errorf("reading the worker configuration: %w", err)
	}
	fatal := func(err error) error {
		var se *SetupError
		if errors.As(err, &se) {
			_ = send(workerMsg{Setup: se.Err})
		} else {
			_ = send(workerMsg{Fatal: err.Error()})
		}
		return err
	}
	env, err := OpenEnvironment(ctx, Archives{Base: cfg.Archive, Layers: cfg.Layers}, cfg.Open)
	if err != nil {
		return fatal(err)
	}
	found, err := FindInterpreter(ctx, env, FindOptions{Python: cfg.Python})
	if err != nil {
		return fatal(err)
	}
	py, err := Load(*found)
	if err != nil {
		return fatal(err)
	}
	pool, err := NewPool(ctx, py, env, PoolOptions{Workers: 1, Isolation: IsolationThreads, StdoutToStderr: true, Path: cfg.Path, CrashFD: fdCrash, oneByOne: true})
	if err != nil {
		return fatal(err)
	}
	defer pool.Close(ctx)
	if len(cfg.Setup) > 0 {
		res, err := pool.Do(ctx, Call{Exec: cfg.Setup}, ModeAll)
		if err != nil {
			return fatal(err)
		}
		if res[0].Error != nil {
			return fatal(&SetupError{Worker: 0, Err: res[0].Error})
		}
	}
	if err := send(workerMsg{Ready: true}); err != nil {
		return err
	}
	emit := func(res Result) error { return send(workerMsg{Result: &res}) }
	req, err := cfg.Call.request()
	if err != nil {
		return fatal(err)
	}
	m := &mapRun{ctx: ctx, req: req, raw: cfg.Raw}
	// One request at a time, read only when the last one is answered:
	// the parent sends the next once it has the answer.
	for i := 0; ; i++ {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return nil // the parent is done
		}
		var res Result
		if cfg.Rows {
			j := &job{kind: jobRow, m: m, index: i, req: bytes.TrimSpace(line), done: make(chan struct{})}
			select {
			case pool.shared <- j:
			case <-ctx.Done():
				return ctx.Err()
			}
			<-j.done
			if res = j.res; res.setup {
				return fatal(fmt.Errorf("%s: %s", cfg.Call.Function+cfg.Call.Eval, res.Error.Last))
			}
		} else {
			all, err := pool.Do(ctx, cfg.Call, ModeAny)
			if err != nil {
				return fatal(err)
			}
			res = all[0]
		}
		if err := emit(res); err != nil {
			return err
		}
	}
}

// proc is one worker process, seen from the parent.
type proc struct {
	id     int
	cmd    *exec.Cmd
	req    *os.File
	crash  *os.File
	msgs   chan workerMsg // closed when the process's answers end
	exited chan struct{}  // closed once the process was waited for
	state  string         // how it exited
}

// procSet starts the worker processes of one run.
type procSet struct {
	cfg     []byte
	opts    RunOptions
	mu      sync.Mutex
	started int
}

// start starts a worker process and waits until it is ready (its set-up
// done); within limit when limit > 0.
func (s *procSet) start(ctx context.Context, limit time.Duration) (*proc, error) {
	po := s.opts.Processes
	s.mu.Lock()
	id := s.started
	s.started++
	s.mu.Unlock()
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("starting worker process %d: %w", id, err)
	}
	ansR, ansW, err := os.Pipe()
	if err != nil {
		reqR.Close()
		reqW.Close()
		return nil, fmt.Errorf("starting worker process %d: %w", id, err)
	}
	crash, err := os.CreateTemp("", "clusterpack-crash-*.txt")
	if err != nil {
		reqR.Close()
		reqW.Close()
		ansR.Close()
		ansW.Close()
		return nil, fmt.Errorf("starting worker process %d: %w", id, err)
	}
	os.Remove(crash.Name()) // read through the open file only
	cmd := exec.Command(po.Command[0], po.Command[1:]...)
	cmd.Env = po.Env
	output := po.Output
	if output == nil {
		output = os.Stderr
	}
	cmd.Stdout, cmd.Stderr = output, output
	cmd.ExtraFiles = []*os.File{reqR, ansW, crash}
	err = cmd.Start()
	reqR.Close()
	ansW.Close()
	if err != nil {
		reqW.Close()
		ansR.Close()
		crash.Close()
		return nil, fmt.Errorf("starting worker process %d (%s): %w", id, po.Command[0], err)
	}
	p := &proc{id: id, cmd: cmd, req: reqW, crash: crash, msgs: make(chan workerMsg, 1), exited: make(chan struct{})}
	go func() {
		defer close(p.msgs)
		defer ansR.Close()
		sc := bufio.NewScanner(ansR)
		sc.Buffer(make([]byte, 64<<10), 1<<31-1)
		for sc.Scan() {
			var m workerMsg
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				m = workerMsg{Fatal: fmt.Sprintf("worker process %d answered what is not JSON: %v", id, err)}
			}
			p.msgs <- m
		}
	}()
	go func() {
		err := cmd.Wait()
		p.state = "exit status 0"
		if err != nil {
			p.state = strings.TrimPrefix(err.Error(), "exit status ")
			if ee, ok := err.(*exec.ExitError); ok {
				// "signal: killed"; a crash in Python code is Go's
				// crash of the worker process, "exit status 2".
				p.state = ee.ProcessState.String()
			}
		}
		close(p.exited)
	}()
	if _, err := p.req.Write(append(append([]byte(nil), s.cfg...), '\n')); err != nil {
		p.kill()
		return nil, fmt.Errorf("starting worker process %d: %w", id, err)
	}
	var timeout <-chan time.Time
	if limit > 0 {
		t := time.NewTimer(limit)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case m, ok := <-p.msgs:
		switch {
		case !ok:
			<-p.exited
			return nil, fmt.Errorf("worker process %d ended during its start (%s)%s", id, p.state, p.crashText("\n"))
		case m.Setup != nil:
			p.kill()
			return nil, &SetupError{Worker: id, Err: m.Setup}
		case m.Fatal != "":
			p.kill()
			return nil, fmt.Errorf("worker process %d: %s", id, m.Fatal)
		}
		return p, nil
	case <-timeout:
		p.kill()
		return nil, fmt.Errorf("worker process %d was not ready after %v: killed", id, limit)
	case <-ctx.Done():
		p.kill()
		return nil, ctx.Err()
	}
}

// kill ends the process and waits for it.
func (p *proc) kill() {
	p.req.Close()
	_ = p.cmd.Process.Kill()
	<-p.exited
	p.crash.Close()
}

// stop closes the requests, waits up to grace for the process to end,
// and kills it then.
func (p *proc) stop(grace time.Duration) {
	p.req.Close()
	select {
	case <-p.exited:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	p.crash.Close()
}

// crashText is what faulthandler wrote, after prefix; "" when nothing.
func (p *proc) crashText(prefix string) string {
	b, err := io.ReadAll(io.NewSectionReader(p.crash, 0, 1<<20))
	if err != nil && err != io.EOF || len(bytes.TrimSpace(b)) == 0 {
		return ""
	}
	return prefix + strings.TrimRight(string(b), "\n")
}

// errFatal is a worker process's error that stops the run (the function
// cannot be found, say): its message is Map's own.
type errFatal struct{ msg string }

func (e *errFatal) Error() string { return e.msg }

// do sends one request line and waits for its answer. dead says the
// process is gone (crashed, or killed past the timeout) and must be
// replaced.
func (p *proc) do(ctx context.Context, line []byte, what string, timeout time.Duration) (res Result, dead bool, err error) {
	start := time.Now()
	// A failed write means the process died since its last answer: its
	// answers end, and the crash branch below says why.
	_, _ = p.req.Write(append(append([]byte(nil), line...), '\n'))
	var tc <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		tc = t.C
	}
	select {
	case m, ok := <-p.msgs:
		if ok && m.Result != nil {
			r := *m.Result
			r.Worker, r.Elapsed = p.id, time.Since(start)
			return r, false, nil
		}
		if ok && m.Fatal != "" {
			return res, true, &errFatal{m.Fatal}
		}
		_ = p.cmd.Process.Kill()
		<-p.exited
		tb := p.crashText("")
		p.req.Close()
		p.crash.Close()
		last := fmt.Sprintf("%s: the worker process %d crashed (%s)", what, p.id, p.state)
		if first, _, _ := strings.Cut(tb, "\n"); strings.HasPrefix(first, "Fatal Python error: ") {
			last += ": " + strings.TrimPrefix(first, "Fatal Python error: ")
		}
		return Result{Worker: p.id, Elapsed: time.Since(start), Error: &PyError{Type: "Crash", Message: last, Last: last, Traceback: tb}}, true, nil
	case <-tc:
		p.kill()
		last := fmt.Sprintf("%s: still running after %v on worker %d: its process was killed", what, timeout, p.id)
		return Result{Worker: p.id, Straggler: true, Elapsed: time.Since(start), Error: &PyError{Type: "Timeout", Message: last, Last: last}}, true, nil
	case <-ctx.Done():
		p.kill()
		return res, true, ctx.Err()
	}
}

// procJob is one call of runProcesses.
type procJob struct {
	index, line int
	req         []byte
	res         Result
	err         error
	done        chan struct{}
}

func (j *procJob) what(rows bool) string {
	switch {
	case !rows:
		return "the call"
	case j.line > 0:
		return fmt.Sprintf("row %d (line %d)", j.index, j.line)
	}
	return fmt.Sprintf("row %d", j.index)
}

// runProcesses is Run with opts.Processes: the workers are processes.
func runProcesses(ctx context.Context, path string, c Call, opts RunOptions) (MapStats, error) {
	var st MapStats
	po := opts.Processes
	if len(po.Command) == 0 {
		return st, errors.New("worker processes need a command that starts one (ProcessOptions.Command)")
	}
	if opts.Rows == nil && opts.Mode == ModeAll {
		return st, errors.New("a call on every worker works with workers in this process, not worker processes")
	}
	// Unpack once here, so the processes find the archive unpacked.
	archives, err := opts.archives(path)
	if err != nil {
		return st, err
	}
	env, err := OpenEnvironment(ctx, archives, opts.Open)
	if err != nil {
		return st, err
	}
	python := ""
	if opts.Python != nil {
		python = opts.Python.Interpreter().Executable
	} else {
		in, err := FindInterpreter(ctx, env, opts.Find)
		if err != nil {
			return st, err
		}
		python = in.Executable
	}
	cfg, err := json.Marshal(workerConfig{Archive: archives.Base, Layers: archives.Layers, Open: opts.Open, Python: python, Call: c, Setup: opts.Setup,
		Rows: opts.Rows != nil, Raw: opts.Map.Raw, Path: opts.Pool.Path})
	if err != nil {
		return st, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	set := &procSet{cfg: cfg, opts: opts}
	workers := max(opts.Pool.Workers, 1)
	timeout := opts.Pool.Timeout
	startLimit := time.Duration(0)
	if timeout > 0 {
		startLimit = max(timeout, 30*time.Second)
	}
	grace := opts.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	rows := opts.Rows != nil
	// The first process starts alone: a set-up that fails is reported once.
	first, err := set.start(ctx, startLimit)
	if err != nil {
		return st, err
	}
	jobs := make(chan *procJob, workers)
	order := make(chan *procJob, 256+8*workers)
	// The first error that stops the run, whichever job meets it.
	var stopMu sync.Mutex
	var stopErr error
	stop := func(err error) {
		stopMu.Lock()
		if stopErr == nil {
			stopErr = err
		}
		stopMu.Unlock()
		cancel()
	}
	var wg sync.WaitGroup
	serve := func(p *proc) {
		defer wg.Done()
		defer func() {
			if p != nil {
				p.stop(grace)
			}
		}()
		for j := range jobs {
			if p == nil {
				var err error
				if p, err = set.start(ctx, startLimit); err != nil {
					j.err = err
					close(j.done)
					stop(err)
					continue
				}
			}
			res, dead, err := p.do(ctx, j.req, j.what(rows), timeout)
			res.Index, res.Line = j.index, j.line
			j.res, j.err = res, err
			close(j.done)
			if dead {
				p = nil
			}
			if err != nil {
				stop(err)
			}
		}
	}
	for i := 0; i < workers; i++ {
		wg.Add(1)
		if i == 0 {
			go serve(first)
		} else {
			go serve(nil) // started at its first call
		}
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		defer close(order)
		if !rows {
			j := &procJob{req: []byte("{}"), done: make(chan struct{})}
			order <- j
			jobs <- j
			readErr <- nil
			return
		}
		lines, _ := opts.Rows.(LineReader)
		for i := 0; ; i++ {
			row, err := opts.Rows.Next()
			if err != nil {
				if err == io.EOF {
					err = nil
				}
				readErr <- err
				return
			}
			var b bytes.Buffer
			if err := json.Compact(&b, row); err != nil && !opts.Map.Raw {
				readErr <- fmt.Errorf("row %d is not JSON: %w", i, err)
				return
			} else if err != nil {
				b.Reset()
				b.Write(row)
			}
			j := &procJob{index: i, req: b.Bytes(), done: make(chan struct{})}
			if lines != nil {
				j.line = lines.Line()
			}
			select {
			case order <- j:
			case <-ctx.Done():
				readErr <- nil
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				readErr <- nil
				return
			}
		}
	}()
	emit := opts.OnResult
	if emit == nil {
		emit = func(Result) error { return nil }
	}
	var failure error
	for j := range order {
		if failure != nil {
			continue
		}
		select {
		case <-j.done:
		case <-ctx.Done():
			failure = ctx.Err()
			continue
		}
		if j.err != nil {
			failure = j.err
			continue
		}
		st.count(j.res)
		if err := emit(j.res); err != nil {
			failure = err
			cancel()
		}
	}
	if err := <-readErr; err != nil && failure == nil {
		failure = err
	}
	wg.Wait()
	st.Started = set.started
	if stopErr != nil && (failure == nil || errors.Is(failure, context.Canceled)) {
		failure = stopErr
	}
	if failure == nil && rows && opts.Progress != nil {
		fmt.Fprintln(opts.Progress, st.Line(opts.Pool.Workers))
	}
	return st, failure
}
