package index

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// rangeServer serves files with http.ServeContent, which honours Range
// (suffix ranges too) and If-Range, and counts the bytes it sends.
type rangeServer struct {
	*server
	sent atomic.Int64
}

func newRangeServer(t *testing.T, files map[string][]byte) *rangeServer {
	rs := &rangeServer{}
	rs.server = newServer(t, func(w http.ResponseWriter, r *http.Request) {
		content, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", `"`+sha256Hex(content)[:16]+`"`)
		cw := &countingWriter{ResponseWriter: w, n: &rs.sent}
		http.ServeContent(cw, r, "", time.Time{}, bytes.NewReader(content))
	})
	return rs
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return w.ResponseWriter.Write(p)
}

func TestMetadataPEP658(t *testing.T) {
	wheel := buildWheel(t, "demo", "1.0", "wheel's own metadata")
	const path = "/files/demo-1.0-py3-none-any.whl"
	s := newRangeServer(t, map[string][]byte{path: wheel, path + ".metadata": []byte(demoMetadata)})
	c := newTestClient(t, Options{})
	base := File{Filename: "demo-1.0-py3-none-any.whl", URL: s.URL + path, CoreMetadata: true}
	tests := []struct {
		name        string
		hashes      map[string]string
		want        string
		wantErr     string
		wantFetches map[string]int
	}{
		{"with hash", map[string]string{"sha256": sha256Hex([]byte(demoMetadata))}, demoMetadata, "", map[string]int{path + ".metadata": 1, path: 0}},
		{"hash in upper case", map[string]string{"sha256": strings.ToUpper(sha256Hex([]byte(demoMetadata)))}, demoMetadata, "", map[string]int{path + ".metadata": 1, path: 0}},
		{"without hash", nil, demoMetadata, "", map[string]int{path + ".metadata": 1, path: 0}},
		{"hash mismatch", map[string]string{"sha256": sha256Hex([]byte("other"))}, "", "demo-1.0-py3-none-any.whl.metadata: sha256 hash mismatch", map[string]int{path: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := base
			f.CoreMetadataHashes = tt.hashes
			before := map[string]int{path: s.count(path), path + ".metadata": s.count(path + ".metadata")}
			got, err := c.Metadata(context.Background(), f)
			if tt.wantErr != "" {
				var mismatch *HashMismatchError
				if !errors.As(err, &mismatch) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want a *HashMismatchError containing %q", err, tt.wantErr)
				}
			} else if err != nil || string(got) != tt.want {
				t.Fatalf("Metadata = %q, %v", got, err)
			}
			for p, n := range tt.wantFetches {
				if got := s.count(p) - before[p]; got != n {
					t.Errorf("%d requests for %s, want %d", got, p, n)
				}
			}
		})
	}
	// The .metadata file is missing where the index said it would be: the
	// wheel itself is read.
	s2 := newRangeServer(t, map[string][]byte{path: wheel})
	f := base
	f.URL = s2.URL + path
	got, err := c.Metadata(context.Background(), f)
	if err != nil || string(got) != "wheel's own metadata" {
		t.Errorf("Metadata without the .metadata file = %q, %v", got, err)
	}
}

func TestMetadataThroughRanges(t *testing.T) {
	big := noise(600<<10, 2)
	tests := []struct {
		name            string
		wheel           []byte
		tailSize        int64
		readAhead       int64
		wantMaxRequests int
	}{
		{"small wheel: one request", buildWheel(t, "demo", "1.0", demoMetadata), 0, 0, 1},
		{"large wheel, METADATA near the end: one request", buildWheel(t, "demo", "1.0", demoMetadata, wheelFile{name: "demo/big.bin", content: big, stored: true}), 0, 0, 1},
		{"large wheel, small tail", buildWheel(t, "demo", "1.0", demoMetadata, wheelFile{name: "demo/big.bin", content: big, stored: true}), 100, 64, 6},
		{"zip64, METADATA first", buildZip64(t, nil, wheelFile{name: "demo-1.0.dist-info/METADATA", content: []byte(demoMetadata)}, wheelFile{name: "demo/big.bin", content: big}), 0, 0, 2},
		{"zip64, tiny tail: the locator and record need requests of their own", buildZip64(t, nil, wheelFile{name: "demo-1.0.dist-info/METADATA", content: []byte(demoMetadata)}, wheelFile{name: "demo/big.bin", content: big}), 22, 8, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const path = "/packages/demo-1.0-py3-none-any.whl"
			s := newRangeServer(t, map[string][]byte{path: tt.wheel})
			c := newTestClient(t, Options{})
			if tt.tailSize > 0 {
				c.tailSize, c.readAhead = tt.tailSize, tt.readAhead
			}
			f := File{Filename: "demo-1.0-py3-none-any.whl", URL: s.URL + path, Hashes: map[string]string{"sha256": sha256Hex(tt.wheel)}}
			got, err := c.Metadata(context.Background(), f)
			if err != nil || string(got) != demoMetadata {
				t.Fatalf("Metadata = %q, %v", got, err)
			}
			requests := s.to(path)
			for _, r := range requests {
				if r.header.Get("Range") == "" {
					t.Errorf("a request without Range: the whole wheel was fetched")
				}
			}
			if len(requests) > tt.wantMaxRequests {
				t.Errorf("%d requests, want at most %d", len(requests), tt.wantMaxRequests)
			}
			if len(tt.wheel) > 200<<10 && s.sent.Load() > int64(len(tt.wheel))/2 {
				t.Errorf("%d bytes sent of a %d-byte wheel", s.sent.Load(), len(tt.wheel))
			}
			if later := requests[len(requests)-1].header.Get("If-Range"); len(requests) > 1 && later == "" {
				t.Errorf("later range requests carry no If-Range")
			}
		})
	}
}

func TestMetadataWithoutRanges(t *testing.T) {
	wheel := buildWheel(t, "demo", "1.0", demoMetadata, wheelFile{name: "demo/big.bin", content: noise(100<<10, 3), stored: true})
	const path = "/packages/demo-1.0-py3-none-any.whl"
	tests := []struct {
		name         string
		handler      func(w http.ResponseWriter, r *http.Request, calls int)
		hash         string
		wantRequests int
		wantErr      string
	}{
		{"ranges ignored", func(w http.ResponseWriter, r *http.Request, _ int) { w.Write(wheel) }, sha256Hex(wheel), 1, ""},
		{"ranges ignored, no hash", func(w http.ResponseWriter, r *http.Request, _ int) { w.Write(wheel) }, "", 1, ""},
		{"ranges ignored, hash mismatch", func(w http.ResponseWriter, r *http.Request, _ int) { w.Write(wheel) }, sha256Hex([]byte("x")), 1, "sha256 hash mismatch"},
		{"suffix ranges refused with 416", func(w http.ResponseWriter, r *http.Request, _ int) {
			if r.Header.Get("Range") != "" {
				w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
				return
			}
			w.Write(wheel)
		}, sha256Hex(wheel), 2, ""},
		{"tail served, later ranges not", func(w http.ResponseWriter, r *http.Request, calls int) {
			if calls == 1 {
				http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(wheel))
				return
			}
			w.Write(wheel)
		}, sha256Hex(wheel), 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) { tt.handler(w, r, int(calls.Add(1))) })
			c := newTestClient(t, Options{})
			c.tailSize, c.readAhead = 1024, 512
			f := File{Filename: "demo-1.0-py3-none-any.whl", URL: s.URL + path}
			if tt.hash != "" {
				f.Hashes = map[string]string{"sha256": tt.hash}
			}
			got, err := c.Metadata(context.Background(), f)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
			} else if err != nil || string(got) != demoMetadata {
				t.Fatalf("Metadata = %q, %v", got, err)
			}
			if n := s.count(path); n != tt.wantRequests {
				t.Errorf("%d requests, want %d", n, tt.wantRequests)
			}
		})
	}
}

func TestMetadataCache(t *testing.T) {
	wheel := buildWheel(t, "demo", "1.0", demoMetadata)
	const path = "/packages/demo-1.0-py3-none-any.whl"
	s := newRangeServer(t, map[string][]byte{path: wheel})
	cacheDir := t.TempDir()
	f := File{Filename: "demo-1.0-py3-none-any.whl", URL: s.URL + path, Hashes: map[string]string{"sha256": sha256Hex(wheel)}}
	for range 2 {
		c := newTestClient(t, Options{CacheDir: cacheDir})
		if got, err := c.Metadata(context.Background(), f); err != nil || string(got) != demoMetadata {
			t.Fatalf("Metadata = %q, %v", got, err)
		}
	}
	if n := s.count(path); n != 1 {
		t.Errorf("%d requests for two lookups sharing a cache, want 1", n)
	}
	// Another hash is another file: not served from the cache.
	f.Hashes = map[string]string{"sha256": strings.Repeat("0", 64)}
	c := newTestClient(t, Options{CacheDir: cacheDir})
	if _, err := c.Metadata(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if n := s.count(path); n != 2 {
		t.Errorf("%d requests after a lookup with another hash, want 2", n)
	}
}

func TestMetadataOfOtherFiles(t *testing.T) {
	s := newRangeServer(t, map[string][]byte{"/demo-1.0.tar.gz.metadata": []byte(demoMetadata)})
	c := newTestClient(t, Options{})
	_, err := c.Metadata(context.Background(), File{Filename: "demo-1.0.tar.gz", URL: s.URL + "/demo-1.0.tar.gz"})
	if !errors.Is(err, ErrNotWheel) || !strings.Contains(err.Error(), "demo-1.0.tar.gz") {
		t.Errorf("sdist without core metadata: %v, want ErrNotWheel", err)
	}
	if s.total() != 0 {
		t.Errorf("%d requests for an sdist without core metadata", s.total())
	}
	got, err := c.Metadata(context.Background(), File{Filename: "demo-1.0.tar.gz", URL: s.URL + "/demo-1.0.tar.gz", CoreMetadata: true})
	if err != nil || string(got) != demoMetadata {
		t.Errorf("sdist with core metadata: %q, %v", got, err)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "demo-1.0-py3-none-any.whl")
	if err := os.WriteFile(path, buildWheel(t, "demo", "1.0", demoMetadata), 0o644); err != nil {
		t.Fatal(err)
	}
	local := newTestClient(t, Options{FindLinks: []string{dir}})
	project, err := local.Project(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := local.Metadata(context.Background(), project.Files[0]); err != nil || string(got) != demoMetadata {
		t.Errorf("local wheel: %q, %v", got, err)
	}
}
