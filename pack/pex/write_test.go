package pex

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/pack/wheel"
)

func openPex(t *testing.T, p string) *zip.Reader {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return zr
}

// TestLayout checks the archive: shebang, entry order, dates, modes, raw
// copies of the wheels' members, no byte code, and PEX-INFO.
func TestLayout(t *testing.T) {
	dir := t.TempDir()
	specs := demoSpecs()
	specs[0].Files["demo/native.cpython-311-x86_64-linux-gnu.so"] = strings.Repeat("ELF", 1000)
	wheels := writeWheels(t, filepath.Join(dir, "wheels"), specs)
	// Given in reverse order: the output follows file names.
	p, res := buildPex(t, dir, "env.pex", []string{wheels[1], wheels[0]}, Options{
		PythonVersion: [2]int{3, 11}, ContentHash: "layout1", EntryPoint: "demo:main",
		Env: map[string]string{"B": "2", "A": "1"},
	})
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("#!/usr/bin/env python3.11\n")) {
		t.Errorf("file starts %q", data[:40])
	}
	sum := sha256.Sum256(data)
	if res.Size != int64(len(data)) || res.SHA256 != hex.EncodeToString(sum[:]) || res.Zip64 || res.Note != "" {
		t.Errorf("result %+v does not describe the file (%d bytes)", res, len(data))
	}
	want := []Dist{{"demo", "1.0", "demo-1.0-py3-none-any.whl"}, {"dep", "2.0", "dep-2.0-py3-none-any.whl"}}
	if fmt.Sprint(res.Distributions) != fmt.Sprint(want) {
		t.Errorf("distributions %v, want %v", res.Distributions, want)
	}
	zr := openPex(t, p)
	if res.Files != len(zr.File) {
		t.Errorf("Result.Files %d, archive has %d", res.Files, len(zr.File))
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.ModifiedDate != 1<<5|1 || f.ModifiedTime != 0 || len(f.Extra) != 0 {
			t.Errorf("%s: date %x time %x extra %x", f.Name, f.ModifiedDate, f.ModifiedTime, f.Extra)
		}
		if m := f.Mode(); m != 0o644 && m != 0o755 {
			t.Errorf("%s: mode %v", f.Name, m)
		}
		if strings.HasSuffix(f.Name, ".pyc") || strings.Contains(f.Name, "__pycache__") {
			t.Errorf("byte code %s", f.Name)
		}
	}
	n := len(names)
	if names[n-2] != "__main__.py" || names[n-1] != "PEX-INFO" {
		t.Errorf("last entries %v", names[n-2:])
	}
	deps := names[:n-2]
	if !sort.StringsAreSorted([]string{deps[0], deps[len(deps)-1]}) || !strings.HasPrefix(deps[0], ".deps/demo-1.0-py3-none-any.whl/") ||
		!strings.HasPrefix(deps[len(deps)-1], ".deps/dep-2.0-py3-none-any.whl/") {
		t.Errorf("chroots out of order: %v", deps)
	}
	for _, want := range []string{
		".deps/demo-1.0-py3-none-any.whl/demo/__init__.py",
		".deps/demo-1.0-py3-none-any.whl/.prefix/bin/demo-tool",
		".deps/demo-1.0-py3-none-any.whl/.prefix/bin/demo-cli",
		".deps/demo-1.0-py3-none-any.whl/.prefix/share/demo/readme.txt",
		".deps/demo-1.0-py3-none-any.whl/demo-1.0.dist-info/RECORD",
		".deps/dep-2.0-py3-none-any.whl/dep_extra.pth",
	} {
		if !contains(names, want) {
			t.Errorf("no %s in %v", want, names)
		}
	}

	// Members the installation does not rewrite are the wheel's
	// compressed bytes, untouched.
	wr, err := zip.OpenReader(wheels[0])
	if err != nil {
		t.Fatal(err)
	}
	defer wr.Close()
	byName := map[string]*zip.File{}
	for _, f := range zr.File {
		byName[f.Name] = f
	}
	raw := 0
	for _, wf := range wr.File {
		if strings.Contains(wf.Name, ".dist-info/") || strings.Contains(wf.Name, ".data/") {
			continue
		}
		pf := byName[".deps/demo-1.0-py3-none-any.whl/"+wf.Name]
		if pf == nil {
			t.Fatalf("%s not in the pex", wf.Name)
		}
		a, b := rawBytes(t, wf), rawBytes(t, pf)
		if pf.Method != wf.Method || pf.CRC32 != wf.CRC32 || !bytes.Equal(a, b) {
			t.Errorf("%s was not copied raw", wf.Name)
		}
		raw++
	}
	if raw < 5 {
		t.Errorf("only %d raw members compared", raw)
	}

	// PEX-INFO: pex's keys, sorted, with the wheels' digests.
	info, err := ReadInfo(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	digests := map[string]string{}
	for _, w := range wheels {
		b, _ := os.ReadFile(w)
		s := sha256.Sum256(b)
		digests[filepath.Base(w)] = hex.EncodeToString(s[:])
	}
	if fmt.Sprint(info.Distributions) != fmt.Sprint(digests) || info.PexHash != "layout1" || info.CodeHash != "layout1" ||
		info.EntryPoint != "demo:main" || info.InheritPath != "false" || info.ZipSafe || info.StripPexEnv ||
		fmt.Sprint(info.Requirements) != "[demo==1.0 dep==2.0]" || fmt.Sprint(info.InjectEnv) != "map[A:1 B:2]" ||
		fmt.Sprint(info.InterpreterConstraints) != "[CPython==3.11.*]" || fmt.Sprint(info.BuildProperties) != "map[class:CPython version:[3 11]]" {
		t.Errorf("PEX-INFO %+v", info)
	}
	rawInfo := readMember(t, byName["PEX-INFO"])
	keys := topKeys(t, rawInfo)
	if !sort.StringsAreSorted(keys) || strings.Join(keys, " ") != "build_properties code_hash distributions entry_point inherit_path inject_env interpreter_constraints pex_hash requirements strip_pex_env zip_safe" {
		t.Errorf("PEX-INFO keys %v", keys)
	}
}

// tamper rewrites one member of a zip, leaving RECORD as it was.
func tamper(t *testing.T, data []byte, member, content string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == member {
			io.WriteString(w, content)
			continue
		}
		w.Write(readMember(t, f))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func rawBytes(t *testing.T, f *zip.File) []byte {
	t.Helper()
	r, err := f.OpenRaw()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readMember(t *testing.T, f *zip.File) []byte {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// topKeys lists a JSON object's keys in document order.
func topKeys(t *testing.T, data []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	var keys []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return keys
		}
		if err != nil {
			t.Fatal(err)
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				depth++
			} else {
				depth--
			}
		case string:
			if depth == 1 {
				keys = append(keys, v)
				// skip the value
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// reproHelperEnv makes the test binary build a pex in a changed world
// (umask, working directory, TMPDIR, HOME, time zone) and exit.
const reproHelperEnv = "CLUSTERPACK_PEX_REPRO_HELPER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(reproHelperEnv); spec != "" {
		os.Exit(reproHelper(spec))
	}
	os.Exit(m.Run())
}

func reproHelper(spec string) int {
	var args struct {
		Wheels []string
		Out    string
		Cwd    string
		Layer  bool // WriteLayer with reproLayerOptions
	}
	if err := json.Unmarshal([]byte(spec), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	syscall.Umask(0o077)
	if err := os.Chdir(args.Cwd); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	f, err := os.Create(args.Out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer f.Close()
	write := func() error { _, err := Write(context.Background(), f, args.Wheels, reproOptions); return err }
	if args.Layer {
		write = func() error {
			_, err := WriteLayer(context.Background(), f, args.Wheels, reproLayerOptions)
			return err
		}
	}
	if err := write(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

var reproOptions = Options{PythonVersion: [2]int{3, 12}, ContentHash: "repro", EntryPoint: "demo", Env: map[string]string{"K": "V", "J": "W"}}

// TestReproducible builds one set of wheels twice, the second time in a
// separate process with another umask, working directory, TMPDIR, HOME,
// time zone, wheel directory, wheel file modes and modification times
// (and at another time of day), and compares the bytes.
func TestReproducible(t *testing.T) {
	dir := t.TempDir()
	w1 := writeWheels(t, filepath.Join(dir, "a"), demoSpecs())
	w2 := writeWheels(t, filepath.Join(dir, "b", "elsewhere"), demoSpecs())
	for _, w := range w2 {
		os.Chmod(w, 0o600)
		old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
		os.Chtimes(w, old, old)
	}
	first, r1 := buildPex(t, dir, "one.pex", w1, reproOptions)
	time.Sleep(1100 * time.Millisecond) // another second on the clock
	second := filepath.Join(dir, "two.pex")
	cwd := filepath.Join(dir, "cwd")
	os.MkdirAll(filepath.Join(dir, "tmp2"), 0o755)
	os.MkdirAll(cwd, 0o755)
	spec, _ := json.Marshal(map[string]any{"Wheels": []string{w2[1], w2[0]}, "Out": second, "Cwd": cwd})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), reproHelperEnv+"="+string(spec), "TMPDIR="+dir+"/tmp2", "HOME="+dir+"/home2",
		"XDG_CACHE_HOME="+dir+"/cache2", "TZ=Asia/Kathmandu", "LC_ALL=C")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("second build: %v\n%s", err, out)
	}
	a, _ := os.ReadFile(first)
	b, _ := os.ReadFile(second)
	ha, hb := sha256.Sum256(a), sha256.Sum256(b)
	if ha != hb {
		t.Fatalf("builds differ: %x (%d bytes) and %x (%d bytes)", ha, len(a), hb, len(b))
	}
	if r1.SHA256 != hex.EncodeToString(hb[:]) {
		t.Errorf("Result.SHA256 %s, file %x", r1.SHA256, hb)
	}
	t.Logf("both builds: sha256 %x, %d bytes", ha, len(a))
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	wheels := writeWheels(t, filepath.Join(dir, "wheels"), demoSpecs())
	ok := Options{PythonVersion: [2]int{3, 11}, ContentHash: "h"}
	with := func(f func(*Options)) Options { o := ok; f(&o); return o }
	// A wheel whose member disagrees with its RECORD.
	bad := filepath.Join(dir, "bad", "bad-1.0-py3-none-any.whl")
	os.MkdirAll(filepath.Dir(bad), 0o755)
	good, _ := testindex.BuildWheel(testindex.WheelSpec{Name: "bad", Version: "1.0", Files: map[string]string{"bad.py": "A = 1\n"}})
	os.WriteFile(bad, tamper(t, good, "bad.py", "A = 2\n"), 0o644)
	notZip := filepath.Join(dir, "bad", "junk-1.0-py3-none-any.whl")
	os.WriteFile(notZip, []byte("not a zip"), 0o644)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name   string
		ctx    context.Context
		wheels []string
		opts   Options
		is     error
		want   string
	}{
		{name: "python 2", opts: with(func(o *Options) { o.PythonVersion = [2]int{2, 7} }), want: "Python 2.7 is not supported"},
		{name: "python 3.6", opts: with(func(o *Options) { o.PythonVersion = [2]int{3, 6} }), want: "Python 3.6 is not supported"},
		{name: "shebang", opts: with(func(o *Options) { o.Shebang = "/usr/bin/python" }), want: "must start with"},
		{name: "shebang newline", opts: with(func(o *Options) { o.Shebang = "#!/bin/py\nx" }), want: "newline"},
		{name: "no hash", opts: with(func(o *Options) { o.ContentHash = "" }), want: "content hash"},
		{name: "hash path", opts: with(func(o *Options) { o.ContentHash = "../x" }), want: "content hash"},
		{name: "entry point", opts: with(func(o *Options) { o.EntryPoint = "demo:main()" }), want: "entry point"},
		{name: "entry point colon", opts: with(func(o *Options) { o.EntryPoint = ":main" }), want: "entry point"},
		{name: "inherit", opts: with(func(o *Options) { o.InheritPath = "true" }), want: "inherit path"},
		{name: "env", opts: with(func(o *Options) { o.Env = map[string]string{"A=B": "c"} }), want: "environment variable"},
		{name: "wheel name", wheels: []string{filepath.Join(dir, "x.whl")}, want: "x.whl"},
		{name: "duplicate", wheels: []string{wheels[0], filepath.Join(dir, "bad", filepath.Base(wheels[0]))}, want: "given twice"},
		{name: "missing", wheels: []string{filepath.Join(dir, "nope-1.0-py3-none-any.whl")}, want: "nope-1.0-py3-none-any.whl"},
		{name: "record mismatch", wheels: []string{bad}, is: wheel.ErrRecordMismatch, want: "bad-1.0-py3-none-any.whl"},
		{name: "not a zip", wheels: []string{notZip}, want: "junk-1.0-py3-none-any.whl"},
		{name: "canceled", ctx: canceled, wheels: wheels, is: context.Canceled},
	}
	for _, c := range cases {
		ctx := c.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		opts := c.opts
		if opts.ContentHash == "" && opts.PythonVersion == [2]int{} {
			opts = ok
		}
		ws := c.wheels
		if ws == nil {
			ws = wheels
		}
		_, err := Write(ctx, io.Discard, ws, opts)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("%s: %v does not wrap %v", c.name, err, c.is)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v does not mention %q", c.name, err, c.want)
		}
	}
}

// TestZip64 builds an environment of more than 65,535 files: for Python
// 3.12 Write refuses before writing; for 3.13 it writes a zip64 pex that
// CPython 3.13 runs and CPython 3.12 cannot even start (Zip64Note).
func TestZip64(t *testing.T) {
	if testing.Short() {
		t.Skip("70,000 files")
	}
	dir := t.TempDir()
	files := map[string]string{"many/__init__.py": "N = 70000\n"}
	for i := range 70000 {
		files[fmt.Sprintf("many/d%02d/f%05d.txt", i%100, i)] = "x"
	}
	wheels := writeWheels(t, filepath.Join(dir, "wheels"), []testindex.WheelSpec{{Name: "many", Version: "1.0", Files: files}})

	var buf bytes.Buffer
	_, err := Write(context.Background(), &buf, wheels, Options{PythonVersion: [2]int{3, 12}, ContentHash: "z"})
	if !errors.Is(err, ErrZip64Unsupported) || buf.Len() != 0 || !strings.Contains(err.Error(), "3.13") {
		t.Fatalf("for 3.12: %v, %d bytes written", err, buf.Len())
	}

	start := time.Now()
	p, res := buildPex(t, dir, "big.pex", wheels, Options{PythonVersion: [2]int{3, 13}, ContentHash: "zip64"})
	t.Logf("zip64 pex: %d files, %d bytes in %v", res.Files, res.Size, time.Since(start))
	if !res.Zip64 || res.Note != Zip64Note || res.Files < 70000 {
		t.Fatalf("result %+v", res)
	}
	var py312, py313 string
	for _, py := range pythons(t) {
		switch version(t, py.Python) {
		case [2]int{3, 12}:
			py312 = py.Python
		case [2]int{3, 13}:
			py313 = py.Python
		}
	}
	if py313 != "" {
		start := time.Now()
		r := runPex(t, dir, baseEnv(py313, dir, filepath.Join(dir, "root")), "", py313, p, "-c", "import many, os; print(many.N, len(os.listdir(os.path.join(os.path.dirname(many.__file__), 'd07'))))")
		if r.code != 0 || r.stdout != "70000 700\n" {
			t.Errorf("3.13: exit %d, %q, %s", r.code, r.stdout, r.stderr)
		}
		t.Logf("3.13 first run (unpacks 70,000 files): %v", time.Since(start))
	}
	if py312 != "" {
		r := runPex(t, dir, baseEnv(py312, dir, filepath.Join(dir, "root")), "", py312, p, "-c", "print(1)")
		if r.code == 0 || !strings.Contains(r.stderr, "SyntaxError") {
			t.Errorf("3.12 ran a zip64 pex: exit %d, %q, %s", r.code, r.stdout, r.stderr)
		}
	}

	// A layer is read with zipfile, not zipimport: a 3.12 base loads a
	// zip64 layer.
	layerPath, ref := writeLayerFile(t, dir, "zip64layer", wheels, [2]int{3, 12})
	if !openPexZip64(t, layerPath) {
		t.Fatalf("layer %s is not zip64", layerPath)
	}
	demo := writeWheels(t, filepath.Join(dir, "demo"), demoSpecs()[:1])
	base, _ := buildPex(t, dir, "base312.pex", demo, Options{PythonVersion: [2]int{3, 12}, ContentHash: "base312", Layers: []LayerRef{ref}})
	if py312 != "" {
		r := runPex(t, dir, baseEnv(py312, dir, filepath.Join(dir, "root")), "", py312, base, "-c", "import many, demo, os; print(many.N, demo.X, len(os.listdir(os.path.join(os.path.dirname(many.__file__), 'd07'))))")
		if r.code != 0 || r.stdout != "70000 42 700\n" {
			t.Errorf("3.12 base with a zip64 layer: exit %d, %q, %s", r.code, r.stdout, r.stderr)
		}
	}
}

// openPexZip64 says whether the zip at p ends with zip64 records.
func openPexZip64(t *testing.T, p string) bool {
	t.Helper()
	data := mustRead(t, p)
	cw := &countingWriter{w: io.Discard}
	cw.Write(data)
	return cw.zip64()
}

func FuzzParseInfo(f *testing.F) {
	info := newInfo(Options{PythonVersion: [2]int{3, 11}, ContentHash: "h", EntryPoint: "a:b", InheritPath: "false", Env: map[string]string{"A": "1"}},
		[]Dist{{"demo", "1.0", "demo-1.0-py3-none-any.whl"}}, map[string]string{"demo-1.0-py3-none-any.whl": "ab"})
	seed, _ := info.marshal()
	f.Add(seed)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"inherit_path": true, "distributions": {"a.whl": "x"}, "requirements": ["a"], "zip_safe": true}`))
	f.Add([]byte(`{"inherit_path": "bogus"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"build_properties": {"version": [3, 11, 1]}, "unknown": null} {}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseInfo(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidInfo) {
				t.Fatalf("error %v does not wrap ErrInvalidInfo", err)
			}
			return
		}
		out, err := got.marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseInfo(out)
		if err != nil {
			t.Fatalf("re-parsing %s: %v", out, err)
		}
		out2, _ := again.marshal()
		if !bytes.Equal(out, out2) {
			t.Fatalf("not stable:\n%s\n%s", out, out2)
		}
	})
}
