package index

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParseHTMLPage(t *testing.T) {
	tests := []struct {
		name, pageURL, body string
		want                []File
	}{
		{
			name:    "relative links, fragments, entities, yanked, PEP 714",
			pageURL: "https://idx.example/simple/demo/",
			body: `<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1"></head><body>
<a href="../../packages/demo-1.0.tar.gz#sha256=ABCD" data-requires-python="&gt;=3.8,&lt;4">demo-1.0.tar.gz</a>
<a href="/files/demo-1.1-py3-none-any.whl#md5=11&amp;egg=x" data-yanked="bad &quot;build&quot;" data-dist-info-metadata="sha256=EE" data-core-metadata="sha256=FF">demo-1.1-py3-none-any.whl</a>
<A HREF="demo-1.2.zip" DATA-YANKED data-core-metadata="true">demo-1.2.zip</A>
<a href="demo-1.3.zip" data-dist-info-metadata="true" data-requires-python="&amp;gt;=3.9">x</a>
<a href="demo-1.4.zip" data-core-metadata="false">y</a>
<a href="demo-1.5.zip" data-core-metadata="garbage">z</a>
<a>no href</a><a href="../">parent directory</a><a href="javascript:alert(1)">js</a>
</body></html>`,
			want: []File{
				{Filename: "demo-1.0.tar.gz", URL: "https://idx.example/packages/demo-1.0.tar.gz", Hashes: map[string]string{"sha256": "abcd"}, RequiresPython: ">=3.8,<4"},
				{Filename: "demo-1.1-py3-none-any.whl", URL: "https://idx.example/files/demo-1.1-py3-none-any.whl", Hashes: map[string]string{"md5": "11"},
					Yanked: true, YankedReason: `bad "build"`, CoreMetadata: true, CoreMetadataHashes: map[string]string{"sha256": "ff"}},
				{Filename: "demo-1.2.zip", URL: "https://idx.example/simple/demo/demo-1.2.zip", Yanked: true, CoreMetadata: true},
				{Filename: "demo-1.3.zip", URL: "https://idx.example/simple/demo/demo-1.3.zip", CoreMetadata: true, RequiresPython: ">=3.9"},
				{Filename: "demo-1.4.zip", URL: "https://idx.example/simple/demo/demo-1.4.zip"},
				{Filename: "demo-1.5.zip", URL: "https://idx.example/simple/demo/demo-1.5.zip", CoreMetadata: true},
			},
		},
		{
			name:    "base href, even after the links, first one wins",
			pageURL: "https://idx.example/simple/demo/",
			body: `<a href="demo-1.0.tar.gz">demo</a><a href="sub/demo%2B1.1.tar.gz">demo</a>
<base href="https://cdn.example/root/"><base href="https://ignored.example/">`,
			want: []File{
				{Filename: "demo-1.0.tar.gz", URL: "https://cdn.example/root/demo-1.0.tar.gz"},
				{Filename: "demo+1.1.tar.gz", URL: "https://cdn.example/root/sub/demo%2B1.1.tar.gz"},
			},
		},
		{
			name:    "relative base href",
			pageURL: "https://idx.example/simple/demo/",
			body:    `<html><head><base href="../../pkgs/"></head><a href="demo-1.0.tar.gz">demo</a></html>`,
			want:    []File{{Filename: "demo-1.0.tar.gz", URL: "https://idx.example/pkgs/demo-1.0.tar.gz"}},
		},
		{
			name:    "local page may link to local files",
			pageURL: "file:///srv/links/index.html",
			body:    `<a href="demo-1.0.tar.gz">x</a><a href="https://cdn.example/demo-2.0.tar.gz">y</a>`,
			want: []File{
				{Filename: "demo-1.0.tar.gz", URL: "file:///srv/links/demo-1.0.tar.gz"},
				{Filename: "demo-2.0.tar.gz", URL: "https://cdn.example/demo-2.0.tar.gz"},
			},
		},
		{
			name:    "remote page may not link to local files",
			pageURL: "https://idx.example/simple/demo/",
			body:    `<a href="file:///etc/passwd">x</a><base href="file:///etc/"><a href="shadow">y</a>`,
			want:    []File{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseHTMLPage([]byte(tt.body), mustParseURL(t, tt.pageURL))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseHTMLPageErrors(t *testing.T) {
	tests := []struct{ name, body, wantText string }{
		{"repository version 2", `<meta name="pypi:repository-version" content="2.0"><a href="a.whl">a</a>`, `unsupported simple API version "2.0"`},
		{"malformed link", `<a href="https://u:s3cret@[::1">a</a>`, "malformed link"},
		{"malformed base", `<base href="https://u:s3cret@[::1"><a href="a.whl">a</a>`, "malformed <base href="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseHTMLPage([]byte(tt.body), mustParseURL(t, "https://idx.example/simple/demo/"))
			var pageErr *PageError
			if !errors.As(err, &pageErr) || pageErr.URL != "https://idx.example/simple/demo/" {
				t.Fatalf("error %v is not a *PageError naming the page", err)
			}
			if !strings.Contains(err.Error(), tt.wantText) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q: want it to contain %q and no password", err, tt.wantText)
			}
		})
	}
}

func TestParsePageContentTypes(t *testing.T) {
	u := mustParseURL(t, "https://idx.example/simple/demo/")
	tests := []struct {
		contentType, body, wantErr string
		wantFiles                  int
	}{
		{contentType: "text/html; charset=utf-8", body: `<a href="a-1.0.tar.gz">a</a>`, wantFiles: 1},
		{contentType: "application/vnd.pypi.simple.v1+html", body: `<a href="a-1.0.tar.gz">a</a>`, wantFiles: 1},
		{contentType: "application/vnd.pypi.simple.v1+json", body: `{"meta":{"api-version":"1.0"},"files":[{"filename":"a","url":"a"}]}`, wantFiles: 1},
		{contentType: "application/json", body: `{}`, wantErr: `unsupported content type "application/json"`},
		{contentType: "text/html", body: "<a href=\"caf\xe9-1.0.tar.gz\">", wantErr: "not valid UTF-8: invalid byte at offset 12"},
		{contentType: "text/html; charset=latin-1", body: "\xff", wantErr: `charset "latin-1"`},
		{contentType: "text/html; charset=latin-1", body: `<a href="a-1.0.tar.gz">a</a>`, wantFiles: 1},
		{contentType: "text/html; =", body: "", wantErr: "malformed Content-Type"},
	}
	for _, tt := range tests {
		files, err := parsePage(&page{url: u, contentType: tt.contentType, body: []byte(tt.body)})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), u.String()) {
				t.Errorf("%s: error %v, want one naming the page and containing %q", tt.contentType, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(files) != tt.wantFiles {
			t.Errorf("%s: %d files, error %v; want %d files", tt.contentType, len(files), err, tt.wantFiles)
		}
	}
}

func FuzzParseHTMLPage(f *testing.F) {
	f.Add([]byte(`<base href="../x/"><a href="a-1.0.tar.gz#sha256=ab" data-yanked="" data-core-metadata="sha256=cd" data-requires-python="&gt;=3">a</a>`), "https://idx.example/simple/demo/")
	f.Add([]byte(`<a href="//other/a.whl">`), "file:///srv/links/")
	f.Add([]byte(`<meta name="pypi:repository-version" content="1.0"><a href=x>`), "http://127.0.0.1/")
	f.Fuzz(func(t *testing.T, body []byte, pageURL string) {
		u, err := url.Parse(pageURL)
		if err != nil || !u.IsAbs() || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "file") {
			return
		}
		files, err := parseHTMLPage(body, u)
		if err != nil {
			var pageErr *PageError
			if !errors.As(err, &pageErr) {
				t.Fatalf("error %v is not a *PageError", err)
			}
			return
		}
		checkParsedFiles(t, files, u)
	})
}
