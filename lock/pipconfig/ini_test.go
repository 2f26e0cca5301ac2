package pipconfig

import (
	"strconv"
	"strings"
	"testing"
)

// flatten renders a parsed file as "section.name=value@line" lines, with
// [DEFAULT] values merged into the sections as pip sees them.
func flatten(f *iniFile) []string {
	var out []string
	for _, s := range f.sections {
		for _, o := range f.items(s) {
			out = append(out, s.name+"."+o.name+"="+o.value+"@"+strconv.Itoa(o.line))
		}
	}
	return out
}

func TestParseINI(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"simple", "[global]\nindex-url = https://x/simple\n", []string{"global.index-url=https://x/simple@2"}},
		{"colon delimiter and first delimiter wins", "[global]\nindex-url: https://x:8080/s\nA=b=c\n",
			[]string{"global.index-url=https://x:8080/s@2", "global.a=b=c@3"}},
		{"names lower-cased, underscores kept for pip to normalise", "[global]\nIndex_URL = u\n", []string{"global.index_url=u@2"}},
		{"comments, no inline comments", "# top\n[global]\n; c\n  # indented comment\ntimeout = 5 # not a comment\n",
			[]string{"global.timeout=5 # not a comment@5"}},
		{"multi-line value with blank line and comment inside", "[global]\nextra-index-url =\n    https://a\n\n    # skipped\n    https://b\n\ntimeout=1\n",
			[]string{"global.extra-index-url=\nhttps://a\n\nhttps://b@2", "global.timeout=1@8"}},
		{"continuation needs more indent than the option", "[global]\n  a = 1\n  b = 2\n    c\n",
			[]string{"global.a=1@2", "global.b=2\nc@3"}},
		{"section header to the last bracket", "[install] ; x ]\na=1\n", []string{"install] ; x .a=1@2"}},
		{"several sections keep order", "[install]\na=1\n[global]\nb=2\n", []string{"install.a=1@2", "global.b=2@4"}},
		{"DEFAULT appears in every section", "[DEFAULT]\nd=0\na=0\n[global]\na=1\n", []string{"global.a=1@5", "global.d=0@2"}},
		{"CRLF and BOM", "\uFEFF[global]\r\na = 1\r\n  2\r\n", []string{"global.a=1\n2@2"}},
		{"empty value", "[global]\na =\n", []string{"global.a=@2"}},
		{"empty file", "", nil},
		{"header after value is not a continuation when not indented", "[a]\nx=1\n[b]\n", []string{"a.x=1@2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parseINI("pip.conf", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got := flatten(f)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParseINIErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"option before section", "index-url = https://u:hunter2@x/\n", "pip.conf:1: option outside a section"},
		{"no delimiter", "[global]\n\nhunter2 token\n", "pip.conf:3: expected \"name = value\""},
		{"duplicate section", "[global]\n[install]\n[global]\n", "pip.conf:3: section [global] already appeared on line 1"},
		{"duplicate option", "[global]\nTimeout=1\ntimeout=2\n", "pip.conf:3: option \"timeout\" appears twice"},
		{"empty name", "[global]\n= hunter2\n", "pip.conf:2: option without a name"},
		{"invalid utf-8", "[global]\na=\xff\n", "pip.conf:2: invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseINI("pip.conf", []byte(tt.in))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want prefix %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func FuzzParseINI(f *testing.F) {
	for _, seed := range []string{
		"[global]\nindex-url = https://x/simple\n",
		"[DEFAULT]\na=1\n[global]\nb = 2\n  3\n\n  # c\n  4\n",
		"\uFEFF[a]\r\nx: y\r\n",
		"[a]\n  x=1\n   y\n  z=2\n",
		"x\n", "[]\n", "[a]\n=\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := parseINI("fuzz.conf", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.conf:") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		lines := strings.Count(string(data), "\n") + strings.Count(string(data), "\r") + 1
		for _, s := range append(file.sections, file.defaults) {
			if s == nil {
				continue
			}
			for _, o := range s.options {
				if o.line < 1 || o.line > lines {
					t.Fatalf("option %q on line %d of %d", o.name, o.line, lines)
				}
				if o.name == "" || o.name != strings.ToLower(o.name) || strings.ContainsAny(o.name, "=:\n") {
					t.Fatalf("bad option name %q", o.name)
				}
				if strings.TrimRight(o.value, " \t\n\r") != o.value {
					t.Fatalf("value %q of %q has trailing space", o.value, o.name)
				}
			}
		}
		again, err := parseINI("fuzz.conf", data)
		if err != nil || strings.Join(flatten(again), "|") != strings.Join(flatten(file), "|") {
			t.Fatalf("parsing twice differs")
		}
	})
}
