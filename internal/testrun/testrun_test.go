package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixture writes a module whose packages pass, fail, panic, hang past
// their timeout, and fail to build: real go test runs to read.
func fixture(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/fx\n\ngo 1.22\n",
		"ok/ok_test.go": `package ok
import "testing"
func TestA(t *testing.T) { t.Run("one", func(t *testing.T) {}); t.Run("two", func(t *testing.T) {}) }
func TestSkip(t *testing.T) { t.Skip("not here") }
func FuzzFine(f *testing.F) { f.Add("a"); f.Fuzz(func(t *testing.T, s string) {}) }
`,
		"ok/x_test.go": `package ok_test
import "testing"
func FuzzOther(f *testing.F) { f.Fuzz(func(t *testing.T, b []byte) {}) }
`,
		"fails/fails_test.go": `package fails
import "testing"
func TestGood(t *testing.T) {}
func TestBad(t *testing.T) { t.Log("the detail"); t.Fatal("wrong answer") }
func FuzzBroken(f *testing.F) { f.Add("boom"); f.Fuzz(func(t *testing.T, s string) { if s == "boom" { t.Fatal("the parser broke on boom") } }) }
`,
		"hangs/hangs_test.go": `package hangs
import ("testing"; "time")
func TestQuick(t *testing.T) {}
func TestSlow(t *testing.T) { t.Run("inner", func(t *testing.T) { time.Sleep(time.Minute) }) }
`,
		"crash/crash_test.go": `package crash
import ("testing"; "time")
func TestBefore(t *testing.T) {}
func TestCrash(t *testing.T) { go func() { panic("boom in a goroutine") }(); time.Sleep(5 * time.Second) }
`,
		"broken/broken_test.go": "package broken\nimport \"testing\"\nfunc TestX(t *testing.T) { undefined() }\n",
		"notests/x.go":          "package notests\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func chdir(t *testing.T, dir string) {
	t.Helper()
	old, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(old) })
}

func TestRunAndReport(t *testing.T) {
	chdir(t, fixture(t))
	ctx := context.Background()
	module, pkgs, err := listPackages(ctx, []string{"./..."})
	if err != nil {
		t.Fatal(err)
	}
	if module != "example.com/fx" || len(pkgs) != 6 {
		t.Fatalf("listPackages = %q %v", module, pkgs)
	}
	tt, err := parseTimeouts(strings.NewReader("./hangs 3s\n"), "timeouts", module, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	fuzz, err := fuzzTargets(ctx, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range fuzz {
		names = append(names, strings.TrimPrefix(u.String(), "example.com/fx/"))
	}
	if got := strings.Join(names, ","); got != "fails FuzzBroken,ok FuzzFine,ok FuzzOther" {
		t.Errorf("fuzzTargets = %s", got)
	}
	units := fuzz
	for _, p := range pkgs {
		units = append(units, unit{Package: p})
	}
	plan := runPlan{timeouts: tt, fuzztime: "50x", fuzzTimeout: 2 * time.Minute}
	var lines strings.Builder
	results := runAll(ctx, &lines, units, plan, 2)
	byPkg := map[string]*result{}
	for _, r := range results {
		byPkg[strings.TrimPrefix(r.name(), "example.com/fx/")] = r
	}
	if r := byPkg["ok FuzzFine"]; r == nil || r.Action != "pass" {
		t.Errorf("ok FuzzFine: %+v", r)
	}
	if r := byPkg["fails FuzzBroken"]; r == nil || r.Action != "fail" || r.Failed != 1 || !strings.Contains(r.Failures[0].Output, "the parser broke on boom") {
		t.Errorf("fails FuzzBroken: %+v", r)
	}

	if r := byPkg["ok"]; r.Action != "pass" || r.Passed != 6 || r.Skipped != 1 || r.Failed != 0 {
		t.Errorf("ok: %+v", r)
	}
	if r := byPkg["notests"]; r.Action != "skip" {
		t.Errorf("notests: %+v", r)
	}
	if r := byPkg["fails"]; r.Action != "fail" || r.Failed != 3 || len(r.Failures) != 3 || r.Failures[0].Test != "TestBad" || !strings.Contains(r.Failures[0].Output, "the detail") {
		t.Errorf("fails: %+v", r)
	}
	r := byPkg["hangs"]
	if r.Action != "fail" || !r.TimedOut() || r.Passed != 1 {
		t.Errorf("hangs: %+v", r)
	}
	if got := strings.Join(r.Unfinished, ","); got != "TestSlow,TestSlow/inner" || r.Failed != 2 {
		t.Errorf("hangs: unfinished %q, failed %d; want TestSlow,TestSlow/inner counted as 2 failures", got, r.Failed)
	}
	if c := byPkg["crash"]; c.Action != "fail" || c.Panic == "" || !strings.Contains(c.Panic, "boom in a goroutine") || strings.Contains(c.Panic, "goroutine 1") {
		t.Errorf("crash: panic %q, %+v", c.Panic, c)
	} else if c.Failed == 0 || !strings.Contains(strings.Join(c.Unfinished, ",")+failedNames(c), "TestCrash") {
		t.Errorf("crash: TestCrash not counted as failed: %+v", c)
	}
	if b := byPkg["broken"]; b.Action != "fail" || !strings.Contains(b.BuildOutput, "undefined") {
		t.Errorf("broken: %+v", b)
	}
	printed := lines.String()
	for _, want := range []string{
		"ok  \texample.com/fx/ok\t",
		"?   \texample.com/fx/notests\t[no test files]",
		"TIMED OUT after 3s while running TestSlow, TestSlow/inner",
	} {
		if !strings.Contains(printed, want) {
			t.Errorf("the package lines lack %q:\n%s", want, printed)
		}
	}

	var out strings.Builder
	if report(&out, results, plan, 3) {
		t.Error("report says everything passed")
	}
	text := out.String()
	for _, want := range []string{
		"=== FAIL example.com/fx/hangs",
		"--- TIMED OUT after 3s (scripts/test-timeouts) while running: TestSlow, TestSlow/inner",
		"panic: test timed out after 3s",
		"--- TestBad",
		"wrong answer",
		"boom in a goroutine",
		"undefined: undefined",
		"=== FAIL example.com/fx/fails FuzzBroken",
		"slowest (elapsed / timeout):",
		"; 5 packages failed",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(text, "tests: 11 passed, 8 failed, 1 skipped; 5 packages failed\n") {
		t.Errorf("the count is wrong:\n%s", text)
	}
}

func failedNames(r *result) string {
	var names []string
	for _, f := range r.Failures {
		names = append(names, f.Test)
	}
	return strings.Join(names, ",")
}

func TestReportAllPassed(t *testing.T) {
	plan := runPlan{timeouts: &timeouts{Default: time.Minute}}
	var out strings.Builder
	ok := report(&out, []*result{{Package: "p", Action: "pass", Passed: 2, Elapsed: 1.5}, {Package: "q", Action: "skip"}}, plan, 10)
	if !ok {
		t.Errorf("report failed a passing run:\n%s", out.String())
	}
	if !strings.HasSuffix(out.String(), "tests: 2 passed, 0 failed, 0 skipped\n") {
		t.Errorf("report:\n%s", out.String())
	}
}

func TestParseTimeouts(t *testing.T) {
	table := `
# the slow ones
./internal/e2e/jobtest   40m   # real jobs
./store/...              20m
example.org/other        90s
`
	tt, err := parseTimeouts(strings.NewReader(table), "test-timeouts", "m", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for pkg, want := range map[string]time.Duration{
		"m/internal/e2e/jobtest":     40 * time.Minute,
		"m/internal/e2e/jobtest/sub": 10 * time.Minute,
		"m/store":                    20 * time.Minute,
		"m/store/s3":                 20 * time.Minute,
		"m/storefront":               10 * time.Minute,
		"example.org/other":          90 * time.Second,
		"m/pypa/pep440":              10 * time.Minute,
	} {
		if got := tt.For(pkg); got != want {
			t.Errorf("For(%s) = %v, want %v", pkg, got, want)
		}
	}
	for _, bad := range []struct{ table, err string }{
		{"./a\n", `test-timeouts:1: want "PACKAGE-PATTERN DURATION"`},
		{"\n./a 10\n", `test-timeouts:2: "10" is not a positive duration`},
		{"./a -1m\n", `"-1m" is not a positive duration`},
		{"./a/.../b 1m\n", `a pattern is a package, or a directory followed by /...`},
	} {
		_, err := parseTimeouts(strings.NewReader(bad.table), "test-timeouts", "m", time.Minute)
		if err == nil || !strings.Contains(err.Error(), bad.err) {
			t.Errorf("parseTimeouts(%q) error = %v, want %q", bad.table, err, bad.err)
		}
	}
}

func FuzzParseTimeouts(f *testing.F) {
	f.Add("./store/... 20m\n# c\n./a 1s\n")
	f.Add("x 1h2m\n")
	f.Fuzz(func(t *testing.T, table string) {
		tt, err := parseTimeouts(strings.NewReader(table), "f", "m", time.Minute)
		if err != nil {
			return
		}
		for _, r := range tt.Rules {
			if r.Timeout <= 0 || r.Pattern == "" {
				t.Fatalf("rule %+v from %q", r, table)
			}
			if got := tt.For(strings.TrimSuffix(r.Pattern, "/...")); got <= 0 {
				t.Fatalf("For(%s) = %v", r.Pattern, got)
			}
		}
	})
}

func TestPanicText(t *testing.T) {
	out := "=== RUN x\npanic: test timed out after 2s\n\trunning tests:\n\t\tTestSlow (2s)\n\ngoroutine 1 [running]:\nstack\n"
	want := "panic: test timed out after 2s\n\trunning tests:\n\t\tTestSlow (2s)\n"
	if got := panicText(out); got != want {
		t.Errorf("panicText = %q, want %q", got, want)
	}
	if got := panicText("log: no panic: here\n"); got != "" {
		t.Errorf("panicText of a mid-line panic: = %q", got)
	}
}
