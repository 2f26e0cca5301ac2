package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// gate serves an index, and stalls the first request for one path after
// half its body, reporting that it got there, until the client goes away.
type gate struct {
	inner http.Handler
	path  string

	mu      sync.Mutex
	stalled bool
	reached chan struct{}
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	stall := r.URL.Path == g.path && !g.stalled && g.reached != nil
	if stall {
		g.stalled = true
	}
	g.mu.Unlock()
	if !stall {
		g.inner.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	g.inner.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	body := rec.Body.Bytes()
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	w.Write(body[:len(body)/2])
	w.(http.Flusher).Flush()
	close(g.reached)
	<-r.Context().Done()
}

// arm makes the next request for g.path stall, and returns the channel
// closed when one does.
func (g *gate) arm() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stalled, g.reached = false, make(chan struct{})
	return g.reached
}

func (g *gate) disarm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reached = nil
}

// slowBackend is a PEP 517 backend that, the first time it is asked for
// metadata, writes its pid to mark and sleeps, so the test can kill the
// lock while an sdist is being built.
const slowBackend = `import os, time
MARK = %q
def _first():
    try:
        fd = os.open(MARK, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    time.sleep(120)
def get_requires_for_build_wheel(config_settings=None):
    return []
def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _first()
    d = os.path.join(metadata_directory, "slowsrc-1.0.dist-info")
    os.makedirs(d)
    with open(os.path.join(d, "METADATA"), "w") as f:
        f.write("Metadata-Version: 2.1\nName: slowsrc\nVersion: 1.0\nRequires-Dist: words>=2\n")
    return "slowsrc-1.0.dist-info"
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("a lock builds no wheel")
`

// TestLockSurvivesKill: kill -9 of `lock` while a page is half received,
// while an sdist's metadata is being built, and just as pylock.toml's
// temporary file appears leaves the previous pylock.toml intact, nothing
// half-written under a final name in the cache, and a re-run that gives
// the same lock as an uninterrupted one; the temporary file of the lock
// killed while writing is removed by a later run once it is stale.
func TestLockSurvivesKill(t *testing.T) {
	c := newCLI(t)
	mark := filepath.Join(t.TempDir(), "backend-started")
	projects := []testindex.Project{
		{Name: "app", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{Name: "app", Version: "1.0", RequiresDist: []string{"words>=2", "slowsrc"},
			Files: map[string]string{"app/__init__.py": ""}})}},
		{Name: "words", Files: []testindex.File{
			testindex.Wheel(testindex.WheelSpec{Name: "words", Version: "1.0", Files: map[string]string{"words/__init__.py": "HELLO = 'hi'\n"}}),
			testindex.Wheel(testindex.WheelSpec{Name: "words", Version: "2.1", Files: map[string]string{"words/__init__.py": "HELLO = 'hello'\n"}}),
		}},
		{Name: "slowsrc", Files: []testindex.File{testindex.Sdist(testindex.SdistSpec{Name: "slowsrc", Version: "1.0",
			Dynamic:       []string{"Requires-Dist"},
			PyprojectTOML: "[build-system]\nrequires = []\nbuild-backend = \"slow\"\nbackend-path = [\".\"]\n",
			Files:         map[string]string{"slow.py": fmt.Sprintf(slowBackend, mark)}})}},
	}
	idx := testindex.New(projects, testindex.Options{NoMetadata: true})
	metadata := map[string]bool{"Metadata-Version: 2.1\nName: slowsrc\nVersion: 1.0\nRequires-Dist: words>=2\n": true}
	for _, p := range projects {
		for _, f := range p.Files {
			if f.Metadata != nil {
				metadata[string(f.Metadata)] = true
			}
		}
	}
	defer idx.Close()
	g := &gate{inner: idx, path: "/simple/words/"}
	srv := httptest.NewServer(g)
	defer srv.Close()
	index := srv.URL + "/simple/"
	args := append([]string{"lock", "app", "-i", index, "-o", "pylock.toml"}, linux311...)

	// The uninterrupted lock, with a cache of its own.
	ref := newCLI(t)
	os.WriteFile(mark, []byte("0"), 0o644) // the reference does not wait
	ref.ok(args...)
	want := mustReadFile(t, filepath.Join(ref.dir, "pylock.toml"))
	os.Remove(mark)

	// The previous lock the killed runs must leave alone.
	old := []byte("# an older lock\nlock-version = \"1.0\"\ncreated-by = \"clusterpack\"\n")
	c.write("pylock.toml", string(old))
	cache := filepath.Join(c.env[0][len("HOME="):], "cache")

	start := func() *exec.Cmd {
		cmd := exec.Command(c.bin, args...)
		cmd.Dir, cmd.Env = c.dir, c.env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	kill := func(cmd *exec.Cmd) {
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
	}
	check := func(point string, allowNew bool) {
		t.Helper()
		got := mustReadFile(t, filepath.Join(c.dir, "pylock.toml"))
		if !bytes.Equal(got, old) && !(allowNew && bytes.Equal(got, want)) {
			t.Errorf("%s: pylock.toml is neither the old lock nor the complete new one:\n%s", point, got)
		}
		checkCache(t, point, cache, srv.URL, metadata)
	}

	t.Run("page half received", func(t *testing.T) {
		reached := g.arm()
		cmd := start()
		select {
		case <-reached:
		case <-time.After(2 * time.Minute):
			kill(cmd)
			t.Fatal("the lock never asked for the words page")
		}
		kill(cmd)
		g.disarm()
		// The sdist's build may have begun beside the page: its backend,
		// now an orphan, is stopped and will wait again next time.
		if data, err := os.ReadFile(mark); err == nil {
			if pid, err := strconv.Atoi(string(data)); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			os.Remove(mark)
		}
		check("killed during a page", false)
	})

	t.Run("sdist build", func(t *testing.T) {
		cmd := start()
		deadline := time.Now().Add(2 * time.Minute)
		for {
			if data, err := os.ReadFile(mark); err == nil && len(data) > 0 {
				// The backend is sleeping; it is an orphan once the lock
				// dies, as it would be for a user.
				if pid, err := strconv.Atoi(string(data)); err == nil {
					t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
				}
				break
			}
			if time.Now().After(deadline) {
				kill(cmd)
				t.Fatal("the backend never started")
			}
			time.Sleep(5 * time.Millisecond)
		}
		kill(cmd)
		check("killed during an sdist build", false)
		// The killed build's scratch directory is left; a minute later
		// the next build takes it.
		scratch, _ := filepath.Glob(filepath.Join(cache, "build517", "build517-v1", "tmp", "build-*"))
		if len(scratch) == 0 {
			t.Error("the killed build left no scratch directory: the kill came too late")
		}
		for _, d := range scratch {
			past := time.Now().Add(-2 * time.Minute)
			os.Chtimes(d, past, past)
		}
	})

	t.Run("writing pylock.toml", func(t *testing.T) {
		// Kill the lock the moment its temporary pylock.toml appears
		// (inotify: no polling delay).
		fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC)
		if err != nil {
			t.Skipf("inotify: %v", err)
		}
		defer syscall.Close(fd)
		if _, err := syscall.InotifyAddWatch(fd, c.dir, syscall.IN_CREATE); err != nil {
			t.Fatal(err)
		}
		cmd := start()
		buf := make([]byte, 4096)
		for done := false; !done; {
			n, err := syscall.Read(fd, buf)
			if err != nil {
				kill(cmd)
				t.Fatal(err)
			}
			for off := 0; off+syscall.SizeofInotifyEvent <= n; {
				ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[off]))
				name := string(bytes.TrimRight(buf[off+syscall.SizeofInotifyEvent:off+syscall.SizeofInotifyEvent+int(ev.Len)], "\x00"))
				off += syscall.SizeofInotifyEvent + int(ev.Len)
				if strings.HasPrefix(name, ".pylock.toml.") {
					done = true
				}
			}
		}
		kill(cmd)
		check("killed while writing pylock.toml", true)
		temps, _ := filepath.Glob(filepath.Join(c.dir, ".pylock.toml.*"))
		if len(temps) == 0 {
			t.Log("the lock renamed its file before the kill landed")
		}
		// A minute later, the dead process's temporary file is stale.
		for _, p := range temps {
			past := time.Now().Add(-2 * time.Minute)
			os.Chtimes(p, past, past)
		}
		c.ok(args...)
		if left, _ := filepath.Glob(filepath.Join(c.dir, ".pylock.toml.*")); len(left) != 0 {
			t.Errorf("the re-run left the killed lock's temporary files: %v", left)
		}
	})

	t.Run("re-run", func(t *testing.T) {
		c.ok(args...)
		if got := mustReadFile(t, filepath.Join(c.dir, "pylock.toml")); !bytes.Equal(got, want) {
			t.Errorf("the lock after the kills differs from the uninterrupted one:\n%s\nwant:\n%s", got, want)
		}
		checkCache(t, "after the re-run", cache, srv.URL, metadata)
		if left, _ := filepath.Glob(filepath.Join(cache, "build517", "build517-v1", "tmp", "build-*")); len(left) != 0 {
			t.Errorf("scratch directories of killed builds left: %v", left)
		}
	})
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkCache asserts that no file under a final name in the cache is
// half-written: every artifact hashes to the sha256 its path names, and
// every HTTP cache entry parses and holds the body the index serves for
// its URL and Accept header; every cached METADATA (of a wheel, or built
// from an sdist) is one of those the index's files hold or build; every
// cached sdist PKG-INFO is whole.
func checkCache(t *testing.T, point, cache, serverURL string, metadata map[string]bool) {
	t.Helper()
	filepath.WalkDir(cache, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(cache, path)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if strings.HasPrefix(d.Name(), ".") || strings.Contains(rel, "/.") {
			return nil // a temporary file: not under a final name
		}
		switch {
		case parts[0] == "artifacts" && len(parts) == 5 && parts[1] == "sha256":
			data := mustReadFile(t, path)
			if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != parts[3] {
				t.Errorf("%s: artifact %s does not hash to its name", point, rel)
			}
		case parts[0] == "http" && len(parts) == 4 && parts[1] == "http-v1":
			data := mustReadFile(t, path)
			head, body, ok := bytes.Cut(data, []byte("\n"))
			var e struct {
				URL    string `json:"url"`
				Accept string `json:"accept"`
			}
			if !ok || json.Unmarshal(head, &e) != nil {
				t.Errorf("%s: HTTP cache entry %s does not parse", point, rel)
				return nil
			}
			if !strings.HasPrefix(e.URL, serverURL) {
				return nil
			}
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, e.URL, nil)
			req.Header.Set("Accept", e.Accept)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			served, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Equal(body, served) {
				t.Errorf("%s: HTTP cache entry %s for %s holds %d bytes, the index serves %d", point, rel, e.URL, len(body), len(served))
			}
		case parts[0] == "http" && len(parts) == 4 && parts[1] == "metadata-v1",
			parts[0] == "build517" && len(parts) == 5 && parts[1] == "build517-v1" && parts[4] == "METADATA":
			if data := mustReadFile(t, path); !metadata[string(data)] {
				t.Errorf("%s: cached metadata %s is none the index serves or builds:\n%s", point, rel, data)
			}
		case parts[0] == "build517" && len(parts) == 4 && parts[1] == "build517-v1" && parts[3] == "PKG-INFO":
			if data := mustReadFile(t, path); !bytes.HasPrefix(data, []byte("Metadata-Version: ")) || !bytes.Contains(data, []byte("Name: slowsrc\n")) {
				t.Errorf("%s: cached PKG-INFO %s is not whole:\n%s", point, rel, data)
			}
		case parts[0] == "build517" && len(parts) > 2 && parts[2] == "tmp":
			// the working directory of a build the kill interrupted
		default:
			t.Errorf("%s: a cache file this test does not know how to check: %s", point, rel)
		}
		return nil
	})
}
