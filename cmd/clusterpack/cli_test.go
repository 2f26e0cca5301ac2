package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/testbin"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// The tests in this file run the built binary, as a user's shell does:
// the exit status and what reaches stdout and stderr are part of the
// contract.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "clusterpack-cli-")
		if err != nil {
			binErr = err
			return
		}
		binPath, binErr = testbin.Build(dir)
	})
	if binErr != nil {
		t.Fatalf("building clusterpack: %v", binErr)
	}
	return binPath
}

type cli struct {
	t   *testing.T
	bin string
	dir string // working directory
	env []string
}

// newCLI gives a clean user: own HOME, cache and working directory, no
// pip configuration from the machine.
func newCLI(t *testing.T) *cli {
	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "CLUSTERPACK_CACHE_DIR=" + filepath.Join(home, "cache"),
		"PIP_CONFIG_FILE=/dev/null", "XDG_CONFIG_HOME=" + filepath.Join(home, ".config")}
	if py := os.Getenv("PYENV_ROOT"); py != "" {
		env = append(env, "PYENV_ROOT="+py)
	}
	return &cli{t: t, bin: binary(t), dir: t.TempDir(), env: env}
}

// run returns stdout, stderr and the exit status.
func (c *cli) run(args ...string) (string, string, int) {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Dir, cmd.Env = c.dir, c.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errOut.String(), 0
	case errors.As(err, &ee):
		return out.String(), errOut.String(), ee.ExitCode()
	default:
		c.t.Fatalf("clusterpack %s: %v", strings.Join(args, " "), err)
		return "", "", -1
	}
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	out, errOut, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("clusterpack %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

func (c *cli) write(name, content string) string {
	c.t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		c.t.Fatal(err)
	}
	return p
}

func greetIndex(t *testing.T, opts testindex.Options) *testindex.Server {
	return testindex.Start(t, []testindex.Project{
		{Name: "greet", Files: []testindex.File{
			testindex.Wheel(testindex.WheelSpec{Name: "greet", Version: "1.0", RequiresDist: []string{"words>=2"},
				Files: map[string]string{"greet/__init__.py": "from words import HELLO\n"}}),
		}},
		{Name: "words", Files: []testindex.File{
			testindex.Wheel(testindex.WheelSpec{Name: "words", Version: "1.0", Files: map[string]string{"words/__init__.py": "HELLO = 'hi'\n"}}),
			testindex.Wheel(testindex.WheelSpec{Name: "words", Version: "2.1", Files: map[string]string{"words/__init__.py": "HELLO = 'hello'\n"}}),
		}},
	}, opts)
}

var linux311 = []string{"--python", "3.11", "--platform", "manylinux_2_28_x86_64"}

// TestCLIWorkflow: lock, build, upload, spark-args and flink-args, each
// from the file the one before wrote, as a user chains them.
func TestCLIWorkflow(t *testing.T) {
	c := newCLI(t)
	idx := greetIndex(t, testindex.Options{})
	c.write("requirements.txt", "# the job's needs\ngreet\n")

	c.ok(append([]string{"lock", "-r", "requirements.txt", "--index-url", idx.IndexURL(), "-o", "pylock.toml"}, linux311...)...)
	lockText, err := os.ReadFile(filepath.Join(c.dir, "pylock.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`lock-version = "1.0"`, `name = "greet"`, `name = "words"`, `version = "2.1"`, "sha256 = "} {
		if !strings.Contains(string(lockText), want) {
			t.Errorf("pylock.toml lacks %s:\n%s", want, lockText)
		}
	}

	var m struct {
		Name, Format, Archive, SHA256, Interpreter string
		ContentHash                                string `json:"content_hash"`
		Packages                                   []struct{ Name, Version string }
	}
	out := c.ok("build", "--lock", "pylock.toml", "--format", "zip", "-o", "dist", "--json")
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("build --json: %v\n%s", err, out)
	}
	if m.Format != "zip" || !strings.Contains(m.Archive, m.ContentHash) || len(m.Packages) != 2 || m.Interpreter != "environment/bin/python" {
		t.Errorf("manifest %+v", m)
	}
	archive := m.Archive
	if !filepath.IsAbs(archive) {
		archive = filepath.Join(c.dir, archive) // relative to the working directory
	}
	if _, err := os.Stat(archive); err != nil {
		t.Errorf("the archive the manifest names is not there: %v", err)
	}
	first := m.SHA256
	again := c.ok("build", "--lock", "pylock.toml", "--format", "zip", "-o", "dist2", "--json")
	if err := json.Unmarshal([]byte(again), &m); err != nil || m.SHA256 != first {
		t.Errorf("a second build into another directory has sha256 %s, the first %s", m.SHA256, first)
	}

	store := "file://" + filepath.Join(c.dir, "store")
	var up struct {
		URL      string
		Uploaded bool
	}
	out = c.ok("upload", "--lock", "pylock.toml", "--to", store, "--manifest", "env.json", "--json")
	if err := json.Unmarshal([]byte(out), &up); err != nil || !up.Uploaded || !strings.HasPrefix(up.URL, store+"/") {
		t.Fatalf("first upload: %+v %v\n%s", up, err, out)
	}
	out = c.ok("upload", "--lock", "pylock.toml", "--to", store, "--json")
	if err := json.Unmarshal([]byte(out), &up); err != nil || up.Uploaded {
		t.Fatalf("second upload sent the archive again: %+v %v", up, err)
	}

	flags := c.ok("spark-args", "--manifest", "env.json", "--master", "yarn")
	for _, want := range []string{up.URL + "#environment", "spark.pyspark.python=./environment/bin/python"} {
		if !strings.Contains(flags, want) {
			t.Errorf("spark-args lacks %q:\n%s", want, flags)
		}
	}
	flink := c.ok("flink-args", "--manifest", "env.json")
	for _, want := range []string{"-pyarch", up.URL + "#venv", "-pyexec", "venv/bin/python"} {
		if !strings.Contains(flink, want) {
			t.Errorf("flink-args lacks %q:\n%s", want, flink)
		}
	}
}

// TestCLIErrors: bad input fails with a non-zero status and a message
// that names what is wrong, on stderr, with nothing on stdout and no
// half-written output file.
func TestCLIErrors(t *testing.T) {
	c := newCLI(t)
	idx := greetIndex(t, testindex.Options{})
	c.write("bad.txt", "greet\ngreet>>=1\n")
	c.write("nested.txt", "-r does-not-exist.txt\n")
	c.write("broken.toml", "lock-version = \n")
	c.write("manifest.json", "{not json")
	index := []string{"--index-url", idx.IndexURL()}
	lock := func(args ...string) []string {
		return append(append(append([]string{"lock"}, args...), index...), linux311...)
	}
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"missing requirements file", lock("-r", "nope.txt", "-o", "out.toml"), 1, []string{"nope.txt"}},
		{"nested missing file", lock("-r", "nested.txt", "-o", "out.toml"), 1, []string{"does-not-exist.txt", "nested.txt"}},
		{"bad requirement line", lock("-r", "bad.txt", "-o", "out.toml"), 1, []string{"bad.txt", "2", "greet>>=1"}},
		{"unknown project", lock("no-such-project", "-o", "out.toml"), 1, []string{"no-such-project"}},
		{"no matching version", lock("greet==9.9", "-o", "out.toml"), 1, []string{"greet==9.9", "available: 1.0"}},
		{"conflict", lock("greet", "words<2", "-o", "out.toml"), 1, []string{"greet", "words"}},
		{"bad platform", []string{"lock", "greet", "--python", "3.11", "--platform", "solaris_sparc", "-o", "out.toml"}, 2, []string{"solaris_sparc"}},
		{"no such CPython", append([]string{"lock", "greet", "--python", "3.99", "--platform", "manylinux_2_28_x86_64", "-o", "out.toml"}, index...), 2, []string{`python version "3.99": there is no CPython 3.99`, "clusterpack --help"}},
		{"no such CPython, host platform", append([]string{"lock", "greet", "--python", "3.99", "-o", "out.toml"}, index...), 2, []string{"there is no CPython 3.99"}},
		{"requirement syntax", lock("numpy===", "-o", "out.toml"), 2, []string{`requirement "numpy===": expected a version after "===" (at column 6)`, "clusterpack --help"}},
		{"requirement syntax, no version", lock("greet>=", "-o", "out.toml"), 2, []string{`requirement "greet>=": `, "(at column 6)"}},
		{"missing lock", []string{"build", "--lock", "nope.toml", "-o", "dist"}, 1, []string{"nope.toml", "clusterpack lock -o nope.toml"}},
		{"broken lock", []string{"build", "--lock", "broken.toml", "-o", "dist"}, 1, []string{"broken.toml"}},
		{"unknown format", []string{"build", "--lock", "broken.toml", "--format", "rar"}, 2, []string{"rar"}},
		{"unknown store", []string{"upload", "--lock", "broken.toml", "--to", "ftp://host/x"}, 1, []string{"ftp"}},
		{"bad manifest", []string{"spark-args", "--manifest", "manifest.json"}, 1, []string{"manifest.json"}},
		{"unknown master", []string{"spark-args", "--manifest", "manifest.json", "--master", "mesos"}, 2, []string{"mesos"}},
		{"unknown command", []string{"pack"}, 2, []string{"pack"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := c.run(tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstderr: %s", code, tt.code, errOut)
			}
			if out != "" {
				t.Errorf("stdout is not empty: %q", out)
			}
			if !strings.HasPrefix(errOut, "clusterpack: ") {
				t.Errorf("stderr does not start with 'clusterpack: ': %q", errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr does not name %q:\n%s", w, errOut)
				}
			}
			if _, err := os.Stat(filepath.Join(c.dir, "out.toml")); err == nil {
				t.Error("a failed lock wrote out.toml")
			}
			if entries, _ := os.ReadDir(filepath.Join(c.dir, "dist")); len(entries) != 0 {
				t.Errorf("a failed build left %d files in dist", len(entries))
			}
		})
	}
}

// TestCLISecrets: credentials in an index URL reach the index but never
// the lock, the output or an error message.
func TestCLISecrets(t *testing.T) {
	c := newCLI(t)
	idx := greetIndex(t, testindex.Options{Username: "alice", Password: "s3cr3t-pw"})
	out, errOut, code := c.run(append([]string{"lock", "greet", "--index-url", idx.IndexURLWithCredentials(), "-o", "pylock.toml", "-v"}, linux311...)...)
	if code != 0 {
		t.Fatalf("lock with credentials: exit %d\n%s", code, errOut)
	}
	lockText, _ := os.ReadFile(filepath.Join(c.dir, "pylock.toml"))
	for what, text := range map[string]string{"stdout": out, "stderr (with -v)": errOut, "pylock.toml": string(lockText)} {
		if strings.Contains(text, "s3cr3t-pw") {
			t.Errorf("%s contains the password", what)
		}
	}
	// The same index without the credentials: refused, and said so.
	_, errOut, code = c.run(append([]string{"lock", "greet", "--index-url", idx.IndexURL(), "-o", "other.toml"}, linux311...)...)
	if code == 0 || !strings.Contains(errOut, "401") && !strings.Contains(strings.ToLower(errOut), "auth") {
		t.Errorf("without credentials: exit %d\n%s", code, errOut)
	}
	// Wrong credentials in an error message are hidden too.
	bad := strings.Replace(idx.IndexURLWithCredentials(), "s3cr3t-pw", "wrong-pw", 1)
	_, errOut, code = c.run(append([]string{"lock", "greet", "--index-url", bad, "-o", "other.toml"}, linux311...)...)
	if code == 0 || strings.Contains(errOut, "wrong-pw") {
		t.Errorf("wrong credentials: exit %d\n%s", code, errOut)
	}
}
