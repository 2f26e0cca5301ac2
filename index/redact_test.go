package index

import "testing"

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://pypi.org/simple/", "https://pypi.org/simple/"},
		{"https://user:s3cret@host/simple/", "https://****@host/simple/"},
		{"https://tok3n@host:8443/simple/?a=b@c", "https://****@host:8443/simple/?a=b@c"},
		{"https://us@er:p@ss@host", "https://****@host"},
		{"http://u:p@host#frag@x", "http://****@host#frag@x"},
		{"https://user:p%zz@host/", "https://****@host/"}, // does not parse as a URL
		{"/local/dir", "/local/dir"},
		{"file:///tmp/wheels", "file:///tmp/wheels"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
