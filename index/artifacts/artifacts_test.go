package artifacts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/index"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// demoIndex serves one wheel and returns it, the server, a real index
// client and the wheel's index.File.
func demoIndex(t *testing.T) (testindex.File, *testindex.Server, *index.Client, index.File) {
	t.Helper()
	whl := testindex.Wheel(testindex.WheelSpec{Name: "demo", Version: "1.0", Files: map[string]string{"demo/__init__.py": ""}})
	srv := testindex.Start(t, []testindex.Project{{Name: "demo", Files: []testindex.File{whl}}}, testindex.Options{})
	client, err := index.New(index.Options{IndexURLs: []string{srv.IndexURL()}})
	if err != nil {
		t.Fatal(err)
	}
	proj, err := client.Project(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	return whl, srv, client, proj.Files[0]
}

func TestGetDownloadsOnceAndVerifies(t *testing.T) {
	whl, srv, client, f := demoIndex(t)
	c := &Cache{Dir: t.TempDir(), Source: client}
	var wg sync.WaitGroup
	paths := make([]string, 8)
	errs := make([]error, 8)
	for i := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths[i], _, errs[i] = c.Get(context.Background(), f)
		}()
	}
	wg.Wait()
	sum := sha256.Sum256(whl.Content)
	want := hex.EncodeToString(sum[:])
	for i := range paths {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if paths[i] != c.Path(want, f.Filename) {
			t.Fatalf("path %s, want %s", paths[i], c.Path(want, f.Filename))
		}
	}
	downloads := srv.Requests("/files/" + f.Filename)
	if _, _, err := c.Get(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if srv.Requests("/files/"+f.Filename) != downloads {
		t.Fatal("a cached file was downloaded again")
	}
	if err := c.Verify(paths[0], want); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(paths[0], []byte("corrupt"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Verify(paths[0], want); err == nil {
		t.Fatal("a corrupted file verified")
	}
	if _, err := os.Stat(paths[0]); !IsMissing(err) {
		t.Fatal("a corrupted file was kept")
	}
	leftovers, _ := filepath.Glob(filepath.Join(c.Dir, ".download-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary downloads left behind: %v", leftovers)
	}
}

func TestGetRejectsBadNamesAndHashes(t *testing.T) {
	c := &Cache{Dir: t.TempDir(), Source: fakeDownloader("content")}
	if _, _, err := c.Get(context.Background(), index.File{Filename: "../evil.whl"}); err == nil {
		t.Fatal("a path in a file name was accepted")
	}
	_, _, err := c.Get(context.Background(), index.File{Filename: "a-1.0-py3-none-any.whl", Hashes: map[string]string{"sha256": "00"}})
	var hm *index.HashMismatchError
	if !errors.As(err, &hm) {
		t.Fatalf("got %v, want a hash mismatch", err)
	}
	p, digest, err := c.Get(context.Background(), index.File{Filename: "a-1.0-py3-none-any.whl"})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("content"))
	if digest != hex.EncodeToString(sum[:]) || filepath.Base(p) != "a-1.0-py3-none-any.whl" {
		t.Fatalf("got %s %s", p, digest)
	}
}

// TestGetTrustsOnlyAVerifyingDownloader: with the real index client, a
// file whose bytes differ from the index's sha256 never enters the cache.
func TestGetTrustsOnlyAVerifyingDownloader(t *testing.T) {
	_, _, client, f := demoIndex(t)
	wrong := strings.Repeat("ab", 32)
	f.Hashes = map[string]string{"sha256": wrong}
	c := &Cache{Dir: t.TempDir(), Source: client}
	_, _, err := c.Get(context.Background(), f)
	var hm *index.HashMismatchError
	if !errors.As(err, &hm) || hm.Expected != wrong {
		t.Fatalf("got %v, want a hash mismatch expecting %s", err, wrong)
	}
	if _, err := os.Stat(c.Path(wrong, f.Filename)); err == nil {
		t.Fatal("a file with the wrong bytes was cached under the index's digest")
	}
}

type fakeDownloader string

func (d fakeDownloader) Download(ctx context.Context, f index.File, dst string) error {
	return os.WriteFile(dst, []byte(d), 0o644)
}

// TestStaleDownloadsRemoved: the download directory (and partial file) of
// a process killed in the middle is removed by the next download once it
// has been quiet for a minute; that of a live process stays.
func TestStaleDownloadsRemoved(t *testing.T) {
	_, _, client, f := demoIndex(t)
	c := &Cache{Dir: t.TempDir(), Source: client}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot start a process: ", err)
	}
	dead := filepath.Join(c.Dir, ".download-tmp-"+strconv.Itoa(cmd.Process.Pid)+"-1")
	live := filepath.Join(c.Dir, ".download-tmp-"+strconv.Itoa(os.Getppid())+"-2")
	old := time.Now().Add(-2 * time.Minute)
	for _, d := range []string{dead, live} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, ".big.whl.123.part"), []byte("half a wheel"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(d, old, old); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := c.Get(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the killed download's directory is still there: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a live process's download directory was removed: %v", err)
	}
}
