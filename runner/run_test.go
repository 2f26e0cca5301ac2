package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRunChecksTheCall: a call Run cannot make is refused before the
// archive is opened (the archive here does not exist) and before any
// Python is loaded, so this test runs without one.
func TestRunChecksTheCall(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "env-missing.zip")
	rows := func() RowReader { return JSONLines(strings.NewReader("1\n")) }
	for _, tt := range []struct {
		name string
		c    Call
		opts RunOptions
		want string // in the error; "" for ErrFileRows
	}{
		{"nothing to run", Call{}, RunOptions{}, "a call needs exactly one of a function, a file, an expression or statements; got 0"},
		{"two kinds", Call{Eval: "1", Exec: []string{"x = 1"}}, RunOptions{}, "got 2"},
		{"not module:function", Call{Function: "upper"}, RunOptions{}, `call "upper": want module:function`},
		{"arguments not JSON", Call{Function: "m:f", Args: json.RawMessage("[1,")}, RunOptions{}, "the arguments are not valid JSON"},
		{"variable not a name", Call{Eval: "x", Vars: map[string]json.RawMessage{"1x": json.RawMessage("1")}}, RunOptions{}, `variable "1x" is not a Python name`},
		{"script with rows", Call{File: "job.py"}, RunOptions{Rows: rows()}, ""},
		{"raw rows of an expression", Call{Eval: "row"}, RunOptions{Rows: rows(), Map: MapOptions{Raw: true}}, "raw rows work only with a function call"},
		// Without rows a script is fine and Raw is ignored: the archive is next.
		{"script", Call{File: "job.py"}, RunOptions{Map: MapOptions{Raw: true}}, missing},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Open = OpenOptions{CacheDir: t.TempDir()}
			tt.opts.OnResult = func(Result) error { t.Error("a result"); return nil }
			st, err := Run(context.Background(), missing, tt.c, tt.opts)
			switch {
			case tt.want == "" && !errors.Is(err, ErrFileRows):
				t.Fatalf("got %v, want ErrFileRows", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
			if st != (MapStats{}) {
				t.Errorf("stats %+v", st)
			}
			for _, flag := range []string{"--input", "--exec", "--raw", "--file"} {
				if err != nil && strings.Contains(err.Error(), flag) {
					t.Errorf("the library's error names the flag %s: %v", flag, err)
				}
			}
		})
	}
}

// TestInProcessRun drives Run through each way of calling: once, on every
// worker, after set-up statements, once per row; with the results,
// the counts, the progress lines and the errors each gives.
func TestInProcessRun(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	archive := writeVenv(t, dir, e.ver, greetWheels(t, dir))
	cache := t.TempDir()
	lines := func(s string) RowReader { return JSONLines(strings.NewReader(s)) }
	errStop := errors.New("stop")
	// The note of a pool of 2 workers, which only Pythons before 3.12 give.
	note2 := ""
	if e.ver[1] < 12 {
		note2 = fmt.Sprintf("note: Python 3.%d has no per-interpreter GIL (3.12+): the 2 workers are threads sharing one interpreter and one GIL\n", e.ver[1])
	}
	for _, tt := range []struct {
		name string
		c    Call
		opts RunOptions
		// find loads the interpreter through RunOptions.Find instead
		// of passing the loaded one.
		find bool
		// stopAfter makes OnResult return errStop after that many results.
		stopAfter int
		want      []string // the values, or "!" and the last line of the error
		stats     MapStats
		progress  string
		err       string // in Run's error
		setupErr  string // the last line of a SetupError's exception, on worker 0
	}{
		{name: "expression", c: Call{Eval: "1 + 1"}, want: []string{"2"}, stats: MapStats{Calls: 1}},
		{name: "expression, interpreter found", find: true, c: Call{Eval: "'found'"}, want: []string{`"found"`}, stats: MapStats{Calls: 1}},
		{name: "function", c: Call{Function: "greet:add", Args: json.RawMessage(`[2, 3]`)}, want: []string{"5"}, stats: MapStats{Calls: 1}},
		{name: "statements", c: Call{Exec: []string{"x = 1", "x += 1"}}, want: []string{"null"}, stats: MapStats{Calls: 1}},
		{name: "set-up then expression", c: Call{Eval: "os.getpid()"}, opts: RunOptions{Setup: []string{"import os"}},
			want: []string{fmt.Sprint(os.Getpid())}, stats: MapStats{Calls: 1}},
		{name: "exception is a result", c: Call{Eval: "1/0"}, want: []string{"!ZeroDivisionError: division by zero"}, stats: MapStats{Calls: 1, Errors: 1}},
		{name: "every worker", c: Call{Eval: "me"}, opts: RunOptions{Pool: PoolOptions{Workers: 2}, Mode: ModeAll, Setup: []string{"me = __clusterpack_worker__"}},
			want: []string{"0", "1"}, stats: MapStats{Calls: 2}, progress: note2},
		{name: "one worker of two", c: Call{Eval: "'one'"}, opts: RunOptions{Pool: PoolOptions{Workers: 2}},
			want: []string{`"one"`}, stats: MapStats{Calls: 1}, progress: note2},
		{name: "set-up fails", c: Call{Eval: "1"}, opts: RunOptions{Setup: []string{"x = 1", "raise ValueError('no set-up')"}},
			setupErr: "ValueError: no set-up"},
		{name: "rows", c: Call{Function: "greet:maybe"}, opts: RunOptions{Rows: lines("\"a\"\n\"bad\"\n\n\"c\"\n")},
			want: []string{`"A"`, "!KeyError: 'bad'", `"C"`}, stats: MapStats{Calls: 3, Errors: 1}, progress: "3 calls, 1 errors, 0 stragglers\n"},
		{name: "rows after set-up, two workers", c: Call{Eval: "greet.upper(row)"},
			opts: RunOptions{Pool: PoolOptions{Workers: 2}, Setup: []string{"import greet"}, Mode: ModeAll, Rows: lines("\"x\"\n\"y\"\n\"z\"\n\"w\"\n")},
			want: []string{`"X"`, `"Y"`, `"Z"`, `"W"`}, stats: MapStats{Calls: 4}, progress: note2 + "4 calls, 0 errors, 0 stragglers\n"},
		{name: "rows of statements", c: Call{Exec: []string{"result = row * 2"}}, opts: RunOptions{Rows: lines("1\n2\n")},
			want: []string{"2", "4"}, stats: MapStats{Calls: 2}, progress: "2 calls, 0 errors, 0 stragglers\n"},
		{name: "raw rows", c: Call{Function: "builtins:str.upper"}, opts: RunOptions{Rows: lines("\"ab\"\n"), Map: MapOptions{Raw: true}},
			want: []string{`"\"AB\""`}, stats: MapStats{Calls: 1}, progress: "1 calls, 0 errors, 0 stragglers\n"},
		{name: "rows of a missing function", c: Call{Function: "greet:nosuch"}, opts: RunOptions{Rows: lines("1\n2\n")},
			err: "greet:nosuch: AttributeError"},
		{name: "rows not JSON", c: Call{Eval: "row"}, opts: RunOptions{Rows: lines("1\n{\n")},
			want: []string{"1"}, err: "input line 2 is not valid JSON"},
		{name: "OnResult stops the rows", c: Call{Eval: "row"}, opts: RunOptions{Rows: lines("1\n2\n3\n")}, stopAfter: 1,
			want: []string{"1"}, err: errStop.Error()},
		{name: "OnResult stops every worker", c: Call{Eval: "1"}, opts: RunOptions{Pool: PoolOptions{Workers: 2}, Mode: ModeAll}, stopAfter: 1,
			want: []string{"1"}, err: errStop.Error(), progress: note2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Open = OpenOptions{CacheDir: cache}
			if tt.find {
				opts.Find = FindOptions{Python: inProcessPython(t)}
			} else {
				opts.Python = e.py
			}
			opts.Pool.StdoutToStderr = true
			var progress bytes.Buffer
			opts.Progress = &progress
			var got []string
			opts.OnResult = func(r Result) error {
				if r.Error != nil {
					got = append(got, "!"+r.Error.Last)
				} else {
					got = append(got, string(r.Value))
				}
				if r.Index != len(got)-1 && opts.Rows != nil {
					t.Errorf("result %d has index %d", len(got)-1, r.Index)
				}
				if opts.Mode == ModeAll && opts.Rows == nil && r.Worker != len(got)-1 {
					t.Errorf("result %d is of worker %d", len(got)-1, r.Worker)
				}
				if tt.stopAfter > 0 && len(got) >= tt.stopAfter {
					return errStop
				}
				return nil
			}
			st, err := Run(context.Background(), archive, tt.c, opts)
			var se *SetupError
			switch {
			case tt.setupErr != "":
				if !errors.As(err, &se) || se.Worker != 0 || se.Err.Last != tt.setupErr {
					t.Fatalf("got %v, want a SetupError on worker 0 with %q", err, tt.setupErr)
				}
				if want := "the set-up statements failed on worker 0: " + tt.setupErr; err.Error() != want {
					t.Errorf("error %q, want %q", err, want)
				}
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error with %q", err, tt.err)
				}
				if tt.stopAfter > 0 && !errors.Is(err, errStop) {
					t.Errorf("%v does not wrap OnResult's error", err)
				}
			case err != nil:
				t.Fatal(err)
			default:
				// Every case starts its workers and no fresh one.
				want := tt.stats
				want.Started = max(opts.Pool.Workers, 1)
				if st != want {
					t.Errorf("stats %+v, want %+v", st, want)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("results %q, want %q", got, tt.want)
			}
			if progress.String() != tt.progress {
				t.Errorf("progress %q, want %q", progress.String(), tt.progress)
			}
		})
	}
}

// TestInProcessRunStragglers: with rows, the counts are on Progress
// before Run waits for the straggler, and its late result has reached
// OnStraggler when Run returns.
func TestInProcessRunStragglers(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	archive := writeVenv(t, dir, e.ver, greetWheels(t, dir))
	var mu sync.Mutex
	var late []Result
	var progressAt time.Time
	var lateBeforeProgress bool
	opts := RunOptions{
		Open:   OpenOptions{CacheDir: t.TempDir()},
		Python: e.py,
		Pool: PoolOptions{Workers: 2, Timeout: 200 * time.Millisecond, StdoutToStderr: true, OnStraggler: func(r Result) {
			mu.Lock()
			defer mu.Unlock()
			late = append(late, r)
		}},
		Rows: JSONLines(strings.NewReader("0.01\n1.2\n0.01\n0.01\n")),
		Progress: writerFunc(func(p []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			if strings.Contains(string(p), "calls") {
				progressAt, lateBeforeProgress = time.Now(), len(late) > 0
				if want := "4 calls, 0 errors, 1 stragglers, 1 more workers started in the place of workers held by stragglers\n"; string(p) != want {
					t.Errorf("progress %q, want %q", p, want)
				}
			}
			return len(p), nil
		}),
	}
	var got []Result
	opts.OnResult = func(r Result) error { got = append(got, r); return nil }
	start := time.Now()
	st, err := Run(context.Background(), archive, Call{Function: "greet:sleep"}, opts)
	returned := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	// A fresh worker took the straggler's place: 3 started.
	if st != (MapStats{Calls: 4, Stragglers: 1, Started: 3}) || len(got) != 4 || !got[1].Straggler {
		t.Fatalf("stats %+v, results %+v", st, got)
	}
	mu.Lock()
	defer mu.Unlock()
	if progressAt.IsZero() || lateBeforeProgress {
		t.Errorf("the counts came %v after the start, after the late result: Run waited for the straggler before them", progressAt.Sub(start))
	}
	if len(late) != 1 || late[0].Index != 1 || !late[0].Late || string(late[0].Value) != "1.2" {
		t.Fatalf("late results when Run returned after %v: %+v", returned.Sub(start), late)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
