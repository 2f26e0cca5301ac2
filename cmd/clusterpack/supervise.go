package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/clusterpack/clusterpack/internal/journal"
	"github.com/clusterpack/clusterpack/runner"
)

// The run command without --isolate runs in a child process of its own
// (the same program, the same arguments) that this process supervises:
// the child embeds CPython and runs the calls; this process writes the
// child's records out and, when the child dies (a segfault in an
// extension module, os._exit, the out-of-memory killer), writes every
// record the child finished, names the rows that were running, with the
// Python traceback faulthandler wrote, and exits with status 4. The two
// share a journal (internal/journal): the child writes each record into
// shared memory, without a system call, and this process writes them out
// in large writes, so the promise that a crash loses no finished record
// costs less than a write(2) per record.

// supervisedEnv marks the supervised child of run; its file descriptors
// 3 and 4 are the journal and the file faulthandler writes to.
const supervisedEnv = "CLUSTERPACK_RUN_SUPERVISED"

const (
	fdJournal = 3
	fdCrash   = 4
)

// mainProcessKey marks the context of clusterpack's own main: only there
// is os.Executable the program whose arguments are os.Args (not a test
// that runs the command in its own process).
type mainProcessKey struct{}

func isMainProcess(ctx context.Context) bool {
	v, _ := ctx.Value(mainProcessKey{}).(bool)
	return v
}

// exitStatus ends clusterpack with a status and no message of its own:
// the supervised child printed its own.
type exitStatus int

func (e exitStatus) Error() string { return "exit status " + strconv.Itoa(int(e)) }
func (e exitStatus) ExitCode() int { return int(e) }

// crashError is run's error when the interpreter's process died.
type crashError struct{ msg string }

func (e *crashError) Error() string { return e.msg }
func (e *crashError) ExitCode() int { return 4 }

// shouldSupervise says whether this run command starts a supervised child
// instead of running the calls itself: in clusterpack's own process, not
// in the child, not with --isolate (whose worker processes are
// supervised already), where journals work.
func shouldSupervise(ctx context.Context, fl *runFlags) bool {
	return journal.Supported && isMainProcess(ctx) && os.Getenv(supervisedEnv) == "" && !fl.isolate
}

// errUnsupervised is supervise's error when it could not make the
// journal: the command runs the calls itself, as on systems without
// journals.
var errUnsupervised = errors.New("no journal: unsupervised")

// supervise runs this command again as a child process and supervises it
// (see above). input is run's --input, named in the crash report. The
// child shares this process's standard output (it writes a record larger
// than the journal's ring there itself), so the records go to os.Stdout;
// stderr is where the child's standard error is relayed.
func supervise(input string, stderr io.Writer) error {
	stdout := os.Stdout
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this program to start the run's process: %w", err)
	}
	unsupervised := func(err error) error {
		fmt.Fprintf(stderr, "note: the calls run in this process, unsupervised: %v; a crash of the interpreter will not name its row\n", err)
		return errUnsupervised
	}
	j, err := journal.New("", 0)
	if err != nil {
		return unsupervised(err)
	}
	defer j.Close()
	crash, err := os.CreateTemp("", "clusterpack-crash-*.txt")
	if err != nil {
		return unsupervised(fmt.Errorf("making the file for a crash's traceback: %w", err))
	}
	os.Remove(crash.Name()) // read through the open file only
	defer crash.Close()

	child := exec.Command(exe, os.Args[1:]...)
	child.Env = append(os.Environ(), supervisedEnv+"=1")
	child.Stdin, child.Stdout = os.Stdin, stdout
	errR, errW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("starting the run's process: %w", err)
	}
	child.Stderr = errW
	child.ExtraFiles = []*os.File{j.File(), crash}
	// Signals reach the child, which stops the run as it would without a
	// supervisor; this process goes on draining until the child is gone.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, stopSignals...)
	defer signal.Stop(sigs)
	err = child.Start()
	errW.Close()
	if err != nil {
		errR.Close()
		return fmt.Errorf("starting the run's process: %w", err)
	}
	relayed := make(chan struct{})
	go func() {
		relayStderr(stderr, errR, crash)
		close(relayed)
	}()
	done := make(chan struct{})
	var werr error
	go func() { werr = child.Wait(); close(done) }()
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = child.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	derr := j.Drain(context.Background(), stdout, done)
	// The child's standard error ends with it, unless a process it
	// started holds it open: then its output goes on being relayed while
	// this process lives, but the report does not wait for it.
	select {
	case <-relayed:
	case <-time.After(time.Second):
	}
	if derr != nil {
		// Standard output is gone (a closed pipe): the child's writes
		// wait for room no one makes; end it.
		_ = child.Process.Kill()
		<-done
		return fmt.Errorf("writing the records: %w", derr)
	}
	if j.Ended() {
		var ee *exec.ExitError
		if errors.As(werr, &ee) {
			return exitStatus(ee.ExitCode())
		}
		if werr != nil {
			return fmt.Errorf("the run's process: %w", werr)
		}
		return nil
	}
	return crashReport(j, crash, werr, input, stdout)
}

// goCrash is the start of the Go runtime's report of a fatal signal (the
// signal's name, or "fatal error:"), which follows faulthandler's
// traceback when the interpreter crashes.
var goCrash = regexp.MustCompile(`(?m)^(SIG[A-Z]+: |fatal error: |unexpected signal|signal arrived during)`)

// relayStderr copies the child's standard error to w until it ends, less
// the Go runtime's dump of every goroutine after a crash in Python (once
// faulthandler wrote to crash, from the first line goCrash matches): the
// report that follows says what crashed, with the Python traceback, and
// hundreds of lines of Go stacks would bury it.
func relayStderr(w io.Writer, r *os.File, crash *os.File) {
	defer r.Close()
	buf := make([]byte, 32<<10)
	cut := false
	for {
		n, err := r.Read(buf)
		if n > 0 && !cut {
			b := buf[:n]
			if st, serr := crash.Stat(); serr == nil && st.Size() > 0 {
				if loc := goCrash.FindIndex(b); loc != nil {
					b, cut = b[:loc[0]], true
				}
			}
			if _, werr := w.Write(b); werr != nil {
				cut = true // nowhere to write: drain the pipe all the same
			}
		}
		if err != nil {
			return
		}
	}
}

// currentThread is faulthandler's line for the thread that crashed.
var currentThread = regexp.MustCompile(`(?m)^Current thread (0x[0-9a-fA-F]+)`)

// crashReport writes a record for each row that was running when the
// child died and returns the error that names them.
func crashReport(j *journal.Journal, crash *os.File, werr error, input string, stdout io.Writer) error {
	how := "exit status 0"
	if werr != nil {
		how = werr.Error()
		var ee *exec.ExitError
		if errors.As(werr, &ee) {
			how = ee.ProcessState.String()
		}
	}
	tb := ""
	if b, err := io.ReadAll(io.NewSectionReader(crash, 0, 1<<20)); err == nil {
		tb = strings.TrimRight(string(b), "\n")
	}
	fatal := ""
	if first, _, _ := strings.Cut(tb, "\n"); strings.HasPrefix(first, "Fatal Python error: ") {
		fatal = strings.TrimPrefix(first, "Fatal Python error: ")
	}
	calls := j.Calls()
	name := rowName
	if input == "" {
		name = func(journal.Call) string { return "the call" }
	}
	// The row of the thread that crashed, when faulthandler names it.
	culprit := -1
	if m := currentThread.FindStringSubmatch(tb); m != nil {
		if id, err := strconv.ParseUint(m[1], 0, 64); err == nil {
			for i, c := range calls {
				if c.Thread == id {
					culprit = i
				}
			}
		}
	}
	if culprit < 0 && len(calls) == 1 {
		culprit = 0
	}
	what := "the interpreter's process died (" + how + ")"
	if fatal != "" {
		what = "the interpreter crashed: " + fatal
	} else if strings.Contains(how, "killed") {
		what += ": killed from outside, by the out-of-memory killer or a signal"
	} else if !strings.Contains(how, "signal") {
		what += ": os._exit() or a library that exited the process"
	}
	if input != "" {
		var buf []byte
		for i, c := range calls {
			last := fmt.Sprintf("%s: %s on worker %d", name(c), what, c.Worker)
			r := runner.Result{Index: c.Index, Line: c.Line, Worker: c.Worker, Error: &runner.PyError{Type: "Crash", Message: last, Last: last}}
			if i == culprit || culprit < 0 {
				r.Error.Traceback = tb
			} else {
				r.Error.Last = fmt.Sprintf("%s: not finished: %s while worker %d ran %s", name(c), what, calls[culprit].Worker, name(calls[culprit]))
				r.Error.Message = r.Error.Last
			}
			buf = r.AppendJSON(buf)
		}
		if _, err := stdout.Write(buf); err != nil {
			return fmt.Errorf("writing the records: %w", err)
		}
	}
	var msg strings.Builder
	switch {
	case culprit >= 0:
		fmt.Fprintf(&msg, "%s while worker %d ran %s", what, calls[culprit].Worker, name(calls[culprit]))
		if input != "" && calls[culprit].Line > 0 {
			fmt.Fprintf(&msg, " of %s", input)
		}
		if len(calls) > 1 {
			fmt.Fprintf(&msg, " (%d other rows were running: their records say so)", len(calls)-1)
		}
	case len(calls) > 1:
		names := make([]string, len(calls))
		for i, c := range calls {
			names[i] = name(c)
		}
		fmt.Fprintf(&msg, "%s while these rows ran: %s", what, strings.Join(names, ", "))
	default:
		msg.WriteString(what)
	}
	if tb != "" {
		msg.WriteString("\n" + tb)
	}
	if input != "" {
		msg.WriteString("\nEvery record written before is complete and in order; the rows after them have none (a row another worker finished after the crashing one waited for it, and is lost with the process). --isolate runs each worker in a process of its own, where a crash costs its row only")
	}
	return &crashError{msg.String()}
}

// rowName is "row 500 (line 501)".
func rowName(c journal.Call) string {
	if c.Line > 0 {
		return fmt.Sprintf("row %d (line %d)", c.Index, c.Line)
	}
	return fmt.Sprintf("row %d", c.Index)
}

// supervised is the journal of this process when it is the supervised
// child of run, nil otherwise.
func supervised() (*journal.Journal, error) {
	if os.Getenv(supervisedEnv) != "1" {
		return nil, nil
	}
	ppid := os.Getppid()
	j, err := journal.Open(os.NewFile(fdJournal, "journal"), os.Stdout, func() bool { return os.Getppid() == ppid })
	if err != nil {
		return nil, fmt.Errorf("the run's process (%s=1): %w", supervisedEnv, err)
	}
	return j, nil
}
