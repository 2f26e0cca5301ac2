package runner

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/ebitengine/purego"
)

//go:embed arrays.py
var arraysSource string

// Array is a Go slice handed to Python without a copy (Call.Arrays):
// Float64s or Int64s. Python sees the slice's memory, and writes to it,
// during the call only: the runner pins it (runtime.Pinner) for the call
// and unpins it once nothing in Python reaches it any more. A call that
// keeps a view past its end is an "ArrayRetained" error and the memory
// stays pinned, shared with Python, until the view is gone; a straggler
// (PoolOptions.Timeout) uses it until it returns. See the package doc.
type Array struct {
	p      unsafe.Pointer // the first element; nil for an empty slice
	bytes  int
	format string // the buffer format: "d" float64, "q" int64
}

// Float64s hands s to Python as a float64 NumPy array over the same
// memory (see Call.Arrays).
func Float64s(s []float64) Array {
	return Array{p: unsafe.Pointer(unsafe.SliceData(s)), bytes: 8 * len(s), format: "d"}
}

// Int64s hands s to Python as an int64 NumPy array over the same memory
// (see Call.Arrays).
func Int64s(s []int64) Array {
	return Array{p: unsafe.Pointer(unsafe.SliceData(s)), bytes: 8 * len(s), format: "q"}
}

// Len is the number of elements.
func (a Array) Len() int { return a.bytes / 8 }

// ErrArrays is wrapped by the error of a call with Arrays that cannot
// take them: rows (Map, Run with Rows), worker processes (RunOptions.Processes), a script.
var ErrArrays = errors.New("arrays are handed to one call in this process")

// arrayCall is the memory of one Do call with arrays: pinned until every
// worker that got it is done with it.
type arrayCall struct {
	names  []string
	arrays []Array
	pin    runtime.Pinner
	holds  atomic.Int32 // workers not yet done with the memory
}

func (ac *arrayCall) release() {
	if ac.holds.Add(-1) == 0 {
		ac.pin.Unpin()
	}
}

// workerArrays is a worker's array state (its thread only).
type workerArrays struct {
	fn       uintptr // the Python run(payload, views)
	fromMem  uintptr // PyMemoryView_FromMemory
	err      error   // why the worker cannot take arrays
	nextTok  int
	retained map[int]*arrayCall // memory a call kept past its end, by token
}

// doArrays is Do for a call with Arrays.
func (p *Pool) doArrays(ctx context.Context, c Call, mode Mode) ([]Result, error) {
	if c.File != "" {
		return nil, fmt.Errorf("%w: a script takes no arrays; give them to a function, an expression or statements", ErrArrays)
	}
	if len(c.Out) > 0 {
		return nil, fmt.Errorf("%w: variables are not read back from a call with arrays", ErrArrays)
	}
	req, err := c.request()
	if err != nil {
		return nil, err
	}
	ac := &arrayCall{}
	for name := range c.Arrays {
		if !isIdentifier(name) {
			return nil, fmt.Errorf("array %q is not a Python name", name)
		}
		if _, clash := c.Vars[name]; clash {
			return nil, fmt.Errorf("%s is both a variable and an array", name)
		}
		ac.names = append(ac.names, name)
	}
	sort.Strings(ac.names)
	for _, name := range ac.names {
		a := c.Arrays[name]
		if a.p != nil {
			ac.pin.Pin(a.p)
		}
		ac.arrays = append(ac.arrays, a)
	}
	workers := []*worker{nil}
	if mode == ModeAll {
		workers = p.live()
	}
	// One hold for each job, and one for this function until the jobs
	// are queued: a job not queued is never run and gives its hold back here.
	ac.holds.Store(int32(len(workers)) + 1)
	defer ac.release()
	var jobs []*job
	for _, w := range workers {
		j := newJob(jobArrays, req, 0)
		j.arrays = ac
		queue := p.shared
		if w != nil {
			queue = w.own
		}
		select {
		case queue <- j:
		case <-ctx.Done():
			ac.holds.Add(-int32(len(workers) - len(jobs)))
			return nil, ctx.Err()
		case <-p.quit:
			ac.holds.Add(-int32(len(workers) - len(jobs)))
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
			return nil, fmt.Errorf("waiting for the call: %w (it keeps running in its worker, with the arrays)", ctx.Err())
		}
	}
	return out, nil
}

// arrays runs a jobArrays call on w (GIL held); the job's hold on the
// memory is given back when Python is done with it.
func (w *worker) arrays(j *job) Result {
	ac := j.arrays
	held := true
	defer func() {
		if held {
			ac.release()
		}
	}()
	wa, err := w.arrayState()
	if err != nil {
		return Result{Error: &PyError{Type: "RunnerError", Last: err.Error()}}
	}
	f := &w.py.f
	views := call(f.tupleNew, uintptr(len(ac.arrays)))
	if views == 0 {
		return Result{Error: w.fetchError()}
	}
	defer call(f.decRef, views)
	for i, a := range ac.arrays {
		mem := a.p
		if mem == nil {
			mem = unsafe.Pointer(&w.empty[0])
		}
		// PyBUF_WRITE: the view is writable, as the slice is.
		mv := call(wa.fromMem, uintptr(mem), uintptr(a.bytes), 0x200)
		if mv == 0 {
			return Result{Error: w.fetchError()}
		}
		call(f.tupleSetItem, views, uintptr(i), mv) // steals mv
	}
	specs := make([][2]string, len(ac.arrays))
	for i, a := range ac.arrays {
		specs[i] = [2]string{ac.names[i], a.format}
	}
	tok := wa.nextTok
	wa.nextTok++
	payload, _ := json.Marshal(map[string]any{"req": string(j.req), "arrays": specs, "token": tok})
	pl := w.unicode(payload)
	if pl == 0 {
		return Result{Error: w.fetchError()}
	}
	args := call(f.tupleNew, 2)
	call(f.tupleSetItem, args, 0, pl)
	call(f.incRef, views)
	call(f.tupleSetItem, args, 1, views)
	r := call(f.callObject, wa.fn, args)
	call(f.decRef, args)
	runtime.KeepAlive(ac)
	if r == 0 {
		// The runner's own code failed: the views may still be alive in
		// Python, so the memory stays pinned (never given back).
		held = false
		return Result{Error: w.fetchError()}
	}
	out, ok := w.goString(r)
	call(f.decRef, r)
	if !ok {
		held = false
		return Result{Error: w.fetchError()}
	}
	status, value, _ := strings.Cut(string(out), "\n")
	var st struct {
		Freed    []int `json:"freed"`
		Retained bool  `json:"retained"`
	}
	if err := json.Unmarshal([]byte(status), &st); err != nil {
		held = false
		return Result{Error: &PyError{Type: "RunnerError", Last: "undecodable array status from Python: " + err.Error()}}
	}
	for _, t := range st.Freed {
		if kept := wa.retained[t]; kept != nil {
			delete(wa.retained, t)
			kept.release()
		}
	}
	if st.Retained {
		// Python still reaches the memory: it stays pinned until a later
		// call of this worker finds it free.
		wa.retained[tok] = ac
		held = false
	}
	if value == "" {
		return Result{Error: w.takeError()}
	}
	return Result{Value: json.RawMessage(value)}
}

// arrayState installs arrays.py in w's interpreter on first use.
func (w *worker) arrayState() (*workerArrays, error) {
	if w.arr != nil {
		return w.arr, w.arr.err
	}
	wa := &workerArrays{retained: map[int]*arrayCall{}}
	w.arr = wa
	var err error
	if wa.fromMem, err = purego.Dlsym(w.py.lib, "PyMemoryView_FromMemory"); err != nil {
		wa.err = fmt.Errorf("this libpython has no PyMemoryView_FromMemory: %w", err)
		return wa, wa.err
	}
	f := &w.py.f
	mainName := cstr("__main__")
	mod := call(f.importAddModule, ptr(mainName))
	runtime.KeepAlive(mainName)
	if mod == 0 {
		wa.err = fmt.Errorf("arrays: %s", w.fetchError().Last)
		return wa, wa.err
	}
	d := call(f.moduleGetDict, mod)
	bind := cstr("_cp_arrays_bind")
	if call(f.dictGetItemString, d, ptr(bind)) == 0 {
		src := w.unicode([]byte(arraysSource))
		key := cstr("_cp_arrays_src")
		call(f.dictSetItemString, d, ptr(key), src)
		call(f.decRef, src)
		code := cstr("exec(compile(_cp_arrays_src, '<clusterpack>', 'exec'))\n")
		r := call(f.runStringFlags, ptr(code), pyFileInput, d, d, 0)
		runtime.KeepAlive(code)
		runtime.KeepAlive(key)
		if r == 0 {
			wa.err = fmt.Errorf("the runner's array support failed in Python %d.%d: %s", w.py.version[0], w.py.version[1], w.fetchError().Last)
			return wa, wa.err
		}
		call(f.decRef, r)
	}
	fn := call(f.dictGetItemString, d, ptr(bind)) // borrowed
	runtime.KeepAlive(bind)
	run := w.callOne(fn, w.obj)
	if run == 0 {
		wa.err = fmt.Errorf("arrays: %s", w.fetchError().Last)
		return wa, wa.err
	}
	wa.fn = run
	return wa, nil
}
