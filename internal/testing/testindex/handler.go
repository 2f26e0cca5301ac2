package testindex

import (
	"net/http"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// ServeHTTP counts the request, injects failures, checks credentials and
// routes to the index pages and files.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	s.mu.Lock()
	s.requests[path]++
	fail := s.failures[path] > 0
	if fail {
		s.failures[path]--
	}
	s.mu.Unlock()
	if fail {
		http.Error(w, "injected failure", http.StatusServiceUnavailable)
		return
	}
	if s.opts.Username != "" {
		user, password, ok := r.BasicAuth()
		if !ok || user != s.opts.Username || password != s.opts.Password {
			w.Header().Set("WWW-Authenticate", `Basic realm="testindex"`)
			http.Error(w, "unauthorised", http.StatusUnauthorized)
			return
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch {
	case path == "/simple":
		http.Redirect(w, r, "/simple/", http.StatusMovedPermanently)
	case path == "/simple/":
		s.servePage(w, r, s.rootPage)
	case strings.HasPrefix(path, "/simple/"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/simple/"), "/")
		if strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		if norm := pep503.Normalize(name); norm != name || !strings.HasSuffix(path, "/") {
			http.Redirect(w, r, "/simple/"+norm+"/", http.StatusMovedPermanently)
			return
		}
		s.mu.Lock()
		p, ok := s.projects[name]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		s.servePage(w, r, func(contentType string) []byte { return s.projectPage(p, contentType) })
	case strings.HasPrefix(path, "/files/"):
		s.serveFile(w, r, strings.TrimPrefix(path, "/files/"))
	default:
		http.NotFound(w, r)
	}
}

// servePage negotiates the format and serves the page render makes.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, render func(contentType string) []byte) {
	contentType := negotiate(r.Header.Get("Accept"))
	switch s.opts.Format {
	case FormatHTML:
		contentType = typeLegacyHTML
	case FormatJSON:
		contentType = typeJSON
	}
	w.Header().Set("Vary", "Accept")
	if contentType == "" {
		http.Error(w, "acceptable types: "+typeJSON+", "+typeHTML+", "+typeLegacyHTML, http.StatusNotAcceptable)
		return
	}
	body := render(contentType)
	header := contentType
	if contentType == typeLegacyHTML {
		header += "; charset=utf-8"
	}
	serveBytes(w, r, header, body, s.lastModified(), false)
}

// serveFile serves a distribution file or its PEP 658 metadata.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	f, ok := s.files[name]
	base, isMetadata := strings.CutSuffix(name, ".metadata")
	var meta []byte
	if !ok && isMetadata && !s.opts.NoMetadata {
		f, ok = s.files[base]
		meta = f.coreMetadata()
		ok = ok && meta != nil
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if meta != nil {
		serveBytes(w, r, "application/octet-stream", meta, modTime(f), !s.opts.NoRanges)
		return
	}
	serveBytes(w, r, "application/octet-stream", f.Content, modTime(f), !s.opts.NoRanges)
}
