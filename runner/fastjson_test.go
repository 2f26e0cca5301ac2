package runner

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestFastJSON: validJSON agrees with json.Valid and appendJSONString
// gives json.Marshal's bytes, for strings that take the fast path and
// strings that do not (every byte value at every position of a word).
func TestFastJSON(t *testing.T) {
	cases := []string{"", "a", `"quoted"`, `"<a href=\"x\">&amp;</a>"\\`, `\\\\"`, "abcdefgh", strings.Repeat("abcdefghij", 100), "<b>", "a&b", `q"q`, `back\slash`, "tab\there",
		"caf\u00e9", "line\u2028sep", "\x7f", "\xff\xfe", "emoji \U0001F600", " ~ all printable !#$%'()*+,-./:;=?@[]^_`{|}"}
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 9; pos++ {
			b := []byte("abcdefghijk")
			b[pos] = byte(c)
			cases = append(cases, string(b))
		}
	}
	for _, s := range cases {
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
