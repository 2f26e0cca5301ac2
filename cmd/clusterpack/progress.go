package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/clusterpack/clusterpack/internal/progress"
)

// console is a command's standard error. When it is a terminal, the long
// steps draw one progress line on it, which is cleared before anything
// else is written, and the command ends with a line naming what it wrote
// where. When it is not, it passes writes through and draws nothing.
type console struct {
	w   io.Writer
	tty bool
	now func() time.Time

	mu    sync.Mutex
	drawn bool // a progress line is on the screen
	step  progress.Step
	last  time.Time
	wrote []string
}

// redrawEvery bounds how often a progress line is drawn.
const redrawEvery = 100 * time.Millisecond

func newConsole(w io.Writer, tty bool) *console {
	return &console{w: w, tty: tty, now: time.Now}
}

type consoleKey struct{}

// consoleOf is the command's console; nil (which draws nothing) when the
// command was not started through the root command.
func consoleOf(cmd *cobra.Command) *console {
	if ctx := cmd.Context(); ctx != nil {
		c, _ := ctx.Value(consoleKey{}).(*console)
		return c
	}
	return nil
}

func withConsole(ctx context.Context, c *console) context.Context {
	return context.WithValue(ctx, consoleKey{}, c)
}

// Write clears the progress line, then writes p.
func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearLocked()
	return c.w.Write(p)
}

// Stdout is w (the command's standard output) made to clear the
// progress line before each write, when the console is a terminal:
// standard output may be the same terminal.
func (c *console) Stdout(w io.Writer) io.Writer {
	if !c.tty {
		return w
	}
	return stdoutWriter{c, w}
}

type stdoutWriter struct {
	c *console
	w io.Writer
}

func (s stdoutWriter) Write(p []byte) (int, error) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	s.c.clearLocked()
	return s.w.Write(p)
}

func (c *console) clearLocked() {
	if c.drawn {
		io.WriteString(c.w, "\r\x1b[K")
		c.drawn = false
	}
}

// Progress is the callback for the library steps: nil unless the console
// is a terminal.
func (c *console) Progress() progress.Func {
	if c == nil || !c.tty {
		return nil
	}
	return c.draw
}

func (c *console) draw(e progress.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	// The last byte is drawn whatever the time (an estimate passed is not
	// a last byte: Write's Total is one).
	final := e.Total > 0 && e.Done == e.Total
	if e.Step == c.step && !final && now.Sub(c.last) < redrawEvery {
		return
	}
	c.step, c.last = e.Step, now
	io.WriteString(c.w, "\r\x1b[K"+progressLine(e))
	c.drawn = true
}

// progressLine is the text of one event, at most about 100 columns.
func progressLine(e progress.Event) string {
	name := e.Name
	if len(name) > 40 {
		name = name[:37] + "..."
	}
	switch e.Step {
	case progress.Resolve:
		return fmt.Sprintf("Resolving: %d packages (%s)", e.Done, name)
	case progress.Build:
		return fmt.Sprintf("Building %s from source", name)
	case progress.Download:
		return "Downloading " + amount(e) + " (" + name + ")"
	case progress.Write:
		return "Writing " + name + " " + amount(e)
	default:
		return "Uploading " + name + " " + amount(e)
	}
}

// amount is done bytes with a bar when the total is known.
func amount(e progress.Event) string {
	if e.Total <= 0 {
		return humanSize(e.Done)
	}
	const width = 24
	frac := min(float64(e.Done)/float64(e.Total), 1)
	filled := int(frac * width)
	return fmt.Sprintf("[%s%s] %5.1f%% %s of %s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), frac*100, humanSize(e.Done), humanSize(e.Total))
}

// Wrote records what the command wrote where, for its last line.
func (c *console) Wrote(what, where string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wrote = append(c.wrote, what+" "+where)
}

// finish clears the progress line and, on a terminal after a command that
// succeeded, names what was written where.
func (c *console) finish(ok bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearLocked()
	if ok && c.tty && len(c.wrote) > 0 {
		fmt.Fprintf(c.w, "Wrote %s\n", strings.Join(c.wrote, ", "))
	}
	c.wrote = nil
}

// withConsoleFinish makes every command finish its console when it ends.
func withConsoleFinish(c *cobra.Command) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			err := run(cmd, args)
			consoleOf(cmd).finish(err == nil)
			return err
		}
	}
	for _, sub := range c.Commands() {
		withConsoleFinish(sub)
	}
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// writeJSONFile writes v as indented JSON, atomically.
func writeJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(data, '\n'))
}
