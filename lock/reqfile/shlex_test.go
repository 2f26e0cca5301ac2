package reqfile

import (
	"reflect"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

var shellSplitCases = []string{
	`a b  c`, `'a b' "c d"`, `a"b c"d`, `"a\"b" 'a\'`, `a\ b`, `"x\y" "x\\y"`, `''`, `""x`, "\ta\r\nb",
	`--hash=sha256:00 --hash sha512:11`, `"unclosed`, `trailing\`, `'it''s'`, `"a\$b"`, ``, `  `,
}

func TestShellSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`a b  c`, []string{"a", "b", "c"}},
		{`'a b' "c d"`, []string{"a b", "c d"}},
		{`a"b c"d`, []string{"ab cd"}},
		{`"x\y" "x\\y" x\y`, []string{`x\y`, `x\y`, "xy"}},
		{`''`, []string{""}},
	}
	for _, tt := range tests {
		got, err := shellSplit(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("shellSplit(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestShellSplitAgainstPython compares shellSplit with shlex.split.
func TestShellSplitAgainstPython(t *testing.T) {
	py := pyref.Default(t)
	var want []*[]string
	py.Run(t, `
import json, shlex, sys
out = []
for s in json.load(sys.stdin):
    try:
        out.append(shlex.split(s))
    except ValueError:
        out.append(None)
print(json.dumps(out))`, shellSplitCases, &want)
	for i, in := range shellSplitCases {
		got, err := shellSplit(in)
		switch {
		case want[i] == nil && err == nil:
			t.Errorf("shellSplit(%q) = %q, Python fails", in, got)
		case want[i] != nil && (err != nil || !reflect.DeepEqual(nonNil(got), nonNil(*want[i]))):
			t.Errorf("shellSplit(%q) = %q, %v; Python %q", in, got, err, *want[i])
		}
	}
}

func TestParseOptions(t *testing.T) {
	tests := []struct {
		words []string
		want  []option
		err   string
	}{
		{[]string{"-ihttps://i", "--extra=https://e", "--pre", "ignored", "-C", "k=v"}, []option{
			{optIndexURL, "-i", "https://i"}, {optExtraIndexURL, "--extra-index-url", "https://e"},
			{optPre, "--pre", ""}, {optConfigSettings, "-C", "k=v"}}, ""},
		{[]string{"-f", "-r"}, []option{{optFindLinks, "-f", "-r"}}, ""},
		{[]string{"--", "--pre"}, nil, ""},
		{[]string{"--pypi-url", "x"}, []option{{optIndexURL, "--pypi-url", "x"}}, ""},
		{[]string{"--pre=1"}, nil, "--pre option does not take a value"},
		{[]string{"--hash"}, nil, "--hash option requires 1 argument"},
		{[]string{"-q"}, nil, "no such option: -q"},
		{[]string{"--re"}, nil, "ambiguous option: --re (--require-hashes, --requirement?)"},
	}
	for _, tt := range tests {
		got, err := parseOptions(tt.words)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseOptions(%q) error = %v, want %s", tt.words, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseOptions(%q) = %+v, %v; want %+v", tt.words, got, err, tt.want)
		}
	}
}
