package testindex

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// fixture is a project with a wheel (metadata, requires-python, yanked
// with a reason) and an sdist.
func fixture() []Project {
	whl := Wheel(WheelSpec{Name: "Demo.Pkg", Version: "1.0", RequiresPython: ">=3.8,<4", Files: map[string]string{"demo_pkg/__init__.py": "X = 1\n"}})
	old := Wheel(WheelSpec{Name: "Demo.Pkg", Version: "0.9"})
	old.Yanked, old.YankedReason = true, "broken <build>"
	old.UploadTime = time.Date(2021, 2, 3, 4, 5, 6, 0, time.UTC)
	sdist := Sdist(SdistSpec{Name: "Demo.Pkg", Version: "1.0"})
	return []Project{{Name: "Demo.Pkg", Files: []File{whl, old, sdist}}, {Name: "other", Files: nil}}
}

// get requests path with headers and returns the response and body.
func get(t *testing.T, s *Server, path string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

const pipAccept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"

func TestNegotiation(t *testing.T) {
	tests := []struct {
		name, accept string
		format       Format
		want         string
		status       int
	}{
		{"pip prefers JSON", pipAccept, FormatNegotiate, typeJSON, 200},
		{"no Accept is HTML", "", FormatNegotiate, "text/html; charset=utf-8", 200},
		{"wildcard is HTML", "*/*", FormatNegotiate, "text/html; charset=utf-8", 200},
		{"v1 html", "application/vnd.pypi.simple.v1+html", FormatNegotiate, typeHTML, 200},
		{"latest json", "application/vnd.pypi.simple.latest+json", FormatNegotiate, typeJSON, 200},
		{"q decides", "application/vnd.pypi.simple.v1+json;q=0.2, text/html;q=0.9", FormatNegotiate, "text/html; charset=utf-8", 200},
		{"JSON refused", "application/vnd.pypi.simple.v1+json;q=0, text/html", FormatNegotiate, "text/html; charset=utf-8", 200},
		{"nothing acceptable", "application/xml", FormatNegotiate, "", 406},
		{"legacy index ignores Accept", pipAccept, FormatHTML, "text/html; charset=utf-8", 200},
		{"JSON-only index", "text/html", FormatJSON, typeJSON, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t, fixture(), Options{Format: tt.format})
			for _, path := range []string{"/simple/", "/simple/demo-pkg/"} {
				resp, _ := get(t, s, path, map[string]string{"Accept": tt.accept})
				if resp.StatusCode != tt.status {
					t.Fatalf("%s: status %d, want %d", path, resp.StatusCode, tt.status)
				}
				if got := resp.Header.Get("Content-Type"); tt.status == 200 && got != tt.want {
					t.Errorf("%s: Content-Type %q, want %q", path, got, tt.want)
				}
			}
		})
	}
}

func TestProjectJSON(t *testing.T) {
	projects := fixture()
	s := Start(t, projects, Options{})
	resp, body := get(t, s, "/simple/demo-pkg/", map[string]string{"Accept": pipAccept})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var page struct {
		Meta     map[string]any   `json:"meta"`
		Name     string           `json:"name"`
		Versions []string         `json:"versions"`
		Files    []map[string]any `json:"files"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	if page.Meta["api-version"] != "1.1" || page.Name != "demo-pkg" || strings.Join(page.Versions, ",") != "1.0,0.9" {
		t.Errorf("meta %v name %q versions %q", page.Meta, page.Name, page.Versions)
	}
	if len(page.Files) != 3 {
		t.Fatalf("%d files", len(page.Files))
	}
	whl, sdist := projects[0].Files[0], projects[0].Files[2]
	metaSum := sha256.Sum256(whl.Metadata)
	want := []map[string]any{
		{
			"filename": whl.Filename, "url": "/files/" + whl.Filename, "hashes": map[string]any{"sha256": whl.SHA256()},
			"requires-python": ">=3.8,<4", "core-metadata": map[string]any{"sha256": hex.EncodeToString(metaSum[:])},
			"dist-info-metadata": map[string]any{"sha256": hex.EncodeToString(metaSum[:])}, "yanked": false, "size": float64(len(whl.Content)),
		},
		{"yanked": "broken <build>", "upload-time": "2021-02-03T04:05:06.000000Z"},
		{"core-metadata": false, "dist-info-metadata": false, "yanked": false, "url": "/files/" + sdist.Filename},
	}
	for i, fields := range want {
		for k, v := range fields {
			got, _ := json.Marshal(page.Files[i][k])
			exp, _ := json.Marshal(v)
			if string(got) != string(exp) {
				t.Errorf("file %d %s = %s, want %s", i, k, got, exp)
			}
		}
	}
	if _, ok := page.Files[2]["requires-python"]; ok {
		t.Error("requires-python present for a file without one")
	}
}

// anchors parses an HTML page's anchors into attribute maps, with the
// text under "#text".
func anchors(t *testing.T, body []byte) []map[string]string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "a" {
			attrs := map[string]string{}
			for _, a := range n.Attr {
				attrs[a.Key] = a.Val
			}
			if n.FirstChild != nil {
				attrs["#text"] = n.FirstChild.Data
			}
			out = append(out, attrs)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func TestProjectHTML(t *testing.T) {
	projects := fixture()
	whl, sdist := projects[0].Files[0], projects[0].Files[2]
	metaSum := sha256.Sum256(whl.Metadata)
	meta := "sha256=" + hex.EncodeToString(metaSum[:])
	tests := []struct {
		name string
		opts Options
		want []map[string]string // attributes that must match; "-" means absent
	}{
		{"full", Options{}, []map[string]string{
			{"href": "/files/" + whl.Filename + "#sha256=" + whl.SHA256(), "data-requires-python": ">=3.8,<4", "data-core-metadata": meta, "data-dist-info-metadata": meta, "data-yanked": "-", "#text": whl.Filename},
			{"data-yanked": "broken <build>", "data-requires-python": "-"},
			{"href": "/files/" + sdist.Filename + "#sha256=" + sdist.SHA256(), "data-core-metadata": "-"},
		}},
		{"no hashes, no metadata", Options{NoHashes: true, NoMetadata: true}, []map[string]string{
			{"href": "/files/" + whl.Filename, "data-core-metadata": "-", "data-dist-info-metadata": "-"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t, projects, tt.opts)
			_, body := get(t, s, "/simple/demo-pkg/", map[string]string{"Accept": "text/html"})
			if !strings.Contains(string(body), `data-requires-python="&gt;=3.8,&lt;4"`) {
				t.Errorf("requires-python not HTML-escaped in\n%s", body)
			}
			got := anchors(t, body)
			if len(got) != 3 {
				t.Fatalf("%d anchors in\n%s", len(got), body)
			}
			for i, attrs := range tt.want {
				for k, v := range attrs {
					have, ok := got[i][k]
					if v == "-" && ok || v != "-" && have != v {
						t.Errorf("anchor %d %s = %q (present %v), want %q", i, k, have, ok, v)
					}
				}
			}
		})
	}
	s := Start(t, projects, Options{})
	_, body := get(t, s, "/simple/", nil)
	root := anchors(t, body)
	if len(root) != 2 || root[0]["href"] != "demo-pkg/" || root[0]["#text"] != "Demo.Pkg" || root[1]["href"] != "other/" {
		t.Errorf("root anchors %v", root)
	}
}

func TestRedirectsAndNotFound(t *testing.T) {
	s := Start(t, fixture(), Options{})
	tests := []struct {
		path     string
		status   int
		location string
	}{
		{"/simple/Demo.Pkg/", 301, "/simple/demo-pkg/"},
		{"/simple/demo_pkg", 301, "/simple/demo-pkg/"},
		{"/simple/demo-pkg", 301, "/simple/demo-pkg/"},
		{"/simple", 301, "/simple/"},
		{"/simple/missing/", 404, ""},
		{"/files/missing.whl", 404, ""},
		{"/files/demo_pkg-1.0.tar.gz.metadata", 404, ""},
		{"/elsewhere", 404, ""},
	}
	for _, tt := range tests {
		resp, _ := get(t, s, tt.path, nil)
		if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location {
			t.Errorf("%s: %d %q, want %d %q", tt.path, resp.StatusCode, resp.Header.Get("Location"), tt.status, tt.location)
		}
	}
}

func TestFilesRangesAndMetadata(t *testing.T) {
	projects := fixture()
	whl := projects[0].Files[0]
	tests := []struct {
		name       string
		opts       Options
		header     map[string]string
		path       string
		status     int
		body       []byte
		acceptsRng string
	}{
		{"whole file", Options{}, nil, "/files/" + whl.Filename, 200, whl.Content, "bytes"},
		{"range", Options{}, map[string]string{"Range": "bytes=10-19"}, "/files/" + whl.Filename, 206, whl.Content[10:20], "bytes"},
		{"suffix range", Options{}, map[string]string{"Range": "bytes=-22"}, "/files/" + whl.Filename, 206, whl.Content[len(whl.Content)-22:], "bytes"},
		{"ranges off", Options{NoRanges: true}, map[string]string{"Range": "bytes=10-19"}, "/files/" + whl.Filename, 200, whl.Content, ""},
		{"metadata", Options{}, nil, "/files/" + whl.Filename + ".metadata", 200, whl.Metadata, "bytes"},
		{"metadata off", Options{NoMetadata: true}, nil, "/files/" + whl.Filename + ".metadata", 404, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t, projects, tt.opts)
			resp, body := get(t, s, tt.path, tt.header)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.body != nil && string(body) != string(tt.body) {
				t.Errorf("body of %d bytes, want %d", len(body), len(tt.body))
			}
			if tt.status != 404 && resp.Header.Get("Accept-Ranges") != tt.acceptsRng {
				t.Errorf("Accept-Ranges %q, want %q", resp.Header.Get("Accept-Ranges"), tt.acceptsRng)
			}
		})
	}
}

func TestMetadataDerivedFromWheel(t *testing.T) {
	data, err := BuildWheel(WheelSpec{Name: "m", Version: "1", RequiresDist: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	s := Start(t, []Project{{Name: "m", Files: []File{{Filename: "m-1-py3-none-any.whl", Content: data}}}}, Options{})
	_, body := get(t, s, "/files/m-1-py3-none-any.whl.metadata", nil)
	if !strings.Contains(string(body), "Requires-Dist: x\n") {
		t.Errorf("metadata %q", body)
	}
}

func TestConditionalRequests(t *testing.T) {
	s := Start(t, fixture(), Options{NoRanges: true})
	for _, path := range []string{"/simple/demo-pkg/", "/files/demo_pkg-1.0.tar.gz"} {
		for _, ranges := range []bool{true, false} {
			srv := s
			if ranges {
				srv = Start(t, fixture(), Options{})
			}
			resp, _ := get(t, srv, path, map[string]string{"Accept": pipAccept})
			tag, mod := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
			if tag == "" || mod == "" {
				t.Fatalf("%s: ETag %q Last-Modified %q", path, tag, mod)
			}
			for _, h := range []map[string]string{{"If-None-Match": tag}, {"If-Modified-Since": mod}} {
				h["Accept"] = pipAccept
				if resp, body := get(t, srv, path, h); resp.StatusCode != 304 || len(body) != 0 {
					t.Errorf("%s %v: status %d with %d bytes, want 304", path, h, resp.StatusCode, len(body))
				}
			}
			if resp, _ := get(t, srv, path, map[string]string{"If-None-Match": `"other"`, "Accept": pipAccept}); resp.StatusCode != 200 {
				t.Errorf("%s: stale ETag gives %d", path, resp.StatusCode)
			}
		}
	}
	// The page's ETag depends on the format.
	a, _ := get(t, s, "/simple/demo-pkg/", map[string]string{"Accept": pipAccept})
	b, _ := get(t, s, "/simple/demo-pkg/", map[string]string{"Accept": "text/html"})
	if a.Header.Get("ETag") == b.Header.Get("ETag") {
		t.Error("JSON and HTML pages share an ETag")
	}
}

func TestAuth(t *testing.T) {
	s := Start(t, fixture(), Options{Username: "alice", Password: "s3cret"})
	tests := []struct {
		user, password string
		status         int
	}{
		{"", "", 401}, {"alice", "wrong", 401}, {"bob", "s3cret", 401}, {"alice", "s3cret", 200},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, s.IndexURL(), nil)
		if tt.user != "" {
			req.SetBasicAuth(tt.user, tt.password)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s:%s: status %d, want %d", tt.user, tt.password, resp.StatusCode, tt.status)
		}
		if tt.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
			t.Errorf("401 without a Basic challenge")
		}
	}
	resp, err := http.Get(s.IndexURLWithCredentials())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("IndexURLWithCredentials: status %d", resp.StatusCode)
	}
}

func TestFaultsAndCounting(t *testing.T) {
	s := Start(t, fixture(), Options{FailFirst: map[string]int{"/simple/demo-pkg/": 2}})
	var statuses []int
	for range 3 {
		resp, _ := get(t, s, "/simple/demo-pkg/", nil)
		statuses = append(statuses, resp.StatusCode)
	}
	if statuses[0] != 503 || statuses[1] != 503 || statuses[2] != 200 {
		t.Errorf("statuses %v, want 503 503 200", statuses)
	}
	s.Fail("/files/demo_pkg-1.0.tar.gz", 1)
	if resp, _ := get(t, s, "/files/demo_pkg-1.0.tar.gz", nil); resp.StatusCode != 503 {
		t.Errorf("Fail: status %d", resp.StatusCode)
	}
	if resp, _ := get(t, s, "/files/demo_pkg-1.0.tar.gz", nil); resp.StatusCode != 200 {
		t.Errorf("after Fail: status %d", resp.StatusCode)
	}
	tests := map[string]int{
		"/simple/demo-pkg/":                    3,
		"/files/demo_pkg-1.0.tar.gz":           2,
		s.FileURL("demo_pkg-1.0.tar.gz"):       2,
		"/simple/other/":                       0,
		"/files/demo_pkg-1.0-py3-none-any.whl": 0,
	}
	for path, want := range tests {
		if got := s.Requests(path); got != want {
			t.Errorf("Requests(%q) = %d, want %d", path, got, want)
		}
	}
}

func TestFindLinksDirAndAdd(t *testing.T) {
	s := Start(t, fixture(), Options{})
	s.Add(Project{Name: "DEMO_pkg", Files: []File{Wheel(WheelSpec{Name: "demo-pkg", Version: "2.0"})}})
	dir := s.FindLinksDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Errorf("%d files in find-links dir", len(entries))
	}
	data, err := os.ReadFile(filepath.Join(dir, "demo_pkg-1.0.tar.gz"))
	if err != nil || string(data) != string(fixture()[0].Files[2].Content) {
		t.Errorf("find-links copy differs: %v", err)
	}
	_, body := get(t, s, "/simple/demo-pkg/", map[string]string{"Accept": pipAccept})
	if !strings.Contains(string(body), "demo_pkg-2.0-py3-none-any.whl") {
		t.Error("added file is not served")
	}
}
