package wheel

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/clusterpack/clusterpack/internal/reproducible"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// installZip installs whl into a fresh zip and returns its bytes.
func installZip(t *testing.T, whl string, opts Options) ([]byte, *Installed, error) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	in, err := Install(context.Background(), whl, ZipDestination(zw, "env/"), opts)
	if cerr := zw.Close(); err == nil && cerr != nil {
		t.Fatal(cerr)
	}
	return buf.Bytes(), in, err
}

func rawBytes(t *testing.T, f *zip.File) []byte {
	t.Helper()
	r, err := f.OpenRaw()
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestZipDestinationCopiesRaw(t *testing.T) {
	spec := testindex.WheelSpec{Name: "zipped", Version: "1.0",
		Files:       map[string]string{"zipped/__init__.py": strings.Repeat("print('compressible')\n", 200)},
		EntryPoints: map[string]map[string]string{"console_scripts": {"zipped": "zipped:main"}},
		Data:        map[string]map[string]string{"scripts": {"s": "#!python\nx\n", "sh": "#!/bin/sh\n"}}}
	whl := buildWheel(t, spec)
	wr, err := zip.OpenReader(whl)
	if err != nil {
		t.Fatal(err)
	}
	defer wr.Close()
	source := map[string]*zip.File{}
	for _, f := range wr.File {
		source[f.Name] = f
	}
	for _, verify := range []Verification{VerifyHashes, VerifySizes} {
		t.Run(fmt.Sprint("verify=", verify), func(t *testing.T) {
			data, in, err := installZip(t, whl, Options{Scheme: venv311, Verify: verify})
			if err != nil {
				t.Fatal(err)
			}
			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*zip.File{}
			for _, f := range zr.File {
				got[f.Name] = f
				if !f.Modified.Equal(reproducible.Epoch()) {
					t.Errorf("%s dated %v", f.Name, f.Modified)
				}
			}
			// Unchanged members keep their compressed bytes.
			for src, dst := range map[string]string{
				"zipped/__init__.py":         "env/lib/python3.11/site-packages/zipped/__init__.py",
				"zipped-1.0.dist-info/WHEEL": "env/lib/python3.11/site-packages/zipped-1.0.dist-info/WHEEL",
				"zipped-1.0.data/scripts/sh": "env/bin/sh",
			} {
				if got[dst] == nil {
					t.Fatalf("%s missing from the zip", dst)
				}
				if !bytes.Equal(rawBytes(t, got[dst]), rawBytes(t, source[src])) || got[dst].CRC32 != source[src].CRC32 {
					t.Errorf("%s: compressed bytes differ from the wheel's %s", dst, src)
				}
			}
			if m := got["env/bin/sh"].Mode(); m.Perm() != 0o755 {
				t.Errorf("env/bin/sh mode %v", m)
			}
			// Every entry inflates to what Installed says (CRC checked by the reader).
			for _, f := range in.Files {
				zf := got["env/"+f.Path]
				if zf == nil {
					t.Errorf("%s missing", f.Path)
					continue
				}
				rc, err := zf.Open()
				if err != nil {
					t.Fatal(err)
				}
				content, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Errorf("%s: %v", f.Path, err)
				}
				if int64(len(content)) != f.Size || zf.Mode().Perm() != f.Mode {
					t.Errorf("%s: %d bytes, mode %v; Installed says %d, %v", f.Path, len(content), zf.Mode(), f.Size, f.Mode)
				}
			}
			if !strings.HasPrefix(readZipFile(t, got["env/bin/s"]), "#!/bin/sh\n'''exec'") {
				t.Errorf("bin/s not rewritten")
			}
		})
	}
}

func readZipFile(t *testing.T, f *zip.File) string {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestVerificationTradeOff shows what each Verification catches in a raw
// copy: a member whose content disagrees with RECORD while the zip's own
// CRC-32 and sizes are consistent.
func TestVerificationTradeOff(t *testing.T) {
	for _, method := range []uint16{zip.Deflate, 99} {
		whl := craftWheel(t, []zipEntry{{name: "demo/a.py", data: "real\n", method: method}}, func(r string) string {
			return strings.Replace(r, hashOf("real\n"), hashOf("fake\n"), 1)
		})
		_, _, err := installZip(t, whl, Options{Scheme: venv311})
		if !errors.Is(err, ErrRecordMismatch) || !strings.Contains(err.Error(), hashOf("fake\n")) || !strings.Contains(err.Error(), hashOf("real\n")) {
			t.Errorf("method %d, VerifyHashes: %v; want a RECORD mismatch naming both hashes", method, err)
		}
		_, in, err := installZip(t, whl, Options{Scheme: venv311, Verify: VerifySizes})
		if err != nil {
			t.Errorf("method %d, VerifySizes: %v; raw copies trust RECORD's hash", method, err)
		}
		// A directory install always hashes.
		_, err = Install(context.Background(), whl, DirDestination(t.TempDir()), Options{Scheme: venv311, Verify: VerifySizes})
		if !errors.Is(err, ErrRecordMismatch) {
			t.Errorf("method %d, directory with VerifySizes: %v; want a RECORD mismatch", method, err)
		}
		_ = in
	}
}

// TestRawCopyChecksCRC: a wheel whose central directory CRC-32 is wrong
// fails a raw copy with VerifyHashes, as it fails an inflating copy.
func TestRawCopyChecksCRC(t *testing.T) {
	whl := craftWheel(t, []zipEntry{{name: "demo/a.py", data: "content\n"}}, nil)
	data, err := os.ReadFile(whl)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	crc := zr.File[0].CRC32
	le := []byte{byte(crc), byte(crc >> 8), byte(crc >> 16), byte(crc >> 24)}
	bad := []byte{le[0] ^ 0xff, le[1], le[2], le[3]}
	corrupt := bytes.ReplaceAll(data, le, bad) // local header and central directory
	whl = writeTemp(t, demoFilename, corrupt)
	if _, _, err := installZip(t, whl, Options{Scheme: venv311}); !errors.Is(err, zip.ErrChecksum) {
		t.Errorf("raw copy: %v; want zip.ErrChecksum", err)
	}
	if _, err := Install(context.Background(), whl, DirDestination(t.TempDir()), Options{Scheme: venv311}); !errors.Is(err, zip.ErrChecksum) {
		t.Errorf("directory: %v; want zip.ErrChecksum", err)
	}
}

func TestReproducible(t *testing.T) {
	spec := testindex.WheelSpec{Name: "repro", Version: "1.0", Tag: "cp311-cp311-manylinux_2_28_x86_64",
		Files:       map[string]string{"repro/__init__.py": "x\n", "repro/data/a.txt": "a\n", "repro.py": ""},
		EntryPoints: map[string]map[string]string{"console_scripts": {"repro": "repro:main"}},
		Data:        map[string]map[string]string{"scripts": {"s": "#!python\nx\n"}, "headers": {"h.h": ""}}}
	whl := buildWheel(t, spec)
	// Zip: the same bytes twice.
	first, _, err := installZip(t, whl, Options{Scheme: venv311})
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := installZip(t, whl, Options{Scheme: venv311})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("two zip installations differ")
	}
	// Directories: the same files, modes and times under different umasks.
	var trees []map[string]treeFile
	for _, umask := range []int{0o022, 0o077, 0o000} {
		old := syscall.Umask(umask)
		dir := filepath.Join(t.TempDir(), "env")
		_, err := InstallDir(context.Background(), whl, dir, Options{Scheme: venv311})
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		trees = append(trees, readTree(t, dir))
		filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err == nil && info.IsDir() && info.Mode().Perm() != 0o755 {
				t.Errorf("umask %o: directory %s has mode %v", umask, p, info.Mode())
			}
			return err
		})
	}
	for i := 1; i < len(trees); i++ {
		if fmt.Sprint(trees[i]) != fmt.Sprint(trees[0]) {
			t.Errorf("installation %d differs from the first", i)
		}
	}
}

// TestConcurrentInstalls installs many wheels at once into one directory.
func TestConcurrentInstalls(t *testing.T) {
	const n = 16
	var wheels []string
	for i := range n {
		wheels = append(wheels, buildWheel(t, testindex.WheelSpec{Name: fmt.Sprintf("p%d", i), Version: "1.0",
			Files:       map[string]string{fmt.Sprintf("p%d/__init__.py", i): "", fmt.Sprintf("p%d/deep/er/m.py", i): "m"},
			EntryPoints: map[string]map[string]string{"console_scripts": {fmt.Sprintf("p%d", i): fmt.Sprintf("p%d:main", i)}}}))
	}
	dir := t.TempDir()
	d := DirDestination(dir)
	defer d.Close()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, whl := range wheels {
		wg.Go(func() { _, errs[i] = Install(context.Background(), whl, d, Options{Scheme: venv311}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("wheel %d: %v", i, err)
		}
	}
	if tree := readTree(t, dir); len(tree) != n*(2+6+1) { // 2 modules, 6 .dist-info files, 1 launcher
		t.Errorf("%d files installed, want %d", len(tree), n*9)
	}
}

// cancelAfter is a destination that cancels its context after n files.
type cancelAfter struct {
	Destination
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Create(p string, mode os.FileMode) (io.WriteCloser, error) {
	c.n--
	if c.n == 0 {
		c.cancel()
	}
	return c.Destination.Create(p, mode)
}

func TestInstallCancelledMidway(t *testing.T) {
	files := map[string]string{}
	for i := range 50 {
		files[fmt.Sprintf("many/m%02d.py", i)] = "x"
	}
	whl := buildWheel(t, testindex.WheelSpec{Name: "many", Version: "1", Files: files})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dest := &cancelAfter{Destination: DirDestination(t.TempDir()), n: 3, cancel: cancel}
	if _, err := Install(ctx, whl, dest, Options{Scheme: venv311}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v; want context.Canceled", err)
	}
	if dest.n < -1 {
		t.Errorf("%d more files created after cancellation", -dest.n)
	}
}
