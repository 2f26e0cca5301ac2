package index

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPageCache(t *testing.T) {
	const page = `<a href="demo-1.0.tar.gz">d</a>`
	tests := []struct {
		name         string
		cacheControl string
		etag         string
		// second is what the second lookup, by a new client on the same
		// cache directory, must cost: requests, and how many were 304s.
		wantRequests, wantNotModified int
		wantCached                    bool
	}{
		{"fresh: no request", "max-age=600", `"v1"`, 0, 0, true},
		{"no-cache: revalidated", "no-cache", `"v1"`, 1, 1, true},
		{"no max-age: revalidated", "", `"v1"`, 1, 1, true},
		{"max-age=0: revalidated", "max-age=0", `"v1"`, 1, 1, true},
		{"no-store: fetched again", "no-store", `"v1"`, 1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notModified := 0
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.cacheControl != "" {
					w.Header().Set("Cache-Control", tt.cacheControl)
				}
				w.Header().Set("ETag", tt.etag)
				if r.Header.Get("If-None-Match") == tt.etag {
					notModified++
					w.WriteHeader(http.StatusNotModified)
					return
				}
				serveHTML(w, page)
			})
			cacheDir := t.TempDir()
			for round := range 2 {
				c := newTestClient(t, Options{IndexURLs: []string{s.URL + "/simple/"}, CacheDir: cacheDir})
				project, err := c.Project(context.Background(), "demo")
				if err != nil {
					t.Fatal(err)
				}
				if len(project.Files) != 1 || project.Files[0].URL != s.URL+"/simple/demo/demo-1.0.tar.gz" {
					t.Fatalf("round %d: files %+v", round, project.Files)
				}
			}
			if got := s.total() - 1; got != tt.wantRequests || notModified != tt.wantNotModified {
				t.Errorf("second lookup made %d requests (%d answered 304), want %d (%d)", got, notModified, tt.wantRequests, tt.wantNotModified)
			}
			entries, _ := filepath.Glob(filepath.Join(cacheDir, "http-v1", "*", "*"))
			if (len(entries) > 0) != tt.wantCached {
				t.Errorf("cache holds %d entries; want some: %v", len(entries), tt.wantCached)
			}
		})
	}
}

func TestPageCacheLastModified(t *testing.T) {
	const modified = "Mon, 02 Jan 2006 15:04:05 GMT"
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-Modified-Since") == modified {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Last-Modified", modified)
		serveJSON(w, `{"meta":{"api-version":"1.0"},"name":"demo","files":[{"filename":"demo-1.0.tar.gz","url":"demo-1.0.tar.gz"}]}`)
	})
	c := newTestClient(t, Options{IndexURLs: []string{s.URL + "/simple/"}, CacheDir: t.TempDir()})
	for range 3 {
		project, err := c.Project(context.Background(), "demo")
		if err != nil || len(project.Files) != 1 {
			t.Fatalf("Project = %+v, %v", project, err)
		}
	}
	if got := s.to("/simple/demo/"); len(got) != 3 || got[2].header.Get("If-Modified-Since") != modified {
		t.Errorf("requests %+v, want 3, the later ones conditional", got)
	}
}

func TestUnwritableCacheIsNotAnError(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { serveHTML(w, `<a href="demo-1.0.tar.gz">d</a>`) })
	cacheDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(cacheDir, nil, 0o644); err != nil { // a file where the directory should be
		t.Fatal(err)
	}
	buf := &logBuffer{}
	c := newTestClient(t, Options{IndexURLs: []string{s.URL + "/simple/"}, CacheDir: cacheDir, Logger: buf.logger()})
	if _, err := c.Project(context.Background(), "demo"); err != nil {
		t.Fatal(err)
	}
	if logs := buf.String(); !strings.Contains(logs, "level=WARN msg=\"not caching page\"") {
		t.Errorf("no warning about the cache in the log:\n%s", logs)
	}
}
