// Command testrun runs the tests of every package, each package as a
// `go test -json` run of its own with the -timeout that
// scripts/test-timeouts gives it (sized to the package: the end-to-end
// jobs get tens of minutes, a parser a few), a few packages at a time,
// longest timeout first, and with -fuzztime every fuzz target too, in the
// same slots. It prints what a person wants from a test run:
// one line a package as `go test` prints them, the whole output of every
// failed test, every timeout or crash with the tests that were running
// (each counted as a failure), the slowest packages, and a closing count
// of the tests that passed, failed and were skipped. It exits 1 when
// anything failed.
//
//	go run ./internal/testrun [-p 2] [-timeouts scripts/test-timeouts] [-default 10m] [packages] [-- go test flags]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	var (
		parallel  = flag.Int("p", 2, "packages tested at once")
		table     = flag.String("timeouts", "scripts/test-timeouts", "the table of package timeouts")
		def       = flag.Duration("default", 10*time.Minute, "the timeout of a package no rule names")
		slowCount = flag.Int("slowest", 10, "how many of the slowest packages to list")
		fuzztime  = flag.String("fuzztime", "", "also run every fuzz target this long, as go test -fuzztime takes it (a count such as 20000x: short durations make go test report \"context deadline exceeded\")")
		fuzzLimit = flag.Duration("fuzz-timeout", 5*time.Minute, "the -timeout of one fuzz target's run")
	)
	flag.Parse()
	patterns, extra := splitArgs(flag.Args())
	ctx := context.Background()
	module, pkgs, err := listPackages(ctx, patterns)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testrun:", err)
		os.Exit(2)
	}
	f, err := os.Open(*table)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testrun:", err)
		os.Exit(2)
	}
	tt, err := parseTimeouts(f, *table, module, *def)
	f.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testrun:", err)
		os.Exit(2)
	}
	units := make([]unit, 0, len(pkgs))
	for _, p := range pkgs {
		units = append(units, unit{Package: p})
	}
	if *fuzztime != "" {
		fuzz, err := fuzzTargets(ctx, pkgs)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testrun:", err)
			os.Exit(2)
		}
		units = append(units, fuzz...)
	}
	plan := runPlan{timeouts: tt, fuzztime: *fuzztime, fuzzTimeout: *fuzzLimit, extra: extra}
	results := runAll(ctx, os.Stdout, units, plan, *parallel)
	if !report(os.Stdout, results, plan, *slowCount) {
		os.Exit(1)
	}
}

// splitArgs separates package patterns from the go test flags after --.
func splitArgs(args []string) (patterns, extra []string) {
	if i := slices.Index(args, "--"); i >= 0 {
		patterns, extra = args[:i], args[i+1:]
	} else {
		patterns = args
	}
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	return patterns, extra
}

func listPackages(ctx context.Context, patterns []string) (module string, pkgs []string, err error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m").Output()
	if err != nil {
		return "", nil, fmt.Errorf("go list -m: %w", err)
	}
	module = strings.TrimSpace(string(out))
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", append([]string{"list", "-e"}, patterns...)...)
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil {
		return "", nil, fmt.Errorf("go list %s: %w\n%s", strings.Join(patterns, " "), err, stderr.String())
	}
	return module, strings.Fields(string(out)), nil
}

// runPlan is how each unit runs.
type runPlan struct {
	timeouts    *timeouts
	fuzztime    string
	fuzzTimeout time.Duration
	extra       []string // more go test flags, for the packages' tests
}

func (p runPlan) timeout(u unit) time.Duration {
	if u.Fuzz != "" {
		return p.fuzzTimeout
	}
	return p.timeouts.For(u.Package)
}

func (p runPlan) args(u unit) []string {
	if u.Fuzz != "" {
		return []string{"-run", "^$", "-fuzz", "^" + u.Fuzz + "$", "-fuzztime", p.fuzztime}
	}
	return p.extra
}

// runAll runs the units, parallel at a time, those with the longest
// timeouts first (they are the slowest, and a long one started last would
// end the run late; the fuzz targets fill the other slots meanwhile). It
// prints each unit's line as it ends.
func runAll(ctx context.Context, w io.Writer, units []unit, plan runPlan, parallel int) []*result {
	order := slices.Clone(units)
	sort.SliceStable(order, func(i, j int) bool { return plan.timeout(order[i]) > plan.timeout(order[j]) })
	var (
		mu      sync.Mutex
		results []*result
		wg      sync.WaitGroup
		sem     = make(chan struct{}, max(parallel, 1))
	)
	for _, u := range order {
		wg.Add(1)
		sem <- struct{}{} // in order
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := testPackage(ctx, u.Package, plan.timeout(u), plan.args(u))
			r.Unit = u
			mu.Lock()
			defer mu.Unlock()
			results = append(results, r)
			printLine(w, r, plan.timeout(u))
		}()
	}
	wg.Wait()
	return results
}

// testPackage runs go test -json for one package. A stream that cannot
// be read, or a go command that fails without saying so in its events,
// still makes a failed result.
func testPackage(ctx context.Context, pkg string, timeout time.Duration, extra []string) *result {
	args := append([]string{"test", "-count=1", "-json", "-timeout", timeout.String()}, extra...)
	args = append(args, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return &result{Package: pkg, Action: "fail", BuildOutput: err.Error()}
	}
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		return &result{Package: pkg, Action: "fail", BuildOutput: err.Error()}
	}
	r, readErr := readEvents(stdout)
	waitErr := cmd.Wait()
	if readErr != nil {
		r = &result{Action: "fail", BuildOutput: readErr.Error()}
	}
	r.Package = pkg
	if r.Elapsed == 0 {
		r.Elapsed = time.Since(begin).Seconds()
	}
	r.BuildOutput += stderr.String()
	if waitErr != nil && r.Action != "fail" {
		r.Action = "fail"
		r.BuildOutput += fmt.Sprintf("go test: %v\n", waitErr)
	}
	return r
}

func printLine(w io.Writer, r *result, timeout time.Duration) {
	switch {
	case r.Action == "skip":
		fmt.Fprintf(w, "?   \t%s\t[no test files]\n", r.name())
	case r.Action == "pass":
		fmt.Fprintf(w, "ok  \t%s\t%.3fs\n", r.name(), r.Elapsed)
	case r.TimedOut():
		fmt.Fprintf(w, "FAIL\t%s\t%.3fs\tTIMED OUT after %v while running %s\n", r.name(), r.Elapsed, timeout, strings.Join(r.Unfinished, ", "))
	case r.Panic != "":
		fmt.Fprintf(w, "FAIL\t%s\t%.3fs\tPANIC while running %s\n", r.name(), r.Elapsed, orNone(r.Unfinished))
	default:
		fmt.Fprintf(w, "FAIL\t%s\t%.3fs\n", r.name(), r.Elapsed)
	}
}

func orNone(tests []string) string {
	if len(tests) == 0 {
		return "no test (in TestMain or a background goroutine)"
	}
	return strings.Join(tests, ", ")
}

// report prints the failures, the slowest packages and the counts, and
// reports whether everything passed.
func report(w io.Writer, results []*result, plan runPlan, slowest int) bool {
	sort.Slice(results, func(i, j int) bool { return results[i].name() < results[j].name() })
	var passed, failed, skipped, failedPkgs int
	for _, r := range results {
		passed += r.Passed
		failed += r.Failed
		skipped += r.Skipped
		if r.Action != "fail" {
			continue
		}
		failedPkgs++
		if r.Failed == 0 {
			// The package failed with no failed test: a build error, a
			// failing TestMain, a crash between tests. It counts once.
			failed++
		}
		fmt.Fprintf(w, "\n=== FAIL %s\n", r.name())
		if r.BuildOutput != "" {
			fmt.Fprint(w, r.BuildOutput)
		}
		for _, f := range r.Failures {
			fmt.Fprintf(w, "--- %s\n%s", f.Test, f.Output)
		}
		switch {
		case r.TimedOut():
			fmt.Fprintf(w, "--- TIMED OUT after %v (scripts/test-timeouts) while running: %s\n%s", plan.timeout(r.Unit), strings.Join(r.Unfinished, ", "), r.Panic)
		case r.Panic != "":
			fmt.Fprintf(w, "--- PANIC while running: %s\n%s", orNone(r.Unfinished), r.Panic)
		case len(r.Unfinished) > 0:
			fmt.Fprintf(w, "--- did not finish: %s\n", strings.Join(r.Unfinished, ", "))
		}
		if len(r.Failures) == 0 && r.Panic == "" && r.Output != "" {
			fmt.Fprint(w, tail(r.Output, 8000))
		}
	}
	byTime := slices.Clone(results)
	sort.SliceStable(byTime, func(i, j int) bool { return byTime[i].Elapsed > byTime[j].Elapsed })
	if len(byTime) > slowest {
		byTime = byTime[:slowest]
	}
	fmt.Fprintf(w, "\nslowest (elapsed / timeout):\n")
	for _, r := range byTime {
		fmt.Fprintf(w, "  %8.1fs / %-6v %s\n", r.Elapsed, plan.timeout(r.Unit), r.name())
	}
	fmt.Fprintf(w, "tests: %d passed, %d failed, %d skipped", passed, failed, skipped)
	if failedPkgs > 0 {
		fmt.Fprintf(w, "; %d packages failed", failedPkgs)
	}
	fmt.Fprintln(w)
	return failed == 0 && failedPkgs == 0
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
