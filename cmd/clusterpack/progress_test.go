package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/progress"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// fakeClock advances by step on every reading.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(step); return t }
}

const clear = "\r\x1b[K"

// TestConsoleTerminal drives the console as a terminal: each step draws
// one line over the last, other writes clear it first, and the command
// ends with what it wrote where.
func TestConsoleTerminal(t *testing.T) {
	for _, tc := range []struct {
		name   string
		step   time.Duration // between clock readings
		events []progress.Event
		write  string // written to the console after the events
		wrote  [][2]string
		want   string
	}{
		{
			name:   "resolve then download with a total",
			step:   time.Second,
			events: []progress.Event{{Step: progress.Resolve, Name: "numpy", Done: 1}, {Step: progress.Download, Name: "numpy.whl", Done: 512, Total: 1024}},
			want: clear + "Resolving: 1 packages (numpy)" +
				clear + "Downloading [============            ]  50.0% 512 B of 1.0 KiB (numpy.whl)" + clear,
		},
		{
			name:   "redraws within 100ms are skipped, the last byte is not",
			step:   10 * time.Millisecond,
			events: []progress.Event{{Step: progress.Write, Name: "env.zip", Done: 1, Total: 4}, {Step: progress.Write, Name: "env.zip", Done: 2, Total: 4}, {Step: progress.Write, Name: "env.zip", Done: 4, Total: 4}},
			want: clear + "Writing env.zip [======                  ]  25.0% 1 B of 4 B" +
				clear + "Writing env.zip [========================] 100.0% 4 B of 4 B" + clear,
		},
		{
			name:   "unknown total, a build, then a note clears the line",
			step:   time.Second,
			events: []progress.Event{{Step: progress.Download, Name: "a.tar.gz", Done: 2048}, {Step: progress.Build, Name: "a-1.0.tar.gz"}},
			write:  "Note: something\n",
			wrote:  [][2]string{{"lock", "pylock.toml"}, {"archive", "dist/env-1.zip"}},
			want: clear + "Downloading 2.0 KiB (a.tar.gz)" + clear + "Building a-1.0.tar.gz from source" + clear +
				"Note: something\nWrote lock pylock.toml, archive dist/env-1.zip\n",
		},
		{
			name:   "past an estimate, redraws are throttled still",
			step:   10 * time.Millisecond,
			events: []progress.Event{{Step: progress.Write, Name: "e.zip", Done: 5, Total: 4}, {Step: progress.Write, Name: "e.zip", Done: 6, Total: 4}, {Step: progress.Write, Name: "e.zip", Done: 7, Total: 4}},
			want:   clear + "Writing e.zip [========================] 100.0% 5 B of 4 B" + clear,
		},
		{
			name:   "an estimate smaller than what is written stays at 100%",
			step:   time.Second,
			events: []progress.Event{{Step: progress.Write, Name: "env.tar.gz", Done: 8, Total: 4}},
			want:   clear + "Writing env.tar.gz [========================] 100.0% 8 B of 4 B" + clear,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			c := newConsole(&buf, true)
			c.now = fakeClock(tc.step)
			report := c.Progress()
			if report == nil {
				t.Fatal("a terminal console gives no progress callback")
			}
			for _, e := range tc.events {
				report(e)
			}
			if tc.write != "" {
				c.Write([]byte(tc.write))
			}
			for _, w := range tc.wrote {
				c.Wrote(w[0], w[1])
			}
			c.finish(true)
			if got := buf.String(); got != tc.want {
				t.Errorf("terminal output\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestConsoleNotTerminal: off a terminal the console only passes writes
// through: no callbacks, no escape codes, no last line.
func TestConsoleNotTerminal(t *testing.T) {
	var buf bytes.Buffer
	c := newConsole(&buf, false)
	if c.Progress() != nil {
		t.Fatal("a console that is not a terminal gives progress callbacks")
	}
	c.Write([]byte("Locked 2 packages\n"))
	c.Wrote("lock", "pylock.toml")
	c.finish(true)
	if got := buf.String(); got != "Locked 2 packages\n" {
		t.Errorf("output %q", got)
	}
	var none *console // a command not started through the root command
	if none.Progress() != nil {
		t.Error("a nil console gives a progress callback")
	}
	none.Wrote("lock", "x")
	none.finish(true)
}

// TestCLIQuietAndPipes: with standard error a pipe, lock and build print
// their summaries and no progress; with --quiet they print nothing on
// standard error, and build still prints the archive on standard output.
func TestCLIQuietAndPipes(t *testing.T) {
	c := newCLI(t)
	idx := greetIndex(t, testindex.Options{})
	args := append([]string{"lock", "greet", "--index-url", idx.IndexURL(), "-o", "pylock.toml"}, linux311...)
	_, errOut, code := c.run(args...)
	if code != 0 || !strings.HasPrefix(errOut, "Locked 2 packages") || strings.ContainsAny(errOut, "\r\x1b") || strings.Contains(errOut, "Wrote") {
		t.Fatalf("lock to a pipe: exit %d, stderr %q", code, errOut)
	}
	out, errOut, code := c.run(append([]string{"--quiet"}, args...)...)
	if code != 0 || errOut != "" || out != "" {
		t.Fatalf("lock --quiet: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, errOut, code = c.run("build", "-q", "--lock", "pylock.toml", "-o", "dist")
	if code != 0 || errOut != "" || !strings.HasPrefix(strings.TrimSpace(out), filepath.Join("dist", "env-")) {
		t.Fatalf("build -q: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(c.dir, strings.TrimSpace(out))); err != nil {
		t.Error(err)
	}
	_, errOut, code = c.run("--quiet", "build", "--lock", "missing.toml")
	if code == 0 || !strings.Contains(errOut, "missing.toml") {
		t.Errorf("an error under --quiet: exit %d, stderr %q", code, errOut)
	}
	_, _, code = c.run("--quiet", "--verbose", "version")
	if code != 2 {
		t.Errorf("--quiet --verbose: exit %d, want 2", code)
	}
}

// TestConsoleClearsBeforeStdout: standard output may be the same
// terminal, so a result printed there first clears the progress line.
func TestConsoleClearsBeforeStdout(t *testing.T) {
	var errBuf, outBuf bytes.Buffer
	c := newConsole(&errBuf, true)
	c.now = fakeClock(time.Second)
	c.Progress()(progress.Event{Step: progress.Resolve, Name: "a", Done: 1})
	c.Stdout(&outBuf).Write([]byte("dist/env.zip\n"))
	if want := clear + "Resolving: 1 packages (a)" + clear; errBuf.String() != want || outBuf.String() != "dist/env.zip\n" {
		t.Errorf("stderr %q, stdout %q", errBuf.String(), outBuf.String())
	}
	if w := newConsole(&errBuf, false).Stdout(&outBuf); w != &outBuf {
		t.Error("off a terminal, standard output is wrapped")
	}
}
