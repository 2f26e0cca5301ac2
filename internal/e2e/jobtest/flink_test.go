package jobtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/clusterparts"
)

// ApacheFlink is the pinned PyFlink: its wheels and its dependencies'
// have CPython 3.11 manylinux builds, except a few pure-Python sdists
// (crcmod, dill, docopt, hdfs) that clusterpack builds. 2.3.0 is the
// first release whose thread mode finds python.executable inside the
// unpacked archive (2.2.0 ran "venv/bin/python" from the TaskManager's
// own directory: "Cannot run program").
const ApacheFlink = clusterparts.ApacheFlink

// flinkShipped is the PyFlink job's environment: PyFlink itself (its
// Python workers import pyflink from it), and tabulate, which the
// client's Python lacks.
var flinkShipped = []string{"apache-flink==" + ApacheFlink, "tabulate==0.9.0"}

// flinkLock locks flinkShipped for this machine's CPython 3.11 and leaves
// apache-flink-libraries out with --exclude, as a user would: Flink's jars
// (over 300 MB), which the TaskManager has and the Python workers do not
// use. (Its wheel and apache-flink's both hold pyflink/README.txt and
// pyflink/version.py, the same bytes; the venv writer accepts that, see
// pack/venv's TestSharedIdenticalFile, so the full lock builds too.)
func flinkLock(t *testing.T) string {
	t.Helper()
	lock := filepath.Join(t.TempDir(), "pylock.toml")
	run(t, nil, append([]string{"lock", "--python", python311(t), "--exclude", "apache-flink-libraries", "-o", lock}, flinkShipped...)...)
	data, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "\n[[packages]]\nname = \"apache-flink-libraries\"\n") || !strings.Contains(string(data), `exclude = ["apache-flink-libraries"]`) {
		t.Fatalf("apache-flink-libraries is not left out of the lock:\n%s", data)
	}
	return lock
}

// flinkUDFJob runs the PyFlink UDF job with flink run and these flags and
// checks its means (1.5 and 6.0); it returns the job's rows.
func flinkUDFJob(t *testing.T, venv string, env []string, flags string) []flinkRow {
	t.Helper()
	job, err := filepath.Abs(filepath.Join("testdata", "pyflink_udf_job.py"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []flinkRow
	result := flinkRun(t, venv, env, flags, job)
	if err := json.Unmarshal([]byte(result), &rows); err != nil {
		t.Fatalf("the job's result %q: %v", result, err)
	}
	if len(rows) != 2 || rows[0].ID != 1 || rows[0].Mean != 1.5 || rows[1].ID != 2 || rows[1].Mean != 6.0 {
		t.Fatalf("means = %+v, want id 1: 1.5, id 2: 6.0", rows)
	}
	return rows
}

// flinkVenvDir is the virtualenv of apache-flink (the client's side, and
// the Flink distribution it bundles).
func flinkVenvDir(t testing.TB) string {
	t.Helper()
	dir, err := clusterparts.FlinkVenv(context.Background(), os.Stderr)
	if err != nil {
		unavailable(t, "%v", err)
	}
	return dir
}

// flinkHome is the Flink distribution inside the pyflink package.
func flinkHome(venv string) string {
	return filepath.Join(venv, "lib", "python"+Python, "site-packages", "pyflink")
}

// flinkCluster starts a JobManager and a TaskManager of the bundled
// distribution on loopback, in the foreground and in their own process
// groups, with a configuration of their own (FLINK_CONF_DIR: free ports,
// no files written into the cached distribution). It returns the
// environment under which `flink run` finds the cluster, once the
// TaskManager has registered.
func flinkCluster(t *testing.T, venv string, extraEnv ...string) []string {
	t.Helper()
	home := flinkHome(venv)
	conf, logs, tmp := t.TempDir(), t.TempDir(), t.TempDir()
	javaOpts, err := bundledJavaOpts(filepath.Join(home, "conf", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// freePort's port can be taken by another process before the
	// JobManager binds it (other test packages run beside this one): a
	// JobManager that exits with a BindException is started again on
	// fresh ports.
	for attempt := 1; ; attempt++ {
		env, jm, tm, ok := startFlink(t, home, conf, logs, tmp, javaOpts, extraEnv)
		if ok {
			return env
		}
		if attempt < 3 && strings.Contains(jm.output(), "BindException") {
			t.Logf("the JobManager could not bind its ports (taken since they were chosen): starting Flink again on others")
			tm.kill()
			continue
		}
		t.Fatalf("the Flink cluster did not come up (the JobManager exited, or no TaskManager registered within 3 minutes)\njobmanager:\n%s\ntaskmanager:\n%s", tail(jm.output(), 4000), tail(tm.output(), 4000))
	}
}

// startFlink writes the configuration with fresh ports, starts a
// JobManager and a TaskManager and waits until the TaskManager has
// registered (ok), the JobManager has exited, or 3 minutes have passed.
func startFlink(t *testing.T, home, conf, logs, tmp, javaOpts string, extraEnv []string) (env []string, jm, tm *process, ok bool) {
	t.Helper()
	rpc, rest := freePort(t), freePort(t)
	config := strings.Join([]string{
		"env.java.opts.all: " + javaOpts,
		"jobmanager.bind-host: 127.0.0.1",
		"jobmanager.rpc.address: 127.0.0.1",
		fmt.Sprintf("jobmanager.rpc.port: %d", rpc),
		"jobmanager.memory.process.size: 1024m",
		"taskmanager.bind-host: 127.0.0.1",
		"taskmanager.host: 127.0.0.1",
		"taskmanager.numberOfTaskSlots: 2",
		"taskmanager.memory.process.size: 2048m",
		"parallelism.default: 1",
		"rest.address: 127.0.0.1",
		"rest.bind-address: 127.0.0.1",
		fmt.Sprintf("rest.port: %d", rest),
		"io.tmp.dirs: " + tmp,
		"",
	}, "\n")
	// Logs go to the console, which the tests keep for failure messages.
	log4j := strings.Join([]string{
		"rootLogger.level = INFO",
		"rootLogger.appenderRef.console.ref = ConsoleAppender",
		"appender.console.name = ConsoleAppender",
		"appender.console.type = CONSOLE",
		"appender.console.layout.type = PatternLayout",
		"appender.console.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-40c{1.} - %m%n",
		"",
	}, "\n")
	for name, text := range map[string]string{"config.yaml": config, "log4j-console.properties": log4j, "log4j-cli.properties": log4j} {
		if err := os.WriteFile(filepath.Join(conf, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env = os.Environ()
	if h := javaHome(t); h != "" {
		env = append(env, "JAVA_HOME="+h)
	}
	env = append(env, "FLINK_HOME="+home, "FLINK_CONF_DIR="+conf, "FLINK_LOG_DIR="+logs,
		"PYFLINK_CLIENT_EXECUTABLE=", "PYTHONPATH=") // only what flink-args prints
	env = append(env, extraEnv...)
	jm = start(t, "jobmanager", env, tmp, filepath.Join(home, "bin", "jobmanager.sh"), "start-foreground")
	tm = start(t, "taskmanager", env, tmp, filepath.Join(home, "bin", "taskmanager.sh"), "start-foreground")
	deadline := time.Now().Add(3 * time.Minute)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/taskmanagers", rest))
		if err == nil {
			var st struct {
				TaskManagers []json.RawMessage `json:"taskmanagers"`
			}
			json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if len(st.TaskManagers) > 0 {
				return env, jm, tm, true
			}
		}
		select {
		case <-jm.done:
			return env, jm, tm, false
		default:
		}
		if time.Now().After(deadline) {
			return env, jm, tm, false
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// bundledJavaOpts is env.java.opts.all of the bundled config.yaml: the
// --add-opens flags Flink needs on Java 17.
func bundledJavaOpts(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "all: --add-"); ok {
			return "--add-" + rest, nil
		}
	}
	return "", fmt.Errorf("%s has no env.java.opts.all", path)
}

// flinkWhere is what the PyFlink job's UDAF reports of its Python.
type flinkWhere struct {
	where
	PyFlink string `json:"pyflink"`
}

type flinkRow struct {
	ID    int        `json:"id"`
	Mean  float64    `json:"mean"`
	Where flinkWhere `json:"where"`
}

// TestPyFlinkRun runs a PyFlink Table API job with pandas UDAFs through
// `flink run -py` on a JobManager and TaskManager of the apache-flink
// package's distribution, with exactly the options flink-args printed:
// the TaskManager unpacks the shipped venv zip (-pyarch) and starts its
// Python workers with the environment's interpreter (-pyexec).
func TestPyFlinkRun(t *testing.T) {
	heavy(t)
	venv := flinkVenvDir(t)
	store := t.TempDir()
	manifest := uploadPkgs(t, nil, nil, "zip", store, "--lock", flinkLock(t))
	client := filepath.Join(venv, "bin", "python")
	flags := run(t, nil, "flink-args", "--manifest", manifest, "--client-python", client)
	t.Logf("flink-args printed: %s", strings.TrimSpace(flags))
	if !strings.Contains(flags, "-pyarch ") || !strings.Contains(flags, "-pyexec ") {
		t.Fatalf("flink-args printed no -pyarch and -pyexec: %s", flags)
	}
	env := flinkCluster(t, venv)

	rows := flinkUDFJob(t, venv, env, flags)
	for _, r := range rows {
		w := r.Where
		// The TaskManager unpacks the archive under the alias flink-args
		// gave it (venv) in the Python worker's directory (its
		// python-dist-*/python-archives), and the interpreter is the
		// archive's bin/python.
		root := filepath.Join(w.Cwd, "venv")
		if filepath.Clean(w.Prefix) != root || filepath.Base(w.Cwd) != "python-archives" {
			t.Errorf("sys.prefix is %s, not the archive unpacked as venv in the Python worker's python-archives directory (cwd %s)", w.Prefix, w.Cwd)
		}
		if w.Version != Python {
			t.Errorf("the UDF ran on Python %s, want %s", w.Version, Python)
		}
		for what, p := range map[string]string{"sys.executable": w.Executable, "tabulate": w.Tabulate, "pyflink": w.PyFlink, "pandas": w.Pandas, "pyarrow": w.PyArrow} {
			if !strings.HasPrefix(filepath.Clean(p), root+string(filepath.Separator)) {
				t.Errorf("%s is %s, not under the shipped environment %s", what, p, root)
			}
		}
	}
}

// flinkRun runs `flink run FLAGS -py JOB` against the cluster of env and
// returns the result the job wrote.
func flinkRun(t *testing.T, venv string, env []string, flags, job string) string {
	t.Helper()
	line := fmt.Sprintf("exec %s run %s -py %s", filepath.Join(flinkHome(venv), "bin", "flink"), strings.TrimSuffix(flags, "\n"), job)
	t.Logf("$ %s", line)
	begin := time.Now()
	runDir := t.TempDir()
	resultFile := filepath.Join(runDir, "result.json")
	p := start(t, "flink run", append(env, "JOBTEST_RESULT_FILE="+resultFile), runDir, "sh", "-c", line)
	select {
	case <-p.done:
	case <-time.After(5 * time.Minute):
		p.kill()
		t.Fatalf("the job did not finish within 5 minutes; its output ends with:\n%s", tail(p.output(), 6000))
	}
	out := p.output()
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("flink run exited %d; its output ends with:\n%s", code, tail(out, 8000))
	}
	result, ok := jobResult(out, resultFile)
	if !ok {
		t.Fatalf("the job printed no result; its output ends with:\n%s", tail(out, 6000))
	}
	t.Logf("job finished in %v: %s", time.Since(begin).Round(time.Second), result)
	return result
}

// TestPyFlinkThreadMode runs a Python UDF in thread mode: PEMJA runs it
// inside the TaskManager's JVM, with the packages of the environment
// that flink-args --execution-mode thread shipped (after checking that it
// has pemja and find-libpython).
func TestPyFlinkThreadMode(t *testing.T) {
	heavy(t)
	venv := flinkVenvDir(t)
	// Thread mode sets PYTHONHOME to the environment: it must carry its
	// own CPython (the standard library and libpython).
	manifest := uploadPkgs(t, nil, nil, "zip", t.TempDir(), "--lock", flinkLock(t), "--bundle-python", python311(t))
	client := filepath.Join(venv, "bin", "python")
	flags := run(t, nil, "flink-args", "--manifest", manifest, "--client-python", client, "--execution-mode", "thread")
	t.Logf("flink-args printed: %s", strings.TrimSpace(flags))
	if !strings.Contains(flags, "-Dpython.execution-mode=thread") {
		t.Fatalf("flink-args printed no thread mode: %s", flags)
	}
	env := flinkCluster(t, venv)
	job, err := filepath.Abs(filepath.Join("testdata", "pyflink_thread_job.py"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		ID      int     `json:"id"`
		Doubled float64 `json:"doubled"`
		Where   struct {
			Prefix, Executable, Cwd, Thread, Tabulate, PyFlink, Version string
			PID                                                         int
			Path                                                        []string
		} `json:"where"`
	}
	result := flinkRun(t, venv, env, flags, job)
	if err := json.Unmarshal([]byte(result), &rows); err != nil {
		t.Fatalf("the job's result %q: %v", result, err)
	}
	if len(rows) != 2 || rows[0].Doubled != 2 || rows[1].Doubled != 6 {
		t.Fatalf("doubled = %+v, want 2 and 6", rows)
	}
	for _, r := range rows {
		w := r.Where
		// Flink unpacks the archive as venv in the job's python-archives
		// directory and makes it PYTHONHOME: the standard library, the
		// packages and the interpreter all come from the shipped
		// environment.
		root := filepath.Join(w.Cwd, "venv")
		if filepath.Clean(w.Prefix) != root || filepath.Base(w.Cwd) != "python-archives" {
			t.Errorf("sys.prefix is %s, not the archive unpacked as venv in python-archives (cwd %s)", w.Prefix, w.Cwd)
		}
		if w.Version != Python {
			t.Errorf("the UDF ran on Python %s, want %s", w.Version, Python)
		}
		for what, p := range map[string]string{"tabulate": w.Tabulate, "pyflink": w.PyFlink} {
			if !strings.HasPrefix(filepath.Clean(p), root+string(filepath.Separator)) {
				t.Errorf("%s is %s, not under the shipped environment %s", what, p, root)
			}
		}
		stdlib := filepath.Join(root, "lib", "python"+Python)
		if !slices.Contains(w.Path, stdlib) {
			t.Errorf("the standard library %s (bundled) is not on sys.path %q", stdlib, w.Path)
		}
		// Thread mode: the UDF runs inside the TaskManager's JVM.
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", w.PID))
		if err != nil || !strings.Contains(string(cmdline), "TaskManagerRunner") {
			t.Errorf("the UDF ran in process %d (%q), not in the TaskManager's JVM", w.PID, strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
}

// TestPyFlinkWheelhouse is FLIP-78's offline requirements: the Python
// workers run the TaskManager's own Python (apache-flink's virtualenv,
// without tabulate) and install a wheelhouse that flink-args printed as
// -pyreq, with no index: the index pip would use is unreachable, and the
// UDFs import tabulate, which only the wheelhouse has.
func TestPyFlinkWheelhouse(t *testing.T) {
	heavy(t)
	venv := flinkVenvDir(t)
	lock := filepath.Join(t.TempDir(), "pylock.toml")
	run(t, nil, "lock", "--python", python311(t), "-o", lock, "tabulate==0.9.0")
	store := t.TempDir()
	manifest := filepath.Join(t.TempDir(), "wheels.json")
	run(t, nil, "upload", "--lock", lock, "--format", "wheelhouse", "--to", store, "--manifest", manifest)
	client := filepath.Join(venv, "bin", "python")
	flags := run(t, nil, "flink-args", "--manifest", manifest, "--client-python", client, "--worker-python", client)
	t.Logf("flink-args printed: %s", strings.TrimSpace(flags))
	if !strings.Contains(flags, "-pyreq ") || strings.Contains(flags, "-pyarch") {
		t.Fatalf("flink-args printed no -pyreq for the wheelhouse: %s", flags)
	}
	// pip on the TaskManager would fail fast on this index; Flink passes
	// --no-index --find-links <the wheelhouse>, so it never asks.
	env := flinkCluster(t, venv, "PIP_INDEX_URL=http://127.0.0.1:9/simple", "PIP_EXTRA_INDEX_URL=", "PIP_CONFIG_FILE=/dev/null")
	rows := flinkUDFJob(t, venv, env, flags)
	venvRoot, err := filepath.EvalSymlinks(venv)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		w := r.Where
		prefix, _ := filepath.EvalSymlinks(w.Prefix)
		if prefix != venvRoot {
			t.Errorf("sys.prefix is %s, want the TaskManager's Python %s", w.Prefix, venvRoot)
		}
		// Flink installs the requirements into python-requirements in
		// the worker's python-dist directory (removed when the job ends).
		tab := filepath.Clean(w.Tabulate)
		if strings.HasPrefix(tab, venvRoot+string(filepath.Separator)) || !strings.Contains(tab, string(filepath.Separator)+"python-requirements"+string(filepath.Separator)) {
			t.Errorf("tabulate is %s: not what Flink installed from the wheelhouse", w.Tabulate)
		}
		if pf, _ := filepath.EvalSymlinks(w.PyFlink); !strings.HasPrefix(pf, venvRoot+string(filepath.Separator)) {
			t.Errorf("pyflink is %s, not the TaskManager's %s", w.PyFlink, venvRoot)
		}
	}
}

// TestPyFlinkLayers runs the PyFlink UDF job in process mode on a layered
// venv: flink-args ships every layer beside the base (-pyarch
// BASE#venv,LAYER#layer-<hash>,...), the TaskManager unpacks them side by
// side in the Python worker's python-archives directory, and pandas and
// pyarrow, each only in a layer of its own, are imported from there.
func TestPyFlinkLayers(t *testing.T) {
	heavy(t)
	venv := flinkVenvDir(t)
	manifest := uploadPkgs(t, nil, nil, "zip", t.TempDir(), "--lock", flinkLock(t), "--layers")
	m := readLayered(t, manifest)
	layerOf := map[string]string{}
	for _, l := range m.Layers {
		for _, p := range l.Packages {
			layerOf[strings.ToLower(p.Name)] = l.Dir
		}
	}
	if layerOf["pandas"] == "" || layerOf["pyarrow"] == "" || layerOf["tabulate"] != "" {
		t.Fatalf("the layers %+v: want pandas and pyarrow in layers, tabulate in the base", m.Layers)
	}
	flags := run(t, nil, "flink-args", "--manifest", manifest, "--client-python", filepath.Join(venv, "bin", "python"))
	t.Logf("flink-args printed: %s", strings.TrimSpace(flags))
	for _, l := range m.Layers {
		if !strings.Contains(flags, l.URL+"#"+l.Dir) {
			t.Fatalf("flink-args printed no %s#%s: %s", l.URL, l.Dir, flags)
		}
	}
	env := flinkCluster(t, venv)
	for _, r := range flinkUDFJob(t, venv, env, flags) {
		w := r.Where
		if !strings.HasPrefix(w.Tabulate, filepath.Join(w.Cwd, "venv")+string(filepath.Separator)) {
			t.Errorf("tabulate is %s, not in the base unpacked as venv in %s", w.Tabulate, w.Cwd)
		}
		for pkg, p := range map[string]string{"pandas": w.Pandas, "pyarrow": w.PyArrow} {
			if dir := filepath.Join(w.Cwd, layerOf[pkg]); !strings.HasPrefix(p, dir+string(filepath.Separator)) {
				t.Errorf("%s is %s, not in its layer unpacked as %s", pkg, p, dir)
			}
		}
	}
}
