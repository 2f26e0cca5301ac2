package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// TestInProcessArraysNumPy: a []float64 and a []int64 reach Python as
// NumPy arrays over the same memory (the address Python sees is the
// slice's, a write in Python is read in Go), as keyword arguments of a
// function and variables of an expression or statements; a call that
// keeps a view past its end is an error, and the memory stays pinned
// until Python drops the view.
func TestInProcessArraysNumPy(t *testing.T) {
	e := setup(t)
	_, env := e.dataframeEnv(t)
	p := e.pool(t, env, PoolOptions{StdoutToStderr: true})
	xs := []float64{1, 2, 3.5}
	ys := []int64{10, -20, 30, 1 << 40}
	arrays := map[string]Array{"x": Float64s(xs), "y": Int64s(ys)}

	got := value(t, do1(t, p, Call{Eval: "[x.dtype.name, y.dtype.name, x.shape[0], float(x.sum()), int(y.sum()), x.flags.writeable, type(x).__module__]", Arrays: arrays}))
	if want := `["float64", "int64", 3, 6.5, 1099511627796, true, "numpy"]`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	// The same memory: the address, and writes both ways.
	got = value(t, do1(t, p, Call{Eval: "[x.__array_interface__['data'][0], y.__array_interface__['data'][0]]", Arrays: arrays}))
	if want := fmt.Sprintf("[%d, %d]", uintptr(unsafe.Pointer(&xs[0])), uintptr(unsafe.Pointer(&ys[0]))); got != want {
		t.Fatalf("addresses in Python %s, in Go %s", got, want)
	}
	value(t, do1(t, p, Call{Exec: []string{"x[0] = 42.5", "y[1:3] = -7"}, Arrays: arrays}))
	if xs[0] != 42.5 || ys[1] != -7 || ys[2] != -7 {
		t.Fatalf("Python's writes not seen in Go: %v %v", xs, ys)
	}
	xs[2] = 100
	if got := value(t, do1(t, p, Call{Eval: "float(x[2])", Arrays: arrays})); got != "100.0" {
		t.Fatalf("Go's write not seen in Python: %s", got)
	}
	// A function: arrays are keyword arguments, beside the JSON ones.
	scaled := []float64{1, 2, 3}
	if got := value(t, do1(t, p, Call{Function: "udfs:scale", Args: json.RawMessage(`{"by": 2}`), Arrays: map[string]Array{"x": Float64s(scaled)}})); got != "12.0" || scaled[2] != 6 {
		t.Fatalf("scale: %s %v", got, scaled)
	}
	if got := value(t, do1(t, p, Call{Function: "udfs:address", Arrays: map[string]Array{"x": Float64s(scaled)}})); got != fmt.Sprint(uintptr(unsafe.Pointer(&scaled[0]))) {
		t.Fatalf("address: %s", got)
	}
	// The seed's mean_fn on a pandas Series over the slice.
	if got := value(t, do1(t, p, Call{Eval: "__import__('udfs').mean_fn(__import__('pandas').Series(x, copy=False))", Arrays: map[string]Array{"x": Float64s([]float64{1, 2, 3, 6})}})); got != "3.0" {
		t.Fatalf("mean_fn: %s", got)
	}
	// The value may be the array itself (written as JSON during the call),
	// and an empty slice is an empty array.
	if got := value(t, do1(t, p, Call{Eval: "[x, e.shape[0]]", Arrays: map[string]Array{"x": Float64s([]float64{0.5, 1}), "e": Int64s(nil)}})); got != "[[0.5, 1.0], 0]" {
		t.Fatalf("array value: %s", got)
	}
	// An exception's traceback holds the frame with the array: not a retention.
	r := do1(t, p, Call{Function: "udfs:scale", Args: json.RawMessage(`{"by": "no"}`), Arrays: map[string]Array{"x": Float64s(xs)}})
	if r.Error == nil || r.Error.Type == "ArrayRetained" {
		t.Fatalf("exception: %+v", r.Error)
	}
	// The variables are gone after the call.
	if got := value(t, do1(t, p, Call{Eval: "[n in globals() for n in ('x', 'y')]"})); got != "[false, false]" {
		t.Fatalf("variables left behind: %s", got)
	}

	// Kept past the call: an error naming it; pinned until Python lets go.
	w := p.live()[0]
	kept := []float64{7, 8, 9}
	r = do1(t, p, Call{Exec: []string{"global keep", "keep = x[1:]"}, Arrays: map[string]Array{"x": Float64s(kept)}})
	if r.Error == nil || r.Error.Type != "ArrayRetained" || !strings.Contains(r.Error.Last, "x") || !strings.Contains(r.Error.Last, "copy()") {
		t.Fatalf("retained: %+v", r.Error)
	}
	if len(w.arr.retained) != 1 {
		t.Fatalf("retained memory: %d entries, want 1", len(w.arr.retained))
	}
	if got := value(t, do1(t, p, Call{Eval: "float(keep.sum())"})); got != "17.0" {
		t.Fatalf("kept view: %s", got)
	}
	value(t, do1(t, p, Call{Exec: []string{"del keep"}}))
	// The next array call finds it free and unpins it.
	value(t, do1(t, p, Call{Eval: "0", Arrays: map[string]Array{"z": Float64s([]float64{1})}}))
	if len(w.arr.retained) != 0 {
		t.Fatalf("retained memory after del: %d entries, want 0", len(w.arr.retained))
	}
	// A copy is not a retention.
	value(t, do1(t, p, Call{Exec: []string{"global keep", "keep = x.copy()"}, Arrays: map[string]Array{"x": Float64s(kept)}}))
	kept[0] = -1
	if got := value(t, do1(t, p, Call{Eval: "float(keep[0])"})); got != "7.0" {
		t.Fatalf("copy: %s", got)
	}

	// Not with rows, and not for a script.
	if _, err := p.Map(context.Background(), Call{Function: "udfs:scale", Arrays: arrays}, JSONLines(strings.NewReader("1\n")), func(Result) error { return nil }, MapOptions{}); !errors.Is(err, ErrArrays) {
		t.Fatalf("Map with arrays: %v", err)
	}
	if _, err := p.Do(context.Background(), Call{File: "x.py", Arrays: arrays}, ModeAny); !errors.Is(err, ErrArrays) {
		t.Fatalf("script with arrays: %v", err)
	}
}

// TestInProcessArraysGC: many calls from several goroutines, each with a
// fresh slice that nothing else references, with garbage collections in
// between (run it with -race): every call sees its own values, so no
// memory was freed or moved while Python used it.
func TestInProcessArraysGC(t *testing.T) {
	e := setup(t)
	_, env := e.dataframeEnv(t)
	p := e.pool(t, env, PoolOptions{Workers: 2, Isolation: IsolationThreads, StdoutToStderr: true})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				n := 1000 + i
				xs := make([]float64, n)
				for k := range xs {
					xs[k] = float64(g*1000 + i)
				}
				c := Call{Eval: "x.fill(x[0] + 1) or float(x.sum())", Arrays: map[string]Array{"x": Float64s(xs)}}
				xs = nil // only the call holds the memory now
				runtime.GC()
				res, err := p.Do(context.Background(), c, ModeAny)
				if err != nil {
					errs <- err
					return
				}
				if want := fmt.Sprintf("%.1f", float64(n)*float64(g*1000+i+1)); string(res[0].Value) != want {
					errs <- fmt.Errorf("goroutine %d call %d: %s, want %s (%+v)", g, i, res[0].Value, want, res[0].Error)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestInProcessArraysSubinterpreters: NumPy cannot be imported in a
// sub-interpreter (single-phase initialisation): a call with arrays there
// is an error saying to use threads, not a memoryview in NumPy's place.
func TestInProcessArraysSubinterpreters(t *testing.T) {
	e := setup(t)
	if e.ver[1] < 12 {
		// Not a skip: TestCPython counts a skipped in-process test as a failure.
		t.Logf("Python %d.%d has no sub-interpreters with their own GIL: nothing to check", e.ver[0], e.ver[1])
		return
	}
	_, env := e.dataframeEnv(t)
	p := e.pool(t, env, PoolOptions{Workers: 2, Isolation: IsolationSubinterpreters, StdoutToStderr: true})
	r := do1(t, p, Call{Eval: "x", Arrays: map[string]Array{"x": Float64s([]float64{1})}})
	if r.Error == nil || r.Error.Type != "ImportError" || !strings.Contains(r.Error.Last, "use threads") {
		t.Fatalf("arrays in a sub-interpreter: %+v %s", r.Error, r.Value)
	}
}

// TestInProcessArrow: run over an Arrow IPC stream and file of a real
// pyarrow, once per record batch, with a DataFrame whose columns are
// views of the memory-mapped file, a Series per column (the seed's
// mean_fn as Spark calls it) or the RecordBatch; one record per batch,
// an exception that batch's record.
func TestInProcessArrow(t *testing.T) {
	e := setup(t)
	archive, env := e.dataframeEnv(t)
	dir := t.TempDir()
	p := e.pool(t, env, PoolOptions{StdoutToStderr: true})
	files := map[string]string{}
	for _, format := range []string{"stream", "file"} {
		path := filepath.Join(dir, "sample-"+format+".arrow")
		value(t, do1(t, p, Call{Function: "udfs:write_arrow", Args: json.RawMessage(fmt.Sprintf(`[%q, %q, 10, 4]`, path, format))}))
		files[format] = path
		af, err := ReadArrowFile(path)
		if err != nil || af.Format != format || af.Batches != 3 {
			t.Fatalf("%s: %+v %v", format, af, err)
		}
	}
	p.Close(context.Background())
	run := func(t *testing.T, input, fn string, batch Batch, workers int) ([]Result, MapStats, error) {
		var out []Result
		st, err := RunArrow(context.Background(), archive, Call{Function: fn}, input, ArrowOptions{Batch: batch}, RunOptions{
			Open: OpenOptions{CacheDir: dfCache}, Python: e.py,
			Pool:     PoolOptions{Workers: workers, StdoutToStderr: true},
			OnResult: func(r Result) error { out = append(out, r); return nil }})
		return out, st, err
	}
	values := func(rs []Result) string {
		var vs []string
		for _, r := range rs {
			if r.Error != nil {
				vs = append(vs, fmt.Sprintf("%d:%s", r.Index, r.Error.Last))
			} else {
				vs = append(vs, fmt.Sprintf("%d:%s", r.Index, r.Value))
			}
		}
		return strings.Join(vs, " ")
	}
	for _, format := range []string{"stream", "file"} {
		input := files[format]
		for _, tc := range []struct {
			fn      string
			batch   Batch
			workers int
			want    string
		}{
			// v = id/2: batches of ids 0-3, 4-7, 8-9.
			{"udfs:frame_mean", BatchPandas, 1, "0:0.75 1:2.75 2:4.25"},
			{"udfs:mean_fn", BatchPandas, 2, "0:[1.5, 0.75] 1:[5.5, 2.75] 2:[8.5, 4.25]"},
			{"udfs:describe", BatchArrow, 1, `0:{"type": "pyarrow.RecordBatch", "rows": 4} 1:{"type": "pyarrow.RecordBatch", "rows": 4} 2:{"type": "pyarrow.RecordBatch", "rows": 2}`},
			{"udfs:describe", BatchPandas, 2, `0:{"type": "pandas.DataFrame", "rows": 4} 1:{"type": "pandas.DataFrame", "rows": 4} 2:{"type": "pandas.DataFrame", "rows": 2}`},
			{"udfs:doubled", BatchPandas, 1, "0:[0.0, 1.0, 2.0, 3.0] 1:[4.0, 5.0, 6.0, 7.0] 2:[8.0, 9.0]"},
			{"udfs:first_rows", BatchPandas, 1, `0:[{"id": 0, "v": 0.0}, {"id": 1, "v": 0.5}] 1:[{"id": 4, "v": 2.0}, {"id": 5, "v": 2.5}] 2:[{"id": 8, "v": 4.0}, {"id": 9, "v": 4.5}]`},
			{"udfs:fail_on", BatchPandas, 2, "0:4 1:4 2:ValueError: bad batch starting at id 8"},
			{"udfs:mapped_from", BatchPandas, 1, fmt.Sprintf("0:%q 1:%q 2:%q", input, input, input)},
		} {
			t.Run(fmt.Sprintf("%s/%s/%s/%d", format, tc.fn, tc.batch, tc.workers), func(t *testing.T) {
				out, st, err := run(t, input, tc.fn, tc.batch, tc.workers)
				if err != nil {
					t.Fatal(err)
				}
				if got := values(out); got != tc.want {
					t.Fatalf("got  %s\nwant %s", got, tc.want)
				}
				if st.Calls != 3 {
					t.Fatalf("stats %+v", st)
				}
			})
		}
	}
	// A batch past the timeout is a straggler in its place; the others go on.
	var out []Result
	st, err := RunArrow(context.Background(), archive, Call{Function: "udfs:slow_on"}, files["stream"], ArrowOptions{}, RunOptions{
		Open: OpenOptions{CacheDir: dfCache}, Python: e.py, Grace: 5 * time.Second,
		Pool:     PoolOptions{Workers: 1, Timeout: time.Second, StdoutToStderr: true},
		OnResult: func(r Result) error { out = append(out, r); return nil }})
	if err != nil || st.Calls != 3 || st.Stragglers != 1 || len(out) != 3 || !out[1].Straggler || out[1].Error.Type != "Timeout" || string(out[0].Value) != "4" || string(out[2].Value) != "2" {
		t.Fatalf("timeout: %+v %v %s", st, err, values(out))
	}
	// The seed's mean_fn with Spark's calling convention on a one-column
	// batch: a Series in, a float out.
	one := filepath.Join(dir, "v.arrow")
	value(t, do1(t, e.pool(t, env, PoolOptions{}), Call{Exec: []string{
		"import pyarrow as pa, pyarrow.ipc",
		fmt.Sprintf("t = pa.table({'v': [1.0, 2.0, 3.0, 5.0, 10.0]})\nwith pa.OSFile(%q, 'wb') as f:\n    w = pa.ipc.new_stream(f, t.schema)\n    [w.write_batch(b) for b in t.to_batches(max_chunksize=2)]\n    w.close()", one)}}))
	out, _, err = run(t, one, "udfs:mean_fn", BatchSeries, 1)
	if err != nil || values(out) != "0:1.5 1:4.0 2:10.0" {
		t.Fatalf("mean_fn: %s %v", values(out), err)
	}
	// Not an Arrow file: an error naming it.
	bad := filepath.Join(dir, "rows.arrow")
	os.WriteFile(bad, []byte("{\"a\": 1}\n"), 0o644)
	if _, _, err := run(t, bad, "udfs:frame_mean", BatchPandas, 1); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "not a readable Arrow IPC") {
		t.Fatalf("not arrow: %v", err)
	}
}

// TestInProcessArrowWithoutPyArrow: an archive without pyarrow is an error
// naming what to add.
func TestInProcessArrowWithoutPyArrow(t *testing.T) {
	e := setup(t)
	_, env := e.dataframeEnv(t)
	dir := t.TempDir()
	p := e.pool(t, env, PoolOptions{})
	input := filepath.Join(dir, "s.arrow")
	value(t, do1(t, p, Call{Function: "udfs:write_arrow", Args: json.RawMessage(fmt.Sprintf(`[%q, "stream", 3, 2]`, input))}))
	p.Close(context.Background())
	archive := writeVenv(t, dir, e.ver, greetWheels(t, dir))
	_, err := RunArrow(context.Background(), archive, Call{Function: "greet:upper"}, input, ArrowOptions{}, RunOptions{Open: OpenOptions{CacheDir: t.TempDir()}, Python: e.py})
	var se *SetupError
	if !errors.As(err, &se) || se.Err.Module != "pyarrow" || !strings.Contains(se.Err.Last, "add pyarrow to the requirements") {
		t.Fatalf("without pyarrow: %v", err)
	}
}

// TestInProcessArraysNoNumPy: without NumPy in the archive an array is a
// memoryview of format 'd' or 'q' over the same memory, released after
// the call: one kept past it fails with ValueError, never reads freed memory.
func TestInProcessArraysNoNumPy(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	p := e.pool(t, e.env(t, writeVenv(t, dir, e.ver, greetWheels(t, dir)), ""), PoolOptions{StdoutToStderr: true})
	xs := []float64{1.5, 2.5}
	ys := []int64{3, 4, 5}
	got := value(t, do1(t, p, Call{Eval: "[type(x).__name__, x.format, y.format, len(y), x[1], y.tolist()]", Arrays: map[string]Array{"x": Float64s(xs), "y": Int64s(ys)}}))
	if want := `["memoryview", "d", "q", 3, 2.5, [3, 4, 5]]`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	value(t, do1(t, p, Call{Exec: []string{"y[2] = 99", "global keep", "keep = y"}, Arrays: map[string]Array{"y": Int64s(ys)}}))
	if ys[2] != 99 {
		t.Fatalf("write: %v", ys)
	}
	r := do1(t, p, Call{Eval: "keep[0]"})
	if r.Error == nil || r.Error.Type != "ValueError" || !strings.Contains(r.Error.Message, "released") {
		t.Fatalf("a kept memoryview: %+v", r.Error)
	}
}

// TestArraysThroughput (CLUSTERPACK_RUNNER_BENCH=1, with
// CLUSTERPACK_RUNNER_PYTHON set: not one of TestCPython's tests) logs the time of
// one mean of 10M float64 through Pool.Do: the slice as an array (no
// copy) against the same values as JSON arguments (json.Marshal in Go,
// json.loads in Python, a NumPy array of the list), median of 3
// alternating rounds.
func TestArraysThroughput(t *testing.T) {
	if os.Getenv("CLUSTERPACK_RUNNER_BENCH") != "1" {
		t.Skip("a benchmark: set CLUSTERPACK_RUNNER_BENCH=1")
	}
	e := setup(t)
	_, env := e.dataframeEnv(t)
	p := e.pool(t, env, PoolOptions{StdoutToStderr: true})
	const n = 10_000_000
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(i%1000) / 7
	}
	value(t, do1(t, p, Call{Exec: []string{"import numpy"}}))
	var arr, js []time.Duration
	var want string
	for round := 0; round < 3; round++ {
		start := time.Now()
		got := value(t, do1(t, p, Call{Eval: "float(x.mean())", Arrays: map[string]Array{"x": Float64s(xs)}}))
		arr = append(arr, time.Since(start))
		start = time.Now()
		v, err := json.Marshal(xs)
		if err != nil {
			t.Fatal(err)
		}
		got2 := value(t, do1(t, p, Call{Eval: "float(numpy.asarray(v).mean())", Vars: map[string]json.RawMessage{"v": v}}))
		js = append(js, time.Since(start))
		if round == 0 {
			want = got
		}
		if got != want || got2[:8] != want[:8] {
			t.Fatalf("means %s %s", got, got2)
		}
	}
	med := func(d []time.Duration) time.Duration {
		s := append([]time.Duration(nil), d...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return s[len(s)/2]
	}
	t.Logf("Python %d.%d, 10M float64, mean: Call.Arrays %v (rounds %v), JSON args %v (rounds %v): %.0fx",
		e.ver[0], e.ver[1], med(arr), arr, med(js), js, float64(med(js))/float64(med(arr)))
}
