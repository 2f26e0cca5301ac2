package index

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestDownload(t *testing.T) {
	content := noise(150<<10, 4)
	good := sha256Hex(content)
	bad := sha256Hex([]byte("something else"))
	tests := []struct {
		name     string
		handler  func(w http.ResponseWriter, r *http.Request, call int)
		hashes   map[string]string
		retries  int
		wantErr  string
		requests int
	}{
		{"verified", func(w http.ResponseWriter, r *http.Request, _ int) { w.Write(content) }, map[string]string{"sha256": good}, 0, "", 1},
		{"no hash to verify", func(w http.ResponseWriter, r *http.Request, _ int) { w.Write(content) }, nil, 0, "", 1},
		{"other hash names", func(w http.ResponseWriter, r *http.Request, _ int) { w.Write(content) }, map[string]string{"blake2b": "zz", "md5": "00"}, 0, "md5 hash mismatch", 1},
		{"hash mismatch", func(w http.ResponseWriter, r *http.Request, _ int) { w.Write(content) }, map[string]string{"sha256": bad}, 0, "sha256 hash mismatch", 1},
		{"broken transfer, retried from the start", func(w http.ResponseWriter, r *http.Request, call int) {
			if call == 1 {
				w.Header().Set("Content-Length", "999999")
				w.Write(content[:1000])
				return
			}
			w.Write(content)
		}, map[string]string{"sha256": good}, 1, "", 2},
		{"not found", func(w http.ResponseWriter, r *http.Request, _ int) { http.NotFound(w, r) }, nil, 3, "HTTP 404 Not Found", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) { tt.handler(w, r, int(calls.Add(1))) })
			var received atomic.Int64
			c := newTestClient(t, Options{Retries: tt.retries}).WithReceived(func(name string, n int64) {
				if name != "demo-1.0-py3-none-any.whl" {
					t.Errorf("bytes reported for %q", name)
				}
				received.Add(n)
			})
			dir := t.TempDir()
			dst := filepath.Join(dir, "demo-1.0-py3-none-any.whl")
			if err := os.WriteFile(dst, []byte("previous"), 0o644); err != nil {
				t.Fatal(err)
			}
			f := File{Filename: "demo-1.0-py3-none-any.whl", URL: s.URL + "/demo-1.0-py3-none-any.whl", Hashes: tt.hashes}
			err := c.Download(context.Background(), f, dst)
			if n := s.total(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("the directory holds %d files; temporary files were left", len(entries))
			}
			got, _ := os.ReadFile(dst)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), f.Filename) {
					t.Fatalf("error %v, want one naming the file and containing %q", err, tt.wantErr)
				}
				if string(got) != "previous" {
					t.Errorf("a failed download replaced the destination")
				}
				var mismatch *HashMismatchError
				if errors.As(err, &mismatch) {
					if !strings.Contains(err.Error(), mismatch.Expected) || !strings.Contains(err.Error(), mismatch.Actual) {
						t.Errorf("mismatch error %q does not name both hashes", err)
					}
					if mismatch.Algorithm == "sha256" && (mismatch.Expected != bad || mismatch.Actual != good) {
						t.Errorf("mismatch %+v, want expected %s and actual %s", mismatch, bad, good)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(content) {
				t.Errorf("downloaded %d bytes, not the %d served", len(got), len(content))
			}
			// A retried transfer takes back what its broken attempt reported.
			if n := received.Load(); n != int64(len(content)) {
				t.Errorf("%d bytes reported received, want %d", n, len(content))
			}
			if info, _ := os.Stat(dst); info.Mode().Perm() != 0o644 {
				t.Errorf("mode %s", info.Mode())
			}
		})
	}
}

func TestDownloadLocal(t *testing.T) {
	src := filepath.Join(t.TempDir(), "demo-1.0.tar.gz")
	if err := os.WriteFile(src, []byte("sdist"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, Options{})
	dir := t.TempDir()
	f := File{Filename: "demo-1.0.tar.gz", URL: "file://" + src, Hashes: map[string]string{"sha256": sha256Hex([]byte("sdist"))}}
	if err := c.Download(context.Background(), f, filepath.Join(dir, "a.tar.gz")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "a.tar.gz")); string(got) != "sdist" {
		t.Errorf("copied %q", got)
	}
	f.Hashes["sha256"] = sha256Hex([]byte("other"))
	err := c.Download(context.Background(), f, filepath.Join(dir, "b.tar.gz"))
	if !errors.As(err, new(*HashMismatchError)) {
		t.Errorf("error %v, want a *HashMismatchError", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.tar.gz")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file with the wrong hash was left under its final name")
	}
}
