package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// asMainEnv makes this test binary run clusterpack's main (TestMain), so
// that the tests can run the command as a process of its own, worker
// processes of run --isolate (os.Executable) included.
const asMainEnv = "CLUSTERPACK_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const udfPy = `import ctypes, os, time

def crash_at(n):
    if n == 500:
        print("crashing at", n)  # unbuffered: out before the crash
        ctypes.string_at(0)  # SIGSEGV
    return n

def exit_at(n):
    if n == 3:
        print("exiting at", n)
        os._exit(7)
    return n

def hang(x):
    if x == "hang":
        time.sleep(3600)
    return x

def slow(n):
    time.sleep(0.01)
    return n

def xs(n):
    return "x" * n
`

// udfArchive builds a venv archive of a package with the UDFs above.
func udfArchive(t *testing.T, py string) string {
	return venvArchive(t, t.TempDir(), py, "udf", map[string]string{"udf.py": udfPy})
}

// runProcess runs clusterpack as a process; it returns stdout, stderr and
// the exit status.
func runProcess(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asMainEnv+"=1", "CLUSTERPACK_CACHE_DIR="+t.TempDir())
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// TestRunProcessRobust runs the run command as a process of its own on
// UDFs that crash and never return: the exit statuses, the records on
// standard output, the crash isolated with --isolate.
func TestRunProcessRobust(t *testing.T) {
	py := pyref.Default(t)
	archive := udfArchive(t, py.Python)
	rows := filepath.Join(t.TempDir(), "rows.jsonl")
	var b strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintln(&b, i)
	}
	if err := os.WriteFile(rows, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	records := func(out string) []map[string]any {
		var rs []map[string]any
		s := bufio.NewScanner(strings.NewReader(out))
		for s.Scan() {
			var r map[string]any
			if err := json.Unmarshal(s.Bytes(), &r); err != nil {
				t.Fatalf("record %d is not JSON: %q", len(rs), s.Text())
			}
			rs = append(rs, r)
		}
		return rs
	}
	// Without --isolate: the crash ends the interpreter's process; the
	// supervising clusterpack writes the 500 records before, whole, a
	// Crash record for row 500 with the Python traceback, names the row
	// on standard error without Go's dump of its goroutines, and exits 4.
	// With two workers, the crashing row is told from the one the other
	// worker was running by faulthandler's "Current thread", with threads
	// of one interpreter (3.11) and with sub-interpreters (the newest).
	all := pyref.All(t)
	newest := all[len(all)-1].Python
	cases := []struct{ python, archive, workers string }{{py.Python, archive, "1"}, {py.Python, archive, "2"}, {newest, udfArchive(t, newest), "2"}}
	for _, c := range cases {
		workers := c.workers + " (" + filepath.Base(c.python) + ")"
		out, errOut, code := runProcess(t, "run", c.archive, "--python", c.python, "--call", "udf:crash_at", "--input", rows, "--workers", c.workers)
		rs := records(out)
		if code != 4 || !strings.Contains(errOut, "clusterpack: the interpreter crashed: Segmentation fault while worker ") ||
			!strings.Contains(errOut, " ran row 500 (line 501) of "+rows) || !strings.Contains(errOut, "in crash_at") || strings.Contains(errOut, "goroutine ") {
			t.Fatalf("--workers %s, in-process crash: exit %d, %d records, stderr %.3000s", workers, code, len(rs), errOut)
		}
		// The records of the rows that finished in order (all 500 with
		// one worker), then one Crash record per row that was running,
		// row 500's with the traceback.
		done := 0
		for done < len(rs) && rs[done]["error"] == nil {
			if rs[done]["index"] != float64(done) || rs[done]["value"] != float64(done) {
				t.Fatalf("--workers %s: record %d is %v", workers, done, rs[done])
			}
			done++
		}
		if c.workers == "1" && done != 500 || len(rs)-done > 2 {
			t.Fatalf("--workers %s: %d records before the crash, %d after", workers, done, len(rs)-done)
		}
		crashed := false
		for _, r := range rs[done:] {
			e, _ := r["error"].(map[string]any)
			switch {
			case r["index"] == float64(500):
				crashed = e["type"] == "Crash" && strings.HasPrefix(fmt.Sprint(e["last"]), "row 500 (line 501): the interpreter crashed: Segmentation fault on worker ") && strings.Contains(fmt.Sprint(e["traceback"]), "in crash_at")
			case e["type"] != "Crash" || !strings.Contains(fmt.Sprint(e["last"]), "not finished: the interpreter crashed"):
				t.Fatalf("--workers %s, a record after the crash: %v", workers, r)
			}
		}
		if !crashed {
			t.Fatalf("--workers %s: no Crash record for row 500 with its traceback:\n%s", workers, out[max(0, len(out)-3000):])
		}
	}
	// One call: the report names it.
	// What it printed just before is not lost: Python's streams are
	// unbuffered.
	callOut, errOut, code := runProcess(t, "run", archive, "--python", py.Python, "--call", "udf:crash_at", "--args", "500")
	if code != 4 || !strings.Contains(errOut, "the interpreter crashed: Segmentation fault while worker 0 ran the call") || callOut != "crashing at 500\n" {
		t.Fatalf("one call that crashes: exit %d, stdout %q, stderr %.3000s", code, callOut, errOut)
	}
	// os._exit in user code: no signal, no traceback, the row all the same.
	out, errOut, code := runProcess(t, "run", archive, "--python", py.Python, "--call", "udf:exit_at", "--input", rows)
	if rs := records(out); code != 4 || len(rs) != 4 || !strings.Contains(errOut, "the interpreter's process died (exit status 7): os._exit() or a library that exited the process while worker 0 ran row 3 (line 4)") || !strings.Contains(errOut, "exiting at 3\n") {
		t.Fatalf("os._exit: exit %d, %d records, stderr %.3000s", code, len(rs), errOut)
	}
	// --isolate: the crash costs row 500 only; exit status 1.
	out, errOut, code = runProcess(t, "run", archive, "--python", py.Python, "--call", "udf:crash_at", "--input", rows, "--isolate", "--workers", "2")
	rs := records(out)
	if code != 1 || len(rs) != 1000 || !strings.Contains(errOut, "1 of 1000 calls failed") {
		t.Fatalf("--isolate: exit %d, %d records, stderr %.2000s", code, len(rs), errOut)
	}
	e, _ := rs[500]["error"].(map[string]any)
	if e["type"] != "Crash" || !strings.HasPrefix(fmt.Sprint(e["last"]), "row 500 (line 501): the worker process") || !strings.Contains(fmt.Sprint(e["traceback"]), "in crash_at") {
		t.Fatalf("--isolate, row 500: %v", rs[500])
	}
	// A call that never returns: exit status 3 within the timeout and
	// the grace, with or without --isolate.
	for _, extra := range [][]string{nil, {"--isolate"}} {
		start := time.Now()
		_, errOut, code = runProcess(t, append([]string{"run", archive, "--python", py.Python, "--call", "udf:hang", "--args", `"hang"`, "--timeout", "1s", "--grace", "200ms"}, extra...)...)
		took := time.Since(start)
		if code != 3 || !strings.Contains(errOut, "worker 0: the call: still running after 1s on worker 0") {
			t.Errorf("%v: exit %d, stderr %q", extra, code, errOut)
		}
		if took > 6*time.Second {
			t.Errorf("%v: the process took %v to exit", extra, took)
		}
	}
}

// TestRunProcessInterrupted: SIGINT, SIGTERM or SIGHUP to run (the supervising
// process, as a terminal's Ctrl-C or YARN's kill sends it) stops the run
// with exit status 130, 143 or 129 once the row running finished: the records
// written are a whole prefix of the rows, none is cut, no call is left
// running, and the error says what happened.
func TestRunProcessInterrupted(t *testing.T) {
	py := pyref.Default(t)
	archive := udfArchive(t, py.Python)
	dir := t.TempDir()
	rows := filepath.Join(dir, "rows.jsonl")
	var b strings.Builder
	for i := 0; i < 2000; i++ {
		fmt.Fprintln(&b, i)
	}
	if err := os.WriteFile(rows, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sig  syscall.Signal
		code int
		why  string
	}{{syscall.SIGINT, 130, "interrupt"}, {syscall.SIGTERM, 143, "terminated"}, {syscall.SIGHUP, 129, "hangup"}} {
		outPath := filepath.Join(dir, c.why+".jsonl")
		out, err := os.Create(outPath)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "run", archive, "--python", py.Python, "--call", "udf:slow", "--input", rows)
		cmd.Env = append(os.Environ(), asMainEnv+"=1", "CLUSTERPACK_CACHE_DIR="+filepath.Join(dir, "cache"))
		var errOut strings.Builder
		cmd.Stdout, cmd.Stderr = out, &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Some rows done (10 ms each), far from all 2000.
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if st, err := os.Stat(outPath); err == nil && st.Size() > 2000 {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("no records after 60 s: %s", errOut.String())
			}
		}
		cmd.Process.Signal(c.sig)
		err = cmd.Wait()
		out.Close()
		code := -1
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		data, _ := os.ReadFile(outPath)
		n := 0
		for _, line := range strings.SplitAfter(string(data), "\n") {
			if line == "" {
				continue
			}
			var r map[string]any
			if err := json.Unmarshal([]byte(line), &r); err != nil || !strings.HasSuffix(line, "\n") {
				t.Fatalf("%s: record %d is cut: %q", c.why, n, line)
			}
			if r["index"] != float64(n) || r["value"] != float64(n) {
				t.Fatalf("%s: record %d is %v", c.why, n, r)
			}
			n++
		}
		msg := "clusterpack: interrupted (" + c.why + " signal received): the records written are complete"
		if code != c.code || !strings.Contains(errOut.String(), msg) || strings.Contains(errOut.String(), "unfinished") || n == 0 || n >= 2000 {
			t.Fatalf("%v: exit %d (want %d), %d records, stderr %q", c.sig, code, c.code, n, errOut.String())
		}
	}
}

// TestRunProcessLargeValue: a value of 300 MiB, from one call and from a
// row of --input (a record larger than the journal's ring, written
// straight to standard output once the ring is drained), reaches the
// output whole, with the peak memory of clusterpack and its supervised
// child (wait4's maximum resident set, which covers the descendants it
// waited for) a small multiple of the value, not the several copies it
// once took.
func TestRunProcessLargeValue(t *testing.T) {
	py := pyref.Default(t)
	archive := udfArchive(t, py.Python)
	dir := t.TempDir()
	const size = 300 << 20
	rows := filepath.Join(dir, "rows.jsonl")
	if err := os.WriteFile(rows, []byte("1\n"+fmt.Sprint(size)+"\n2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want func([]byte) bool
	}{
		{"one call", []string{"--eval", fmt.Sprintf("'x' * %d", size)}, func(b []byte) bool {
			return len(b) == size+3 && b[0] == '"' && b[size+1] == '"' && b[size+2] == '\n' && bytes.Count(b[1:size+1], []byte("x")) == size
		}},
		{"a row", []string{"--call", "udf:xs", "--input", rows}, func(b []byte) bool {
			lines := bytes.SplitAfter(b, []byte("\n"))
			return len(lines) == 4 && len(lines[3]) == 0 && len(lines[1]) > size && bytes.Contains(lines[1], bytes.Repeat([]byte("x"), 1<<20)) &&
				bytes.HasPrefix(lines[0], []byte(`{"index":0,`)) && bytes.HasPrefix(lines[2], []byte(`{"index":2,`))
		}},
	} {
		outPath := filepath.Join(dir, "out.json")
		out, err := os.Create(outPath)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], append([]string{"run", archive, "--python", py.Python}, c.args...)...)
		cmd.Env = append(os.Environ(), asMainEnv+"=1", "CLUSTERPACK_CACHE_DIR="+filepath.Join(dir, "cache"))
		var errOut strings.Builder
		cmd.Stdout, cmd.Stderr = out, &errOut
		err = cmd.Run()
		out.Close()
		if err != nil {
			t.Fatalf("%s: %v: %s", c.name, err, errOut.String())
		}
		b, err := os.ReadFile(outPath)
		if err != nil {
			t.Fatal(err)
		}
		if !c.want(b) {
			t.Fatalf("%s: %d bytes of output, not the value whole: %.200q", c.name, len(b), b)
		}
		rss := int64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) << 10
		t.Logf("%s: peak resident set %d MiB for a %d MiB value", c.name, rss>>20, size>>20)
		if rss > 3*size+(200<<20) {
			t.Fatalf("%s: peak resident set %d MiB for a %d MiB value", c.name, rss>>20, size>>20)
		}
	}
}
