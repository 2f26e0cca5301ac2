package index

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/syncbuf"
)

// recordedRequest is what a test server saw of a request.
type recordedRequest struct {
	path   string
	header http.Header
}

// server is an httptest server on loopback that records the requests it
// serves.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recordedRequest
}

func newServer(t *testing.T, handler http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, recordedRequest{path: r.URL.Path, header: r.Header.Clone()})
		s.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// to returns the requests for path.
func (s *server) to(path string) []recordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var matching []recordedRequest
	for _, r := range s.requests {
		if r.path == path {
			matching = append(matching, r)
		}
	}
	return matching
}

// count returns how many requests were served for path.
func (s *server) count(path string) int { return len(s.to(path)) }

// total returns how many requests were served.
func (s *server) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// newTestClient returns a client for opts whose retries wait a few
// milliseconds only.
func newTestClient(t *testing.T, opts Options) *Client {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c.backoffBase = time.Millisecond
	c.backoffMax = 5 * time.Millisecond
	return c
}

// logBuffer is a concurrency-safe buffer for a debug-level text logger.
type logBuffer struct{ syncbuf.Buffer }

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// serveJSON and serveHTML write simple pages with their content types.
func serveJSON(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", typeJSON)
	w.Write([]byte(body))
}

func serveHTML(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(body))
}
