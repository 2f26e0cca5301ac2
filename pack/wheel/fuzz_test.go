package wheel

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// FuzzInstall installs arbitrary bytes as a wheel, into a directory that
// sits inside a sentinel directory: Install must never panic, and must
// never write outside the destination, whatever it returns. Successful
// installations must describe exactly what they wrote.
func FuzzInstall(f *testing.F) {
	good, err := testindex.BuildWheel(testindex.WheelSpec{Name: "demo", Version: "1.0",
		Files:       map[string]string{"demo/__init__.py": "x\n"},
		EntryPoints: map[string]map[string]string{"console_scripts": {"demo": "demo:main"}},
		Data:        map[string]map[string]string{"scripts": {"s": "#!python\nx\n"}, "data": {"share/d": "d"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	for _, members := range [][]zipEntry{
		{{name: "../evil", data: "x"}},
		{{name: "demo-1.0.data/data/../../evil", data: "x"}},
		{{name: "demo/link", data: "../../evil", mode: os.ModeSymlink | 0o777}},
		{{name: "demo-1.0.dist-info/entry_points.txt", data: "[console_scripts]\n../evil = a:b\n"}},
	} {
		entries := append(members, demoMeta()...)
		entries = append(entries, zipEntry{name: "demo-1.0.dist-info/RECORD", data: recordOf(entries, "demo-1.0.dist-info/RECORD")})
		f.Add(makeZip(f, entries))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		sentinel := t.TempDir()
		dest := filepath.Join(sentinel, "a", "b", "env")
		d := DirDestination(dest)
		in, err := install(context.Background(), demoFilename, zr, d, Options{Scheme: venv311})
		d.Close()
		filepath.Walk(sentinel, func(p string, info os.FileInfo, err error) error {
			if err == nil && p != dest && !strings.HasPrefix(p, dest+string(filepath.Separator)) &&
				!strings.HasPrefix(dest, p+string(filepath.Separator)) {
				t.Errorf("wrote %s outside %s", p, dest)
			}
			return err
		})
		if err != nil {
			return
		}
		tree := readTree(t, dest)
		if len(tree) != len(in.Files) {
			t.Errorf("Installed lists %d files, the tree has %d", len(in.Files), len(tree))
		}
		for _, f := range in.Files {
			if _, ok := tree[f.Path]; !ok {
				t.Errorf("Installed lists %s, not on disk", f.Path)
			}
		}
	})
}
