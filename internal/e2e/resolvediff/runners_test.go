package resolvediff

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/resolve"
	"github.com/clusterpack/clusterpack/target"
)

// request is what the three resolvers are given.
type request struct {
	requirements []string
	constraints  []string // written to a -c file when not empty
	pre          bool
	indexURL     string
}

// tools locates the references.
type tools struct {
	python string // CPython 3.11 with pip
	uv     string
	// pip, when set, runs pip in long-lived workers instead of a
	// process per run.
	pip *pipPool
}

// errInfra is a failure of the harness or a reference tool (not a
// resolution failure): it fails the test.
type errInfra struct{ msg string }

func (e *errInfra) Error() string { return e.msg }

// writeConstraints writes the -c file into dir, or returns "".
func writeConstraints(dir string, req request) (string, error) {
	if len(req.constraints) == 0 {
		return "", nil
	}
	path := filepath.Join(dir, "constraints.txt")
	return path, os.WriteFile(path, []byte(strings.Join(req.constraints, "\n")+"\n"), 0o644)
}

// runCmd runs a command with a deadline and returns stdout, stderr and
// its exit code (-1 when it could not run or timed out).
func runCmd(ctx context.Context, dir string, env []string, stdin string, name string, args ...string) (string, string, int) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ctx.Err() == nil {
			code = ee.ExitCode()
		} else {
			code = -1
			stderr.WriteString("\n" + err.Error())
		}
	}
	return stdout.String(), stderr.String(), code
}

// pipAnswer resolves with pip for its own interpreter: pip install
// --dry-run --report.
func (tl tools) pipAnswer(ctx context.Context, dir string, req request) (answer, error) {
	cons, err := writeConstraints(dir, req)
	if err != nil {
		return answer{}, err
	}
	report := filepath.Join(dir, "pip-report.json")
	args := []string{"install", "--dry-run", "--report", report, "--ignore-installed",
		"--isolated", "--disable-pip-version-check", "--no-cache-dir", "--no-input", "--retries", "0", "--timeout", "20",
		"--index-url", req.indexURL, "--quiet"}
	if req.pre {
		args = append(args, "--pre")
	}
	if cons != "" {
		args = append(args, "-c", cons)
	}
	args = append(args, req.requirements...)
	var stderr string
	var code int
	if tl.pip != nil {
		w, err := tl.pip.get()
		if err != nil {
			return answer{}, &errInfra{err.Error()}
		}
		if stderr, code, err = w.run(args); err != nil {
			return answer{}, &errInfra{err.Error()}
		}
		tl.pip.put(w)
	} else {
		_, stderr, code = runCmd(ctx, dir, pipEnv(dir), "", tl.python, append([]string{"-m", "pip"}, args...)...)
	}
	if code != 0 {
		if code == 1 && (strings.Contains(stderr, "ResolutionImpossible") || strings.Contains(stderr, "No matching distribution found")) {
			return answer{err: stderr}, nil
		}
		return answer{}, &errInfra{fmt.Sprintf("pip %s: exit %d\n%s", strings.Join(args, " "), code, stderr)}
	}
	data, err := os.ReadFile(report)
	if err != nil {
		return answer{}, &errInfra{fmt.Sprintf("pip wrote no report: %v\n%s", err, stderr)}
	}
	var rep struct {
		Install []struct {
			Metadata struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			} `json:"metadata"`
		} `json:"install"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return answer{}, &errInfra{fmt.Sprintf("pip report: %v", err)}
	}
	a := answer{versions: map[string]string{}}
	for _, in := range rep.Install {
		a.versions[pep503.Normalize(in.Metadata.Name)] = in.Metadata.Version
	}
	return a, nil
}

// pipEnv is pip's environment: no user configuration.
func pipEnv(home string) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "PIP_CONFIG_FILE=/dev/null", "PIP_ROOT_USER_ACTION=ignore", "PYTHONDONTWRITEBYTECODE=1"}
}

// uvAnswer resolves with uv pip compile for target k: the reference
// interpreter, or Python 3.11 on x86_64-manylinux_2_28.
func (tl tools) uvAnswer(ctx context.Context, dir string, k targetKind, req request) (answer, error) {
	cons, err := writeConstraints(dir, req)
	if err != nil {
		return answer{}, err
	}
	args := []string{"pip", "compile", "-", "--index-url", req.indexURL, "--no-header", "--no-annotate", "--quiet"}
	switch k {
	case real:
		args = append(args, "--python", tl.python)
	case synth:
		args = append(args, "--python-version", "3.11", "--python-platform", "x86_64-manylinux_2_28")
	}
	if req.pre {
		args = append(args, "--prerelease", "allow")
	}
	if cons != "" {
		args = append(args, "-c", cons)
	}
	// PATH holds only the reference interpreter's directory: uv looks
	// for interpreters even for --python-version, and pyenv shims are slow.
	env := []string{"PATH=" + filepath.Dir(tl.python), "HOME=" + dir, "UV_CACHE_DIR=" + filepath.Join(dir, "uv-cache"), "UV_NO_CONFIG=1", "UV_PYTHON_DOWNLOADS=never", "NO_COLOR=1"}
	// The machine's CA bundle (uv trusts only its own roots otherwise),
	// and proxies for a remote index.
	pass := []string{"SSL_CERT_FILE", "SSL_CERT_DIR"}
	if strings.HasPrefix(req.indexURL, "https://") {
		pass = append(pass, "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy")
	}
	for _, k := range pass {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	stdout, stderr, code := runCmd(ctx, dir, env, strings.Join(req.requirements, "\n")+"\n", tl.uv, args...)
	if code != 0 {
		if code == 1 && strings.Contains(stderr, "No solution found") {
			return answer{err: stderr}, nil
		}
		return answer{}, &errInfra{fmt.Sprintf("uv %s: exit %d\n%s", strings.Join(args, " "), code, stderr)}
	}
	return parseCompiled(stdout)
}

// parseCompiled reads "name==version" lines.
func parseCompiled(out string) (answer, error) {
	a := answer{versions: map[string]string{}}
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, v, ok := strings.Cut(line, "==")
		if !ok {
			return answer{}, &errInfra{fmt.Sprintf("uv output line %q is not name==version:\n%s", line, out)}
		}
		if i := strings.IndexByte(name, '['); i >= 0 {
			name = name[:i]
		}
		v, _, _ = strings.Cut(v, " ")
		a.versions[pep503.Normalize(strings.TrimSpace(name))] = strings.TrimSpace(v)
	}
	return a, nil
}

// specFor is clusterpack's target for k.
func (tl tools) specFor(k targetKind) target.Spec {
	if k == real {
		return target.Spec{Python: tl.python}
	}
	return target.Spec{Python: "3.11", Platforms: []string{"manylinux_2_28_x86_64"}}
}

// clusterpackAnswer locks with lock.Make as `clusterpack lock` does.
func (tl tools) clusterpackAnswer(ctx context.Context, dir string, k targetKind, req request) (answer, error) {
	cons, err := writeConstraints(dir, req)
	if err != nil {
		return answer{}, err
	}
	// uv tries the newest version first, wheel or not (it has no
	// --prefer-binary), so clusterpack does too here: for the synthetic
	// target it would otherwise prefer older versions with wheels.
	in := lock.Input{Requirements: req.requirements, Target: tl.specFor(k), IndexURL: req.indexURL, Pre: req.pre, PreferBinary: lock.PreferBinaryNever}
	if cons != "" {
		in.ConstraintFiles = []string{cons}
	}
	home := filepath.Join(dir, "home")
	cache := filepath.Join(dir, "cache-"+k.String())
	for _, d := range []string{home, cache} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return answer{}, err
		}
	}
	// No pip configuration reaches clusterpack. For a remote index it sees
	// what a user's shell gives it to build sdists: PATH and pyenv's root
	// (to find a CPython 3.11), the CA bundle and proxies.
	vars := map[string]string{}
	if strings.HasPrefix(req.indexURL, "https://") {
		for _, k := range []string{"PATH", "PYENV_ROOT", "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"} {
			if v, ok := os.LookupEnv(k); ok {
				vars[k] = v
			}
		}
		if home, err := os.UserHomeDir(); err == nil && vars["PYENV_ROOT"] == "" {
			vars["PYENV_ROOT"] = filepath.Join(home, ".pyenv")
		}
	}
	env := lock.Env{Getenv: func(k string) string { return vars[k] }, HomeDir: home, CacheDir: cache, Version: "resolvediff"}
	res, err := lock.Make(ctx, in, env)
	if err != nil {
		var ns *resolve.NoSolutionError
		if errors.As(err, &ns) {
			return answer{err: err.Error()}, nil
		}
		return answer{err: "(not a NoSolutionError) " + err.Error()}, nil
	}
	a := answer{versions: map[string]string{}}
	for _, p := range res.Lock.Packages {
		a.versions[p.Name] = p.Version
	}
	return a, nil
}
