package pipconfig

import "testing"

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:pass@host/simple", "https://user:****@host/simple"},
		{"https://token@host:8080/simple?x=1#f", "https://****@host:8080/simple?x=1#f"},
		{"https://user:p@ss@host/", "https://user:****@host/"},
		{"https://us%40er:p%3Ass@host/", "https://us%40er:****@host/"},
		{"https://us er:pw@host/", "https://us%20er:****@host/"},
		{"https://user:@host/", "https://user:****@host/"},
		{"git+https://u:p@github.com/a/b.git@v1", "git+https://u:****@github.com/a/b.git@v1"},
		{"//u:p@host/x", "//u:****@host/x"},
		{"https://host/path@notauth", "https://host/path@notauth"},
		{"https://host/simple", "https://host/simple"},
		{"/local/path", "/local/path"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
