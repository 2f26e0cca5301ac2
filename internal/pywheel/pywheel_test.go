package pywheel

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"io"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/pypa/distfilename"
	"github.com/clusterpack/clusterpack/pypa/record"
)

func testWheel() *Wheel {
	w := &Wheel{Name: "Cluster.Pack", Version: "1.2.3.dev4+g2d35cef", Summary: "a test", RequiresPython: ">=3.8", Generator: "test",
		Tags: []string{"py3-none-manylinux_2_17_x86_64", "py3-none-manylinux2014_x86_64", "py3-none-musllinux_1_1_x86_64"}}
	w.Files = []File{
		{Path: w.ScriptsDir() + "/tool", Executable: true, Open: Bytes([]byte("\x7fELF binary"))},
		{Path: "cluster_pack/__init__.py", Open: Bytes([]byte("x = 1\n"))},
		{Path: "cluster_pack/py.typed", Open: Bytes(nil)},
	}
	return w
}

func write(t *testing.T, w *Wheel) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := w.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFilename(t *testing.T) {
	name, err := testWheel().Filename()
	if err != nil {
		t.Fatal(err)
	}
	want := "cluster_pack-1.2.3.dev4+g2d35cef-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.musllinux_1_1_x86_64.whl"
	if name != want {
		t.Errorf("Filename = %s, want %s", name, want)
	}
	if _, err := distfilename.ParseWheel(name); err != nil {
		t.Errorf("distfilename refuses %s: %v", name, err)
	}
}

func TestWriteReproducibleAndRecorded(t *testing.T) {
	a, b := write(t, testWheel()), write(t, testWheel())
	if !bytes.Equal(a, b) {
		t.Fatal("two writes of the same wheel differ")
	}
	// Files given in another order give the same bytes.
	w := testWheel()
	w.Files[0], w.Files[2] = w.Files[2], w.Files[0]
	if !bytes.Equal(a, write(t, w)) {
		t.Error("the order of Files changes the wheel")
	}
	zr, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	content := map[string][]byte{}
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		content[f.Name] = data
		wantMode := "-rw-r--r--"
		if strings.HasSuffix(f.Name, "/tool") {
			wantMode = "-rwxr-xr-x"
		}
		if f.Mode().String() != wantMode {
			t.Errorf("%s has mode %s, want %s", f.Name, f.Mode(), wantMode)
		}
		if f.Modified.Year() != 1980 {
			t.Errorf("%s is dated %v, want 1980-01-01", f.Name, f.Modified)
		}
	}
	wantNames := []string{
		"cluster_pack-1.2.3.dev4+g2d35cef.data/scripts/tool",
		"cluster_pack/__init__.py",
		"cluster_pack/py.typed",
		"cluster_pack-1.2.3.dev4+g2d35cef.dist-info/METADATA",
		"cluster_pack-1.2.3.dev4+g2d35cef.dist-info/WHEEL",
		"cluster_pack-1.2.3.dev4+g2d35cef.dist-info/RECORD",
	}
	if strings.Join(names, "\n") != strings.Join(wantNames, "\n") {
		t.Errorf("members:\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(wantNames, "\n"))
	}
	rows, err := record.Read(bytes.NewReader(content["cluster_pack-1.2.3.dev4+g2d35cef.dist-info/RECORD"]))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(names) {
		t.Fatalf("RECORD has %d rows for %d members", len(rows), len(names))
	}
	for _, r := range rows {
		data, ok := content[r.Path]
		if !ok {
			t.Errorf("RECORD names %s, which the wheel lacks", r.Path)
			continue
		}
		if strings.HasSuffix(r.Path, "/RECORD") {
			if !r.Hash.IsZero() || r.Size != -1 {
				t.Errorf("RECORD's own row is %+v, want no hash or size", r)
			}
			continue
		}
		sum := sha256.Sum256(data)
		if r.Hash.Algorithm != "sha256" || !bytes.Equal(r.Hash.Digest, sum[:]) || r.Size != int64(len(data)) {
			t.Errorf("RECORD row %+v does not match %s (%d bytes)", r, r.Path, len(data))
		}
	}
	wheel := string(content["cluster_pack-1.2.3.dev4+g2d35cef.dist-info/WHEEL"])
	for _, line := range []string{"Wheel-Version: 1.0", "Root-Is-Purelib: false", "Tag: py3-none-manylinux_2_17_x86_64", "Tag: py3-none-musllinux_1_1_x86_64"} {
		if !strings.Contains(wheel, line+"\n") {
			t.Errorf("WHEEL lacks %q:\n%s", line, wheel)
		}
	}
	meta := string(content["cluster_pack-1.2.3.dev4+g2d35cef.dist-info/METADATA"])
	for _, line := range []string{"Name: Cluster.Pack", "Version: 1.2.3.dev4+g2d35cef", "Requires-Python: >=3.8"} {
		if !strings.Contains(meta, line+"\n") {
			t.Errorf("METADATA lacks %q:\n%s", line, meta)
		}
	}
}

func TestWriteRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(w *Wheel)
		wants string
	}{
		{"bad name", func(w *Wheel) { w.Name = "-x" }, "not a valid distribution name"},
		{"bad version", func(w *Wheel) { w.Version = "one" }, "wheel version"},
		{"no tags", func(w *Wheel) { w.Tags = nil }, "no tags"},
		{"bad tag", func(w *Wheel) { w.Tags = []string{"py3-none"} }, "not python-abi-platform"},
		{"escaping path", func(w *Wheel) { w.Files[1].Path = "../x.py" }, "not a clean relative path"},
		{"unclean path", func(w *Wheel) { w.Files[1].Path = "a//x.py" }, "not a clean relative path"},
		{"dist-info member", func(w *Wheel) { w.Files[1].Path = w.DistInfoDir() + "/RECORD" }, "written by pywheel"},
		{"twice", func(w *Wheel) { w.Files[1].Path = w.Files[2].Path }, "given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := testWheel()
			tc.edit(w)
			err := w.Write(io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.wants) {
				t.Errorf("Write: %v, want an error with %q", err, tc.wants)
			}
		})
	}
}
