package lock

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// recorder is a server that records the Authorization header of every
// request; with need set, it answers 401 to requests without those
// credentials. /simple/demo/ redirects to redirect()+"/moved/demo/"
// when redirect is set; every other path is demo's page.
type recorder struct {
	mu       sync.Mutex
	auths    []string
	need     string // "user:password", or "" for none
	redirect func() string
}

func (s *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.auths = append(s.auths, r.Header.Get("Authorization"))
	s.mu.Unlock()
	if s.need != "" {
		u, p, _ := strings.Cut(s.need, ":")
		if gu, gp, ok := r.BasicAuth(); !ok || gu != u || gp != p {
			w.Header().Set("WWW-Authenticate", `Basic realm="index"`)
			http.Error(w, "who are you?", http.StatusUnauthorized)
			return
		}
	}
	if s.redirect != nil && r.URL.Path == "/simple/demo/" {
		http.Redirect(w, r, s.redirect()+"/moved/demo/", http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/html")
	w.Write([]byte(`<html><body><a href="demo-1.0-py3-none-any.whl">demo-1.0-py3-none-any.whl</a></body></html>`))
}

// users returns the user names of the Basic credentials recorded.
func (s *recorder) users(t *testing.T) []string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, a := range s.auths {
		if a == "" {
			out = append(out, "-")
			continue
		}
		r := &http.Request{Header: http.Header{"Authorization": {a}}}
		u, _, ok := r.BasicAuth()
		if !ok {
			t.Fatalf("Authorization %q is not Basic", a)
		}
		out = append(out, u)
	}
	return out
}

// TestRedirectCredentialsFromConfig: credentials from pip.conf's index-url
// and from a netrc file, read as a user's are (PIP_CONFIG_FILE, NETRC),
// never follow a redirect to another port, host or scheme: the redirected
// request gets what a first request to its URL would (an index URL's
// credentials only on that URL's scheme, host and port; netrc's for the
// target's host name, as pip and requests apply them on a redirect), and
// nothing after an https → http downgrade. A netrc entry names a host,
// not a port: it applies to every port of that host, reached first or by
// a redirect.
func TestRedirectCredentialsFromConfig(t *testing.T) {
	type server struct {
		tls      bool
		hostname string // "127.0.0.1" or "localhost" in URLs
	}
	tests := []struct {
		name      string
		index     server
		target    server
		urlCreds  bool   // pip.conf's index-url carries alice's credentials
		netrc     string // netrc content; %INDEX% and %TARGET% are the host names
		wantUsers string // the users the redirect target saw, "-" for none
	}{
		{name: "pip.conf credentials, another port", index: server{false, "127.0.0.1"}, target: server{false, "127.0.0.1"},
			urlCreds: true, wantUsers: "-"},
		{name: "pip.conf credentials, another host", index: server{false, "127.0.0.1"}, target: server{false, "localhost"},
			urlCreds: true, wantUsers: "-"},
		{name: "pip.conf credentials, https to http", index: server{true, "127.0.0.1"}, target: server{false, "127.0.0.1"},
			urlCreds: true, wantUsers: "-"},
		{name: "netrc credentials, another host", index: server{false, "127.0.0.1"}, target: server{false, "localhost"},
			netrc: "machine 127.0.0.1 login alice password S3CRET\n", wantUsers: "-"},
		{name: "netrc credentials of the target host", index: server{false, "127.0.0.1"}, target: server{false, "localhost"},
			netrc: "machine 127.0.0.1 login alice password S3CRET\nmachine localhost login bob password B0B\n", wantUsers: "bob"},
		{name: "netrc credentials, https to http", index: server{true, "127.0.0.1"}, target: server{false, "localhost"},
			netrc: "machine 127.0.0.1 login alice password S3CRET\nmachine localhost login bob password B0B\n", wantUsers: "-"},
		{name: "pip.conf credentials win on their origin, netrc elsewhere", index: server{false, "127.0.0.1"}, target: server{false, "localhost"},
			urlCreds: true, netrc: "machine localhost login bob password B0B\n", wantUsers: "bob"},
		{name: "netrc names a host, not a port", index: server{false, "127.0.0.1"}, target: server{false, "127.0.0.1"},
			netrc: "machine 127.0.0.1 login alice password S3CRET\n", wantUsers: "alice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := func(s server, h http.Handler) (*httptest.Server, string) {
				var srv *httptest.Server
				if s.tls {
					srv = httptest.NewTLSServer(h)
				} else {
					srv = httptest.NewServer(h)
				}
				t.Cleanup(srv.Close)
				u, _ := url.Parse(srv.URL)
				u.Host = s.hostname + ":" + u.Port()
				return srv, u.String()
			}
			target := &recorder{}
			_, targetURL := start(tt.target, target)
			idx := &recorder{need: "alice:S3CRET", redirect: func() string { return targetURL }}
			_, indexURL := start(tt.index, idx)

			dir := t.TempDir()
			iu, _ := url.Parse(indexURL)
			hostPort := iu.Host
			if tt.urlCreds {
				iu.User = url.UserPassword("alice", "S3CRET")
			}
			conf := "[global]\nindex-url = " + iu.String() + "/simple/\ntrusted-host = " + hostPort + "\n"
			write := func(name, content string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			vars := map[string]string{"PIP_CONFIG_FILE": write("pip.conf", conf), "NETRC": write("netrc", tt.netrc)}
			env := Env{Getenv: func(k string) string { return vars[k] }, HomeDir: dir, CacheDir: t.TempDir(), Version: "test"}
			c, err := DownloadClient(env, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Project(context.Background(), "demo"); err != nil {
				t.Fatalf("the index with credentials from %s: %v", map[bool]string{true: "pip.conf", false: "netrc"}[tt.urlCreds], err)
			}
			if got := strings.Join(target.users(t), ","); got == "" {
				t.Fatal("the redirect was not followed")
			} else if got != tt.wantUsers {
				t.Errorf("the redirect target got credentials of %q, want %q", got, tt.wantUsers)
			}
		})
	}
}
