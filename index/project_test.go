package index

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestProjectMergesIndexes(t *testing.T) {
	var primaryURL string
	primary := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/simple/demo-pkg/" {
			http.NotFound(w, r)
			return
		}
		if !strings.HasPrefix(r.Header.Get("Accept"), "application/vnd.pypi.simple.v1+json") {
			t.Errorf("Accept %q does not ask for PEP 691 JSON first", r.Header.Get("Accept"))
		}
		serveJSON(w, `{"meta":{"api-version":"1.1"},"name":"demo-pkg","files":[
			{"filename":"demo_pkg-1.0-py3-none-any.whl","url":"/files/demo_pkg-1.0-py3-none-any.whl","hashes":{"sha256":"aa"},"core-metadata":{"sha256":"bb"}},
			{"filename":"demo_pkg-1.0.tar.gz","url":"`+primaryURL+`/files/demo_pkg-1.0.tar.gz","hashes":{}}]}`)
	})
	primaryURL = primary.URL
	extra := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/extra/demo-pkg/":
			serveHTML(w, `<a href="`+primaryURL+`/files/demo_pkg-1.0.tar.gz#sha256=cc">duplicate</a>
<a href="../../wheels/demo_pkg-2.0-py3-none-any.whl#sha256=dd" data-requires-python="&gt;=3.9">demo_pkg-2.0-py3-none-any.whl</a>`)
		default:
			http.NotFound(w, r)
		}
	})
	c := newTestClient(t, Options{IndexURLs: []string{primary.URL + "/simple", extra.URL + "/extra/"}})
	project, err := c.Project(context.Background(), "Demo_Pkg")
	if err != nil {
		t.Fatal(err)
	}
	want := &Project{Name: "demo-pkg", Files: []File{
		{Filename: "demo_pkg-1.0-py3-none-any.whl", URL: primary.URL + "/files/demo_pkg-1.0-py3-none-any.whl",
			Hashes: map[string]string{"sha256": "aa"}, CoreMetadata: true, CoreMetadataHashes: map[string]string{"sha256": "bb"}, Index: primary.URL + "/simple"},
		{Filename: "demo_pkg-1.0.tar.gz", URL: primary.URL + "/files/demo_pkg-1.0.tar.gz", Hashes: map[string]string{"sha256": "cc"}, Index: primary.URL + "/simple"},
		{Filename: "demo_pkg-2.0-py3-none-any.whl", URL: extra.URL + "/wheels/demo_pkg-2.0-py3-none-any.whl",
			Hashes: map[string]string{"sha256": "dd"}, RequiresPython: ">=3.9", Index: extra.URL + "/extra/"},
	}}
	if !reflect.DeepEqual(project, want) {
		t.Errorf("got\n%+v\nwant\n%+v", project, want)
	}
}

func TestProjectFollowsRedirects(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/simple/demo/":
			http.Redirect(w, r, "/mirror/projects/demo/", http.StatusMovedPermanently)
		case "/mirror/projects/demo/":
			serveHTML(w, `<a href="demo-1.0.tar.gz">demo-1.0.tar.gz</a>`)
		default:
			http.NotFound(w, r)
		}
	})
	c := newTestClient(t, Options{IndexURLs: []string{s.URL + "/simple/"}})
	project, err := c.Project(context.Background(), "DEMO")
	if err != nil {
		t.Fatal(err)
	}
	if len(project.Files) != 1 || project.Files[0].URL != s.URL+"/mirror/projects/demo/demo-1.0.tar.gz" {
		t.Errorf("files %+v: relative links must resolve against the redirect's target", project.Files)
	}
}

func TestProjectNotFound(t *testing.T) {
	tests := []struct {
		name            string
		query           string
		root            func(w http.ResponseWriter)
		suggestMax      int64
		wantSuggestions []string
	}{
		{"HTML root listing", "reqests", func(w http.ResponseWriter) {
			serveHTML(w, `<a href="/simple/requests/">requests</a><a href="/simple/requests-oauthlib/">requests-oauthlib</a><a href="/simple/Request/">Request</a><a href="/simple/numpy/">numpy</a>`)
		}, 1 << 20, []string{"requests", "request"}},
		{"JSON root listing", "nunpy", func(w http.ResponseWriter) {
			serveJSON(w, `{"meta":{"api-version":"1.0"},"projects":[{"name":"numpy"},{"name":"NumPy_Financial"},{"name":"scipy"}]}`)
		}, 1 << 20, []string{"numpy"}},
		{"root listing too large", "reqests", func(w http.ResponseWriter) {
			serveHTML(w, `<a href="/simple/requests/">requests</a>`+strings.Repeat(" ", 2000))
		}, 1000, nil},
		{"no root listing", "reqests", func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }, 1 << 20, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/simple/" {
					tt.root(w)
					return
				}
				http.NotFound(w, r)
			})
			other := newServer(t, http.NotFound)
			c := newTestClient(t, Options{IndexURLs: []string{s.URL + "/simple/", other.URL + "/pypi/"}})
			c.suggestMax = tt.suggestMax
			_, err := c.Project(context.Background(), tt.query)
			var notFound *NotFoundError
			if !errors.As(err, &notFound) {
				t.Fatalf("error %v is not a *NotFoundError", err)
			}
			if notFound.Project != tt.query || !reflect.DeepEqual(notFound.Indexes, []string{s.URL + "/simple/", other.URL + "/pypi/"}) {
				t.Errorf("NotFoundError %+v", notFound)
			}
			if !reflect.DeepEqual(notFound.Suggestions, tt.wantSuggestions) {
				t.Errorf("suggestions %q, want %q", notFound.Suggestions, tt.wantSuggestions)
			}
			msg := err.Error()
			for _, want := range append([]string{tt.query, s.URL + "/simple/", other.URL + "/pypi/"}, tt.wantSuggestions...) {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not mention %q", msg, want)
				}
			}
		})
	}
}

func TestProjectFindLinks(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"demo_pkg-1.0-py3-none-any.whl", "Demo.Pkg-1.1.tar.gz", "demo-pkg-extra-1.0.tar.gz", ".demo_pkg-0.1.tar.gz", "other-1.0.tar.gz"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "demo_pkg-2.0"), 0o755); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "links.html")
	if err := os.WriteFile(page, []byte(`<a href="wheels/demo_pkg-3.0-py3-none-any.whl#sha256=ee">w</a><a href="other-1.0.tar.gz">o</a>`), 0o644); err != nil {
		t.Fatal(err)
	}
	links := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		serveHTML(w, `<html><body><a href="demo-pkg-4.0.tar.gz">demo-pkg-4.0.tar.gz</a><a href="unrelated-1.0.tar.gz">u</a><a href="demo_pkg-1.0-py3-none-any.whl">dup name</a></body></html>`)
	})
	index := newServer(t, func(w http.ResponseWriter, r *http.Request) { t.Errorf("index asked for %s with NoIndex", r.URL) })
	c := newTestClient(t, Options{IndexURLs: []string{index.URL + "/simple/"}, NoIndex: true,
		FindLinks: []string{dir, "file://" + page, links.URL + "/links/"}})
	project, err := c.Project(context.Background(), "demo-pkg")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range project.Files {
		got = append(got, f.URL+" "+f.Index)
	}
	want := []string{
		"file://" + filepath.Join(dir, "Demo.Pkg-1.1.tar.gz") + " " + dir,
		"file://" + filepath.Join(dir, "demo_pkg-1.0-py3-none-any.whl") + " " + dir,
		"file://" + filepath.Join(filepath.Dir(page), "wheels/demo_pkg-3.0-py3-none-any.whl") + " file://" + page,
		links.URL + "/links/demo-pkg-4.0.tar.gz " + links.URL + "/links/",
		links.URL + "/links/demo_pkg-1.0-py3-none-any.whl " + links.URL + "/links/",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if project.Files[0].Size != int64(len("Demo.Pkg-1.1.tar.gz")) {
		t.Errorf("size of a local file %d", project.Files[0].Size)
	}

	if _, err := c.Project(context.Background(), "absent"); !errors.As(err, new(*NotFoundError)) {
		t.Errorf("absent project: %v", err)
	}
	missing := newTestClient(t, Options{FindLinks: []string{filepath.Join(dir, "missing")}})
	if _, err := missing.Project(context.Background(), "demo-pkg"); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing find-links directory: %v", err)
	}
}

func TestProjectFileIndex(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "demo"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "demo", "index.html"), []byte(`<a href="../../dist/demo-1.0.tar.gz">d</a>`), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, Options{IndexURLs: []string{"file://" + root}})
	project, err := c.Project(context.Background(), "Demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(project.Files) != 1 || project.Files[0].URL != "file://"+filepath.Join(filepath.Dir(root), "dist/demo-1.0.tar.gz") {
		t.Errorf("files %+v", project.Files)
	}
	if _, err := c.Project(context.Background(), "absent"); !errors.As(err, new(*NotFoundError)) {
		t.Errorf("absent project: %v", err)
	}
}

func TestProjectErrors(t *testing.T) {
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		wantText []string
	}{
		{"malformed JSON", func(w http.ResponseWriter, r *http.Request) { serveJSON(w, `{"files": [`) }, []string{"malformed PEP 691 JSON", "/simple/demo/"}},
		{"unsupported type", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write([]byte("x"))
		}, []string{`unsupported content type "application/octet-stream"`, "/simple/demo/"}},
		{"not UTF-8", func(w http.ResponseWriter, r *http.Request) { serveHTML(w, "<a href=\"\xff\">") }, []string{"not valid UTF-8"}},
		{"server error", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusBadGateway) }, []string{"HTTP 502 Bad Gateway", "/simple/demo/", "gave up after 3 attempts"}},
		{"bad request", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusBadRequest) }, []string{"HTTP 400 Bad Request"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.handler)
			good := newServer(t, func(w http.ResponseWriter, r *http.Request) { serveHTML(w, `<a href="demo-1.0.tar.gz">d</a>`) })
			c := newTestClient(t, Options{IndexURLs: []string{good.URL + "/simple/", s.URL + "/simple/"}, Retries: 2})
			_, err := c.Project(context.Background(), "demo")
			if err == nil {
				t.Fatal("an index that fails must fail the lookup, even when another has the project")
			}
			for _, want := range tt.wantText {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
	if _, err := newTestClient(t, Options{}).Project(context.Background(), "-bad name"); err == nil {
		t.Errorf("an invalid project name was accepted")
	}
}
