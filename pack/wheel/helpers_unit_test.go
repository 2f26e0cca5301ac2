package wheel

import (
	"reflect"
	"strings"
	"testing"
)

func TestRelPath(t *testing.T) {
	for _, tt := range []struct{ base, target, want string }{
		{"lib/python3.11/site-packages", "bin/x", "../../../bin/x"},
		{"lib/python3.11/site-packages", "lib/python3.11/site-packages/pkg/a.py", "pkg/a.py"},
		{"lib/python3.11/site-packages", "lib/python3.12/x", "../../python3.12/x"},
		{"lib/python3.11/site-packages", "share/x", "../../../share/x"},
		{".", "bin/x", "bin/x"},
		{"a/b", "a/b", "."},
		{"a/bc", "a/b/c", "../b/c"},
	} {
		if got := relPath(tt.base, tt.target); got != tt.want {
			t.Errorf("relPath(%q, %q) = %q, want %q", tt.base, tt.target, got, tt.want)
		}
	}
}

func TestVenvScheme(t *testing.T) {
	for _, tt := range []struct {
		version [2]int
		windows bool
		want    Scheme
	}{
		{[2]int{3, 11}, false, Scheme{"lib/python3.11/site-packages", "lib/python3.11/site-packages", "bin", ".", "include/site/python3.11"}},
		{[2]int{3, 9}, true, Scheme{"Lib/site-packages", "Lib/site-packages", "Scripts", ".", "include/site/python3.9"}},
	} {
		got := VenvScheme(tt.version, tt.windows)
		if got != tt.want {
			t.Errorf("VenvScheme(%v, %v) = %+v, want %+v", tt.version, tt.windows, got, tt.want)
		}
		if err := got.validate(); err != nil {
			t.Error(err)
		}
	}
}

func TestParseLaunchers(t *testing.T) {
	got, err := parseLaunchers([]byte("# comment\n[console_scripts]\n; another\nb = pkg.mod:obj.attr [extra1, extra2]\na=pkg:main\n\n[gui_scripts]\n g =  pkg : gui \n[pytest11]\nplugin = pkg.plugin\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []launcher{{"a", "pkg", "main"}, {"b", "pkg.mod", "obj.attr"}, {"g", "pkg", "gui"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseLaunchers = %+v, want %+v", got, want)
	}
	for _, bad := range []string{
		"[console_scripts]\nx = 1pkg:main\n",
		"[console_scripts]\nx = pkg:main()\n",
		"[console_scripts]\nx = pkg..mod:main\n",
		"[console_scripts]\nx y = pkg:main\n",
		"[console_scripts]\nnovalue\n",
	} {
		if _, err := parseLaunchers([]byte(bad)); err == nil {
			t.Errorf("parseLaunchers(%q) accepted it", bad)
		}
	}
}

func TestReadRecord(t *testing.T) {
	entries, err := readRecord([]byte("a.py,sha256=LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564,1\r\n\"b,c.py\",sha512=" +
		"-HKZMP4bA9yzcJ7eigTZkm7Ilrfxz5zjZBuRqg3-TvwtLo03Ga3AUuNPPRqutNFl2Uh8JlCvNxd9KNEh7YuSuw,0\n/abs.py,,\nRECORD,,\nRECORD,,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e := entries["a.py"]; e.Hash.Algorithm != "sha256" || e.Size != 1 {
		t.Errorf("a.py: %+v", e)
	}
	if e := entries["b,c.py"]; e.Hash.Algorithm != "sha512" || len(e.Hash.Digest) != 64 || e.Size != 0 {
		t.Errorf("b,c.py: %+v", e)
	}
	if e, ok := entries["abs.py"]; !ok || !e.Hash.IsZero() || e.Size != -1 {
		t.Errorf("abs.py: %+v, %v", e, ok)
	}
	for _, tt := range []struct{ data, wantErr string }{
		{"a.py,sha1=2jmj7l5rSw0yVb_vlWAYkK_YBwk,1\n", "a.py: hash algorithm sha1 is not permitted"},
		{"a.py,md5=1B2M2Y8AsgTpgAmY7PhCfg,1\n", "a.py: hash algorithm md5 is not permitted"},
		{"a.py,crc32=AAAA,1\n", `a.py: unsupported hash algorithm "crc32"`},
		{"a.py,sha256,1\n", "line 1: a.py: hash"},
		{"a.py,,-1\n", "line 1: a.py: size"},
		{"a.py,,1\n/a.py,,2\n", "a.py is listed twice, differently"},
		{",,\n", "line 1: empty path"},
		{"//,,\n", "only '/'"},
	} {
		if _, err := readRecord([]byte(tt.data)); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("readRecord(%q) = %v, want an error with %q", tt.data, err, tt.wantErr)
		}
	}
}
