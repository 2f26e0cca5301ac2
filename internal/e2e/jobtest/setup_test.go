package jobtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/clusterparts"
	"github.com/clusterpack/clusterpack/internal/testing/hdfstest"
	"github.com/clusterpack/clusterpack/internal/testing/testbin"
)

// The pinned reference parts.
const (
	PySpark = clusterparts.PySpark
	Pandas  = clusterparts.Pandas
	PyArrow = clusterparts.PyArrow
	Python  = clusterparts.Python
)

// The shipped environment: the talk's requirements, plus tabulate, which
// the driver's Python lacks.
var shipped = []string{"pandas==" + Pandas, "pyarrow==" + PyArrow, "tabulate==0.9.0"}

// unavailable fails or skips the test when a reference part cannot be had.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CLUSTERPACK_REQUIRE_REFERENCE") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg + " (set CLUSTERPACK_REQUIRE_REFERENCE=1 to fail instead)")
}

func heavy(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs real Spark jobs: not with -short")
	}
}

// python311 is the machine's CPython 3.11.
func python311(t testing.TB) string {
	t.Helper()
	p, err := clusterparts.Python311()
	if err != nil {
		unavailable(t, "%v", err)
	}
	return p
}

// javaHome is a Java 17 installation.
func javaHome(t testing.TB) string {
	t.Helper()
	if h := os.Getenv("JAVA_HOME"); h != "" {
		return h
	}
	for _, pat := range []string{"/usr/lib/jvm/java-17-openjdk*", "/usr/lib/jvm/*17*"} {
		if m, _ := filepath.Glob(pat); len(m) > 0 {
			return m[0]
		}
	}
	if _, err := exec.LookPath("java"); err == nil {
		return ""
	}
	unavailable(t, "no Java 17 (set JAVA_HOME)")
	return ""
}

// sparkVenvDir is the virtualenv of pyspark, pandas and pyarrow (the
// driver's side), which scripts/devenv.sh installed (or this installs).
func sparkVenvDir(t testing.TB) string {
	t.Helper()
	dir, err := clusterparts.SparkVenv(context.Background(), os.Stderr)
	if err != nil {
		unavailable(t, "%v", err)
	}
	return dir
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// clusterpack builds the binary from this tree once.
func clusterpack(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "clusterpack-jobtest-")
		if binErr != nil {
			return
		}
		binPath, binErr = testbin.Build(binDir)
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	hdfstest.StopShared() // the YARN cluster, and its containers
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// run runs the clusterpack binary and returns its standard output.
func run(t testing.TB, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, clusterpack(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("clusterpack %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// uploadEnv locks, builds and uploads the shipped environment in format
// to the store, and returns the path of the upload manifest.
func uploadEnv(t testing.TB, format, to string, extra ...string) string {
	t.Helper()
	return uploadPkgs(t, nil, shipped, format, to, extra...)
}

// uploadPkgs uploads an environment of pkgs, with env added to the
// binary's environment (an S3 store's credentials).
func uploadPkgs(t testing.TB, env, pkgs []string, format, to string, extra ...string) string {
	t.Helper()
	manifest := filepath.Join(t.TempDir(), "upload-"+strings.ReplaceAll(format, ".", "")+".json")
	args := append([]string{"upload"}, pkgs...)
	args = append(args, "--python", python311(t), "--format", format, "--to", to, "--manifest", manifest)
	if format != "pex" {
		// The nodes' Python is this machine's, by absolute path: a
		// version manager's shim on PATH (pyenv's) would start the real
		// interpreter without the environment's bin/python as argv[0],
		// and so outside the environment.
		args = append(args, "--python-path", python311(t))
	}
	start := time.Now()
	run(t, env, append(args, extra...)...)
	t.Logf("uploaded the %s environment to %s in %v", format, to, time.Since(start).Round(100*time.Millisecond))
	return manifest
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// process is a started JVM (or any command) in its own process group,
// with its output kept for failure messages.
type process struct {
	name string
	cmd  *exec.Cmd
	out  *bytes.Buffer
	mu   *sync.Mutex
	done chan struct{}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func start(t testing.TB, name string, env []string, dir string, argv ...string) *process {
	t.Helper()
	p := &process{name: name, out: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Env = env
	p.cmd.Dir = dir
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p.cmd.Stdout = lockedWriter{p.mu, p.out}
	p.cmd.Stderr = lockedWriter{p.mu, p.out}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(p.kill)
	return p
}

// kill ends the whole process group (the JVM and any Python workers).
func (p *process) kill() {
	select {
	case <-p.done:
	default:
	}
	pgid := p.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
	<-p.done
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// sparkEnv is the environment for Spark's scripts: Java 17, loopback only.
func sparkEnv(t testing.TB, venv string) []string {
	env := os.Environ()
	if h := javaHome(t); h != "" {
		env = append(env, "JAVA_HOME="+h)
	}
	return append(env,
		"SPARK_LOCAL_IP=127.0.0.1",
		"SPARK_HOME="+filepath.Join(venv, "lib", "python"+Python, "site-packages", "pyspark"),
		"PYSPARK_PYTHON=", "PYSPARK_DRIVER_PYTHON=", // only what spark-args prints
		"SPARK_NO_DAEMONIZE=1",
	)
}

// standalone starts a Spark master and one worker on loopback, and
// returns the master URL once the worker has registered. extra is added
// to their environment (and so to the executors').
func standalone(t testing.TB, venv string, extra ...string) string {
	t.Helper()
	env := append(sparkEnv(t, venv), extra...)
	sparkClass := filepath.Join(venv, "bin", "spark-class")
	port, ui, wui := freePort(t), freePort(t), freePort(t)
	dir := t.TempDir()
	master := start(t, "master", env, dir, sparkClass, "org.apache.spark.deploy.master.Master",
		"--host", "127.0.0.1", "--port", fmt.Sprint(port), "--webui-port", fmt.Sprint(ui))
	url := fmt.Sprintf("spark://127.0.0.1:%d", port)
	worker := start(t, "worker", env, dir, sparkClass, "org.apache.spark.deploy.worker.Worker", url,
		"--host", "127.0.0.1", "--webui-port", fmt.Sprint(wui), "--cores", "2", "--memory", "2g", "--work-dir", filepath.Join(dir, "work"))
	deadline := time.Now().Add(3 * time.Minute)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/json/", ui))
		if err == nil {
			var st struct {
				AliveWorkers int `json:"aliveworkers"`
			}
			json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if st.AliveWorkers > 0 {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the standalone worker did not register within 3 minutes\nmaster:\n%s\nworker:\n%s", tail(master.output(), 4000), tail(worker.output(), 4000))
		}
		time.Sleep(500 * time.Millisecond)
	}
}
