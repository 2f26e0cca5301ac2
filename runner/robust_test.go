package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/syncbuf"
)

// TestInProcessRunNeverReturns: a call that never returns is a straggler
// naming its worker, and Run returns within the timeout plus the grace,
// naming it as unfinished.
func TestInProcessRunNeverReturns(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	archive := writeVenv(t, dir, e.ver, greetWheels(t, dir))
	var progress syncbuf.Buffer
	var got []Result
	opts := RunOptions{
		Open: OpenOptions{CacheDir: t.TempDir()}, Python: e.py, Progress: &progress, Grace: 300 * time.Millisecond,
		Pool:     PoolOptions{Timeout: time.Second, StdoutToStderr: true},
		OnResult: func(r Result) error { got = append(got, r); return nil },
	}
	start := time.Now()
	st, err := Run(context.Background(), archive, Call{Function: "greet:slow", Args: json.RawMessage(`"hang"`)}, opts)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	// 1 s timeout + 0.3 s grace, and room for a loaded machine.
	if took > 3*time.Second {
		t.Errorf("Run returned after %v", took)
	}
	if len(got) != 1 || !got[0].Straggler || got[0].Error == nil || got[0].Worker != 0 ||
		!strings.HasPrefix(got[0].Error.Last, "the call: still running after 1s on worker 0") {
		t.Fatalf("results %+v", got)
	}
	if st.Stragglers != 1 || st.Unfinished != 1 {
		t.Errorf("stats %+v", st)
	}
	if p := progress.String(); !strings.Contains(p, "unfinished: the call on worker 0, running for ") {
		t.Errorf("progress %q", p)
	}
}

// TestInProcessRunStragglersNeverStall: with two workers and three calls
// that do not return in time (two sleep for good, one holds the GIL for
// 4 s), every row still gets exactly one record, in order, the other
// rows run on fresh workers, and the run ends within the timeout plus
// the grace of the last straggler.
func TestInProcessRunStragglersNeverStall(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	archive := writeVenv(t, dir, e.ver, greetWheels(t, dir))
	rows := []string{"0.01", `"hang"`, "0.01", `"spin"`, `"hang"`}
	for i := 0; i < 15; i++ {
		rows = append(rows, "0.01")
	}
	var progress syncbuf.Buffer
	var got []Result
	opts := RunOptions{
		Open: OpenOptions{CacheDir: t.TempDir()}, Python: e.py, Progress: &progress, Grace: 300 * time.Millisecond,
		Pool:     PoolOptions{Workers: 2, Timeout: 500 * time.Millisecond, StdoutToStderr: true},
		Setup:    []string{"import greet"},
		Rows:     JSONLines(strings.NewReader(strings.Join(rows, "\n") + "\n")),
		OnResult: func(r Result) error { got = append(got, r); return nil },
	}
	start := time.Now()
	st, err := Run(context.Background(), archive, Call{Eval: "greet.slow(row)"}, opts)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Fatalf("%d records for %d rows", len(got), len(rows))
	}
	stuck := map[int]bool{1: true, 3: true, 4: true}
	for i, r := range got {
		if r.Index != i || r.Line != i+1 {
			t.Errorf("record %d: index %d line %d", i, r.Index, r.Line)
		}
		switch {
		case stuck[i]:
			want := fmt.Sprintf("row %d (line %d): still running after 500ms on worker %d", i, i+1, r.Worker)
			if !r.Straggler || r.Error == nil || r.Error.Type != "Timeout" || !strings.HasPrefix(r.Error.Last, want) {
				t.Errorf("row %d: %+v, want a straggler %q", i, r, want)
			}
		case r.Error != nil || string(r.Value) != "0.01":
			t.Errorf("row %d: %+v", i, r)
		}
	}
	// 2 workers and one fresh one in the place of each straggler.
	if st.Calls != len(rows) || st.Stragglers != 3 || st.Errors != 0 || st.Started != 5 {
		t.Errorf("stats %+v", st)
	}
	// The spinning call returns after 4 s: at least the two sleeping ones
	// are unfinished, each named.
	if st.Unfinished < 2 || strings.Count(progress.String(), "unfinished: row ") != st.Unfinished ||
		!strings.Contains(progress.String(), "unfinished: row 1 (line 2) on worker ") {
		t.Errorf("stats %+v, progress %q", st, progress.String())
	}
	// Three stragglers of 0.5 s each, the grace, 17 short rows: well
	// under the 4 s the spinning call takes, were the run to wait for it.
	if took > 3800*time.Millisecond {
		t.Errorf("the run took %v", took)
	}
}

// TestInProcessRunStarved: when every worker is held by a straggler and
// MaxWorkers allows no fresh one, the rows still queued are "NotRun"
// records naming the stragglers, and the run ends.
func TestInProcessRunStarved(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	archive := writeVenv(t, dir, e.ver, greetWheels(t, dir))
	var got []Result
	var progress strings.Builder
	opts := RunOptions{
		Open: OpenOptions{CacheDir: t.TempDir()}, Python: e.py, Grace: 100 * time.Millisecond, Progress: &progress,
		Pool:     PoolOptions{Workers: 1, MaxWorkers: 2, Timeout: 300 * time.Millisecond, StdoutToStderr: true},
		Rows:     JSONLines(strings.NewReader("\"hang\"\n\"hang\"\n0\n0\n0\n")),
		OnResult: func(r Result) error { got = append(got, r); return nil },
	}
	st, err := Run(context.Background(), archive, Call{Function: "greet:slow"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || !got[0].Straggler || !got[1].Straggler {
		t.Fatalf("records %+v", got)
	}
	for _, r := range got[2:] {
		want := fmt.Sprintf("row %d (line %d): not run: every worker is held by a call past the timeout (row 1 (line 2) on worker 1) and at most 2 workers may run", r.Index, r.Index+1)
		if r.Error == nil || r.Error.Type != "NotRun" || r.Error.Last != want || r.Worker != -1 {
			t.Errorf("row %d: %+v, want %q", r.Index, r.Error, want)
		}
	}
	if st.Errors != 3 || st.Stragglers != 2 || st.Unfinished != 2 || st.Started != 2 {
		t.Errorf("stats %+v", st)
	}
	if want := "5 calls, 3 errors, 2 stragglers, 1 more workers started in the place of workers held by stragglers\n"; !strings.Contains(progress.String(), want) {
		t.Errorf("progress %q lacks %q", progress.String(), want)
	}
}

// TestInProcessValues: NaN and Infinity are strings, values JSON cannot
// hold are errors naming their type; neither stops the rows.
func TestInProcessValues(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	p := e.pool(t, e.env(t, writeVenv(t, dir, e.ver, greetWheels(t, dir)), ""), PoolOptions{StdoutToStderr: true})
	for _, tt := range []struct{ key, value, err string }{
		{"nan", `"NaN"`, ""},
		{"inf", `"Infinity"`, ""},
		{"ninf", `"-Infinity"`, ""},
		{"nested", `[1.5, {"a": "NaN"}, ["Infinity"]]`, ""},
		{"tuple", `[1, 2]`, ""},
		{"bytes", `"ab"`, ""},
		{"set", `[3]`, ""},
		{"fine", `2.5`, ""},
		{"obj", "", "TypeError: a value of type greet.Opaque cannot be written as JSON: return a str, a number, a bool, None, a list or a dict"},
		{"nested_obj", "", "TypeError: a value of type greet.Opaque cannot be written as JSON"},
	} {
		r := do1(t, p, Call{Function: "greet:special", Args: json.RawMessage(`"` + tt.key + `"`)})
		switch {
		case tt.err != "" && (r.Error == nil || !strings.HasPrefix(r.Error.Last, tt.err)):
			t.Errorf("%s: %+v, want the error %q", tt.key, r, tt.err)
		case tt.err == "" && (r.Error != nil || string(r.Value) != tt.value):
			t.Errorf("%s: %s %v, want %s", tt.key, r.Value, r.Error, tt.value)
		}
	}
	var got []string
	st, err := p.Map(context.Background(), Call{Function: "greet:special"}, JSONLines(strings.NewReader("\"nan\"\n\"obj\"\n\"inf\"\n\"fine\"\n")),
		func(r Result) error {
			if r.Error != nil {
				got = append(got, r.Error.Type)
			} else {
				got = append(got, string(r.Value))
			}
			return nil
		}, MapOptions{})
	if err != nil || st.Calls != 4 || st.Errors != 1 || strings.Join(got, " ") != `"NaN" TypeError "Infinity" 2.5` {
		t.Fatalf("rows: %v %+v %q", err, st, got)
	}
}

// TestInProcessVars: variables are removed after the call (a name bound
// before gets its value back), and Call.Out reads variables back.
func TestInProcessVars(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	p := e.pool(t, e.env(t, writeVenv(t, dir, e.ver, greetWheels(t, dir)), ""), PoolOptions{StdoutToStderr: true})
	if got := value(t, do1(t, p, Call{Eval: "x * 2", Vars: map[string]json.RawMessage{"x": json.RawMessage("21")}})); got != "42" {
		t.Fatalf("eval: %s", got)
	}
	r := do1(t, p, Call{Eval: "x"})
	if r.Error == nil || r.Error.Last != "NameError: name 'x' is not defined" {
		t.Fatalf("x after the call: %+v", r)
	}
	value(t, do1(t, p, Call{Exec: []string{"y = 'before'", "total = 0"}}))
	r = do1(t, p, Call{Eval: "y + '!'", Vars: map[string]json.RawMessage{"y": json.RawMessage(`"during"`)}, Out: []string{"y", "total", "missing"}})
	if value(t, r) != `"during!"` || len(r.Vars) != 2 || string(r.Vars["y"]) != `"during"` || string(r.Vars["total"]) != "0" {
		t.Fatalf("out: %s %v", r.Value, r.Vars)
	}
	if got := value(t, do1(t, p, Call{Eval: "y"})); got != `"before"` {
		t.Fatalf("y after the call: %s", got)
	}
	r = do1(t, p, Call{Exec: []string{"total += 5", "nan = float('nan')"}, Out: []string{"total", "nan"}})
	if value(t, r) != "null" || string(r.Vars["total"]) != "5" || string(r.Vars["nan"]) != `"NaN"` {
		t.Fatalf("exec out: %v", r.Vars)
	}
	// With rows, the variables are bound for each row only.
	var vals []string
	_, err := p.Map(context.Background(), Call{Eval: "row * k", Vars: map[string]json.RawMessage{"k": json.RawMessage("3")}}, JSONLines(strings.NewReader("1\n2\n")),
		func(r Result) error { vals = append(vals, string(r.Value)); return nil }, MapOptions{})
	if err != nil || strings.Join(vals, ",") != "3,6" {
		t.Fatalf("rows: %v %v", err, vals)
	}
	if r := do1(t, p, Call{Eval: "k"}); r.Error == nil || r.Error.Type != "NameError" {
		t.Fatalf("k after the rows: %+v", r)
	}
	if _, err := p.Map(context.Background(), Call{Eval: "row", Out: []string{"row"}}, JSONLines(strings.NewReader("1\n")), func(Result) error { return nil }, MapOptions{}); err == nil {
		t.Fatal("Out with rows: no error")
	}
}

// TestInProcessPath: PoolOptions.Path puts the user's modules first on
// sys.path; PYTHONPATH and the current directory are not on it.
func TestInProcessPath(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	mods := t.TempDir()
	if err := os.WriteFile(filepath.Join(mods, "mine.py"), []byte("def twice(x):\n    return 2 * x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cwd, _ := os.Getwd()
	t.Setenv("PYTHONPATH", mods)
	env := e.env(t, writeVenv(t, dir, e.ver, greetWheels(t, dir)), "")
	without := e.pool(t, env, PoolOptions{StdoutToStderr: true})
	r := do1(t, without, Call{Function: "mine:twice", Args: json.RawMessage("[4]")})
	if r.Error == nil || r.Error.Last != "ModuleNotFoundError: No module named 'mine'" {
		t.Fatalf("without --path: %+v", r)
	}
	path := value(t, do1(t, without, Call{Eval: "__import__('sys').path"}))
	if strings.Contains(path, mods) || strings.Contains(path, `"`+cwd+`"`) || strings.Contains(path, `""`) {
		t.Fatalf("sys.path %s has PYTHONPATH or the current directory", path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := without.Close(ctx); err != nil {
		t.Fatal(err)
	}
	with := e.pool(t, env, PoolOptions{StdoutToStderr: true, Path: []string{mods}})
	if got := value(t, do1(t, with, Call{Function: "mine:twice", Args: json.RawMessage("[4]")})); got != "8" {
		t.Fatalf("with the path: %s", got)
	}
	if got := value(t, do1(t, with, Call{Eval: "__import__('sys').path[0]"})); got != `"`+mods+`"` {
		t.Fatalf("sys.path[0] %s", got)
	}
}

const (
	crashEnv    = "CLUSTERPACK_RUNNER_CRASH_OUT"
	crashSubEnv = "CLUSTERPACK_RUNNER_CRASH_ISOLATION" // "subinterpreters" or empty
)

// TestCrashKeepsFinishedRows: a segfault in user code at row 500 of 1000
// ends the process (it cannot be survived in it), but every row finished
// before is in the output, whole, and the Python traceback of the
// crashing call is on standard error.
func TestCrashKeepsFinishedRows(t *testing.T) {
	if os.Getenv(pythonEnv) != "" {
		t.Skip("in a child process")
	}
	ins := interpreters(t)
	// The worker of 3.13 runs in a sub-interpreter: faulthandler reports
	// its crash only when enabled in the main interpreter.
	for _, c := range []struct{ v, isolation string }{{"3.11", ""}, {"3.12", ""}, {"3.13", "subinterpreters"}} {
		python, ok := ins[c.v]
		if !ok {
			continue
		}
		t.Run(c.v+c.isolation, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "records.jsonl")
			text, err := runChild(t, "^TestCrashChild$", python, crashEnv+"="+out, crashSubEnv+"="+c.isolation)
			if err == nil {
				t.Fatalf("the child did not crash:\n%s", text)
			}
			for _, want := range []string{"Fatal Python error: Segmentation fault", "greet.py\", line", "in crash_at"} {
				if !strings.Contains(text, want) {
					t.Errorf("standard error lacks %q:\n%s", want, text)
				}
			}
			f, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			s := bufio.NewScanner(f)
			n := 0
			for s.Scan() {
				var r Result
				if err := json.Unmarshal(s.Bytes(), &r); err != nil {
					t.Fatalf("record %d is cut: %q", n, s.Text())
				}
				if r.Index != n || string(r.Value) != fmt.Sprint(n) {
					t.Fatalf("record %d: %s", n, s.Text())
				}
				n++
			}
			// One worker: rows run one after the other, so every row
			// before the crashing one had finished.
			if n != 500 {
				t.Fatalf("%d records before the crash at row 500", n)
			}
		})
	}
}

// TestCrashChild is the child of TestCrashKeepsFinishedRows: it writes
// each record with one Write, as the run command does.
func TestCrashChild(t *testing.T) {
	out := os.Getenv(crashEnv)
	if out == "" {
		t.Skip("run by TestCrashKeepsFinishedRows")
	}
	e := setup(t)
	// The parent's directory: this process ends in the crash, before it
	// could remove a t.TempDir of its own.
	dir := filepath.Dir(out)
	archive := writeVenv(t, dir, e.ver, greetWheels(t, dir))
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	var rows strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintln(&rows, i)
	}
	pool := PoolOptions{StdoutToStderr: true}
	if os.Getenv(crashSubEnv) == "subinterpreters" {
		pool.Isolation = IsolationSubinterpreters
	}
	_, err = Run(context.Background(), archive, Call{Function: "greet:crash_at"}, RunOptions{
		Open: OpenOptions{CacheDir: filepath.Join(dir, "cache")}, Python: e.py, Pool: pool,
		Rows: JSONLines(strings.NewReader(rows.String())),
		OnResult: func(r Result) error {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			_, err = f.Write(append(b, '\n'))
			return err
		},
	})
	t.Fatalf("the run ended without the crash: %v", err)
}

// tracker records PoolOptions.Tracker's calls.
type tracker struct {
	mu      sync.Mutex
	running map[int]trackedCall // by worker, while it runs
	rows    map[int]trackedCall // by row
	idle    int
}

type trackedCall struct {
	worker, index, line int
	thread              uint64
}

func (tr *tracker) Running(worker int, thread uint64, index, line int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	c := trackedCall{worker, index, line, thread}
	tr.running[worker] = c
	tr.rows[index] = c
}

func (tr *tracker) Idle(worker int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	delete(tr.running, worker)
	tr.idle++
}

// snapshot copies what tr was told.
func (tr *tracker) snapshot() (running map[int]trackedCall, idle int, rows map[int]trackedCall) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return maps.Clone(tr.running), tr.idle, maps.Clone(tr.rows)
}

// TestInProcessTracker: the Tracker is told each row before its call,
// with its line and the OS thread faulthandler would name (Python's
// threading.get_ident() on that worker), and that the call returned.
func TestInProcessTracker(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	tr := &tracker{running: map[int]trackedCall{}, rows: map[int]trackedCall{}}
	p := e.pool(t, e.env(t, writeVenv(t, dir, e.ver, greetWheels(t, dir)), ""), PoolOptions{Workers: 2, StdoutToStderr: true, Tracker: tr})
	var rows strings.Builder
	const n = 600
	for i := 0; i < n; i++ {
		if i%100 == 7 {
			rows.WriteString("\n") // a blank line: the lines run ahead of the rows
		}
		fmt.Fprintln(&rows, i)
	}
	idents := map[int]string{}
	_, err := p.Map(context.Background(), Call{Eval: "__import__('threading').get_ident()"}, JSONLines(strings.NewReader(rows.String())),
		func(r Result) error { idents[r.Index] = string(r.Value); return nil }, MapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	running, idle, tracked := tr.snapshot()
	if len(running) != 0 || idle != n || len(tracked) != n {
		t.Fatalf("running at the end %v, %d idle calls, %d rows tracked; want none, %d, %d", running, idle, len(tracked), n, n)
	}
	for i := 0; i < n; i++ {
		c := tracked[i]
		if want := i + 1 + (i+93)/100; c.line != want {
			t.Fatalf("row %d tracked at line %d, want %d", i, c.line, want)
		}
		if c.thread == 0 || fmt.Sprint(c.thread) != idents[i] {
			t.Fatalf("row %d tracked on thread %d; Python ran it on %s", i, c.thread, idents[i])
		}
	}
	// One call without rows: row 0, line 0.
	value(t, do1(t, p, Call{Eval: "1"}))
	_, idle, tracked = tr.snapshot()
	if c := tracked[0]; c.index != 0 || c.line != 0 || c.thread == 0 || idle != n+1 {
		t.Fatalf("a Do call tracked as %+v, %d idle calls", c, idle)
	}
}

// TestInProcessMapCancel: a Map whose ctx is cancelled (run on SIGINT)
// stops within a row: the batch a worker runs stops before its next row
// (the rest are Cancelled records, as the rows queued behind it are), so
// the pool closes at once with nothing running. A call still running at
// Close is named by its own row, not by the first row of its batch.
func TestInProcessMapCancel(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	env := e.env(t, writeVenv(t, dir, e.ver, greetWheels(t, dir)), "")
	sleeps := func(secs ...string) io.Reader {
		var b strings.Builder
		for _, s := range secs {
			b.WriteString(s + "\n")
		}
		return strings.NewReader(b.String())
	}
	short := make([]string, 1000)
	for i := range short {
		short[i] = "0.05"
	}
	mapUntilCancelled := func(p *Pool, rows io.Reader, after time.Duration) []Result {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		time.AfterFunc(after, cancel)
		var mu sync.Mutex
		var got []Result
		p.Map(ctx, Call{Function: "greet:sleep"}, JSONLines(rows), func(r Result) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, r)
			return nil
		}, MapOptions{})
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}

	// Rows of 50 ms: a batch (128 rows) run to its end would take 6.4 s.
	p := e.pool(t, env, PoolOptions{Workers: 1, StdoutToStderr: true})
	start := time.Now()
	got := mapUntilCancelled(p, sleeps(short...), 300*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatalf("closed %v after the start: %v (the batch was not stopped)", time.Since(start), err)
	}
	if len(got) == 0 || len(got) > 100 {
		t.Fatalf("%d records before the cancel at 300 ms, of 50 ms rows", len(got))
	}

	// Row 5 sleeps 3 s: it is running when the pool closes, 1 s in.
	p = e.pool(t, env, PoolOptions{Workers: 1, StdoutToStderr: true})
	got = mapUntilCancelled(p, sleeps(append([]string{"0", "0", "0", "0", "0", "3"}, short...)...), time.Second)
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var ue *UnfinishedError
	if err := p.Close(ctx); !errors.As(err, &ue) || len(ue.Calls) != 1 {
		t.Fatalf("Close while row 5 sleeps: %v", err)
	}
	if c := ue.Calls[0]; c.Index != 5 || c.Line != 6 || !strings.HasPrefix(ue.Names()[0], "row 5 (line 6) on worker 0, running for ") {
		t.Fatalf("the call running is named %+v %q, want row 5 (line 6)", c, ue.Names())
	}
	if len(got) != 5 {
		t.Fatalf("%d records before row 5", len(got))
	}
}

// TestInProcessNilErrorPrints: with faulthandler on (a pool's workers
// enable it), a Result without an error prints: fmt calls Error on the
// nil *PyError, which must not dereference it (a fatal SIGSEGV here,
// where elsewhere fmt recovers the panic).
func TestInProcessNilErrorPrints(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	p := e.pool(t, e.env(t, writeVenv(t, dir, e.ver, greetWheels(t, dir)), ""), PoolOptions{Workers: 1, StdoutToStderr: true})
	if got := value(t, do1(t, p, Call{Eval: "__import__('faulthandler').is_enabled()"})); got != "true" {
		t.Fatalf("faulthandler.is_enabled() = %s", got)
	}
	r := Result{Index: 3, Value: json.RawMessage(`"x"`)}
	if got := fmt.Sprintf("%v|%+v", r.Error, r); !strings.HasPrefix(got, "<nil>|{Index:3 ") || !strings.Contains(got, "Error:<nil>") {
		t.Fatalf("printed %q", got)
	}
}
