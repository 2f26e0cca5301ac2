package testindex

import (
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// Format selects how project pages are served.
type Format int

const (
	// FormatNegotiate serves PEP 691 JSON or PEP 503 HTML as the Accept
	// header asks, HTML when it names neither.
	FormatNegotiate Format = iota
	// FormatHTML serves text/html whatever is asked, like a legacy index.
	FormatHTML
	// FormatJSON serves PEP 691 JSON whatever is asked.
	FormatJSON
)

// Options switch the server's features. The zero value serves everything
// a modern index does.
type Options struct {
	Format     Format
	NoRanges   bool // no Accept-Ranges, Range headers ignored
	NoMetadata bool // no PEP 658 metadata files, none announced
	NoHashes   bool // no sha256 in pages (empty "hashes", no URL fragment)
	// Username and Password, when Username is set, protect every path
	// with basic authentication: 401 without them.
	Username, Password string
	// FailFirst maps a path (e.g. "/simple/demo/") to how many of its
	// first requests get 503 Service Unavailable.
	FailFirst map[string]int
}

// Server is a running index on 127.0.0.1. Its methods are safe for
// concurrent use.
type Server struct {
	opts Options
	http *httptest.Server

	mu       sync.Mutex
	projects map[string]Project // by normalised name
	files    map[string]File    // by file name
	requests map[string]int     // by path
	failures map[string]int     // path → 503 replies still to give
}

// New starts an index serving projects. Close it when done; Start does
// that for a test.
func New(projects []Project, opts Options) *Server {
	s := &Server{
		opts:     opts,
		projects: map[string]Project{},
		files:    map[string]File{},
		requests: map[string]int{},
		failures: map[string]int{},
	}
	for path, n := range opts.FailFirst {
		s.failures[path] = n
	}
	for _, p := range projects {
		s.Add(p)
	}
	s.http = httptest.NewServer(s)
	return s
}

// Start starts an index for the test and closes it when the test ends.
func Start(t testing.TB, projects []Project, opts Options) *Server {
	t.Helper()
	s := New(projects, opts)
	t.Cleanup(s.Close)
	return s
}

// Add adds a project, or files to a project already served.
func (s *Server) Add(p Project) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := pep503.Normalize(p.Name)
	have, ok := s.projects[key]
	if ok {
		have.Files = append(have.Files, p.Files...)
		p = have
	}
	s.projects[key] = p
	for _, f := range p.Files {
		s.files[f.Filename] = f
	}
}

// Close shuts the server down.
func (s *Server) Close() { s.http.Close() }

// URL is the server's base URL, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.http.URL }

// IndexURL is the simple index URL, ".../simple/".
func (s *Server) IndexURL() string { return s.http.URL + "/simple/" }

// IndexURLWithCredentials is IndexURL with Options.Username and Password
// in it, as pip accepts them.
func (s *Server) IndexURLWithCredentials() string {
	u, _ := url.Parse(s.IndexURL())
	u.User = url.UserPassword(s.opts.Username, s.opts.Password)
	return u.String()
}

// FileURL is the download URL of a file.
func (s *Server) FileURL(filename string) string {
	return s.http.URL + "/files/" + url.PathEscape(filename)
}

// Requests returns how many requests the path (e.g. "/simple/demo/" or
// "/files/demo-1.0-py3-none-any.whl") has received, failed and
// unauthorised ones included. A full URL of the server is accepted too.
func (s *Server) Requests(path string) int {
	if u, err := url.Parse(path); err == nil && u.Host != "" {
		path = u.Path
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// Fail makes the next n requests of path fail with 503.
func (s *Server) Fail(path string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[path] = n
}

// FindLinksDir writes every file of the index into a new temporary
// directory of the test and returns it, for find-links tests.
func (s *Server) FindLinksDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, f := range s.files {
		if err := os.WriteFile(filepath.Join(dir, name), f.Content, 0o644); err != nil {
			t.Fatalf("testindex: writing %s: %v", name, err)
		}
	}
	return dir
}
