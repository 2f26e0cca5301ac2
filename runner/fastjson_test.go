package runner

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestFastJSON: validJSON agrees with json.Valid and appendJSONString
// gives json.Marshal's bytes, for strings that take the fast path and
// strings that do not (every byte value at every position of a word).
func TestFastJSON(t *testing.T) {
	cases := []string{"", "a", `"quoted"`, `"<a href=\"x\">&amp;</a>"\\`, `\\\\"`, "abcdefgh", strings.Repeat("abcdefghij", 100), "<b>", "a&b", `q"q`, `back\slash`, "tab\there",
		"caf\u00e9", "line\u2028sep", "\x7f", "\xff\xfe", "emoji \U0001F600", " ~ all printable !#$%'()*+,-./:;=?@[]^_`{|}"}
	// Every byte value at every position of the scans' 32-byte blocks,
	// their 8-byte words and the tail.
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 75; pos++ {
			b := []byte(strings.Repeat("abcdefghijklmnopqrstuvwxyz", 3)[:75])
			b[pos] = byte(c)
			cases = append(cases, string(b))
		}
	}
	for _, s := range cases {
		if got, want := printable([]byte(s)), printableSlow([]byte(s)); got != want {
			t.Errorf("printable(%q) = %v, want %v", s, got, want)
		}
		if got, want := plainText([]byte(s)), plainTextSlow([]byte(s)); got != want {
			t.Errorf("plainText(%q) = %v, want %v", s, got, want)
		}
		want, _ := json.Marshal(s)
		if got := appendJSONString([]byte("x"), []byte(s)); !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Errorf("appendJSONString(%q) = %q, json.Marshal %q", s, got[1:], want)
		}
		for _, row := range [][]byte{want, []byte(`"` + s + `"`), []byte(s)} {
			if got, want := validJSON(row), json.Valid(row); got != want {
				t.Errorf("validJSON(%q) = %v, json.Valid %v", row, got, want)
			}
		}
	}
}

// plainTextSlow is plainText's rule byte by byte.
func plainTextSlow(b []byte) bool {
	return printableSlow(b) && !bytes.ContainsAny(b, `"\`)
}

func printableSlow(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// FuzzFastJSON: the scans agree with the byte-by-byte rule and with
// encoding/json on any input.
func FuzzFastJSON(f *testing.F) {
	for _, s := range []string{"", `"abc"`, `["x"]`, "caf\u00e9", strings.Repeat("a", 40) + "\x7f", "\x00\x1f \x7e"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := printable(b), printableSlow(b); got != want {
			t.Fatalf("printable(%q) = %v, want %v", b, got, want)
		}
		if got, want := plainText(b), plainTextSlow(b); got != want {
			t.Fatalf("plainText(%q) = %v, want %v", b, got, want)
		}
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid %v", b, got, want)
		}
		want, _ := json.Marshal(string(b))
		if got := appendJSONString(nil, b); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %q, json.Marshal %q", b, got, want)
		}
		if text, ok := plainString(b); ok {
			var s string
			if err := json.Unmarshal(b, &s); err != nil || s != string(text) {
				t.Fatalf("plainString(%q) = %q, json says %q (%v)", b, text, s, err)
			}
		}
	})
}

func BenchmarkAppendJSONString(b *testing.B) {
	s := []byte(`"` + strings.Repeat("abcdefghij", 10) + `"`) // a raw row's str
	b.SetBytes(int64(len(s)))
	buf := make([]byte, 0, 256)
	for b.Loop() {
		buf = appendJSONString(buf[:0], s)
	}
}

func BenchmarkPlainText(b *testing.B) {
	s := []byte(strings.Repeat("abcdefghij", 100))
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if !plainText(s) {
			b.Fatal("not plain")
		}
	}
}

// TestAppendMillis: appendMillis writes what strconv.AppendFloat writes
// for the milliseconds of a duration in microseconds.
func TestAppendMillis(t *testing.T) {
	check := func(us int64) {
		t.Helper()
		want := strconv.AppendFloat(nil, float64(us)/1000, 'f', -1, 64)
		if got := appendMillis(nil, us); string(got) != string(want) {
			t.Fatalf("appendMillis(%d) = %s, AppendFloat %s", us, got, want)
		}
	}
	for us := int64(0); us < 200000; us++ {
		check(us)
	}
	for _, us := range []int64{-1, -1500, 1e12 - 1, 1e12, 1 << 40, 1<<53 - 1, 1 << 53, 1<<53 + 1, 1 << 62, 86400e6 * 365} {
		check(us)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		check(r.Int64N(1 << 53))
	}
}

func FuzzAppendMillis(f *testing.F) {
	f.Add(int64(1234567))
	f.Fuzz(func(t *testing.T, us int64) {
		want := strconv.AppendFloat(nil, float64(us)/1000, 'f', -1, 64)
		if got := appendMillis(nil, us); string(got) != string(want) {
			t.Fatalf("appendMillis(%d) = %s, AppendFloat %s", us, got, want)
		}
	})
}
