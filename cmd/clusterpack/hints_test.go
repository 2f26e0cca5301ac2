package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/flink"
	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/pack/venv"
	"github.com/clusterpack/clusterpack/resolve"
	"github.com/clusterpack/clusterpack/runner"
	"github.com/clusterpack/clusterpack/sdist/build517"
	"github.com/clusterpack/clusterpack/spark"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/s3"
	"github.com/clusterpack/clusterpack/target"
	"github.com/clusterpack/clusterpack/upload"
)

// TestHint: the library errors that say what to do in their own terms
// reach the user with the flag that does it, wherever they are in the
// chain; other errors are left as they are.
func TestHint(t *testing.T) {
	plain := errors.New("plain")
	tests := []struct {
		name string
		err  error
		want string // the whole message; "" means err unchanged
	}{
		{"nil", nil, ""},
		{"no hint", fmt.Errorf("lock: %w", plain), ""},
		{"no interpreter", fmt.Errorf("building: %w", &target.NoInterpreterError{Version: "3.11"}),
			"building: no Python 3.11 on this machine (looked for python3.11 on PATH and in pyenv): install it (e.g. pyenv install 3.11) or name an interpreter of that version (--python /path/to/python3.11)"},
		{"not on PATH", &target.NotOnPathError{Command: "python3"},
			"no python3 on PATH: install Python, or name an interpreter by its path, or give a Python version and the cluster's platform for a cluster target: executable file not found in $PATH (--python /path/to/python3, or --python 3.11 --platform manylinux_2_28_x86_64)"},
		{"platform needed, outermost wins", &target.PlatformNeededError{Version: "3.11", Err: &target.NotOnPathError{Command: "python3"}},
			"no local Python 3.11 to read the platform from, and no python3 on PATH: install Python, or name an interpreter by its path, or give a Python version and the cluster's platform for a cluster target: executable file not found in $PATH; name the cluster's platform (--platform manylinux_2_28_x86_64, for example)"},
		{"not CPython", &target.NotCPythonError{Interpreter: "/usr/bin/pypy3", Implementation: "pypy"},
			"python interpreter /usr/bin/pypy3 is pypy; a target for given platforms needs CPython (--python with a CPython, or a version such as --python 3.11)"},
		{"no such CPython", fmt.Errorf("lock: %w", &target.VersionError{Version: "3.99", Reason: "there is no CPython 3.99: name one that exists"}),
			`lock: python version "3.99": there is no CPython 3.99: name one that exists (--python 3.11, for example, or an interpreter's path)`},
		{"sdist interpreter", fmt.Errorf("lock: %w", &build517.InterpreterError{Sdist: "plain-1.0.tar.gz", Want: "3.12"}),
			"lock: building plain-1.0.tar.gz needs a CPython 3.12 interpreter, but none was given; name one, or install it with `pyenv install 3.12` (--python /path/to/python3.12)"},
		{"sdist interpreter for a range", &build517.InterpreterError{Sdist: "needy-1.0.tar.gz", Python: "/usr/bin/python3", Want: ">=4", Found: "3.11.2"},
			"building needy-1.0.tar.gz needs a CPython >=4 interpreter, but /usr/bin/python3 is Python 3.11.2; name one (--python /path/to/python3.X)"},
		{"runner searched", fmt.Errorf("run: %w", &runner.NoInterpreterError{Version: "3.11", Looked: []string{"python3.11 on PATH: not found"}}),
			"run: no usable Python of version 3.11 for this archive: looked at python3.11 on PATH: not found. Install one with a shared libpython (e.g. `pyenv install 3.11`, or your distribution's python3.11 and libpython3.11 packages), or name one (--python /path/to/python3.11)"},
		{"runner given", &runner.NoInterpreterError{Version: "3.11", Given: "/usr/bin/python3", Looked: []string{"/usr/bin/python3: Python 3.12, the archive needs 3.11"}}, ""},
		{"nothing to lock", lock.ErrNothingToLock,
			"nothing to lock: give requirements, requirements files, editable projects or a virtualenv (as arguments, -r FILE, -e DIR or --from-venv DIR)"},
		{"venv without interpreter", fmt.Errorf("virtualenv /v: %w; recreate the virtualenv or give the target's Python", lock.ErrVenvNoInterpreter),
			"virtualenv /v: its interpreter is missing (bin/python points nowhere); recreate the virtualenv or give the target's Python (--python 3.11, or an interpreter's path)"},
		{"direct URL", fmt.Errorf("requirement a @ https://x/a.whl: %w; download the file and add its directory to the find-links locations", resolve.ErrDirectURL),
			"requirement a @ https://x/a.whl: direct URL requirements are not supported yet; download the file and add its directory to the find-links locations (--find-links DIR)"},
		{"not an upload manifest", &upload.ManifestError{Missing: "url"},
			"the manifest has no url: give the manifest of an upload ('clusterpack upload --manifest FILE' writes one)"},
		{"digest mismatch", fmt.Errorf("fetching the environment to run it locally: %w", &upload.DigestMismatchError{URL: "s3://b/env.zip", Got: "aa", Want: "bb"}),
			"fetching the environment to run it locally: s3://b/env.zip has sha256 aa, but the manifest records bb: upload it again, replacing the stored copy (clusterpack upload --force)"},
		{"bundle", fmt.Errorf("venv: %w", &venv.BundleError{Python: "/usr/bin/python3.10", Err: errors.New("it is Python 3.10, the environment is for 3.11")}),
			"venv: bundling /usr/bin/python3.10: it is Python 3.10, the environment is for 3.11 (--bundle-python)"},
		{"python path", fmt.Errorf("venv: %w", &venv.PythonPathError{Path: "bin/python3", Reason: "must be an absolute path or a command name"}),
			`venv: the nodes' interpreter "bin/python3" must be an absolute path or a command name (--python-path)`},
		{"client mode only", &spark.ClientOnlyError{Kind: spark.Local},
			"a local master runs the driver in the spark-submit process: use client mode (--deploy-mode client)"},
		{"session in cluster mode", usagef("%w", spark.ErrSessionCluster),
			"a session built in code runs its driver where the code runs: cluster mode needs spark-submit, with its flags or spark-defaults.conf lines (--style flags or --style conf)"},
		{"spark without URL", spark.ErrNoURL,
			"the manifest has no URL: give the manifest of an upload ('clusterpack upload --manifest FILE' writes one)"},
		{"thread mode without a Python", fmt.Errorf("environment file:///e.zip: %w", &flink.ThreadModeError{NoPython: true}),
			"environment file:///e.zip: thread mode runs Python inside the TaskManager's JVM through PEMJA, and the environment has no Python of its own, and Flink makes the unpacked environment PYTHONHOME in thread mode (bundle a CPython into it); then upload again (build it with --bundle-python PATH)"},
		{"thread mode without packages", &flink.ThreadModeError{Missing: []string{"pemja"}}, ""},
		{"flink and a pex", flink.ErrPex,
			"Flink cannot use a pex as its Python: it ships archives, which it unpacks, and files for PYTHONPATH; build the environment as a zip or tar.gz (--format zip or --format tar.gz)"},
		{"S3 region", &store.Error{Op: "stat", URL: "s3://b/env.zip", Err: &s3.RegionError{Bucket: "b", Code: "PermanentRedirect", Err: plain}},
			`stat s3://b/env.zip: bucket "b" is in another region (PermanentRedirect): set the store's region or AWS_REGION: plain (--s3-region REGION)`},
		{"S3 credentials", &s3.NoCredentialsError{From: "the environment", Err: plain},
			"access denied: no usable AWS credentials from the environment: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or choose a profile (AWS_PROFILE): plain (--profile NAME)"},
		{"wheel whose RECORD lies", &build.BrokenWheelError{Package: "lib", Version: "2.0", Err: plain},
			"package lib 2.0: plain: the wheel is broken as published (its RECORD does not describe its files); report it to the project, and lock another version or build lib from its sdist (--no-binary lib builds it from its sdist)"},
		{"host-tagged wheel for a foreign target", &build.ForeignWheelError{Package: "hostext", Version: "1.0", Sdist: "hostext-1.0.tar.gz", Wheel: "hostext-1.0-cp311-cp311-linux_x86_64.whl", Tag: "cp311-cp311-linux_x86_64", Target: "manylinux_2_17_x86_64"},
			"package hostext: building hostext-1.0.tar.gz on this host made a wheel tagged cp311-cp311-linux_x86_64, which is for this host, not for the target manylinux_2_17_x86_64; pin a version of hostext that has wheels for manylinux_2_17_x86_64, or lock and build on a machine of the target platform with its Python as the target (there, give --python its interpreter and no --platform)"},
		{"joined", errors.Join(plain, &target.PlatformNeededError{Version: "3.12"}),
			"plain\na synthetic Python 3.12 target needs at least one platform tag (--platform manylinux_2_28_x86_64, for example)"},
		{"usage error", usagef("bad: %w", &target.PlatformNeededError{Version: "3.12"}),
			"bad: a synthetic Python 3.12 target needs at least one platform tag (--platform manylinux_2_28_x86_64, for example)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hint(tt.err)
			if tt.want == "" {
				if got != tt.err {
					t.Fatalf("hint(%v) = %v, want it unchanged", tt.err, got)
				}
				return
			}
			if got.Error() != tt.want {
				t.Errorf("hint:\n got %s\nwant %s", got, tt.want)
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("hint(err) does not wrap err")
			}
			var ue *usageError
			if errors.As(tt.err, &ue) && !errors.As(got, &ue) {
				t.Errorf("a usage error is no longer one")
			}
			if again := hint(got); again.Error() != got.Error() {
				t.Errorf("hinted twice: %s", again)
			}
		})
	}
}

// TestHintReport: check's findings with a hint key get their flags in
// the message, which the summary and the JSON both show.
func TestHintReport(t *testing.T) {
	r := &runner.Report{Python: "3.11",
		Static: []runner.Finding{
			{Kind: "elf", Message: "fastlib 1.2: x.so requires GLIBC_2.34 from libc.so.6, newer than manylinux_2_28 allows; use a wheel built for manylinux_2_28 or older, or target a newer platform", Hint: runner.HintNewerPlatform},
			{Kind: "tag", Message: "unchanged"},
		},
		Failures: []runner.Finding{{Kind: "interpreter", Message: "no usable Python ... or name one", Hint: runner.HintInterpreter}},
	}
	hintReport(r)
	for _, want := range []string{
		"or target a newer platform (lock and build with a newer --platform)\n",
		"  FAIL tag: unchanged\n",
		"or name one (--python /path/to/python3.11)\n",
	} {
		if !strings.Contains(r.Summary(), want) {
			t.Errorf("summary lacks %q:\n%s", want, r.Summary())
		}
	}
	j, _ := json.Marshal(r)
	if !strings.Contains(string(j), `"hint":"interpreter"`) || !strings.Contains(string(j), "(--python /path/to/python3.11)") {
		t.Errorf("JSON lacks the hint: %s", j)
	}
}

// TestHintSparkNotes: spark-args' notes name the flags that do what
// they say.
func TestHintSparkNotes(t *testing.T) {
	c, err := spark.Args(spark.Env{Format: spark.FormatZip, URL: "file:///srv/envs/env.zip", Interpreter: "environment/bin/python", Code: []string{"s3://b/code.zip"}}, spark.Options{Master: "yarn"})
	if err != nil {
		t.Fatal(err)
	}
	hintSparkNotes(c.Notes)
	var texts []string
	for _, n := range c.Notes {
		texts = append(texts, n.Text)
	}
	for i, want := range []string{
		"ships it once (--to hdfs://NAMENODE:PORT/PATH or --to s3://BUCKET/PREFIX)",
		"spark.driver.extraClassPath and spark.executor.extraClassPath (--class-path)",
		"they are printed as properties only when given (--include-credentials)",
	} {
		if i >= len(texts) || !strings.HasSuffix(texts[i], want) {
			t.Errorf("note %d of %q does not end with %q", i, texts, want)
		}
	}
}

func TestHintFlinkNotes(t *testing.T) {
	c, err := flink.Args(flink.Env{Format: "zip", URL: "s3://b/env.zip", Interpreter: "environment/bin/python"}, flink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hintFlinkNotes(c.Notes)
	if len(c.Notes) != 2 || !strings.HasSuffix(c.Notes[0].Text, "they are printed only when given (--include-credentials)") || strings.Contains(c.Notes[1].Text, "(--") {
		t.Errorf("notes %+v", c.Notes)
	}
}

// TestCommandErrorsHinted: a command's error reaches the user hinted.
func TestCommandErrorsHinted(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	t.Setenv("PYENV_ROOT", t.TempDir())
	t.Setenv("CLUSTERPACK_CACHE_DIR", t.TempDir())
	_, _, err := run(t, "target", "--python", "3.11")
	if err == nil || !strings.Contains(err.Error(), "no local Python 3.11") || !strings.HasSuffix(err.Error(), "(--platform manylinux_2_28_x86_64, for example)") {
		t.Fatalf("target --python 3.11 without any Python: %v", err)
	}
}
