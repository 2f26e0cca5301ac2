package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

const udfPy = `import ctypes, time

def crash_at(n):
    if n == 500:
        ctypes.string_at(0)  # SIGSEGV
    return n

def hang(x):
    if x == "hang":
        time.sleep(3600)
    return x
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
	// In this process: the crash ends it, the 500 records before are whole.
	out, errOut, code := runProcess(t, "run", archive, "--python", py.Python, "--call", "udf:crash_at", "--input", rows)
	if rs := records(out); code == 0 || len(rs) != 500 || !strings.Contains(errOut, "Fatal Python error: Segmentation fault") || !strings.Contains(errOut, "in crash_at") {
		t.Fatalf("in-process crash: exit %d, %d records, stderr %.2000s", code, len(rs), errOut)
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
