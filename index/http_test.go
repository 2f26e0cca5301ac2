package index

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/redact"
)

func TestRetries(t *testing.T) {
	const page = `<a href="demo-1.0.tar.gz">d</a>`
	tests := []struct {
		name         string
		failures     int // how many requests fail before one succeeds
		fail         func(w http.ResponseWriter, r *http.Request)
		retries      int
		wantRequests int
		wantErr      string
	}{
		{"503 then success", 2, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "busy", http.StatusServiceUnavailable) }, 3, 3, ""},
		{"429 with Retry-After then success", 1, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		}, 1, 2, ""},
		{"connection reset then success", 1, func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}, 1, 2, ""},
		{"truncated body then success", 1, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Length", "1000")
			w.Write([]byte("<a href="))
		}, 1, 2, ""},
		{"stalled then success", 1, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}, 1, 2, ""},
		{"500 until retries run out", 10, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }, 2, 3, "HTTP 500 Internal Server Error"},
		{"no retries", 10, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }, 0, 1, "HTTP 500"},
		{"404 is not retried", 10, http.NotFound, 5, 1, "not found"},
		{"400 is not retried", 10, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusBadRequest) }, 5, 1, "HTTP 400 Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var served atomic.Int32
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if served.Add(1) <= int32(tt.failures) {
					tt.fail(w, r)
					return
				}
				serveHTML(w, page)
			})
			c := newTestClient(t, Options{IndexURLs: []string{s.URL + "/simple/"}, Retries: tt.retries, Timeout: 200 * time.Millisecond})
			project, err := c.Project(context.Background(), "demo")
			if got := s.count("/simple/demo/"); got != tt.wantRequests {
				t.Errorf("%d requests, want %d", got, tt.wantRequests)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(project.Files) != 1 {
				t.Fatalf("Project = %+v, %v", project, err)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	c := &Client{backoffBase: 100 * time.Millisecond, backoffMax: time.Second}
	for attempt, want := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second} {
		for range 20 {
			if got := c.backoff(attempt, 0); got < want/2 || got > want {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", attempt, got, want/2, want)
			}
		}
	}
	if got := c.backoff(0, 700*time.Millisecond); got != 700*time.Millisecond {
		t.Errorf("backoff with Retry-After 700ms = %s", got)
	}
	if got := c.backoff(0, time.Hour); got != time.Second {
		t.Errorf("backoff with Retry-After 1h = %s, want the cap", got)
	}
}

func TestAuthentication(t *testing.T) {
	const user, password = "alice", "s3cret-Pa55"
	checkAuth := func(w http.ResponseWriter, r *http.Request) bool {
		u, p, ok := r.BasicAuth()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="index"`)
			http.Error(w, "who are you?", http.StatusUnauthorized)
			return false
		}
		if u != user || p != password {
			http.Error(w, "wrong", http.StatusUnauthorized)
			return false
		}
		return true
	}
	wheel := buildWheel(t, "demo", "1.0", demoMetadata)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/forbidden/") {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		if !checkAuth(w, r) {
			return
		}
		switch r.URL.Path {
		case "/simple/demo/":
			serveHTML(w, `<a href="/packages/demo-1.0-py3-none-any.whl#sha256=`+sha256Hex(wheel)+`">d</a>`)
		case "/packages/demo-1.0-py3-none-any.whl":
			w.Write(wheel)
		default:
			http.NotFound(w, r)
		}
	})
	withUserinfo := strings.Replace(s.URL, "http://", "http://"+user+":"+password+"@", 1)
	host := mustParseURL(t, s.URL).Hostname()
	netrc := func(h string) (string, string, bool) {
		if h != host {
			t.Errorf("credentials asked for host %q, want %q", h, host)
		}
		return user, password, true
	}

	logs := &logBuffer{}
	var errs []error
	noteErr := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, tt := range []struct {
		name string
		opts Options
	}{
		{"credentials in the index URL", Options{IndexURLs: []string{withUserinfo + "/simple/"}}},
		{"credentials from the lookup", Options{IndexURLs: []string{s.URL + "/simple/"}, Credentials: netrc}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Logger = logs.logger()
			c := newTestClient(t, tt.opts)
			project, err := c.Project(context.Background(), "demo")
			if err != nil {
				t.Fatal(err)
			}
			f := project.Files[0]
			if strings.Contains(f.URL+f.Index, password) || strings.Contains(f.URL+f.Index, user) {
				t.Errorf("file %+v shows credentials", f)
			}
			// The wheel lives outside the index's path, on the same host.
			dst := filepath.Join(t.TempDir(), f.Filename)
			if err := c.Download(context.Background(), f, dst); err != nil {
				t.Fatal(err)
			}
			metadata, err := c.Metadata(context.Background(), f)
			if err != nil || string(metadata) != demoMetadata {
				t.Errorf("Metadata = %q, %v", metadata, err)
			}
		})
	}

	t.Run("no credentials", func(t *testing.T) {
		c := newTestClient(t, Options{IndexURLs: []string{s.URL + "/simple/"}, Logger: logs.logger(), Retries: 3})
		before := s.count("/simple/demo/")
		_, err := c.Project(context.Background(), "demo")
		noteErr(err)
		var unauthorized *UnauthorizedError
		if !errors.As(err, &unauthorized) || unauthorized.SentCredentials {
			t.Fatalf("error %v is not an *UnauthorizedError without credentials", err)
		}
		for _, want := range []string{s.URL + "/simple/", "401", "netrc", "machine " + host, "https://USER:PASSWORD@"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		if n := s.count("/simple/demo/") - before; n != 1 {
			t.Errorf("a 401 was retried: %d requests", n)
		}
	})
	t.Run("wrong credentials", func(t *testing.T) {
		wrong := strings.Replace(s.URL, "http://", "http://"+user+":not-"+password+"@", 1)
		c := newTestClient(t, Options{IndexURLs: []string{wrong + "/simple/"}, Logger: logs.logger()})
		_, err := c.Project(context.Background(), "demo")
		noteErr(err)
		var unauthorized *UnauthorizedError
		if !errors.As(err, &unauthorized) || !unauthorized.SentCredentials || !strings.Contains(err.Error(), "rejected") {
			t.Fatalf("error %v is not an *UnauthorizedError for rejected credentials", err)
		}
		if unauthorized.Index != "http://"+user+":****@"+strings.TrimPrefix(s.URL, "http://")+"/simple/" {
			t.Errorf("Index %q", unauthorized.Index)
		}
	})
	t.Run("forbidden", func(t *testing.T) {
		c := newTestClient(t, Options{IndexURLs: []string{withUserinfo + "/forbidden/"}, Logger: logs.logger()})
		_, err := c.Project(context.Background(), "demo")
		noteErr(err)
		var forbidden *ForbiddenError
		if !errors.As(err, &forbidden) || !strings.Contains(err.Error(), "access denied") || !strings.Contains(err.Error(), "/forbidden/") {
			t.Fatalf("error %v is not a *ForbiddenError naming the index", err)
		}
	})
	t.Run("errors of other kinds", func(t *testing.T) {
		c := newTestClient(t, Options{IndexURLs: []string{withUserinfo + "/simple/"}, Logger: logs.logger(), FindLinks: []string{withUserinfo + "/missing/"}})
		_, err := c.Project(context.Background(), "demo")
		noteErr(err)
		_, err = c.Metadata(context.Background(), File{Filename: "x-1.0-py3-none-any.whl", URL: s.URL + "/nothing.whl", Index: redact.Mask(withUserinfo)})
		noteErr(err)
		noteErr(c.Download(context.Background(), File{Filename: "x.whl", URL: s.URL + "/packages/demo-1.0-py3-none-any.whl", Hashes: map[string]string{"sha256": "00"}}, filepath.Join(t.TempDir(), "x.whl")))
		_, err = New(Options{IndexURLs: []string{"ftp://" + user + ":" + password + "@host/"}})
		noteErr(err)
		_, err = New(Options{IndexURLs: []string{"https://" + user + ":" + password + "@host:bad/"}})
		noteErr(err)
		if len(errs) < 7 {
			t.Errorf("only %d errors collected", len(errs))
		}
	})
	for _, err := range errs {
		if strings.Contains(err.Error(), password) {
			t.Errorf("error %q reveals the password", err)
		}
	}
	if strings.Contains(logs.String(), password) {
		t.Errorf("the log reveals the password:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "/simple/demo/") {
		t.Errorf("the debug log says nothing of the requests made:\n%s", logs)
	}
}

func TestCancellation(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	c := newTestClient(t, Options{IndexURLs: []string{s.URL + "/simple/"}, Retries: 5})
	dir := t.TempDir()
	calls := map[string]func(ctx context.Context) error{
		"Project": func(ctx context.Context) error { _, err := c.Project(ctx, "demo"); return err },
		"Metadata": func(ctx context.Context) error {
			_, err := c.Metadata(ctx, File{Filename: "demo-1.0-py3-none-any.whl", URL: s.URL + "/demo-1.0-py3-none-any.whl"})
			return err
		},
		"Download": func(ctx context.Context) error {
			return c.Download(ctx, File{Filename: "demo.whl", URL: s.URL + "/demo.whl"}, filepath.Join(dir, "demo.whl"))
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			start := time.Now()
			err := call(ctx)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v does not wrap context.Canceled", err)
			}
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("returned %s after cancellation", elapsed)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a cancelled download left %d files", len(entries))
	}
}

func TestParallelismBound(t *testing.T) {
	var inFlight, most atomic.Int32
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		serveHTML(w, `<a href="x-1.0.tar.gz">x</a>`)
	})
	indexes := []string{s.URL + "/a/", s.URL + "/b/", s.URL + "/c/"}
	c := newTestClient(t, Options{IndexURLs: indexes, Parallelism: 2})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if _, err := c.Project(context.Background(), "p"+string(rune('a'+i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := most.Load(); got != 2 {
		t.Errorf("at most %d requests in flight, want 2", got)
	}
}

func TestTLS(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serveHTML(w, `<a href="demo-1.0.tar.gz">d</a>`)
	}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes fail on purpose
	s.StartTLS()
	defer s.Close()
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	host := mustParseURL(t, s.URL).Host
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"unknown authority", Options{}, "certificate"},
		{"CA bundle", Options{CertFile: bundle}, ""},
		{"trusted host", Options{TrustedHosts: []string{"127.0.0.1"}}, ""},
		{"trusted host and port", Options{TrustedHosts: []string{host}}, ""},
		{"trusted host, other port", Options{TrustedHosts: []string{"127.0.0.1:1"}}, "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.IndexURLs = []string{s.URL + "/simple/"}
			c := newTestClient(t, tt.opts)
			_, err := c.Project(context.Background(), "demo")
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
	for _, opts := range []Options{{CertFile: filepath.Join(t.TempDir(), "missing.pem")}, {CertFile: os.Args[0]}, {ClientCertFile: bundle}} {
		if _, err := New(opts); err == nil {
			t.Errorf("New(%+v) accepted a bad certificate file", opts)
		}
	}
}

func TestPlainHTTPOrigins(t *testing.T) {
	c := newTestClient(t, Options{TrustedHosts: []string{"mirror.internal", "other.internal:8080", "http://[fd00::1]"}})
	tests := []struct {
		url  string
		want bool
	}{
		{"https://pypi.org/simple/", true},
		{"http://pypi.org/simple/", false},
		{"http://localhost:3141/simple/", true},
		{"http://127.0.0.2/simple/", true},
		{"http://[::1]:8080/simple/", true},
		{"http://mirror.internal/simple/", true},
		{"http://MIRROR.internal:81/simple/", true},
		{"http://other.internal:8080/", true},
		{"http://other.internal/", false},
		{"http://[fd00::1]/", true},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.url)
		err := c.checkOrigin(u)
		if (err == nil) != tt.want {
			t.Errorf("checkOrigin(%s) = %v, want allowed %v", tt.url, err, tt.want)
		}
		if err != nil && !strings.Contains(err.Error(), "trusted") {
			t.Errorf("error %q does not say how to allow the host", err)
		}
	}
}
