package resolvediff

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
)

// pipWorkerScript runs pip's command line in-process for each JSON list
// of arguments it reads, and prints the exit code and standard error:
// pip's import costs most of a run, so a worker is started once per
// parallel slot instead of once per world. Cross-check it against a pip
// process per world with -resolvediff.pipprocess.
const pipWorkerScript = `
import contextlib, io, json, sys
from pip._internal.cli.main import main
out = sys.stdout
for line in sys.stdin:
    args = json.loads(line)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(args)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException as e:
            err.write("worker: %r\n" % (e,))
            code = -2
    out.write(json.dumps({"code": code, "stderr": err.getvalue()}) + "\n")
    out.flush()
`

// pipWorker is one long-running python running pipWorkerScript.
type pipWorker struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
}

func startPipWorker(python string, env []string) (*pipWorker, error) {
	cmd := exec.Command(python, "-c", pipWorkerScript)
	cmd.Env = env
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &pipWorker{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout)}, nil
}

// run runs `pip args...` in the worker.
func (w *pipWorker) run(args []string) (stderr string, code int, err error) {
	data, _ := json.Marshal(args)
	if _, err := w.stdin.Write(append(data, '\n')); err != nil {
		return "", 0, fmt.Errorf("pip worker: %w", err)
	}
	line, err := w.stdout.ReadBytes('\n')
	if err != nil {
		return "", 0, fmt.Errorf("pip worker: %w", err)
	}
	var res struct {
		Code   int    `json:"code"`
		Stderr string `json:"stderr"`
	}
	if err := json.Unmarshal(line, &res); err != nil {
		return "", 0, fmt.Errorf("pip worker: %w: %q", err, line)
	}
	return res.Stderr, res.Code, nil
}

// stop ends the worker: it exits at the end of its input.
func (w *pipWorker) stop() {
	w.stdin.Close()
	_ = w.cmd.Wait()
}

// pipPool hands out workers, starting them on demand.
type pipPool struct {
	python string
	env    []string
	mu     sync.Mutex
	idle   []*pipWorker
	all    []*pipWorker
}

func (p *pipPool) get() (*pipWorker, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		return w, nil
	}
	w, err := startPipWorker(p.python, p.env)
	if err != nil {
		return nil, err
	}
	p.all = append(p.all, w)
	return w, nil
}

func (p *pipPool) put(w *pipWorker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.idle = append(p.idle, w)
}

func (p *pipPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.all {
		w.stop()
	}
	p.all, p.idle = nil, nil
}
