package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// TestCPython runs the in-process tests once per CPython 3.9-3.13 of
// pyref, each in a child process of this test binary (a process hosts
// one libpython).
func TestCPython(t *testing.T) {
	eachInterpreter(t, func(t *testing.T, v, python string) {
		out, err := runChild(t, "^TestInProcess", python)
		if err != nil || !strings.Contains(out, "--- PASS: TestInProcess") || strings.Contains(out, "--- SKIP: TestInProcess") {
			t.Fatalf("Python %s: %v\n%s", v, err, out)
		}
		t.Logf("Python %s: in-process tests passed", v)
	})
}

type embedded struct {
	py  *Python
	ver [2]int
	dir string
}

var (
	embedOnce sync.Once
	embedVal  *embedded
	embedErr  error
)

// setup loads the child's libpython once for all in-process tests.
func setup(t *testing.T) *embedded {
	python := inProcessPython(t)
	embedOnce.Do(func() {
		in, err := ProbeInterpreter(context.Background(), python)
		if err != nil {
			embedErr = err
			return
		}
		py, err := Load(*in)
		if err != nil {
			embedErr = err
			return
		}
		dir, _ := os.MkdirTemp("", "runner-test-")
		embedVal = &embedded{py: py, ver: in.Version, dir: dir}
	})
	if embedErr != nil {
		t.Fatal(embedErr)
	}
	return embedVal
}

func (e *embedded) env(t *testing.T, archive, platform string) *Env {
	env, err := OpenArchive(context.Background(), archive, OpenOptions{CacheDir: t.TempDir(), Platform: platform})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func (e *embedded) pool(t *testing.T, env *Env, opts PoolOptions) *Pool {
	p, err := NewPool(context.Background(), e.py, env, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p.Close(ctx)
	})
	return p
}

func do1(t *testing.T, p *Pool, c Call) Result {
	t.Helper()
	res, err := p.Do(context.Background(), c, ModeAny)
	if err != nil {
		t.Fatal(err)
	}
	return res[0]
}

func value(t *testing.T, r Result) string {
	t.Helper()
	if r.Error != nil {
		t.Fatalf("error: %s\n%s", r.Error.Last, r.Error.Traceback)
	}
	return string(r.Value)
}

func TestInProcessCallPatterns(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	for _, format := range []string{"venv", "pex"} {
		t.Run(format, func(t *testing.T) {
			archive := writeVenv(t, dir, e.ver, greetWheels(t, dir))
			if format == "pex" {
				archive = writePex(t, dir, e.ver, greetWheels(t, dir))
			}
			p := e.pool(t, e.env(t, archive, ""), PoolOptions{StdoutToStderr: true})
			// The proof that Python runs inside this process.
			if got := value(t, do1(t, p, Call{Eval: "__import__('os').getpid()"})); got != fmt.Sprint(os.Getpid()) {
				t.Fatalf("getpid in Python %s, Go %d", got, os.Getpid())
			}
			if got := value(t, do1(t, p, Call{Function: "greet:upper", Args: json.RawMessage(`["abc"]`)})); got != `"ABC"` {
				t.Errorf("call: %s", got)
			}
			if got := value(t, do1(t, p, Call{Function: "greet:add", Args: json.RawMessage(`{"a": 2, "b": 3}`)})); got != "5" {
				t.Errorf("keyword call: %s", got)
			}
			if got := value(t, do1(t, p, Call{Function: "builtins:str.upper", Args: json.RawMessage(`"xyz"`)})); got != `"XYZ"` {
				t.Errorf("dotted call: %s", got)
			}
			if got := value(t, do1(t, p, Call{Exec: []string{"import os", "n = 1", "n += 41"}})); got != "null" {
				t.Errorf("exec: %s", got)
			}
			if got := value(t, do1(t, p, Call{Eval: "[n, os.getpid() > 0, who]", Vars: map[string]json.RawMessage{"who": json.RawMessage(`{"a": [1]}`)}})); got != `[42, true, {"a": [1]}]` {
				t.Errorf("eval: %s", got)
			}
			script := dir + "/script.py"
			os.WriteFile(script, []byte("import sys, hello\nfrom_script = (hello.WHO, sys.argv[1:], __name__)\n"), 0o644)
			value(t, do1(t, p, Call{File: script, Argv: []string{"x"}}))
			if got := value(t, do1(t, p, Call{Eval: "from_script"})); got != `["WORLD", ["x"], "__main__"]` {
				t.Errorf("file: %s", got)
			}
			// Python sees the archive's site-packages, not the base interpreter's.
			got := value(t, do1(t, p, Call{Eval: "[p for p in __import__('sys').path if 'site-packages' in p or '.deps' in p]"}))
			if !strings.Contains(got, env0(p).Dir) || strings.Contains(got, e.py.Interpreter().Executable[:len(e.py.Interpreter().Executable)-len("/bin/python3.X")]+"/lib/python") {
				t.Errorf("sys.path: %s", got)
			}
		})
	}
}

func env0(p *Pool) *Env { return p.env }

func TestInProcessErrors(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	p := e.pool(t, e.env(t, writeVenv(t, dir, e.ver, greetWheels(t, dir)), ""), PoolOptions{StdoutToStderr: true})
	r := do1(t, p, Call{Function: "greet:boom", Args: json.RawMessage(`["bad input"]`)})
	if r.Error == nil || r.Error.Type != "ValueError" || r.Error.Last != "ValueError: bad input" || !strings.Contains(r.Error.Traceback, "greet.py") || strings.Contains(r.Error.Traceback, "<clusterpack>") {
		t.Fatalf("exception: %+v", r.Error)
	}
	r = do1(t, p, Call{Function: "greet:leave", Args: json.RawMessage(`[3]`)})
	if r.Error == nil || r.Error.Type != "SystemExit" || r.Error.ExitCode == nil || *r.Error.ExitCode != 3 {
		t.Fatalf("sys.exit: %+v", r.Error)
	}
	r = do1(t, p, Call{Eval: "1/0"})
	if r.Error == nil || r.Error.Last != "ZeroDivisionError: division by zero" {
		t.Fatalf("eval: %+v", r.Error)
	}
	r = do1(t, p, Call{Exec: []string{"def f(:"}})
	if r.Error == nil || r.Error.Type != "SyntaxError" {
		t.Fatalf("syntax: %+v", r.Error)
	}
	r = do1(t, p, Call{Function: "nosuch:f"})
	if r.Error == nil || r.Error.Last != "ModuleNotFoundError: No module named 'nosuch'" || r.Error.Module != "nosuch" {
		t.Fatalf("missing module: %+v", r.Error)
	}
	// The worker survived all of that.
	if got := value(t, do1(t, p, Call{Eval: "'still here'"})); got != `"still here"` {
		t.Fatal(got)
	}
	if _, err := p.Do(context.Background(), Call{Eval: "1", Exec: []string{"x"}}, ModeAny); err == nil {
		t.Fatal("two call kinds: no error")
	}
}

func TestInProcessMap(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	p := e.pool(t, e.env(t, writeVenv(t, dir, e.ver, greetWheels(t, dir)), ""), PoolOptions{Workers: 2, StdoutToStderr: true})
	var rows []string
	for i := 0; i < 500; i++ {
		if i%97 == 5 {
			rows = append(rows, `"bad"`)
		} else {
			rows = append(rows, fmt.Sprintf(`"row%d"`, i))
		}
	}
	var got []Result
	st, err := p.Map(context.Background(), Call{Function: "greet:maybe"}, JSONLines(strings.NewReader(strings.Join(rows, "\n")+"\n")),
		func(r Result) error { got = append(got, r); return nil }, MapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Calls != 500 || st.Errors != 6 || len(got) != 500 {
		t.Fatalf("stats %+v, %d results", st, len(got))
	}
	workers := map[int]int{}
	for i, r := range got {
		workers[r.Worker]++
		if r.Index != i {
			t.Fatalf("result %d has index %d: out of order", i, r.Index)
		}
		if rows[i] == `"bad"` {
			if r.Error == nil || r.Error.Last != "KeyError: 'bad'" {
				t.Fatalf("row %d: %+v", i, r)
			}
			continue
		}
		if want := strings.ToUpper(rows[i]); string(r.Value) != strings.Replace(want, "ROW", "ROW", 1) {
			t.Fatalf("row %d: %s want %s", i, r.Value, want)
		}
	}
	t.Logf("isolation %s; calls per worker %v", p.Isolation(), workers)
	// Expressions see the row as "row"; statements give "result".
	var vals []string
	_, err = p.Map(context.Background(), Call{Eval: "row * k", Vars: map[string]json.RawMessage{"k": json.RawMessage("3")}}, JSONLines(strings.NewReader("1\n2\n\n3\n")),
		func(r Result) error { vals = append(vals, string(r.Value)); return nil }, MapOptions{})
	if err != nil || strings.Join(vals, ",") != "3,6,9" {
		t.Fatalf("eval map: %v %v", err, vals)
	}
	// A function that does not exist stops the run at once.
	_, err = p.Map(context.Background(), Call{Function: "greet:nosuch"}, JSONLines(strings.NewReader("1\n2\n")), func(Result) error { return nil }, MapOptions{})
	if err == nil || !strings.Contains(err.Error(), "AttributeError") {
		t.Fatalf("missing function: %v", err)
	}
	// Raw rows: str in, str out.
	vals = nil
	_, err = p.Map(context.Background(), Call{Function: "builtins:str.upper"}, JSONLines(strings.NewReader("\"ab\"\n\"cd\"\n")),
		func(r Result) error { vals = append(vals, string(r.Value)); return nil }, MapOptions{Raw: true})
	if err != nil || strings.Join(vals, ",") != `"\"AB\"","\"CD\""` {
		t.Fatalf("raw map: %v %v", err, vals)
	}
	// A script takes no rows.
	_, err = p.Map(context.Background(), Call{File: "job.py"}, JSONLines(strings.NewReader("1\n")), func(Result) error { return nil }, MapOptions{})
	if !errors.Is(err, ErrFileRows) {
		t.Fatalf("script map: %v", err)
	}
}

func TestInProcessStragglers(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	var mu sync.Mutex
	var late []Result
	p := e.pool(t, e.env(t, writeVenv(t, dir, e.ver, greetWheels(t, dir)), ""), PoolOptions{Workers: 2, Timeout: 300 * time.Millisecond, StdoutToStderr: true,
		OnStraggler: func(r Result) { mu.Lock(); late = append(late, r); mu.Unlock() }})
	rows := []string{"0.01", "1.5", "0.01", "0.01", "0.01", "0.01", "0.01", "0.01", "0.01", "0.01"}
	var got []Result
	start := time.Now()
	st, err := p.Map(context.Background(), Call{Function: "greet:sleep"}, JSONLines(strings.NewReader(strings.Join(rows, "\n"))),
		func(r Result) error { got = append(got, r); return nil }, MapOptions{})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if st.Stragglers != 1 || !got[1].Straggler || got[1].Error == nil || got[1].Error.Type != "Timeout" {
		t.Fatalf("stats %+v, row 1 %+v", st, got[1])
	}
	// The other rows went to the free worker and the run did not wait
	// for the straggler.
	if elapsed > time.Second {
		t.Errorf("the run took %v: it waited for the straggler", elapsed)
	}
	for i, r := range got {
		if i != 1 && (r.Error != nil || r.Worker == got[1].Worker) {
			t.Errorf("row %d: %+v (straggler on worker %d)", i, r, got[1].Worker)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(late)
		mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(late) != 1 || late[0].Index != 1 || !late[0].Late || string(late[0].Value) != "1.5" || late[0].Elapsed < 1400*time.Millisecond {
		t.Fatalf("late results: %+v", late)
	}
}

func TestInProcessModes(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	p := e.pool(t, e.env(t, writeVenv(t, dir, e.ver, greetWheels(t, dir)), ""), PoolOptions{Workers: 2, StdoutToStderr: true})
	res, err := p.Do(context.Background(), Call{Exec: []string{"import os", "me = __clusterpack_worker__"}}, ModeAll)
	if err != nil || len(res) != 2 {
		t.Fatalf("all: %v %v", err, res)
	}
	res, err = p.Do(context.Background(), Call{Eval: "[me, os.getpid()]"}, ModeAll)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`[0, %d],[1, %d]`, os.Getpid(), os.Getpid())
	if got := value(t, res[0]) + "," + value(t, res[1]); got != want {
		t.Fatalf("all: %s want %s", got, want)
	}
	// ModeAny runs on one worker only: the other's namespace is unchanged.
	r := do1(t, p, Call{Exec: []string{"me = 'changed'"}})
	res, _ = p.Do(context.Background(), Call{Eval: "me"}, ModeAll)
	changed := 0
	for _, x := range res {
		if string(x.Value) == `"changed"` {
			changed++
		}
	}
	if changed != 1 {
		t.Fatalf("any ran on %d workers (worker %d)", changed, r.Worker)
	}
	if e.ver[1] >= 12 && p.Isolation() != IsolationSubinterpreters {
		t.Errorf("Python 3.%d: isolation %s", e.ver[1], p.Isolation())
	}
	if e.ver[1] < 12 && (p.Isolation() != IsolationThreads || p.Note() == "") {
		t.Errorf("Python 3.%d: isolation %s, note %q", e.ver[1], p.Isolation(), p.Note())
	}
	if e.ver[1] < 12 {
		if _, err := NewPool(context.Background(), e.py, p.env, PoolOptions{Workers: 2, Isolation: IsolationSubinterpreters}); err == nil {
			t.Error("sub-interpreters before 3.12: no error")
		}
	}
}

func TestInProcessCheck(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	good := e.env(t, writeVenv(t, dir, e.ver, greetWheels(t, dir)), "manylinux_2_28_x86_64")
	rep, err := Check(context.Background(), good, CheckOptions{Python: e.py, Runs: []Call{{Function: "greet:upper", Args: json.RawMessage(`["x"]`)}}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || !rep.Live || strings.Join(rep.Imported, ",") != "greet,hello" {
		t.Fatalf("good archive:\n%s%+v", rep.Summary(), rep)
	}
	// No local interpreter of the archive's version: a finding whose
	// hint asks for one.
	empty := func(k string) string { return map[string]string{"PATH": t.TempDir(), "HOME": t.TempDir()}[k] }
	rep, err = Check(context.Background(), good, CheckOptions{Find: FindOptions{Getenv: empty}})
	if err != nil || len(rep.Failures) != 1 || rep.Failures[0].Kind != "interpreter" || rep.Failures[0].Hint != HintInterpreter {
		t.Fatalf("no interpreter: %v %+v", err, rep.Failures)
	}
	wheels := append(greetWheels(t, dir), brokenWheels(t, dir, e.ver)...)
	bad := e.env(t, writeVenv(t, dir, e.ver, wheels), "manylinux_2_28_x86_64")
	script := dir + "/job.py"
	os.WriteFile(script, []byte("import tablekit\n"), 0o644)
	rep, err = Check(context.Background(), bad, CheckOptions{Python: e.py, Runs: []Call{{File: script}}})
	if err != nil {
		t.Fatal(err)
	}
	sum := rep.Summary()
	t.Logf("summary:\n%s", sum)
	if rep.OK() || len(rep.Static) != 1 || len(rep.Failures) != 3 {
		t.Fatalf("broken archive: %d static, %d failures\n%s", len(rep.Static), len(rep.Failures), sum)
	}
	if rep.Static[0].Hint != HintNewerPlatform {
		t.Errorf("the symbol version finding has hint %q, want %q", rep.Static[0].Hint, HintNewerPlatform)
	}
	for _, want := range []string{
		"fastlib 1.2: fastlib/_fast.cpython-3", "requires GLIBC_2.99 from libc.so.6", "at most GLIBC_2.28",
		"import tablekit (from tablekit 0.5) failed: ModuleNotFoundError: No module named 'pyarrow'; no distribution in the archive provides pyarrow, which tablekit requires",
		"import fastlib (from fastlib 1.2) failed: ImportError:", "GLIBC_2.99' not found",
		"job.py failed: ModuleNotFoundError: No module named 'pyarrow'",
	} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	// A target this host cannot run: the static part only, said so.
	mac := e.env(t, writeVenv(t, dir, e.ver, greetWheels(t, dir)), "macosx_11_0_arm64")
	rep, err = Check(context.Background(), mac, CheckOptions{Python: e.py})
	if err != nil || rep.Live || !strings.Contains(rep.LiveNote, "not Linux") || !strings.Contains(rep.Summary(), "static checks only") {
		t.Fatalf("mac target: %v %+v", err, rep)
	}
	// A wheel for another Python fails the tag check.
	other := [2]int{3, e.ver[1] + 1}
	alien := e.env(t, writeVenv(t, dir, e.ver, brokenWheels(t, t.TempDir(), other)[1:]), "manylinux_2_28_x86_64")
	rep, err = Check(context.Background(), alien, CheckOptions{StaticOnly: true})
	if err != nil || len(rep.Static) == 0 || rep.Static[0].Kind != "tag" || !strings.Contains(rep.Static[0].Message, "does not fit Python") {
		t.Fatalf("alien wheel: %v %+v", err, rep.Static)
	}
}

func TestInProcessSecondLibpython(t *testing.T) {
	e := setup(t)
	in := e.py.Interpreter()
	if again, err := Load(in); err != nil || again != e.py {
		t.Fatalf("same library: %v", err)
	}
	for v, python := range interpreters(t) {
		if v == fmt.Sprintf("%d.%d", e.ver[0], e.ver[1]) {
			continue
		}
		other, err := ProbeInterpreter(context.Background(), python)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Load(*other)
		if !errors.Is(err, ErrOtherPython) || !strings.Contains(err.Error(), "separate clusterpack process") {
			t.Fatalf("second libpython: %v", err)
		}
		return
	}
}

func TestFindInterpreter(t *testing.T) {
	ins := interpreters(t)
	python, ok := ins["3.11"]
	if !ok {
		t.Skip("no 3.11")
	}
	env := &Env{Python: [2]int{3, 11}}
	in, err := FindInterpreter(context.Background(), env, FindOptions{Python: python})
	if err != nil || in.Version != [2]int{3, 11} || !strings.Contains(in.Library, "libpython3.11") {
		t.Fatalf("%v %+v", err, in)
	}
	_, err = FindInterpreter(context.Background(), &Env{Python: [2]int{3, 99}}, FindOptions{Getenv: func(k string) string {
		return map[string]string{"PATH": t.TempDir(), "HOME": t.TempDir()}[k]
	}})
	var ne *NoInterpreterError
	if !errors.Is(err, ErrNoInterpreter) || !errors.As(err, &ne) || ne.Version != "3.99" || ne.Given != "" ||
		!strings.Contains(err.Error(), "python3.99 on PATH: not found") || !strings.Contains(err.Error(), "or name one") {
		t.Fatalf("none: %v", err)
	}
	_, err = FindInterpreter(context.Background(), &Env{Python: [2]int{3, 10}}, FindOptions{Python: python})
	if !errors.Is(err, ErrNoInterpreter) || !errors.As(err, &ne) || ne.Given != python || !strings.Contains(err.Error(), "the archive needs 3.10") {
		t.Fatalf("wrong version: %v", err)
	}
}

// TestInProcessCheckOptionalImport: a top-level module that needs a
// project the archive's distributions require only with an extra (duckdb's
// adbc_driver_duckdb, polars[adbc]) is a note, and the check passes; the
// same module needed outright fails.
func TestInProcessCheckOptionalImport(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	wheels := []string{
		buildWheel(t, dir, testindex.WheelSpec{Name: "duckish", Version: "2.0",
			Files: map[string]string{"duckish/__init__.py": "", "adbc_duckish/__init__.py": "import adbc_mgr\n"}}),
		buildWheel(t, dir, testindex.WheelSpec{Name: "polarish", Version: "1.0", RequiresDist: []string{`adbc-mgr; extra == "adbc"`}, ProvidesExtra: []string{"adbc"},
			Files: map[string]string{"polarish/__init__.py": ""}}),
	}
	rep, err := Check(context.Background(), e.env(t, writeVenv(t, dir, e.ver, wheels), "manylinux_2_28_x86_64"), CheckOptions{Python: e.py})
	if err != nil {
		t.Fatal(err)
	}
	sum := rep.Summary()
	if !rep.OK() || !strings.Contains(sum, "note: import adbc_duckish (from duckish 2.0) skipped: it needs adbc_mgr, which only polarish[adbc] requires") {
		t.Fatalf("optional import:\n%s", sum)
	}
	wheels = append(wheels, buildWheel(t, dir, testindex.WheelSpec{Name: "needy", Version: "1.0", RequiresDist: []string{"adbc-mgr"},
		Files: map[string]string{"needy/__init__.py": ""}}))
	rep, err = Check(context.Background(), e.env(t, writeVenv(t, dir, e.ver, wheels), "manylinux_2_28_x86_64"), CheckOptions{Python: e.py})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || len(rep.Failures) != 1 || !strings.Contains(rep.Failures[0].Message, "which needy requires") {
		t.Fatalf("required outright:\n%s", rep.Summary())
	}
}

// TestInProcessDoInline: one Pool.Do at a time with no timeout and a ctx
// that cannot be cancelled runs on the caller's thread (another Python
// thread ident than the workers'), otherwise on a worker; the plain-str
// fast path gives the bytes the JSON path gives; concurrent callers and a
// Map at the same time each get their own results.
func TestInProcessDoInline(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	env := e.env(t, writeVenv(t, dir, e.ver, greetWheels(t, dir)), "")
	p := e.pool(t, env, PoolOptions{Workers: 2, Isolation: IsolationThreads, StdoutToStderr: true})
	ident := Call{Eval: "__import__('threading').get_ident()"}
	res, err := p.Do(context.Background(), ident, ModeAll)
	if err != nil || len(res) != 2 {
		t.Fatalf("all: %v %v", err, res)
	}
	workers := map[string]bool{value(t, res[0]): true, value(t, res[1]): true}
	if got := value(t, do1(t, p, ident)); workers[got] {
		t.Errorf("Do with context.Background ran on a worker's thread (%s)", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err = p.Do(ctx, ident, ModeAny)
	if err != nil || !workers[value(t, res[0])] {
		t.Errorf("Do with a cancellable ctx: %v, thread %s not a worker's %v", err, value(t, res[0]), workers)
	}

	// The fast path (a plain-text str argument) and the JSON path agree.
	for _, tt := range []struct{ fn, arg, want string }{
		{"greet:upper", `["abc"]`, `"ABC"`},
		{"greet:upper", `"abc"`, `"ABC"`},
		{"greet:upper", `["caf\u00e9"]`, `"CAF\u00c9"`},
		{"greet:upper", `["a\"b"]`, `"A\"B"`},
		{"greet:upper", `["\u00e9 "]`, `"\u00c9 "`},
		{"builtins:len", `["abcd"]`, `4`},
		{"builtins:repr", `["x"]`, `"'x'"`},
		{"builtins:str.split", `["a b"]`, `["a", "b"]`},
		{"greet:maybe", `["bad"]`, ""},
		{"greet:nothere", `["x"]`, ""},
	} {
		r := do1(t, p, Call{Function: tt.fn, Args: json.RawMessage(tt.arg)})
		// Out makes it a request for run(), on a worker.
		slow, err := p.Do(ctx, Call{Function: tt.fn, Args: json.RawMessage(tt.arg), Out: []string{"unbound"}}, ModeAny)
		if err != nil {
			t.Fatal(err)
		}
		if tt.want == "" {
			if r.Error == nil || slow[0].Error == nil || r.Error.Type != slow[0].Error.Type || r.Error.Last != slow[0].Error.Last || r.Error.Traceback != slow[0].Error.Traceback {
				t.Errorf("%s(%s): errors %+v and %+v", tt.fn, tt.arg, r.Error, slow[0].Error)
			}
			continue
		}
		if got := value(t, r); got != tt.want || got != value(t, slow[0]) {
			t.Errorf("%s(%s) = %s inline, %s on a worker, want %s", tt.fn, tt.arg, got, value(t, slow[0]), tt.want)
		}
	}

	// The function is looked up on every call (as PEMJA's invoke looks
	// up its name): rebound, or defined after a call failed, it is the
	// new one at once, on the str path and on the JSON path.
	rebind := func(code string) {
		t.Helper()
		// Once: the workers are threads of one interpreter, one module.
		if r := do1(t, p, Call{Exec: []string{"import greet", code}}); r.Error != nil {
			t.Fatal(r.Error.Last)
		}
	}
	rebind("greet._upper = greet.upper; greet.upper = lambda s: 'rebound ' + s; greet.nothere = str.lower")
	for _, tt := range []struct{ fn, arg, want string }{
		{"greet:upper", `["abc"]`, `"rebound abc"`},
		{"greet:upper", `["a\"b"]`, `"rebound a\"b"`},
		{"greet:nothere", `["X"]`, `"x"`},
	} {
		if got := value(t, do1(t, p, Call{Function: tt.fn, Args: json.RawMessage(tt.arg)})); got != tt.want {
			t.Errorf("after rebinding, %s(%s) = %s, want %s", tt.fn, tt.arg, got, tt.want)
		}
	}
	rebind("greet.upper = greet._upper; del greet.nothere")
	if r := do1(t, p, Call{Function: "greet:nothere", Args: json.RawMessage(`["x"]`)}); r.Error == nil || !strings.Contains(r.Error.Last, "AttributeError") {
		t.Errorf("greet:nothere deleted: %+v", r)
	}

	// Map: rows that are plain strings (passed as str) and other rows
	// (JSON) give what the expression path gives.
	in := "\"abc\"\n\"caf\\u00e9\"\n\"bad\"\n\"a\\\"b\"\n[\"x\"]\n\"<&>\"\n"
	collect := func(c Call) []string {
		var out []string
		if _, err := p.Map(context.Background(), c, JSONLines(strings.NewReader(in)), func(r Result) error {
			if r.Error != nil {
				out = append(out, "error "+r.Error.Last)
			} else {
				out = append(out, string(r.Value))
			}
			return nil
		}, MapOptions{}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if _, err := p.Do(context.Background(), Call{Exec: []string{"import greet"}}, ModeAll); err != nil {
		t.Fatal(err)
	}
	got, want := collect(Call{Function: "greet:maybe"}), collect(Call{Eval: "greet.maybe(row)"})
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) != 6 || got[0] != `"ABC"` || got[2] != "error KeyError: 'bad'" {
		t.Errorf("map of a function: %q\nof the expression: %q", got, want)
	}

	// Callers at once, and a Map: every result is its own.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				k := fmt.Sprintf("g%dx%d", g, i)
				res, err := p.Do(context.Background(), Call{Eval: "[k, __import__('greet').upper(k)]", Vars: map[string]json.RawMessage{"k": json.RawMessage(`"` + k + `"`)}}, ModeAny)
				if err != nil {
					errs <- err
					return
				}
				if want := fmt.Sprintf(`[%q, %q]`, k, strings.ToUpper(k)); res[0].Error != nil || string(res[0].Value) != want {
					errs <- fmt.Errorf("%s: %s %v", want, res[0].Value, res[0].Error)
					return
				}
			}
		}()
	}
	var rows strings.Builder
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&rows, "\"r%d\"\n", i)
	}
	n := 0
	st, err := p.Map(context.Background(), Call{Function: "greet:upper"}, JSONLines(strings.NewReader(rows.String())), func(r Result) error {
		if want := fmt.Sprintf(`"R%d"`, n); string(r.Value) != want {
			return fmt.Errorf("row %d: %s, want %s", n, r.Value, want)
		}
		n++
		return nil
	}, MapOptions{})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err != nil || st.Calls != 3000 {
		t.Errorf("map beside the calls: %v %+v", err, st)
	}
}
