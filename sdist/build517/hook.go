package build517

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/clusterpack/clusterpack/internal/reproducible"
)

// hookRunner is the Python script that loads the backend and calls one
// hook (see hook_runner.py for its protocol).
//
//go:embed hook_runner.py
var hookRunner []byte

// outputLines is how many lines of the backend's output errors show.
const outputLines = 20

// hookRequest is the runner's input.json.
type hookRequest struct {
	Hook        string         `json:"hook"`
	Backend     string         `json:"backend"`
	BackendPath []string       `json:"backend_path"`
	Paths       []string       `json:"paths"`
	Kwargs      map[string]any `json:"kwargs"`
}

// hookAnswer is the runner's output.json.
type hookAnswer struct {
	Status    string          `json:"status"` // ok, missing, unavailable, error
	Result    json.RawMessage `json:"result"`
	Message   string          `json:"message"`
	Traceback string          `json:"traceback"`
}

// buildTree is an unpacked sdist and everything its hooks run with.
type buildTree struct {
	sdist  string // the sdist's file name, for messages
	src    string // the source tree: the hooks' working directory
	work   string // scratch directory outside the source tree
	system BuildSystem
	python *interpreter
	paths  []string // the build environment: site-packages directories
}

// runHook runs one hook in a fresh process and returns its JSON result.
// kwargs are the hook's arguments but config_settings, which is added.
func (f *Frontend) runHook(ctx context.Context, t *buildTree, hook string, kwargs map[string]any) (json.RawMessage, error) {
	hookErr := func(err error, output string) error {
		return &HookError{Sdist: t.sdist, Hook: hook, Backend: t.system.Backend, Err: err, Output: output}
	}
	control, err := os.MkdirTemp(t.work, "hook-")
	if err != nil {
		return nil, err
	}
	backendPath := make([]string, len(t.system.BackendPath))
	for i, p := range t.system.BackendPath {
		backendPath[i] = filepath.Join(t.src, filepath.FromSlash(p))
	}
	args := map[string]any{"config_settings": f.configSettings()}
	for k, v := range kwargs {
		args[k] = v
	}
	request, err := json.Marshal(hookRequest{Hook: hook, Backend: t.system.Backend, BackendPath: backendPath, Paths: nonNilStrings(t.paths), Kwargs: args})
	if err != nil {
		return nil, err
	}
	runner := filepath.Join(control, "clusterpack_hook_runner.py")
	if err := os.WriteFile(filepath.Join(control, "input.json"), request, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(runner, hookRunner, 0o644); err != nil {
		return nil, err
	}
	logPath := filepath.Join(control, "output.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()

	runCtx := ctx
	if f.Timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, f.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(runCtx, t.python.path, "-I", "-S", runner, control)
	cmd.Dir = t.src
	cmd.Env = f.hookEnv(t.paths)
	cmd.Stdout, cmd.Stderr = logFile, logFile // files: Wait does not wait for grandchildren's pipes
	cmd.WaitDelay = 5 * time.Second
	ownProcessGroup(cmd)

	f.logger().Info("running PEP 517 hook", "sdist", t.sdist, "hook", hook, "backend", t.system.Backend, "python", t.python.path)
	start := time.Now()
	runErr := cmd.Run()
	_ = killProcessGroup(cmd) // whatever the backend left running
	output := tailOfFile(logPath, outputLines)
	f.logger().Debug("PEP 517 hook finished", "sdist", t.sdist, "hook", hook, "elapsed", time.Since(start), "output", output)

	switch {
	case ctx.Err() != nil:
		return nil, hookErr(fmt.Errorf("cancelled: %w", ctx.Err()), output)
	case runCtx.Err() != nil:
		return nil, hookErr(fmt.Errorf("timed out after %s: %w", f.Timeout, runCtx.Err()), output)
	}
	data, err := os.ReadFile(filepath.Join(control, "output.json"))
	if errors.Is(err, os.ErrNotExist) {
		if runErr == nil {
			runErr = errors.New("exited")
		}
		return nil, hookErr(fmt.Errorf("%w: the hook process %v without an answer", ErrBackendFailed, runErr), output)
	}
	if err != nil {
		return nil, err
	}
	var answer hookAnswer
	if err := json.Unmarshal(data, &answer); err != nil {
		return nil, hookErr(fmt.Errorf("%w: unreadable answer from the hook runner: %v", ErrBackendFailed, err), output)
	}
	switch answer.Status {
	case "ok":
		return answer.Result, nil
	case "missing":
		return nil, hookErr(ErrHookMissing, "")
	case "unavailable":
		return nil, hookErr(fmt.Errorf("%w: %s", ErrBackendUnavailable, answer.Message), output)
	default:
		return nil, hookErr(fmt.Errorf("%w: %s", ErrBackendFailed, answer.Message), output)
	}
}

// configSettings is Frontend.ConfigSettings as PEP 517 hooks take it: a
// single value as a string, several as a list.
func (f *Frontend) configSettings() map[string]any {
	out := map[string]any{}
	for k, vs := range f.ConfigSettings {
		if len(vs) == 1 {
			out[k] = vs[0]
		} else {
			out[k] = nonNilStrings(vs)
		}
	}
	return out
}

// passedEnv lists the variables hooks see from Frontend.Env: what
// compilers, linkers and locale handling need. Everything else, PIP_* and
// PYTHON* included, is left out.
func passedEnv() []string {
	return []string{
		"PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "TEMP", "TMP", "LANG", "LC_ALL", "LC_CTYPE", "TZ",
		"SOURCE_DATE_EPOCH", "CC", "CXX", "CPP", "LD", "AR", "ARFLAGS", "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS",
		"LDSHARED", "MAKEFLAGS", "MAX_JOBS", "PKG_CONFIG_PATH", "LD_LIBRARY_PATH", "LIBRARY_PATH", "CPATH",
		"DYLD_LIBRARY_PATH", "MACOSX_DEPLOYMENT_TARGET", "ARCHFLAGS", "SDKROOT", "DEVELOPER_DIR", "JAVA_HOME",
		"CARGO_HOME", "RUSTUP_HOME", "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
		"http_proxy", "https_proxy", "no_proxy", "SYSTEMROOT", "SystemRoot", "COMSPEC", "PATHEXT", "WINDIR",
		"PROGRAMDATA", "LOCALAPPDATA", "APPDATA", "USERPROFILE",
	}
}

// hookEnv is the environment of a hook process: passedEnv from Env,
// PYTHONNOUSERSITE, and PYTHONPATH set to the build environment so that
// Python subprocesses the backend starts see it too (the hook process
// itself runs with -I and gets the paths from the runner).
func (f *Frontend) hookEnv(paths []string) []string {
	getenv := f.Env
	if getenv == nil {
		getenv = os.Getenv
	}
	var env []string
	for _, name := range passedEnv() {
		if v := getenv(name); v != "" {
			env = append(env, name+"="+v)
		}
	}
	if getenv("SOURCE_DATE_EPOCH") == "" {
		env = append(env, "SOURCE_DATE_EPOCH="+reproducible.SourceDateEpoch)
	}
	env = append(env, "PYTHONNOUSERSITE=1")
	if len(paths) > 0 {
		env = append(env, "PYTHONPATH="+strings.Join(paths, string(os.PathListSeparator)))
	}
	return env
}

// tailOfFile returns the last n lines of the file (read from its last
// 64 KiB), or "" when it cannot be read.
func tailOfFile(name string, n int) string {
	f, err := os.Open(name)
	if err != nil {
		return ""
	}
	defer f.Close()
	const window = 64 << 10
	if st, err := f.Stat(); err == nil && st.Size() > window {
		if _, err := f.Seek(st.Size()-window, io.SeekStart); err != nil {
			return ""
		}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return ""
	}
	return lastLines(string(data), n)
}

// lastLines returns the last n lines of s, without trailing blank lines.
func lastLines(s string, n int) string {
	s = strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n \t")
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
