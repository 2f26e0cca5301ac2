package index

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestRedirectCredentials: credentials go only to the scheme, host and
// port they were given for (pip's rule), never across a redirect to
// another port or after an https → http downgrade. Go's own rule
// compares host names without the port, which sent them on.
func TestRedirectCredentials(t *testing.T) {
	const user, password = "alice", "S3CRET"
	page := `<a href="demo-1.0-py3-none-any.whl">d</a>`
	type seen struct {
		mu    sync.Mutex
		auths []string
	}
	record := func(s *seen, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.auths = append(s.auths, r.Header.Get("Authorization"))
	}
	// other is where the redirects lead: it serves the page to anyone and
	// records what Authorization it got.
	newOther := func(tls bool) (*httptest.Server, *seen) {
		s := &seen{}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			record(s, r)
			serveHTML(w, page)
		})
		if tls {
			return httptest.NewTLSServer(h), s
		}
		return httptest.NewServer(h), s
	}
	// index needs the credentials, then redirects to target+path.
	newIndex := func(tls bool, target func() string) (*httptest.Server, *seen) {
		s := &seen{}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			record(s, r)
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
				w.Header().Set("WWW-Authenticate", `Basic realm="index"`)
				http.Error(w, "who are you?", http.StatusUnauthorized)
				return
			}
			if r.URL.Path == "/simple/demo/" {
				http.Redirect(w, r, target()+"/moved/demo/", http.StatusFound)
				return
			}
			serveHTML(w, page)
		})
		if tls {
			return httptest.NewTLSServer(h), s
		}
		return httptest.NewServer(h), s
	}

	t.Run("another port", func(t *testing.T) {
		other, otherSeen := newOther(false)
		defer other.Close()
		idx, _ := newIndex(false, func() string { return other.URL })
		defer idx.Close()
		withCreds := strings.Replace(idx.URL, "http://", "http://"+user+":"+password+"@", 1)
		c := newTestClient(t, Options{IndexURLs: []string{withCreds + "/simple/"}})
		if _, err := c.Project(context.Background(), "demo"); err != nil {
			t.Fatal(err)
		}
		for _, a := range otherSeen.auths {
			if a != "" {
				t.Errorf("the server on another port got Authorization %q", a)
			}
		}
		if len(otherSeen.auths) == 0 {
			t.Error("the redirect was not followed")
		}
	})

	t.Run("same origin keeps them", func(t *testing.T) {
		var idx *httptest.Server
		idx, idxSeen := newIndex(false, func() string { return idx.URL })
		defer idx.Close()
		withCreds := strings.Replace(idx.URL, "http://", "http://"+user+":"+password+"@", 1)
		c := newTestClient(t, Options{IndexURLs: []string{withCreds + "/simple/"}})
		if _, err := c.Project(context.Background(), "demo"); err != nil {
			t.Fatal(err)
		}
		idxSeen.mu.Lock()
		defer idxSeen.mu.Unlock()
		if n := len(idxSeen.auths); n < 2 || idxSeen.auths[n-1] == "" {
			t.Errorf("the redirect on the same origin lost the credentials: %q", idxSeen.auths)
		}
	})

	t.Run("https to http downgrade", func(t *testing.T) {
		// The lookup (netrc) has credentials for the host on every port,
		// but not for plain http after https.
		other, otherSeen := newOther(false)
		defer other.Close()
		idx, _ := newIndex(true, func() string { return other.URL })
		defer idx.Close()
		c := newTestClient(t, Options{
			IndexURLs:    []string{idx.URL + "/simple/"},
			TrustedHosts: []string{strings.TrimPrefix(idx.URL, "https://")},
			Credentials:  func(string) (string, string, bool) { return user, password, true },
		})
		if _, err := c.Project(context.Background(), "demo"); err != nil {
			t.Fatal(err)
		}
		if len(otherSeen.auths) == 0 {
			t.Fatal("the redirect was not followed")
		}
		for _, a := range otherSeen.auths {
			if a != "" {
				t.Errorf("credentials went to plain http after https: %q", a)
			}
		}
	})
}
