package pep508

import (
	"errors"
	"strings"
	"testing"
)

func TestParseMarkerString(t *testing.T) {
	tests := []struct{ in, want string }{
		{`python_version>='3.8'`, `python_version >= "3.8"`},
		{`os.name=="posix" and sys.platform=='linux'`, `os_name == "posix" and sys_platform == "linux"`},
		{`python_implementation=="CPython"`, `platform_python_implementation == "CPython"`},
		{`(os_name=='a')`, `os_name == "a"`},
		{`((os_name=='a' or os_name=='b'))`, `os_name == "a" or os_name == "b"`},
		{`os_name=='a' and ((os_name=='b' or os_name=='c'))`, `os_name == "a" and (os_name == "b" or os_name == "c")`},
		{`os_name=='a' and ((os_name=='b'))`, `os_name == "a" and os_name == "b"`},
		{`extra == "Foo__Bar.baz"`, `extra == "foo-bar-baz"`},
		{`"Foo.Bar" in extras`, `"foo-bar" in extras`},
		{`extras == "Foo"`, `extras == "Foo"`},
		{`os_name not	 in "abc"`, `os_name not in "abc"`},
		{`os_name == 'a"b'`, `os_name == 'a"b'`},
		{`os_name == "\x41\101\u00e9\t"`, "os_name == \"AAé\t\""},
		{`os_name == "\q"`, `os_name == "\q"`},
		{"\tos_name=='a'\t", `os_name == "a"`},
	}
	for _, tt := range tests {
		m, err := ParseMarker(tt.in)
		if err != nil {
			t.Errorf("ParseMarker(%q): %v", tt.in, err)
			continue
		}
		if got := m.String(); got != tt.want {
			t.Errorf("ParseMarker(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseMarkerErrors(t *testing.T) {
	tests := []struct {
		in     string
		start  int
		reason string
	}{
		{``, 0, "marker variable"},
		{`python_version`, 14, "marker operator"},
		{`python_version < 3.8`, 17, "marker variable"},
		{`os_name == "a" os_name == "b"`, 15, "end of the marker"},
		{`os_name == "a" andos_name == "b"`, 15, "end of the marker"},
		{`os_name notin "a"`, 8, "marker operator"},
		{`os_name not "a"`, 12, `"in" after "not"`},
		{`os_name == "a` + "\n" + `"`, 11, "invalid quoted string"},
		{"os_name == \"a\x00\"", 11, "invalid quoted string"},
		{`os_name == "\x27\x22"`, 11, "both quote characters"},
		{`python_versionx == "3"`, 0, "marker variable"},
		{`platform.release == "3"`, 0, "marker variable"},
	}
	for _, tt := range tests {
		_, err := ParseMarker(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseMarker(%q) error = %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if se.Start != tt.start || !strings.Contains(se.Reason, tt.reason) {
			t.Errorf("ParseMarker(%q) error at %d %q, want %d containing %q", tt.in, se.Start, se.Reason, tt.start, tt.reason)
		}
	}
}

var linux311 = Environment{
	"implementation_name": "cpython", "implementation_version": "3.11.7", "os_name": "posix",
	"platform_machine": "x86_64", "platform_release": "6.1.0-13-amd64", "platform_system": "Linux",
	"platform_version": "#1 SMP Debian", "python_full_version": "3.11.7",
	"platform_python_implementation": "CPython", "python_version": "3.11", "sys_platform": "linux",
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		marker  string
		extras  []string
		want    bool
		wantErr bool
	}{
		{`python_version >= "3.8"`, nil, true, false},
		{`python_version < "3.8"`, nil, false, false},
		{`"3.8" < python_version`, nil, true, false},
		{`python_version == "3.*"`, nil, true, false},
		{`python_full_version < "3.11.8rc1"`, nil, true, false},
		{`python_version in "3.10 3.11"`, nil, true, false},
		{`python_version not in "3.10 3.11"`, nil, false, false},
		{`platform_release >= "6"`, nil, false, false}, // "6.1.0-13-amd64" is not a version
		{`platform_release == "6.1.0-13-amd64"`, nil, true, false},
		{`platform_release === "6.1.0-13-AMD64"`, nil, true, false},
		{`sys_platform < "win32"`, nil, false, false}, // strings: "<" never holds
		{`sys_platform <= "linux"`, nil, true, false},
		{`sys_platform ~= "linux"`, nil, false, true},
		{`"lin" in sys_platform`, nil, true, false},
		{`os_name == "nt" or python_version > "3" and sys_platform == "linux"`, nil, true, false},
		{`(os_name == "nt" or python_version > "3") and sys_platform == "win32"`, nil, false, false},
		{`os_name == "posix" or os_name ~= "1"`, nil, false, true}, // no short cut
		{`extra == "test"`, nil, false, false},
		{`extra == ""`, nil, true, false},
		{`extra == "Test"`, []string{"TEST"}, true, false},
		{`extra == "foo_bar"`, []string{"x", "Foo.Bar"}, true, false},
		{`extra == "foo_bar"`, []string{"x", "y"}, false, false},
		{`"foo" in extras`, nil, false, true},
		{`python_version == "3.11" and extra == "gpu"`, []string{"gpu"}, true, false},
	}
	for _, tt := range tests {
		m, err := ParseMarker(tt.marker)
		if err != nil {
			t.Fatalf("ParseMarker(%q): %v", tt.marker, err)
		}
		got, err := m.EvaluateStrict(linux311, tt.extras)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%q.EvaluateStrict(linux311, %q) = %v, %v; want %v, error %v", tt.marker, tt.extras, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrUndefined) {
			t.Errorf("%q.EvaluateStrict: error %v does not match ErrUndefined", tt.marker, err)
		}
		if m.Evaluate(linux311, tt.extras) != (tt.want && !tt.wantErr) {
			t.Errorf("%q.Evaluate(linux311, %q) = %v", tt.marker, tt.extras, !tt.want)
		}
	}
}

func TestEvaluateUntaggedBuild(t *testing.T) {
	env := Environment{"python_full_version": "3.11.7+"}
	m, err := ParseMarker(`python_full_version >= "3.11.7"`)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := m.EvaluateStrict(env, nil); !ok || err != nil {
		t.Errorf("3.11.7+ should read as 3.11.7+local >= 3.11.7: got %v, %v", ok, err)
	}
	m, _ = ParseMarker(`os_name == "posix"`)
	if _, err := m.EvaluateStrict(env, nil); !errors.Is(err, ErrUndefined) || !strings.Contains(err.Error(), "os_name") {
		t.Errorf("missing os_name: error %v should name it", err)
	}
}

func TestEnvironmentValidate(t *testing.T) {
	if err := linux311.Validate(); err != nil {
		t.Errorf("complete environment: %v", err)
	}
	err := Environment{"python_version": "3.11", "os_name": ""}.Validate()
	if err == nil || !strings.Contains(err.Error(), "sys_platform") || strings.Contains(err.Error(), "os_name") {
		t.Errorf("Validate() = %v, want sys_platform named and not os_name", err)
	}
}

func TestUnquotePython(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{`"abc"`, "abc", true},
		{`'a"b'`, `a"b`, true},
		{`"\\"`, `\`, true},
		{`"\'\""`, `'"`, true},
		{`"\a\b\f\n\r\t\v"`, "\a\b\f\n\r\t\v", true},
		{`"\0\7\101\1011"`, "\x00\x07AA1", true},
		{`"\777"`, "\u01ff", true},
		{`"\x41\u00e9\U0001F600"`, "Aé😀", true},
		{`"\x4"`, "", false},
		{`"\x4g"`, "", false},
		{`"\U00110000"`, "", false},
		{`"\q\ä"`, `\q\ä`, true},
		{"\"a\\\nb\"", "ab", true},
		{"\"a\\\r\nb\"", "ab", true},
		{"\"a\nb\"", "", false},
		{"\"a\rb\"", "", false},
		{"\"a\x00\"", "", false},
		{`"a\"`, "", false},
		{`"a\\\"`, "", false},
		{`"\N{BULLET}"`, "", false},
	}
	for _, tt := range tests {
		got, err := unquotePython(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("unquotePython(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestCanonicalName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Foo_Bar", "foo-bar"},
		{"a-_.-b", "a-b"},
		{"", ""},
		{"İ", "i\u0307"},
		{"AΣ", "aς"},
		{"AΣB", "aσb"},
		{"Σ", "σ"},
	}
	for _, tt := range tests {
		if got := canonicalName(tt.in); got != tt.want {
			t.Errorf("canonicalName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzParseMarker(f *testing.F) {
	for _, s := range markerCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMarker(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Start < 0 || se.Start > se.End || se.End > len(s) {
				t.Fatalf("ParseMarker(%q): bad error %#v", s, err)
			}
			return
		}
		ok, evalErr := m.EvaluateStrict(linux311, []string{"a", "b"})
		if m.Evaluate(linux311, []string{"a", "b"}) != (ok && evalErr == nil) {
			t.Fatalf("ParseMarker(%q): Evaluate and EvaluateStrict disagree", s)
		}
		str := m.String()
		if !roundTrips(str) {
			return
		}
		again, err := ParseMarker(str)
		if err != nil {
			t.Fatalf("ParseMarker(%q).String() = %q does not parse: %v", s, str, err)
		}
		if again.String() != str {
			t.Fatalf("ParseMarker(%q).String() = %q, which parses to %q", s, str, again.String())
		}
		ok2, err2 := again.EvaluateStrict(linux311, []string{"a", "b"})
		if ok != ok2 || (evalErr == nil) != (err2 == nil) {
			t.Fatalf("ParseMarker(%q) and its String() %q evaluate differently", s, str)
		}
	})
}
