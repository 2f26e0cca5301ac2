package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/target"
)

// venvArchive locks, from a served index, a package name of these files for
// the interpreter py and builds it as a venv zip with cache as the cache
// directory; it returns the archive's path.
func venvArchive(t *testing.T, cache, py, name string, files map[string]string) string {
	t.Helper()
	srv := testindex.Start(t, []testindex.Project{{Name: name, Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{
		Name: name, Version: "1.0", Files: files,
	})}}}, testindex.Options{})
	lenv := lock.Env{Getenv: os.Getenv, HomeDir: t.TempDir(), CacheDir: cache, Version: "test"}
	res, err := lock.Make(context.Background(), lock.Input{Requirements: []string{name}, IndexURL: srv.IndexURL(), Target: target.Spec{Python: py}}, lenv)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := build.NewPlan(res.Lock, ".", build.Options{Format: build.FormatZip})
	if err != nil {
		t.Fatal(err)
	}
	client, err := lock.DownloadClient(lenv, res.Lock)
	if err != nil {
		t.Fatal(err)
	}
	m, err := build.Build(context.Background(), plan, filepath.Join(t.TempDir(), "dist"), build.Env{Client: client, CacheDir: cache, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return m.Archive
}

// TestCheckAndRunEmbedded builds a venv archive and uses the check and run
// commands on it: run --eval os.getpid() prints this test process's own id,
// the proof that the interpreter runs inside clusterpack.
func TestCheckAndRunEmbedded(t *testing.T) {
	py := pyref.Default(t)
	cache := t.TempDir()
	t.Setenv("CLUSTERPACK_CACHE_DIR", cache)
	archive := venvArchive(t, cache, py.Python, "greet", map[string]string{"greet/__init__.py": "def hello(name):\n    return 'hello ' + name\n"})
	out, _, err := run(t, "check", archive, "--python", py.Python)
	if err != nil || !strings.Contains(out, "OK") {
		t.Fatalf("check: %v\n%s", err, out)
	}
	out, _, err = run(t, "run", archive, "--python", py.Python, "--exec", "import os", "--eval", "os.getpid()")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("run --eval os.getpid() printed %q, this process is %d", out, os.Getpid())
	}
	out, _, err = run(t, "run", archive, "--python", py.Python, "--call", "greet:hello", "--args", `["cluster"]`)
	if err != nil || strings.TrimSpace(out) != `"hello cluster"` {
		t.Fatalf("run --call: %v %q", err, out)
	}
	rows := filepath.Join(t.TempDir(), "rows.jsonl")
	if err := os.WriteFile(rows, []byte("\"a\"\n\"b\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = run(t, "run", archive, "--python", py.Python, "--exec", "import greet", "--eval", "greet.hello(row)", "--input", rows)
	if err != nil || !strings.Contains(out, `"hello a"`) || !strings.Contains(out, `"hello b"`) || strings.Index(out, `"hello a"`) > strings.Index(out, `"hello b"`) {
		t.Fatalf("run --exec --eval --input: %v %q", err, out)
	}
	_, errOut, err := run(t, "run", archive, "--python", py.Python, "--exec", "import greet", "--eval", "greet.hello(row)", "--input", rows, "--stragglers", filepath.Join(t.TempDir(), "late.jsonl"))
	if err != nil || !strings.HasSuffix(errOut, "2 calls, 0 errors, 0 stragglers\n") {
		t.Fatalf("run --input: %v, stderr %q", err, errOut)
	}
	_, errOut, err = run(t, "run", archive, "--python", py.Python, "--eval", "1/0")
	if err == nil || err.Error() != "the code raised an exception (traceback above)" || !strings.Contains(errOut, "worker 0: Traceback") || !strings.Contains(errOut, "ZeroDivisionError") {
		t.Fatalf("an exception in user code: %v, stderr %q", err, errOut)
	}
	// A call that never returns: named with its worker, the run ends
	// after the timeout and the grace with exit status 3.
	start := time.Now()
	_, errOut, err = run(t, "run", archive, "--python", py.Python, "--eval", "__import__('time').sleep(3600)", "--timeout", "500ms", "--grace", "100ms")
	var te *timeoutError
	if !errors.As(err, &te) || te.ExitCode() != 3 || err.Error() != "1 calls ran past --timeout, 1 still running at the end (abandoned)" ||
		!strings.Contains(errOut, "worker 0: the call: still running after 500ms on worker 0") ||
		!strings.Contains(errOut, "unfinished: the call on worker 0, running for ") {
		t.Fatalf("a call that never returns: %v, stderr %q", err, errOut)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the run took %v", took)
	}
	// NaN is a string; an object JSON cannot hold is an error naming it.
	out, _, err = run(t, "run", archive, "--python", py.Python, "--eval", "[float('nan'), float('-inf')]")
	if err != nil || strings.TrimSpace(out) != `["NaN", "-Infinity"]` {
		t.Fatalf("NaN: %v %q", err, out)
	}
	_, errOut, err = run(t, "run", archive, "--python", py.Python, "--eval", "object()")
	if err == nil || !strings.Contains(errOut, "worker 0: TypeError: a value of type object cannot be written as JSON") {
		t.Fatalf("object(): %v %q", err, errOut)
	}
	// --path puts the user's modules on sys.path.
	mods := t.TempDir()
	if err := os.WriteFile(filepath.Join(mods, "mine.py"), []byte("X = 7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = run(t, "run", archive, "--python", py.Python, "--path", mods, "--exec", "import mine", "--eval", "mine.X")
	if err != nil || strings.TrimSpace(out) != "7" {
		t.Fatalf("--path: %v %q", err, out)
	}
	// The errors that name the flags are the command's words.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--exec", "raise ValueError('no')", "--eval", "1"}, "--exec failed on worker 0: ValueError: no"},
		{[]string{"--file", "job.py", "--input", rows}, "--input works with a function call, an expression or statements, not a file"},
		{[]string{"--eval", "row", "--input", rows, "--exec", "raise KeyError(row)"}, "--exec failed on worker 0: NameError: name 'row' is not defined"},
		{[]string{"--eval", "row + 1", "--input", rows}, "2 of 2 calls failed"},
		{[]string{"--eval", "1", "--workers", "3", "--max-workers", "2"}, "--max-workers 2 is fewer than --workers 3"},
	} {
		_, _, err := run(t, append([]string{"run", archive, "--python", py.Python}, tt.args...)...)
		if err == nil || err.Error() != tt.want {
			t.Errorf("run %q: %v, want %q", tt.args, err, tt.want)
		}
	}
}

// TestRunHelpSaysSysPath: run --help says what is on sys.path and how to
// add the user's modules, and documents the exit status.
func TestRunHelpSaysSysPath(t *testing.T) {
	out, _, err := run(t, "run", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PYTHONPATH and the current directory are not on it", "--path DIR (repeatable)", "Exit status:", "3 a call ran past\n--timeout", `"NaN"`} {
		if !strings.Contains(out, want) {
			t.Errorf("run --help lacks %q", want)
		}
	}
}

// TestRunStartsLean: a fresh run imports neither json nor re nor
// traceback before the user's code does (the bootstrap's JSON goes through
// the json module's C parts: json imports re, which is a fifth of the
// start-up), and a call of a plain str stays that way.
func TestRunStartsLean(t *testing.T) {
	py := pyref.Default(t)
	cache := t.TempDir()
	t.Setenv("CLUSTERPACK_CACHE_DIR", cache)
	archive := venvArchive(t, cache, py.Python, "lean", map[string]string{"lean.py": "import sys\n\ndef heavy(s):\n    return sorted(m for m in ('json', 're', 'traceback') if m in sys.modules)\n"})
	rows := filepath.Join(t.TempDir(), "rows.jsonl")
	if err := os.WriteFile(rows, []byte("\"a\"\n\"b\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runProcess(t, "run", archive, "--python", py.Python, "--call", "lean:heavy", "--input", rows)
	if code != 0 || strings.Count(out, `"value":[]`) != 2 {
		t.Fatalf("exit %d, records %s, stderr %s", code, out, errOut)
	}
	out, errOut, code = runProcess(t, "run", archive, "--python", py.Python, "--eval", "sorted(m for m in ('json', 're', 'traceback') if m in __import__('sys').modules)")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("exit %d, stdout %s, stderr %s", code, out, errOut)
	}
}
