package lockfile

import (
	"math"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// decodeValue reads the TOML text "v = <text>" with the TOML library.
func decodeValue(t testing.TB, text []byte) any {
	t.Helper()
	var doc map[string]any
	if _, err := toml.Decode("v = "+string(text), &doc); err != nil {
		t.Fatalf("our output %q is not TOML: %v", text, err)
	}
	return doc["v"]
}

func TestAppendString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{`say "hi"`, `"say \"hi\""`},
		{`C:\path`, `"C:\\path"`},
		{"a\nb\tc\rd", `"a\nb\tc\rd"`},
		{"\x00\x1f\x7f", `"\u0000\u001F\u007F"`},
		{"ünïcode ✓", `"ünïcode ✓"`},
		{"'single'", `"'single'"`},
	}
	for _, tt := range tests {
		got, err := appendString(nil, tt.in)
		if err != nil || string(got) != tt.want {
			t.Errorf("appendString(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
			continue
		}
		if back := decodeValue(t, got); back != tt.in {
			t.Errorf("%s reads back as %q, want %q", got, back, tt.in)
		}
	}
	if _, err := appendString(nil, "\xff"); err == nil {
		t.Error("invalid UTF-8 was written")
	}
}

func TestAppendValue(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{int64(-42), "-42"},
		{1.0, "1.0"},
		{0.1, "0.1"},
		{1e300, "1e+300"},
		{math.Inf(-1), "-inf"},
		{true, "true"},
		{time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), "2025-01-02T03:04:05Z"},
		{time.Date(2025, 1, 2, 5, 4, 5, 120000000, fixedZone), "2025-01-02T03:04:05.12Z"},
		{[]any{}, "[]"},
		{map[string]any{}, "{}"},
		{map[string]any{"b": int64(1), "a": "x", "c d": []any{"e"}}, `{ a = "x", b = 1, "c d" = ["e"] }`},
		{[]string{"x", "y"}, `["x", "y"]`},
		{3, "3"},
	}
	for _, tt := range tests {
		got, err := appendValue(nil, tt.in)
		if err != nil || string(got) != tt.want {
			t.Errorf("appendValue(%#v) = %s, %v; want %s", tt.in, got, err, tt.want)
			continue
		}
		decodeValue(t, got) // must be TOML
	}
	for _, bad := range []any{nil, struct{}{}, &struct{}{}, map[int]any{1: 2}, uint64(math.MaxUint64)} {
		if got, err := appendValue(nil, bad); err == nil {
			t.Errorf("appendValue(%#v) = %s, want an error", bad, got)
		}
	}
}

// Every valid string is written as TOML that reads back to the same string.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\\", "\x00", "\u2028", "é", "\t\n\r\b\f\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := appendString(nil, s)
		if !utf8.ValidString(s) {
			if err == nil {
				t.Fatalf("invalid UTF-8 %q written as %s", s, got)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if back := decodeValue(t, got); back != s {
			t.Fatalf("%q written as %s reads back as %q", s, got, back)
		}
		key, err := appendKey(nil, s)
		if s == "" {
			if err == nil {
				t.Fatal("the empty key was written")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if _, err := toml.Decode(string(key)+" = 1", &doc); err != nil {
			t.Fatalf("key %q written as %s: %v", s, key, err)
		}
		if !reflect.DeepEqual(doc, map[string]any{s: int64(1)}) {
			t.Fatalf("key %q written as %s reads back as %v", s, key, doc)
		}
	})
}
