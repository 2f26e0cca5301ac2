package redact

import (
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		// As pip's redact_auth_from_url.
		{"https://user:pass@host/simple", "https://user:****@host/simple"},
		{"https://token@host:8080/simple?x=1#f", "https://****@host:8080/simple?x=1#f"},
		{"https://tok3n@host:8443/simple/?a=b@c", "https://****@host:8443/simple/?a=b@c"},
		{"https://user:p@ss@host/", "https://user:****@host/"},
		{"https://us@er:p@ss@host", "https://us%40er:****@host"},
		{"https://us%40er:p%3Ass@host/", "https://us%40er:****@host/"},
		{"https://us er:pw@host/", "https://us%20er:****@host/"},
		{"https://ü:ß@host/", "https://%C3%BC:****@host/"},
		{"https://a:b:c@h/", "https://a:****@h/"},
		{"https://user:@host/", "https://user:****@host/"},
		{"https://@host/", "https://****@host/"},
		{"https://user:p%zz@host/", "https://user:****@host/"}, // net/url rejects it
		{"http://u:p@host#frag@x", "http://u:****@host#frag@x"},
		{"git+https://u:p@github.com/a/b.git@v1", "git+https://u:****@github.com/a/b.git@v1"},
		{"//u:p@host/x", "//u:****@host/x"},
		{"HTTPS://U:P@HOST", "HTTPS://U:****@HOST"},
		// ssh user names are accounts, not secrets.
		{"git+ssh://git@github.com/o/r.git", "git+ssh://git@github.com/o/r.git"},
		{"ssh://git:secret@host/r", "ssh://git:****@host/r"},
		{"ssh://:secret@host/r", "ssh://:****@host/r"},
		// Nothing to hide.
		{"https://host/path@notauth", "https://host/path@notauth"},
		{"https://host/simple", "https://host/simple"},
		{"https://pypi.org/simple/", "https://pypi.org/simple/"},
		{"http://[::1]:80/", "http://[::1]:80/"},
		{"file:///tmp/wheels", "file:///tmp/wheels"},
		{"git@github.com:o/r.git", "git@github.com:o/r.git"},
		{"/local/path", "/local/path"},
		{"not a url @ all", "not a url @ all"},
		{"", ""},
		// URLs among other words: requirements, messages, pip.conf values.
		{"pkg @ https://u:pw@h.example/p.whl extra", "pkg @ https://u:****@h.example/p.whl extra"},
		{"cannot read https://me:hunter2@h.example/r.txt: not enabled", "cannot read https://me:****@h.example/r.txt: not enabled"},
		{"https://a:1@x/r.txt -> https://t@y/s.txt -> /r/a.txt", "https://a:****@x/r.txt -> https://****@y/s.txt -> /r/a.txt"},
		{"https://h https://u:p@g/ https://k", "https://h https://u:****@g/ https://k"},
		{`invalid URL "https://u:p@h": bad port`, `invalid URL "https://u:****@h": bad port`},
		{"https://a://u:p@h/", "https://a://u:****@h/"},
		// Already masked text stays as it is.
		{"https://user:****@host/simple", "https://user:****@host/simple"},
		{"https://****@host/simple", "https://****@host/simple"},
	}
	for _, tt := range tests {
		if got := Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:secret@example.com/simple/", "https://example.com/simple/"},
		{"https://user:token@host/path", "https://host/path"},
		{"https://token@example.com/simple/", "https://example.com/simple/"},
		{"https://token@host", "https://host"},
		{"https://user:p@ss@example.com:8443/x?y=1#z", "https://example.com:8443/x?y=1#z"},
		{"https://u:p@host:8443/a?b=c@d#e@f", "https://host:8443/a?b=c@d#e@f"},
		{"https://us@er:p@ss@host/x", "https://host/x"},
		{"https://u:p@example.com", "https://example.com"},
		{"https://user:****@host/simple/", "https://host/simple/"},
		{"https://****@host/simple/", "https://host/simple/"},
		{"//u:p@host/x", "//host/x"},
		{"git+https://oauth2:tok@gitlab.example.com/g/r.git", "git+https://gitlab.example.com/g/r.git"},
		{"git+https://u:p@github.com/a/b.git@v1", "git+https://github.com/a/b.git@v1"},
		{"git+ssh://git@github.com/o/r.git", "git+ssh://git@github.com/o/r.git"},
		{"ssh://git:secret@host/r", "ssh://git@host/r"},
		{"ssh://:secret@host/r", "ssh://host/r"},
		{"https://example.com/a@b/c.whl", "https://example.com/a@b/c.whl"},
		{"https://host/a@b", "https://host/a@b"},
		{"https://example.com/x?u=a@b", "https://example.com/x?u=a@b"},
		{"https://host?x=a@b", "https://host?x=a@b"},
		{"git@github.com:o/r.git", "git@github.com:o/r.git"},
		{"file:///tmp/x.whl", "file:///tmp/x.whl"},
		{"file:///home/me/proj", "file:///home/me/proj"},
		{"pkg @ https://u:pw@h.example/p.whl", "pkg @ https://h.example/p.whl"},
		{"a https://u:1@x/ b https://v:2@y/", "a https://x/ b https://y/"},
		{"not a url", "not a url"},
		{"not a url @ all", "not a url @ all"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Strip(tt.in); got != tt.want {
			t.Errorf("Strip(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"s3://AKIA:secret@bucket/p", "s3://bucket/p"},
		{"hdfs://user@nn:8020/p", "hdfs://nn:8020/p"},
		{"https://h/p?X-Amz-Signature=abc", "https://h/p"},
		{"https://h/p?X-Amz-Signature=abc#part", "https://h/p#part"},
		{"https://h?sig=1", "https://h"},
		{"https://h/p#a?b", "https://h/p#a?b"},
		{"s3://bucket/p", "s3://bucket/p"},
		{"s3://a:b%zz@bucket/p", "s3://bucket/p"},
		{"/plain/path?x", "/plain/path"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// fuzzSchemes are the schemes FuzzMask builds URLs with; "" stands for a
// scheme-relative "//host" URL.
var fuzzSchemes = []string{"https", "http", "git+https", "ssh", "git+SSH", "s3", ""}

// FuzzMask builds "scheme://user:password@host/rest" (after some leading
// text) and checks that neither Mask, Strip nor URL shows the password:
// their output does not change when the password does, and does not
// contain it. A password (or user name) holding '/', '?' or '#' is not
// one of a URL: those end the authority, so it is skipped. Any string at
// all must also come through Mask and Strip unchanged by a second pass.
func FuzzMask(f *testing.F) {
	f.Add(uint8(0), "pkg @ ", "user", "s3cret", "host", "/simple/")
	f.Add(uint8(1), "", "us@er", "p@ss:w@rd", "h:8080", "?a=b@c")
	f.Add(uint8(3), "x ", "git", "tok", "github.com", "/o/r.git@v1")
	f.Add(uint8(6), "", "", "%zz", "[::1]", "#f@x")
	f.Add(uint8(2), "a://b@", "u:v", "w", "h@i", "/https://x:y@z/")
	f.Fuzz(func(t *testing.T, pick uint8, lead, user, password, host, rest string) {
		scheme := fuzzSchemes[int(pick)%len(fuzzSchemes)]
		if strings.ContainsAny(user+password+host, "/?#") || password == "" {
			t.Skip()
		}
		if rest != "" && !strings.ContainsAny(rest[:1], "/?#") {
			rest = "/" + rest
		}
		build := func(password string) string {
			if scheme == "" {
				return "//" + user + ":" + password + "@" + host + rest
			}
			return lead + scheme + "://" + user + ":" + password + "@" + host + rest
		}
		const other = "x"
		s, neutral := build(password), build(other)
		for _, fn := range []struct {
			name string
			f    func(string) string
		}{{"Mask", Mask}, {"Strip", Strip}, {"URL", URL}} {
			got, want := fn.f(s), fn.f(neutral)
			if got != want {
				t.Fatalf("%s(%q) = %q depends on the password: with %q it is %q", fn.name, s, got, other, want)
			}
			if strings.Contains(got, password) && !strings.Contains(want, password) {
				t.Fatalf("%s(%q) = %q shows the password %q", fn.name, s, got, password)
			}
		}
		for _, in := range []string{s, lead + user + password + host + rest} {
			if m := Mask(in); Mask(m) != m {
				t.Fatalf("Mask(%q) = %q, but Mask of that is %q", in, m, Mask(m))
			}
			if st := Strip(in); Strip(st) != st {
				t.Fatalf("Strip(%q) = %q, but Strip of that is %q", in, st, Strip(st))
			}
		}
	})
}
