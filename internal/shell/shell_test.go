package shell

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	tests := []struct{ in, want, single string }{
		{"", "''", "''"},
		{"abc", "abc", "'abc'"},
		{"./env/bin/python", "./env/bin/python", "'./env/bin/python'"},
		{"k=v,w", "k=v,w", "'k=v,w'"},
		{"user@host:8080/a%20b+c_d-e", "user@host:8080/a%20b+c_d-e", "'user@host:8080/a%20b+c_d-e'"},
		{"a b", "'a b'", "'a b'"},
		{"it's", `'it'\''s'`, `'it'\''s'`},
		{"'", `''\'''`, `''\'''`},
		{"s3a://b/k#env", "'s3a://b/k#env'", "'s3a://b/k#env'"},
		{"local[2]", "'local[2]'", "'local[2]'"},
		{"$HOME", "'$HOME'", "'$HOME'"},
		{"~/x", "'~/x'", "'~/x'"},
		{"a\nb", "'a\nb'", "'a\nb'"},
		{`back\slash`, `'back\slash'`, `'back\slash'`},
		{"*", "'*'", "'*'"},
		{"héllo", "'héllo'", "'héllo'"},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if got := SingleQuote(tt.in); got != tt.single {
			t.Errorf("SingleQuote(%q) = %s, want %s", tt.in, got, tt.single)
		}
	}
}

// runSh runs script with /bin/sh in the C locale and returns its output.
func runSh(t *testing.T, script string) string {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v", script, err)
	}
	return string(out)
}

func requireSh(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
}

// TestJoin: the shell splits what Join writes back into the arguments.
func TestJoin(t *testing.T) {
	requireSh(t)
	for _, args := range [][]string{
		nil,
		{"spark-submit"},
		{"--conf", "spark.x=a b", "", "it's", "$(touch /tmp/clusterpack-pwned)", "a\nb", "*", "--", "-n"},
	} {
		var want strings.Builder
		for _, a := range args {
			want.WriteString(strconv.Itoa(len(a)) + ":" + a + ";")
		}
		got := runSh(t, `set -- `+Join(args)+`; for a; do printf '%s:%s;' "${#a}" "$a"; done`)
		if got != want.String() {
			t.Errorf("Join(%q) = %s: the shell read %q, want %q", args, Join(args), got, want.String())
		}
	}
	if got := Join([]string{"a b", "c"}); got != "'a b' c" {
		t.Errorf("Join = %s", got)
	}
}

// FuzzQuote checks that sh -c 'printf %s '"$(Quote(s))" prints s back,
// and the same for SingleQuote. NUL cannot be in an argument, so strings
// holding it are skipped.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "abc", "a b", "it's", "'", "''", `\`, "$x", "`id`", "a\nb", "\t", "-n", "%d", "é", "\xff", "!", "#c", "~", "a=b"} {
		f.Add(s)
	}
	if _, err := os.Stat("/bin/sh"); err != nil {
		f.Skip("no /bin/sh")
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsRune(s, 0) {
			t.Skip("NUL cannot be passed to a command")
		}
		for _, q := range []string{Quote(s), SingleQuote(s)} {
			if got := runSh(t, "printf %s "+q); got != s {
				t.Fatalf("sh -c 'printf %%s '%s printed %q, want %q", q, got, s)
			}
		}
	})
}
