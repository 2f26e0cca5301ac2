package testindex

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/pypa/record"
)

// readZip returns the entries of a zip in order, with their contents.
func readZip(t *testing.T, data []byte) ([]string, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	contents := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !f.Modified.IsZero() && f.Modified.Year() != 1980 {
			t.Errorf("%s modified %v", f.Name, f.Modified)
		}
		names = append(names, f.Name)
		contents[f.Name] = b
	}
	return names, contents
}

// verifyRecord checks that RECORD lists every other entry with its hash
// and size, and itself without.
func verifyRecord(t *testing.T, names []string, contents map[string][]byte, recordName string) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(contents[recordName])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, row := range rows {
		listed[row[0]] = true
		if row[0] == recordName {
			if row[1] != "" || row[2] != "" {
				t.Errorf("RECORD row for itself: %q", row)
			}
			continue
		}
		data, ok := contents[row[0]]
		if !ok {
			t.Errorf("RECORD lists %s, not in the wheel", row[0])
			continue
		}
		if row[1] != record.SHA256(data).String() || row[2] != strconv.Itoa(len(data)) {
			t.Errorf("RECORD row %q, want hash %s size %d", row, record.SHA256(data).String(), len(data))
		}
		if strings.HasSuffix(row[1], "=") || !strings.HasPrefix(row[1], "sha256=") {
			t.Errorf("RECORD hash %q is not unpadded urlsafe sha256", row[1])
		}
	}
	for _, n := range names {
		if !listed[n] {
			t.Errorf("%s is not in RECORD", n)
		}
	}
	if names[len(names)-1] != recordName {
		t.Errorf("last entry %s, want RECORD last", names[len(names)-1])
	}
}

func TestBuildWheel(t *testing.T) {
	tests := []struct {
		name     string
		spec     WheelSpec
		filename string
		want     map[string]string // entry → content it must contain
	}{
		{
			name: "pure with everything",
			spec: WheelSpec{
				Name: "My.Pkg", Version: "1.0", RequiresDist: []string{"six>=1", `tomli; extra == "toml"`},
				RequiresPython: ">=3.8", ProvidesExtra: []string{"toml"},
				Files:       map[string]string{"my_pkg/__init__.py": "X = 1\n", "helper.py": "", "my_pkg/sub/m.py": ""},
				EntryPoints: map[string]map[string]string{"console_scripts": {"mp": "my_pkg:main"}, "a.group": {"z": "m:z", "b": "m:b"}},
				Data:        map[string]map[string]string{"scripts": {"run.sh": "#!/bin/sh\n"}, "data": {"share/x.txt": "x"}},
			},
			filename: "my_pkg-1.0-py3-none-any.whl",
			want: map[string]string{
				"my_pkg-1.0.dist-info/METADATA":         "Metadata-Version: 2.1\nName: My.Pkg\nVersion: 1.0\nRequires-Python: >=3.8\nProvides-Extra: toml\nRequires-Dist: six>=1\nRequires-Dist: tomli; extra == \"toml\"\n",
				"my_pkg-1.0.dist-info/WHEEL":            "Root-Is-Purelib: true\nTag: py3-none-any\n",
				"my_pkg-1.0.dist-info/top_level.txt":    "helper\nmy_pkg\n",
				"my_pkg-1.0.dist-info/entry_points.txt": "[a.group]\nb = m:b\nz = m:z\n\n[console_scripts]\nmp = my_pkg:main\n",
				"my_pkg-1.0.data/scripts/run.sh":        "#!/bin/sh\n",
				"my_pkg-1.0.data/data/share/x.txt":      "x",
			},
		},
		{
			name:     "platform wheel with build tag and compressed tags",
			spec:     WheelSpec{Name: "native", Version: "2.0", BuildTag: "1", Tag: "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"},
			filename: "native-2.0-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
			want: map[string]string{
				"native-2.0.dist-info/WHEEL": "Root-Is-Purelib: false\nTag: cp311-cp311-manylinux_2_17_x86_64\nTag: cp311-cp311-manylinux2014_x86_64\nBuild: 1\n",
			},
		},
		{
			name:     "py2.py3 is pure",
			spec:     WheelSpec{Name: "old", Version: "1", Tag: "py2.py3-none-any", MetadataVersion: "1.1", RequiresDist: []string{"x"}},
			filename: "old-1-py2.py3-none-any.whl",
			want: map[string]string{
				"old-1.dist-info/WHEEL":    "Root-Is-Purelib: true\nTag: py2-none-any\nTag: py3-none-any\n",
				"old-1.dist-info/METADATA": "Metadata-Version: 1.1\nName: old\nVersion: 1\n",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.spec.Filename(); got != tt.filename {
				t.Errorf("Filename() = %q, want %q", got, tt.filename)
			}
			data, err := BuildWheel(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			names, contents := readZip(t, data)
			for entry, want := range tt.want {
				if got := string(contents[entry]); !strings.Contains(got, want) {
					t.Errorf("%s = %q, want it to contain %q", entry, got, want)
				}
			}
			verifyRecord(t, names, contents, tt.spec.distInfo()+"/RECORD")
			again, err := BuildWheel(tt.spec)
			if err != nil || !bytes.Equal(data, again) {
				t.Error("building the same spec twice gives different bytes")
			}
		})
	}
}

func TestBuildWheelDiffers(t *testing.T) {
	a, _ := BuildWheel(WheelSpec{Name: "a", Version: "1", Files: map[string]string{"a.py": "1"}})
	b, _ := BuildWheel(WheelSpec{Name: "a", Version: "1", Files: map[string]string{"a.py": "2"}})
	if bytes.Equal(a, b) {
		t.Error("different files give the same wheel")
	}
}

func TestBuildWheelErrors(t *testing.T) {
	tests := []struct {
		name string
		spec WheelSpec
		want string
	}{
		{"bad name", WheelSpec{Name: "-x", Version: "1"}, `wheel name "-x" is not a valid project name`},
		{"no version", WheelSpec{Name: "x"}, `version "" is empty`},
		{"bad tag", WheelSpec{Name: "x", Version: "1", Tag: "py3"}, `tag "py3" is not python-abi-platform`},
		{"escaping path", WheelSpec{Name: "x", Version: "1", Files: map[string]string{"../evil.py": ""}}, `"../evil.py" is not a clean relative path`},
		{"dist-info file", WheelSpec{Name: "x", Version: "1", Files: map[string]string{"x-1.dist-info/METADATA": ""}}, "belongs in the generated"},
		{"header injection", WheelSpec{Name: "x", Version: "1", RequiresDist: []string{"a\nName: evil"}}, "contains a line break"},
		{"bad build tag", WheelSpec{Name: "x", Version: "1", BuildTag: "b1"}, "must start with a digit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BuildWheel(tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}
