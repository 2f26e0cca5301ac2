package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

// result is what one package's `go test -json` run came to.
type result struct {
	Unit    unit // what ran
	Package string
	Action  string  // pass, fail or skip (no test files)
	Elapsed float64 // seconds, as go test reports them
	Passed  int
	Failed  int // tests that failed, and tests that never finished
	Skipped int
	// Failures are the failed tests, in the order they ended, each with
	// its whole output.
	Failures []failure
	// Unfinished are the tests that started and never ended: the binary
	// timed out or crashed while they ran. Each counts as failed.
	Unfinished []string
	// Panic is the crash message, from its "panic:" line on (a timeout
	// is reported as "panic: test timed out after ..."), cut before the
	// goroutine dumps.
	Panic string
	// Output is the package-level output (outside any test), kept for a
	// failed package.
	Output string
	// BuildOutput is what the build printed (compile errors).
	BuildOutput string
}

// name is the unit's name, or the package's when the unit is unset.
func (r *result) name() string {
	if r.Unit.Package == "" {
		return r.Package
	}
	return r.Unit.String()
}

type failure struct {
	Test   string
	Output string
}

// TimedOut reports whether the test binary hit its -timeout.
func (r *result) TimedOut() bool {
	return strings.HasPrefix(r.Panic, "panic: test timed out")
}

// readEvents reads one package's `go test -json` stream. Lines that are
// not JSON (go's own messages) are kept as build output.
func readEvents(r io.Reader) (*result, error) {
	res := &result{}
	var (
		output  = map[string]*strings.Builder{} // test → output
		running = map[string]bool{}
		order   []string // tests in the order they started
		pkgOut  strings.Builder
		build   strings.Builder
	)
	in := bufio.NewScanner(r)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	for in.Scan() {
		line := in.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			build.Write(line)
			build.WriteByte('\n')
			continue
		}
		if res.Package == "" {
			res.Package = e.Package
		}
		switch e.Action {
		case "build-output":
			build.WriteString(e.Output)
		case "run":
			if e.Test != "" && !running[e.Test] {
				running[e.Test] = true
				order = append(order, e.Test)
			}
		case "output":
			if e.Test == "" {
				pkgOut.WriteString(e.Output)
				continue
			}
			b := output[e.Test]
			if b == nil {
				b = &strings.Builder{}
				output[e.Test] = b
			}
			b.WriteString(e.Output)
		case "pass", "fail", "skip":
			if e.Test == "" {
				res.Action, res.Elapsed = e.Action, e.Elapsed
				continue
			}
			delete(running, e.Test)
			// Subtests are counted too: each is a case that ran.
			switch e.Action {
			case "pass":
				res.Passed++
			case "skip":
				res.Skipped++
			case "fail":
				res.Failed++
				out := ""
				if b := output[e.Test]; b != nil {
					out = b.String()
				}
				res.Failures = append(res.Failures, failure{e.Test, out})
			}
			delete(output, e.Test)
		}
	}
	if err := in.Err(); err != nil {
		return nil, fmt.Errorf("reading go test -json output: %w", err)
	}
	// A crash's message goes to the output of the test that ran last.
	crashed := pkgOut.String()
	for _, t := range order {
		if running[t] {
			res.Unfinished = append(res.Unfinished, t)
			res.Failed++
			if b := output[t]; b != nil {
				crashed += b.String()
			}
		}
	}
	res.Output = pkgOut.String()
	res.BuildOutput = build.String()
	res.Panic = panicText(crashed)
	if res.Action == "" {
		// No end event: the go command itself failed (a build error).
		res.Action = "fail"
	}
	return res, nil
}

// panicText is out from its first "panic: " line up to the goroutine
// dumps, which say where, not what.
func panicText(out string) string {
	i := strings.Index(out, "panic: ")
	if i < 0 {
		return ""
	}
	if i > 0 && out[i-1] != '\n' {
		j := strings.Index(out, "\npanic: ")
		if j < 0 {
			return ""
		}
		i = j + 1
	}
	text := out[i:]
	if j := strings.Index(text, "\ngoroutine "); j >= 0 {
		text = text[:j+1]
	}
	return strings.TrimRight(text, "\n") + "\n"
}
