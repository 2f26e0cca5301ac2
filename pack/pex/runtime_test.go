package pex

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// newest returns the newest reference CPython and its version.
func newest(t *testing.T) (pyref.Interpreter, [2]int) {
	t.Helper()
	all := pythons(t)
	py := all[len(all)-1]
	return py, version(t, py.Python)
}

func TestEntryPoint(t *testing.T) {
	py, v := newest(t)
	dir := t.TempDir()
	wheels := writeWheels(t, filepath.Join(dir, "wheels"), demoSpecs())
	buildPex(t, dir, "fn.pex", wheels, Options{PythonVersion: v, ContentHash: "ep", EntryPoint: "demo:main"})
	buildPex(t, dir, "mod.pex", wheels, Options{PythonVersion: v, ContentHash: "ep", EntryPoint: "demo.argv"})
	env := baseEnv(py.Python, dir, filepath.Join(dir, "root"))
	cases := []struct {
		name   string
		env    []string
		args   []string
		code   int
		stdout string
	}{
		{name: "function", args: []string{"./fn.pex", "a", "-c", "x"}, code: 3, stdout: "main ['a', '-c', 'x']\n"},
		{name: "module", args: []string{"./mod.pex", "b"}, stdout: `{"argv0": "./mod.pex", "args": ["b"], "name": "__main__"}` + "\n"},
		{name: "PEX_INTERPRETER", env: []string{"PEX_INTERPRETER=1"}, args: []string{"./fn.pex", "-c", "import sys, demo; print(demo.X, sys.argv, sys.executable.endswith('.pex'))", "y"}, stdout: "42 ['-c', 'y'] False\n"},
	}
	for _, c := range cases {
		r := runPex(t, dir, append(append([]string{}, env...), c.env...), "", c.args...)
		if c.name == "module" {
			r.stdout = strings.Split(r.stdout, `, "path0"`)[0] + "}\n" // sys.path[0] is the standard library's
		}
		if r.code != c.code || r.stdout != c.stdout {
			t.Errorf("%s: exit %d, stdout %q, want %d, %q\nstderr: %s", c.name, r.code, r.stdout, c.code, c.stdout, r.stderr)
		}
	}
}

// TestREPL drives the interactive console through a pseudo-terminal, as
// a user typing `./env.pex` would.
func TestREPL(t *testing.T) {
	py, v := newest(t)
	dir := t.TempDir()
	wheels := writeWheels(t, filepath.Join(dir, "wheels"), demoSpecs())
	pexPath, _ := buildPex(t, dir, "env.pex", wheels, Options{PythonVersion: v, ContentHash: "repl"})
	driver := `
import os, pty, select, signal, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1]])
out = b""
def until(marker, limit=60.0):
    # Waits for marker in the output that follows what was seen so far.
    global out
    mark = len(out)
    end = time.time() + limit
    while marker not in out[mark:] and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return
            if not chunk:
                return
            out += chunk
until(b">>> ")
os.write(fd, b"import demo, sys\n")
until(b">>> ")
os.write(fd, b"print(demo.X * 2, sys.argv, sys.ps1)\n")
until(b">>> ")
os.write(fd, b"raise SystemExit(0)\n")
until(b"never", 5)
end = time.time() + 60
while True:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done or time.time() > end:
        break
    time.sleep(0.1)
if not done:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.stdout.write("\nEXIT %s\n" % ((status >> 8) if done else "timeout"))
`
	r := runPex(t, dir, baseEnv(py.Python, dir, filepath.Join(dir, "root")), "", py.Python, "-c", driver, pexPath)
	for _, want := range []string{fmt.Sprintf("Python %d.%d", v[0], v[1]), `Type "help"`, ">>> ", "84 [''] >>> ", "EXIT 0"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("REPL output lacks %q:\n%s\nstderr: %s", want, r.stdout, r.stderr)
		}
	}
}

func TestPexRoot(t *testing.T) {
	py, v := newest(t)
	dir := t.TempDir()
	wheels := writeWheels(t, filepath.Join(dir, "wheels"), demoSpecs())
	pexPath, _ := buildPex(t, dir, "env.pex", wheels, Options{PythonVersion: v, ContentHash: "roothash"})
	uid := os.Getuid()
	cases := []struct {
		name    string
		env     []string
		unpacks string // the directory the environment must be unpacked in
		stderr  string
	}{
		{name: "PEX_ROOT", env: []string{"HOME=" + dir + "/h1", "PEX_ROOT=" + dir + "/explicit"}, unpacks: dir + "/explicit"},
		{name: "PEX_ROOT with tilde", env: []string{"HOME=" + dir + "/h2", "PEX_ROOT=~/custom"}, unpacks: dir + "/h2/custom"},
		{name: "HOME", env: []string{"HOME=" + dir + "/h3"}, unpacks: dir + "/h3/.pex"},
		{name: "HOME unwritable", env: []string{"HOME=/proc/nonexistent-home", "TMPDIR=" + dir + "/tmp1"}, unpacks: fmt.Sprintf("%s/tmp1/clusterpack-pex-%d", dir, uid)},
		{name: "PEX_ROOT unwritable", env: []string{"HOME=/proc/nonexistent-home", "PEX_ROOT=/proc/nonexistent-root", "TMPDIR=" + dir + "/tmp2"},
			unpacks: fmt.Sprintf("%s/tmp2/clusterpack-pex-%d", dir, uid), stderr: "PEX_ROOT /proc/nonexistent-root is not writable"},
	}
	for _, c := range cases {
		for _, d := range []string{dir + "/tmp1", dir + "/tmp2"} {
			os.MkdirAll(d, 0o755)
		}
		env := append([]string{"PATH=" + filepath.Dir(py.Python) + ":/usr/bin:/bin"}, c.env...)
		r := runPex(t, dir, env, "", pexPath, "-c", "import demo; print(demo.__file__)")
		want := filepath.Join(c.unpacks, "installed", "roothash", ".deps", "demo-1.0-py3-none-any.whl", "demo", "__init__.py")
		if r.code != 0 || strings.TrimSpace(r.stdout) != want {
			t.Errorf("%s: exit %d, demo from %q, want %q\nstderr: %s", c.name, r.code, strings.TrimSpace(r.stdout), want, r.stderr)
		}
		if c.stderr != "" && !strings.Contains(r.stderr, c.stderr) {
			t.Errorf("%s: stderr lacks %q: %s", c.name, c.stderr, r.stderr)
		}
		if c.stderr == "" && r.stderr != "" {
			t.Errorf("%s: unexpected stderr %s", c.name, r.stderr)
		}
	}
}

// TestConcurrentColdStart starts 50 processes on a cold cache at once,
// as Spark starts its Python workers: all must succeed, exactly one
// unpacks, and nothing but the unpacked environment and its lock remain.
func TestConcurrentColdStart(t *testing.T) {
	py, v := newest(t)
	dir := t.TempDir()
	wheels := writeWheels(t, filepath.Join(dir, "wheels"), demoSpecs())
	pexPath, _ := buildPex(t, dir, "env.pex", wheels, Options{PythonVersion: v, ContentHash: "cold50"})
	root := filepath.Join(dir, "root")
	env := append(baseEnv(py.Python, dir, root), "PEX_VERBOSE=1")
	const n = 50
	results := make([]run, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = runPex(t, dir, env, "", pexPath, "-c", "import demo, dep, extra_mod, os; print(demo.X, dep.Y, extra_mod.Z, os.path.isfile(os.path.join(os.path.dirname(demo.__file__), 'forker.py')))")
		}()
	}
	close(start)
	wg.Wait()
	unpacks := 0
	for i, r := range results {
		if r.code != 0 || r.stdout != "42 dep-two from pth True\n" {
			t.Errorf("process %d: exit %d, %q, stderr %s", i, r.code, r.stdout, r.stderr)
		}
		unpacks += strings.Count(r.stderr, "unpacked ")
	}
	if unpacks != 1 {
		t.Errorf("%d processes unpacked the environment, want 1", unpacks)
	}
	names := readDirNames(t, filepath.Join(root, "installed"))
	if strings.Join(names, " ") != ".cold50.lock cold50" {
		t.Errorf("installed/ holds %v, want the environment and its lock only", names)
	}
}

func readDirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// writeBigWheel streams a wheel holding big/blob.bin of size zero bytes.
func writeBigWheel(t *testing.T, dir string, size int64) string {
	t.Helper()
	p := filepath.Join(dir, "big-1.0-py3-none-any.whl")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	var record strings.Builder
	add := func(name string, r io.Reader) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(w, h), r)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", name, base64.RawURLEncoding.EncodeToString(h.Sum(nil)), n)
	}
	add("big/__init__.py", strings.NewReader("SIZE = "+fmt.Sprint(size)+"\n"))
	add("big/blob.bin", io.LimitReader(zeros{}, size))
	add("big-1.0.dist-info/METADATA", strings.NewReader("Metadata-Version: 2.1\nName: big\nVersion: 1.0\n"))
	add("big-1.0.dist-info/WHEEL", strings.NewReader("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"))
	record.WriteString("big-1.0.dist-info/RECORD,,\n")
	w, err := zw.Create("big-1.0.dist-info/RECORD")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, record.String())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestKilledUnpacking kills a process while it unpacks a large member:
// the next start must ignore and remove its leftovers and succeed.
func TestKilledUnpacking(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 512 MiB")
	}
	py, v := newest(t)
	dir := t.TempDir()
	const size = 512 << 20
	whl := writeBigWheel(t, dir, size)
	pexPath, _ := buildPex(t, dir, "env.pex", []string{whl}, Options{PythonVersion: v, ContentHash: "killme"})
	root := filepath.Join(dir, "root")
	installed := filepath.Join(root, "installed")
	env := append(baseEnv(py.Python, dir, root), "PEX_VERBOSE=1")

	cmd := exec.Command(pexPath, "-c", "import big")
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) && !killed {
		matches, _ := filepath.Glob(filepath.Join(installed, ".killme.tmp-*", ".deps", "*", "big", "blob.bin"))
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && st.Size() > 0 && st.Size() < size {
				cmd.Process.Signal(syscall.SIGKILL)
				killed = true
			}
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Wait()
	if !killed {
		t.Fatal("never saw the unpacking half-way")
	}
	if _, err := os.Stat(filepath.Join(installed, "killme")); !os.IsNotExist(err) {
		t.Fatalf("the environment exists after a killed unpacking: %v", err)
	}
	r := runPex(t, dir, env, "", pexPath, "-c", "import big, os; print(big.SIZE == os.path.getsize(os.path.join(os.path.dirname(big.__file__), 'blob.bin')))")
	if r.code != 0 || r.stdout != "True\n" || !strings.Contains(r.stderr, "removing the unfinished unpacking .killme.tmp-") {
		t.Fatalf("after the kill: exit %d, %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	if names := readDirNames(t, installed); strings.Join(names, " ") != ".killme.lock killme" {
		t.Errorf("installed/ holds %v", names)
	}
}
