package venvscan

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseRecord(t *testing.T) {
	tests := []struct {
		name, data string
		want       []RecordEntry
	}{
		{
			name: "pip RECORD",
			data: "demo/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\r\n" +
				"demo/__pycache__/__init__.cpython-311.pyc,,\r\n" +
				"demo-1.0.dist-info/RECORD,,\r\n",
			want: []RecordEntry{
				{Path: "demo/__init__.py", Hash: "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU", Size: 0},
				{Path: "demo/__pycache__/__init__.cpython-311.pyc", Size: -1},
				{Path: "demo-1.0.dist-info/RECORD", Size: -1},
			},
		},
		{
			name: "quoted path with comma, blank lines, path only",
			data: "\"a,b.py\",sha256=x,12\n\nonly/path\n../../../bin/tool,sha256=y,3\n",
			want: []RecordEntry{
				{Path: "a,b.py", Hash: "sha256=x", Size: 12},
				{Path: "only/path", Size: -1},
				{Path: "../../../bin/tool", Hash: "sha256=y", Size: 3},
			},
		},
		{name: "empty", data: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRecord([]byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseRecordInvalid(t *testing.T) {
	tests := []struct{ name, data, wantErr string }{
		{"four fields", "a.py,sha256=x,1\nb.py,sha256=y,2,extra\n", "line 2: 4 fields"},
		{"bad size", "a.py,sha256=x,12k\n", `line 1: size "12k" of a.py`},
		{"negative size", "a.py,sha256=x,-1\n", `size "-1"`},
		{"empty path", ",sha256=x,1\n", "line 1: empty path"},
		{"bad quoting", "\"a.py,sha256=x,1\n", "invalid CSV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRecord([]byte(tt.data))
			if err == nil {
				t.Fatalf("no error; got %+v", got)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestRecordTopLevel(t *testing.T) {
	entries := []RecordEntry{
		{Path: "pkg/__init__.py"}, {Path: "pkg/sub/mod.py"},
		{Path: "single.py"},
		{Path: "_speedups.cpython-311-x86_64-linux-gnu.so"},
		{Path: `winmod.cp311-win_amd64.pyd`},
		{Path: `winpkg\__init__.py`},
		{Path: "__pycache__/single.cpython-311.pyc"},
		{Path: "demo-1.0.dist-info/METADATA"},
		{Path: "demo-1.0.data/scripts/x"},
		{Path: "legacy.egg-info/PKG-INFO"},
		{Path: "../../../bin/tool"},
		{Path: "/abs/path/x.py"},
		{Path: `C:\abs\x.py`},
		{Path: "distutils-precedence.pth"},
		{Path: "__editable__.demo-1.0.pth"},
		{Path: "__editable___demo_1_0_finder.py"},
		{Path: "not-an-identifier/x.py"},
		{Path: "README.txt"},
	}
	want := []string{"_speedups", "pkg", "single", "winmod", "winpkg"}
	if got := recordTopLevel(entries); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
