package index

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustParseURL(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestParseJSONPage(t *testing.T) {
	const pageURL = "https://files.example/simple/demo/"
	tests := []struct {
		name string
		body string
		want []File
	}{
		{
			name: "all keys",
			body: `{"meta":{"api-version":"1.1"},"name":"demo","files":[
				{"filename":"demo-1.0-py3-none-any.whl","url":"../../packages/demo-1.0-py3-none-any.whl#sha256=AAAA",
				 "hashes":{"SHA256":"BBBB"},"requires-python":">=3.8","core-metadata":{"sha256":"CCCC"},
				 "yanked":"broken build","size":1234,"upload-time":"2024-01-31T12:00:00.123456Z"}]}`,
			want: []File{{
				Filename: "demo-1.0-py3-none-any.whl", URL: "https://files.example/packages/demo-1.0-py3-none-any.whl",
				Hashes: map[string]string{"sha256": "bbbb"}, RequiresPython: ">=3.8",
				CoreMetadata: true, CoreMetadataHashes: map[string]string{"sha256": "cccc"},
				Yanked: true, YankedReason: "broken build", Size: 1234,
				UploadTime: time.Date(2024, 1, 31, 12, 0, 0, 123456000, time.UTC),
			}},
		},
		{
			name: "fragment hash fills missing hashes; dist-info-metadata true; yanked true",
			body: `{"meta":{"api-version":"1.0"},"name":"demo","files":[
				{"filename":"demo-1.0.tar.gz","url":"https://other.example/demo-1.0.tar.gz#sha256=abcd&egg=demo","hashes":{},
				 "dist-info-metadata":true,"yanked":true}]}`,
			want: []File{{
				Filename: "demo-1.0.tar.gz", URL: "https://other.example/demo-1.0.tar.gz",
				Hashes: map[string]string{"sha256": "abcd"}, CoreMetadata: true, Yanked: true,
			}},
		},
		{
			name: "core-metadata wins over dist-info-metadata (PEP 714)",
			body: `{"meta":{"api-version":"1.1"},"name":"demo","files":[
				{"filename":"a.whl","url":"a.whl","hashes":{},"core-metadata":false,"dist-info-metadata":{"sha256":"ff"},
				 "yanked":false,"requires-python":null}]}`,
			want: []File{{Filename: "a.whl", URL: "https://files.example/simple/demo/a.whl"}},
		},
		{
			name: "empty yanked string still means yanked; empty core-metadata mapping means available",
			body: `{"meta":{"api-version":"1.0"},"name":"demo","files":[{"filename":"a.whl","url":"/a.whl","hashes":{},"yanked":"","core-metadata":{}}]}`,
			want: []File{{Filename: "a.whl", URL: "https://files.example/a.whl", Yanked: true, CoreMetadata: true}},
		},
		{
			name: "links to other schemes are dropped; credentials are stripped",
			body: `{"meta":{"api-version":"1.0"},"name":"demo","files":[
				{"filename":"a.whl","url":"file:///etc/passwd","hashes":{}},
				{"filename":"b.whl","url":"https://user:pw@mirror.example/b.whl","hashes":{}}]}`,
			want: []File{{Filename: "b.whl", URL: "https://mirror.example/b.whl"}},
		},
		{
			name: "no files",
			body: `{"meta":{"api-version":"1.0"},"name":"demo","files":[]}`,
			want: []File{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseJSONPage([]byte(tt.body), mustParseURL(t, pageURL))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseJSONPageErrors(t *testing.T) {
	tests := []struct{ name, body, wantText string }{
		{"not JSON", `<html>`, "malformed PEP 691 JSON"},
		{"no files", `{"meta":{"api-version":"1.0"},"name":"demo"}`, `no "files" list`},
		{"API version 2", `{"meta":{"api-version":"2.0"},"name":"demo","files":[]}`, `unsupported simple API version "2.0"`},
		{"yanked number", `{"meta":{"api-version":"1.0"},"files":[{"filename":"a.whl","url":"a.whl","yanked":5}]}`, `files[0] ("a.whl"): "yanked" must be a boolean or a string, not 5`},
		{"core-metadata string", `{"meta":{"api-version":"1.0"},"files":[{"filename":"a.whl","url":"a.whl","core-metadata":"yes"}]}`, `"core-metadata" must be a boolean or a mapping`},
		{"no url", `{"meta":{"api-version":"1.0"},"files":[{"filename":"a.whl"}]}`, `no "url"`},
		{"no filename", `{"meta":{"api-version":"1.0"},"files":[{"url":"a.whl"}]}`, `no "filename"`},
		{"bad upload time", `{"meta":{"api-version":"1.0"},"files":[{"filename":"a.whl","url":"a.whl","upload-time":"yesterday"}]}`, `"upload-time" "yesterday" is not an ISO 8601 time`},
		{"negative size", `{"meta":{"api-version":"1.0"},"files":[{"filename":"a.whl","url":"a.whl","size":-1}]}`, `negative "size"`},
		{"hash not a string", `{"meta":{"api-version":"1.0"},"files":[{"filename":"a.whl","url":"a.whl","hashes":{"sha256":1}}]}`, "malformed PEP 691 JSON"},
		{"bad link", `{"meta":{"api-version":"1.0"},"files":[{"filename":"a.whl","url":"https://user:s3cret@[::1"}]}`, "malformed link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseJSONPage([]byte(tt.body), mustParseURL(t, "https://idx.example/simple/demo/"))
			if err == nil {
				t.Fatal("no error")
			}
			var pageErr *PageError
			if !errors.As(err, &pageErr) || pageErr.URL != "https://idx.example/simple/demo/" {
				t.Errorf("error %v is not a *PageError naming the page", err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not contain %q", err, tt.wantText)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q reveals a password", err)
			}
		})
	}
}

// checkParsedFiles checks what every parsed file must satisfy.
func checkParsedFiles(t *testing.T, files []File, pageURL *url.URL) {
	for _, f := range files {
		u, err := url.Parse(f.URL)
		if err != nil {
			t.Fatalf("file URL %q does not parse: %v", f.URL, err)
		}
		if !u.IsAbs() || u.User != nil || u.Fragment != "" {
			t.Fatalf("file URL %q is relative, has credentials or a fragment", f.URL)
		}
		if u.Scheme != "https" && u.Scheme != "http" && !(u.Scheme == "file" && pageURL.Scheme == "file") {
			t.Fatalf("page %s links to %s", pageURL, f.URL)
		}
		if f.Filename == "" {
			t.Fatalf("file %q has no name", f.URL)
		}
	}
}

func FuzzParseJSONPage(f *testing.F) {
	f.Add([]byte(`{"meta":{"api-version":"1.1"},"name":"demo","files":[{"filename":"demo-1.0-py3-none-any.whl","url":"../x/demo-1.0-py3-none-any.whl#sha256=ab","hashes":{"sha256":"ab"},"core-metadata":{"sha256":"cd"},"yanked":"why","size":3,"upload-time":"2024-01-01T00:00:00Z"}]}`))
	f.Add([]byte(`{"files":[{"filename":"a","url":"file:///a","dist-info-metadata":true,"yanked":true}]}`))
	f.Add([]byte(`{"files":null}`))
	pageURL, _ := url.Parse("https://idx.example/simple/demo/")
	f.Fuzz(func(t *testing.T, body []byte) {
		files, err := parseJSONPage(body, pageURL)
		if err != nil {
			var pageErr *PageError
			if !errors.As(err, &pageErr) {
				t.Fatalf("error %v is not a *PageError", err)
			}
			return
		}
		checkParsedFiles(t, files, pageURL)
	})
}
