package wheel

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// venv311 is the scheme most tests install into.
var venv311 = VenvScheme([2]int{3, 11}, false)

// buildWheel builds spec with testindex and writes it to a temporary file.
func buildWheel(t testing.TB, spec testindex.WheelSpec) string {
	t.Helper()
	data, err := testindex.BuildWheel(spec)
	if err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, spec.Filename(), data)
}

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// zipEntry is a member of a hand-made zip.
type zipEntry struct {
	name   string
	data   string
	mode   fs.FileMode // default 0o644
	method uint16      // default Deflate
}

// makeZip writes entries in order, as given: duplicates, odd names and
// modes included.
func makeZip(t testing.TB, entries []zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		method := e.method
		if method == 0 {
			method = zip.Deflate
		}
		if method == 99 { // stand-in for Store, whose value is 0
			method = zip.Store
		}
		fh := &zip.FileHeader{Name: e.name, Method: method}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		fh.SetMode(mode)
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hashOf is the RECORD hash of s.
func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// recordOf is a correct RECORD for entries, with RECORD's own row.
func recordOf(entries []zipEntry, self string) string {
	var b strings.Builder
	for _, e := range entries {
		if strings.HasSuffix(e.name, "/") {
			continue
		}
		fmt.Fprintf(&b, "%s,%s,%d\n", e.name, hashOf(e.data), len(e.data))
	}
	fmt.Fprintf(&b, "%s,,\n", self)
	return b.String()
}

// demoFilename is the file name of hand-made wheels.
const demoFilename = "demo-1.0-py3-none-any.whl"

// demoMeta are the .dist-info files of a valid hand-made wheel.
func demoMeta() []zipEntry {
	return []zipEntry{
		{name: "demo-1.0.dist-info/METADATA", data: "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"},
		{name: "demo-1.0.dist-info/WHEEL", data: "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
}

// craftWheel writes a hand-made wheel: members plus demoMeta, and a
// correct RECORD passed through editRecord (nil keeps it).
func craftWheel(t testing.TB, members []zipEntry, editRecord func(string) string) string {
	t.Helper()
	entries := append(append([]zipEntry(nil), members...), demoMeta()...)
	record := recordOf(entries, "demo-1.0.dist-info/RECORD")
	if editRecord != nil {
		record = editRecord(record)
	}
	entries = append(entries, zipEntry{name: "demo-1.0.dist-info/RECORD", data: record})
	return writeTemp(t, demoFilename, makeZip(t, entries))
}

// treeFile is a file found on disk.
type treeFile struct {
	content string
	mode    fs.FileMode
}

// readTree reads every regular file under root, keyed by slash path.
func readTree(t testing.TB, root string) map[string]treeFile {
	t.Helper()
	out := map[string]treeFile{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = treeFile{content: string(data), mode: info.Mode().Perm()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
