package venvscan

import (
	"reflect"
	"testing"

	"github.com/clusterpack/clusterpack/pypa/record"
)

func TestRecordTopLevel(t *testing.T) {
	entries := []record.Entry{
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
