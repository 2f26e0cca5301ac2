package venv

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/reproducible"
	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/pack/wheel"
)

func fileSHA256(t testing.TB, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// TestReproducible builds the same wheels twice with everything of the
// build machine changed: the wheels' directory and file times, the
// working directory, TMPDIR, HOME and the cache directory, the umask and
// the parallelism. The archives must be identical.
func TestReproducible(t *testing.T) {
	for _, format := range []Format{Zip, TarGz} {
		t.Run(format.String(), func(t *testing.T) {
			var sums []string
			for i, par := range []int{1, 3} {
				tmp := t.TempDir()
				t.Setenv("TMPDIR", filepath.Join(tmp, "tmp"))
				t.Setenv("HOME", filepath.Join(tmp, "home"))
				t.Setenv("XDG_CACHE_HOME", filepath.Join(tmp, "cache"))
				t.Chdir(tmp)
				old := syscall.Umask([]int{0o022, 0o077}[i])
				wheels := demoWheels(t, tmp)
				stamp := time.Date(2001+i*20, 3, 4, 5, 6, 7, 0, time.UTC)
				for _, w := range wheels {
					if err := os.Chtimes(w, stamp, stamp); err != nil {
						t.Fatal(err)
					}
				}
				if i == 1 { // a different order of arguments
					wheels[0], wheels[1] = wheels[1], wheels[0]
				}
				archive, res := writeArchive(t, tmp, wheels, Options{Format: format, PythonVersion: [2]int{3, 11}, Parallelism: par})
				syscall.Umask(old)
				sum := fileSHA256(t, archive)
				if sum != res.SHA256 {
					t.Errorf("Result.SHA256 %s, the file hashes to %s", res.SHA256, sum)
				}
				if st, _ := os.Stat(archive); st.Size() != res.Size {
					t.Errorf("Result.Size %d, the file has %d bytes", res.Size, st.Size())
				}
				sums = append(sums, sum)
			}
			if sums[0] != sums[1] {
				t.Errorf("two builds differ: %s and %s", sums[0], sums[1])
			}
		})
	}
}

// entry is an archive member as the tests compare them.
type entry struct {
	Name  string `json:"name"`
	Mode  int    `json:"mode"`
	Size  int64  `json:"size"`
	Dir   bool   `json:"dir"`
	MTime int64  `json:"mtime"` // seconds since 1980-01-01 local/UTC per format
}

// goEntries reads an archive with Go's readers, checking every CRC (zip)
// and reading every byte.
func goEntries(t testing.TB, archive string) []entry {
	t.Helper()
	var out []entry
	if strings.HasSuffix(archive, ".zip") {
		zr, err := zip.OpenReader(archive)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			n, err := io.Copy(io.Discard, rc) // checks the CRC-32 at EOF
			rc.Close()
			if err != nil || uint64(n) != f.UncompressedSize64 {
				t.Fatalf("%s: %d bytes, %v", f.Name, n, err)
			}
			if f.ModifiedDate != 1<<5|1 || f.ModifiedTime != 0 || f.CreatorVersion>>8 != 3 {
				t.Errorf("%s: date %x time %x creator %x", f.Name, f.ModifiedDate, f.ModifiedTime, f.CreatorVersion)
			}
			out = append(out, entry{Name: f.Name, Mode: int(f.Mode().Perm()), Size: n, Dir: f.Mode().IsDir()})
		}
		return out
	}
	fh, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	gz, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() || gz.Comment != "" {
		t.Errorf("gzip header: name %q mtime %v comment %q", gz.Name, gz.ModTime, gz.Comment)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, tr)
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(reproducible.Epoch()) {
			t.Errorf("%s: uid %d gid %d uname %q gname %q mtime %v", h.Name, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime)
		}
		out = append(out, entry{Name: h.Name, Mode: int(h.Mode), Size: n, Dir: h.Typeflag == tar.TypeDir})
	}
	return out
}

// pyEntries reads the archive with Python's zipfile (testzip: every CRC)
// or tarfile.
const pyEntries = `import json, sys, tarfile, zipfile
p = json.load(sys.stdin)
out = []
if p.endswith(".zip"):
    with zipfile.ZipFile(p) as z:
        bad = z.testzip()
        assert bad is None, bad
        for i in z.infolist():
            assert i.date_time == (1980, 1, 1, 0, 0, 0), (i.filename, i.date_time)
            out.append({"name": i.filename, "mode": (i.external_attr >> 16) & 0o777, "size": i.file_size, "dir": i.is_dir(), "mtime": 0})
else:
    with tarfile.open(p, "r:gz") as tf:
        for m in tf.getmembers():
            if m.isfile():
                tf.extractfile(m).read()
            out.append({"name": m.name + ("/" if m.isdir() else ""), "mode": m.mode, "size": m.size, "dir": m.isdir(), "mtime": 0})
json.dump(out, sys.stdout)
`

// TestArchiveStructure checks both formats with Go's and Python's
// readers: same members in the same order, directory entries before
// their contents, normalised modes and dates, own files first.
func TestArchiveStructure(t *testing.T) {
	py := pyref.Default(t)
	tmp := t.TempDir()
	wheels := demoWheels(t, tmp)
	for _, format := range []Format{Zip, TarGz} {
		t.Run(format.String(), func(t *testing.T) {
			archive, res := writeArchive(t, t.TempDir(), wheels, Options{Format: format, PythonVersion: [2]int{3, 11}})
			got := goEntries(t, archive)
			var fromPy []entry
			py.Run(t, pyEntries, archive, &fromPy)
			if fmt.Sprint(got) != fmt.Sprint(fromPy) {
				t.Errorf("Go and Python read different archives:\nGo:     %v\nPython: %v", got, fromPy)
			}
			seen := map[string]bool{}
			files := 0
			var names []string
			for _, e := range got {
				name := strings.TrimSuffix(e.Name, "/")
				if dir := filepath.Dir(name); dir != "." && !seen[dir] {
					t.Errorf("%s comes before its directory %s", e.Name, dir)
				}
				seen[name] = true
				switch {
				case e.Dir && e.Mode != 0o755, !e.Dir && e.Mode != 0o644 && e.Mode != 0o755:
					t.Errorf("%s: mode %o", e.Name, e.Mode)
				}
				if !e.Dir {
					files++
					names = append(names, e.Name)
				}
				if strings.HasSuffix(e.Name, ".pyc") {
					t.Errorf("%s: byte code in the archive", e.Name)
				}
			}
			if files != res.Files {
				t.Errorf("Result.Files %d, archive has %d", res.Files, files)
			}
			own := []string{"bin/activate", "bin/python", "bin/python3", "bin/python3.11", "pyvenv.cfg"}
			if !sort.StringsAreSorted(own) || fmt.Sprint(names[:len(own)]) != fmt.Sprint(own) {
				t.Errorf("own files first, sorted: got %v", names[:len(own)])
			}
			for _, e := range got {
				if strings.HasPrefix(e.Name, "bin/python") || e.Name == "bin/demo-cli" || e.Name == "bin/demo-script" {
					if e.Mode != 0o755 {
						t.Errorf("%s: mode %o, want 755", e.Name, e.Mode)
					}
				}
			}
		})
	}
}

// TestZip64 writes an environment of more than 65,535 files.
func TestZip64(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 70,000-file wheel")
	}
	tmp := t.TempDir()
	files := map[string]string{}
	for i := range 70000 {
		files[fmt.Sprintf("many/m%05d.py", i)] = fmt.Sprint(i)
	}
	start := time.Now()
	w := buildWheel(t, tmp, testindex.WheelSpec{Name: "many", Version: "1", Files: files})
	built := time.Since(start)
	start = time.Now()
	archive, res := writeArchive(t, tmp, []string{w}, Options{PythonVersion: [2]int{3, 11}, Verify: wheel.VerifySizes})
	t.Logf("wheel of 70,000 files built in %v; environment written in %v (%d files, %d bytes)", built.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), res.Files, res.Size)
	if !res.Zip64 {
		t.Error("Result.Zip64 is false")
	}
	zr, err := zip.OpenReader(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	nfiles := 0
	for _, f := range zr.File {
		if !f.Mode().IsDir() {
			nfiles++
		}
	}
	if len(zr.File) < 70000 || res.Files != nfiles {
		t.Errorf("%d entries, %d files, Result.Files %d", len(zr.File), nfiles, res.Files)
	}
	var n int
	py := pyref.Default(t)
	py.Run(t, `import json, sys, zipfile
z = zipfile.ZipFile(json.load(sys.stdin))
assert z.testzip() is None
json.dump(len(z.infolist()), sys.stdout)`, archive, &n)
	if n != len(zr.File) {
		t.Errorf("Python reads %d entries, Go %d", n, len(zr.File))
	}
}

// TestErrors checks errors that name the wheel or file at fault.
func TestErrors(t *testing.T) {
	tmp := t.TempDir()
	wheels := demoWheels(t, tmp)
	clash := buildWheel(t, tmp, testindex.WheelSpec{Name: "clash", Version: "1", Files: map[string]string{"demo/__init__.py": "X = 1\n"}})
	launcherClash := buildWheel(t, tmp, testindex.WheelSpec{Name: "zz", Version: "1", Files: map[string]string{"zz.py": ""},
		EntryPoints: map[string]map[string]string{"console_scripts": {"python": "zz:main"}}})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		wheels []string
		opts   Options
		want   string
		is     error
		as     any // a pointer to an error type, for errors.As
	}{
		{"two wheels, one module", nil, append(wheels, clash), Options{PythonVersion: [2]int{3, 11}}, "installing demo-1.0-py3-none-any.whl: wheel demo-1.0-py3-none-any.whl: demo/__init__.py: creating lib/python3.11/site-packages/demo/__init__.py: lib/python3.11/site-packages/demo/__init__.py is written twice (first by clash-1-py3-none-any.whl)", ErrConflict, nil},
		{"a script named python", nil, []string{launcherClash}, Options{Format: TarGz, PythonVersion: [2]int{3, 11}}, "installing zz-1-py3-none-any.whl: wheel zz-1-py3-none-any.whl: writing bin/python: bin/python is written twice (first by the environment)", ErrConflict, nil},
		{"missing wheel", nil, []string{filepath.Join(tmp, "nope-1-py3-none-any.whl")}, Options{PythonVersion: [2]int{3, 11}}, "nope-1-py3-none-any.whl", os.ErrNotExist, nil},
		{"no version", nil, wheels, Options{}, "Python version 0.0 is not supported", nil, nil},
		{"relative python path", nil, wheels, Options{PythonVersion: [2]int{3, 11}, PythonPath: "bin/python3"}, `venv: the nodes' interpreter "bin/python3" must be an absolute path or a command name`, nil, new(*PythonPathError)},
		{"python path with a newline", nil, wheels, Options{PythonVersion: [2]int{3, 11}, PythonPath: "python\n3"}, "contains a newline or NUL", nil, new(*PythonPathError)},
		{"bad format", nil, wheels, Options{Format: 7, PythonVersion: [2]int{3, 11}}, "unknown format", nil, nil},
		{"wheel twice", nil, []string{wheels[0], wheels[0]}, Options{PythonVersion: [2]int{3, 11}}, "is given twice", nil, nil},
		{"bundle not python", nil, nil, Options{BundlePython: "/bin/false"}, "venv: bundling /bin/false: running it: exit status 1", nil, new(*BundleError)},
		{"canceled", canceled, wheels, Options{PythonVersion: [2]int{3, 11}}, "context canceled", context.Canceled, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			_, err := Write(ctx, io.Discard, tc.wheels, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tc.is)
			}
			if tc.as != nil && !errors.As(err, tc.as) {
				t.Errorf("err = %v (%T), want errors.As %T", err, err, tc.as)
			}
		})
	}
}

// TestCancelMidway cancels while a large tar.gz is being written.
func TestCancelMidway(t *testing.T) {
	tmp := t.TempDir()
	files := map[string]string{}
	for i := range 200 {
		files[fmt.Sprintf("big/f%03d.txt", i)] = strings.Repeat(fmt.Sprintf("line %d\n", i), 5000)
	}
	w := buildWheel(t, tmp, testindex.WheelSpec{Name: "big", Version: "1", Files: files})
	ctx, cancel := context.WithCancel(context.Background())
	var buf bytes.Buffer
	cw := writerFunc(func(p []byte) (int, error) {
		cancel() // on the first write: the gzip header
		return buf.Write(p)
	})
	_, err := Write(ctx, cw, []string{w}, Options{Format: TarGz, PythonVersion: [2]int{3, 11}, Parallelism: 2})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
