package testindex

import "testing"

func TestNegotiate(t *testing.T) {
	tests := []struct{ accept, want string }{
		{"", typeLegacyHTML},
		{pipAccept, typeJSON},
		{"text/html", typeLegacyHTML},
		{"text/*", typeLegacyHTML},
		{"application/*", typeJSON},
		{"application/*;q=0.5, text/html;q=0.4", typeJSON},
		{"application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html", typeJSON},
		{"APPLICATION/VND.PYPI.SIMPLE.V1+HTML", typeHTML},
		{"*/*;q=0.1, application/vnd.pypi.simple.v1+html;q=0.5", typeHTML},
		{"application/vnd.pypi.simple.v1+json;q=0", ""},
		{"application/vnd.pypi.simple.v2+json", ""},
		{"text/html;q=bogus", typeLegacyHTML},
	}
	for _, tt := range tests {
		if got := negotiate(tt.accept); got != tt.want {
			t.Errorf("negotiate(%q) = %q, want %q", tt.accept, got, tt.want)
		}
	}
}

func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{pipAccept, "*/*", "text/html;q=0.5,application/*;q=0.6", ";;,,q=", "a/b;q=1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		switch got := negotiate(accept); got {
		case "", typeJSON, typeHTML, typeLegacyHTML:
		default:
			t.Fatalf("negotiate(%q) = %q", accept, got)
		}
	})
}

func TestFileVersion(t *testing.T) {
	tests := []struct{ filename, want string }{
		{"demo-1.0-py3-none-any.whl", "1.0"},
		{"demo-1.0-1-cp311-cp311-linux_x86_64.whl", "1.0"},
		{"demo_pkg-2.0rc1.tar.gz", "2.0rc1"},
		{"old-pkg-0.1.zip", "0.1"},
		{"broken.whl", ""},
		{"noversion.tar.gz", ""},
	}
	for _, tt := range tests {
		if got := (File{Filename: tt.filename}).version(); got != tt.want {
			t.Errorf("version(%q) = %q, want %q", tt.filename, got, tt.want)
		}
	}
}
