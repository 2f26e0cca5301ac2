package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/syncbuf"
)

const workerEnv = "CLUSTERPACK_RUNNER_WORKER"

// TestWorkerProcess is the worker process the tests of worker processes
// start: this test binary, made to serve as clusterpack's worker command.
func TestWorkerProcess(t *testing.T) {
	if os.Getenv(workerEnv) == "" {
		t.Skip("started by the tests of worker processes")
	}
	if err := ServeWorker(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// processOptions start this test binary as the worker processes; their
// output goes to out.
func processOptions(out *syncbuf.Buffer) *ProcessOptions {
	return &ProcessOptions{
		Command: []string{os.Args[0], "-test.run=^TestWorkerProcess$", "-test.count=1"},
		Env:     append(os.Environ(), workerEnv+"=1", pythonEnv+"="),
		Output:  out,
	}
}

// processPythons are the interpreters the tests of worker processes use:
// one before 3.12 (threads) and one after (sub-interpreters), as found.
func processPythons(t *testing.T) map[string]string {
	if os.Getenv(pythonEnv) != "" {
		t.Skip("in a child process")
	}
	ins := interpreters(t)
	out := map[string]string{}
	for _, v := range []string{"3.11", "3.12"} {
		if p, ok := ins[v]; ok {
			out[v] = p
		}
	}
	if len(out) == 0 {
		t.Skip("no CPython 3.11 or 3.12")
	}
	return out
}

// TestProcessesCrash: with worker processes, a segfault at row 500 of
// 1000 costs that row only: it is an error record naming the row with
// the Python traceback faulthandler wrote, a fresh process takes the
// place of the dead one, and every other row has its result, in order.
func TestProcessesCrash(t *testing.T) {
	for v, python := range processPythons(t) {
		t.Run(v, func(t *testing.T) {
			dir := t.TempDir()
			ver := [2]int{3, 11}
			fmt.Sscanf(v, "3.%d", &ver[1])
			archive := writeVenv(t, dir, ver, greetWheels(t, dir))
			var rows bytes.Buffer
			for i := 0; i < 1000; i++ {
				fmt.Fprintln(&rows, i)
			}
			var out syncbuf.Buffer
			var got []Result
			st, err := Run(context.Background(), archive, Call{Function: "greet:crash_at"}, RunOptions{
				Open: OpenOptions{CacheDir: t.TempDir()}, Find: FindOptions{Python: python},
				Pool: PoolOptions{Workers: 2}, Processes: processOptions(&out),
				Rows:     JSONLines(&rows),
				OnResult: func(r Result) error { got = append(got, r); return nil },
			})
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if len(got) != 1000 {
				t.Fatalf("%d records", len(got))
			}
			for i, r := range got {
				if r.Index != i {
					t.Fatalf("record %d has index %d", i, r.Index)
				}
				if i == 500 {
					continue
				}
				if r.Error != nil || string(r.Value) != fmt.Sprint(i) {
					t.Fatalf("row %d: %s %v", i, r.Value, r.Error)
				}
			}
			c := got[500].Error
			if c == nil || c.Type != "Crash" || !strings.HasPrefix(c.Last, "row 500 (line 501): the worker process ") ||
				!strings.Contains(c.Last, "crashed (exit status 2): Segmentation fault") ||
				!strings.Contains(c.Traceback, `greet.py", line`) || !strings.Contains(c.Traceback, "in crash_at") {
				t.Fatalf("row 500: %+v", c)
			}
			if st.Calls != 1000 || st.Errors != 1 || st.Started != 3 {
				t.Errorf("stats %+v", st)
			}
			// A call without rows that crashes is one error record.
			var one []Result
			_, err = Run(context.Background(), archive, Call{Function: "greet:crash_at", Args: json.RawMessage("[500]")}, RunOptions{
				Open: OpenOptions{CacheDir: t.TempDir()}, Find: FindOptions{Python: python}, Processes: processOptions(&out),
				OnResult: func(r Result) error { one = append(one, r); return nil },
			})
			if err != nil || len(one) != 1 || one[0].Error == nil || one[0].Error.Type != "Crash" || !strings.HasPrefix(one[0].Error.Last, "the call: the worker process 0 crashed") {
				t.Fatalf("one call: %v %+v", err, one)
			}
		})
	}
}

// TestProcessesTimeout: with worker processes a call past the timeout is
// killed with its process: a straggler record, no late result, nothing
// left running, and the run ends at once.
func TestProcessesTimeout(t *testing.T) {
	for v, python := range processPythons(t) {
		t.Run(v, func(t *testing.T) {
			dir := t.TempDir()
			ver := [2]int{3, 11}
			fmt.Sscanf(v, "3.%d", &ver[1])
			archive := writeVenv(t, dir, ver, greetWheels(t, dir))
			input := "0.01\n\"hang\"\n0.01\n\"spin\"\n0.01\n0.01\n0.01\n"
			var out syncbuf.Buffer
			var got []Result
			start := time.Now()
			st, err := Run(context.Background(), archive, Call{Eval: "greet.slow(row)"}, RunOptions{
				Open: OpenOptions{CacheDir: t.TempDir()}, Find: FindOptions{Python: python},
				Pool: PoolOptions{Workers: 2, Timeout: 500 * time.Millisecond}, Processes: processOptions(&out),
				Setup: []string{"import greet"}, Rows: JSONLines(strings.NewReader(input)),
				OnResult: func(r Result) error { got = append(got, r); return nil },
			})
			took := time.Since(start)
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if len(got) != 7 {
				t.Fatalf("records %+v", got)
			}
			for i, r := range got {
				if i == 1 || i == 3 {
					want := fmt.Sprintf("row %d (line %d): still running after 500ms on worker %d: its process was killed", i, i+1, r.Worker)
					if !r.Straggler || r.Error == nil || r.Error.Type != "Timeout" || r.Error.Last != want {
						t.Errorf("row %d: %+v, want %q", i, r.Error, want)
					}
				} else if r.Error != nil || string(r.Value) != "0.01" {
					t.Errorf("row %d: %s %v", i, r.Value, r.Error)
				}
			}
			// A fresh process for each killed one; the second worker's
			// first process starts at its first call, if it gets one.
			if st.Stragglers != 2 || st.Unfinished != 0 || st.Started < 3 || st.Started > 4 {
				t.Errorf("stats %+v", st)
			}
			// Two timeouts of 0.5 s, four process starts: below the 4 s
			// of the spinning call, which was stopped.
			if took > 3800*time.Millisecond {
				t.Errorf("the run took %v", took)
			}
		})
	}
}

// TestProcessesErrors: a set-up that fails and a function that does not
// exist stop the run, as they do with workers in this process.
func TestProcessesErrors(t *testing.T) {
	for v, python := range processPythons(t) {
		t.Run(v, func(t *testing.T) {
			dir := t.TempDir()
			ver := [2]int{3, 11}
			fmt.Sscanf(v, "3.%d", &ver[1])
			archive := writeVenv(t, dir, ver, greetWheels(t, dir))
			var out syncbuf.Buffer
			opts := RunOptions{Open: OpenOptions{CacheDir: t.TempDir()}, Find: FindOptions{Python: python}, Processes: processOptions(&out)}
			o := opts
			o.Setup = []string{"raise ValueError('no set-up')"}
			_, err := Run(context.Background(), archive, Call{Eval: "1"}, o)
			var se *SetupError
			if !errors.As(err, &se) || se.Err.Last != "ValueError: no set-up" {
				t.Fatalf("set-up: %v", err)
			}
			o = opts
			o.Rows = JSONLines(strings.NewReader("1\n2\n"))
			_, err = Run(context.Background(), archive, Call{Function: "greet:nosuch"}, o)
			if err == nil || !strings.HasPrefix(err.Error(), "greet:nosuch: AttributeError") {
				t.Fatalf("missing function: %v", err)
			}
		})
	}
}
