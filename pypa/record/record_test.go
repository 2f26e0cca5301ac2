package record

import (
	"bytes"
	"crypto/sha512"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// emptySHA256 is the sha256 of no bytes, as RECORD writes it.
const emptySHA256 = "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"

func mustHash(t *testing.T, s string) Hash {
	t.Helper()
	h, err := ParseHash(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestRead(t *testing.T) {
	empty := mustHash(t, emptySHA256)
	sha512Sum := sha512.Sum512([]byte("x"))
	tests := []struct {
		name, data string
		want       []Entry
	}{
		{
			name: "pip RECORD",
			data: "demo/__init__.py," + emptySHA256 + ",0\r\n" +
				"demo/__pycache__/__init__.cpython-311.pyc,,\r\n" +
				"demo-1.0.dist-info/RECORD,,\r\n",
			want: []Entry{
				{Path: "demo/__init__.py", Hash: empty, Size: 0},
				{Path: "demo/__pycache__/__init__.cpython-311.pyc", Size: -1},
				{Path: "demo-1.0.dist-info/RECORD", Size: -1},
			},
		},
		{
			name: "quoted path with comma, blank lines, path only, leaving site-packages",
			data: "\"a,b.py\"," + emptySHA256 + ",12\n\nonly/path\n../../../bin/tool," + emptySHA256 + ",3\n",
			want: []Entry{
				{Path: "a,b.py", Hash: empty, Size: 12},
				{Path: "only/path", Size: -1},
				{Path: "../../../bin/tool", Hash: empty, Size: 3},
			},
		},
		{
			name: "padded digest, sha512, absolute path, stray quote, unknown algorithm",
			data: "a.py," + emptySHA256 + "=,1\n" +
				"b.py," + Hash{"sha512", sha512Sum[:]}.String() + ",1\n" +
				"/abs.py,,\n" +
				"q\"uote.py,,\n" +
				"c.py,blake2b=AAAA,\n",
			want: []Entry{
				{Path: "a.py", Hash: empty, Size: 1},
				{Path: "b.py", Hash: Hash{"sha512", sha512Sum[:]}, Size: 1},
				{Path: "/abs.py", Size: -1},
				{Path: "q\"uote.py", Size: -1},
				{Path: "c.py", Hash: Hash{"blake2b", []byte{0, 0, 0}}, Size: -1},
			},
		},
		{
			name: "quoted quotes and a newline in a path",
			data: "\"q,\"\"uoted\"\".py\",,\n\"two\nlines\",,\n",
			want: []Entry{{Path: `q,"uoted".py`, Size: -1}, {Path: "two\nlines", Size: -1}},
		},
		{
			// As Python's csv module reads it.
			name: "unterminated quote",
			data: "\"a.py,,1\n",
			want: []Entry{{Path: "a.py,,1\n", Size: -1}},
		},
		{name: "empty", data: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(strings.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestReadInvalid(t *testing.T) {
	tests := []struct{ name, data, wantErr string }{
		{"four fields", "a.py," + emptySHA256 + ",0\nb.py,,2,extra\n", "line 2: 4 fields"},
		{"bad size", "a.py,,12k\n", `line 1: a.py: size "12k" is not`},
		{"negative size", "a.py,,-1\n", `size "-1"`},
		{"empty path", "\n\n," + emptySHA256 + ",0\n", "line 3: empty path"},
		{"quoted empty path", "\"\",,\n", "line 1: empty path"},
		{"carriage return in a path", "\"a\rb\",,\n", `line 1: path "a\rb" has a carriage return`},
		{"hash without =", "a.py,sha256,1\n", `line 1: a.py: hash "sha256" is not algorithm=digest`},
		{"hash without algorithm", "a.py,=AAAA,1\n", "is not a hash algorithm name"},
		{"algorithm with a dash", "a.py,sha-256=AAAA,1\n", "is not a hash algorithm name"},
		{"empty digest", "a.py,sha256=,1\n", "not URL-safe base64"},
		{"standard base64", "a.py,sha256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU,0\n", "not URL-safe base64"},
		{"short digest", "a.py,sha256=AAAA,1\n", "a sha256 digest has 32 bytes, not 3"},
		{"md5 of the wrong length", "x\ny,md5=AAAA,1\n", "line 2: y: hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(strings.NewReader(tt.data))
			if err == nil {
				t.Fatalf("no error; got %+v", got)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewHash(t *testing.T) {
	for _, algorithm := range []string{"md5", "sha1", "sha224", "sha256", "sha384", "sha512"} {
		h, err := NewHash(algorithm)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := digestSize(algorithm); h.Size() != n {
			t.Errorf("%s: size %d, want %d", algorithm, h.Size(), n)
		}
	}
	if _, err := NewHash("crc32"); err == nil {
		t.Error("NewHash(crc32) accepted it")
	}
	if got := SHA256(nil).String(); got != emptySHA256 {
		t.Errorf("SHA256(nil) = %s, want %s", got, emptySHA256)
	}
}

// TestWriteGolden writes the rows of an installed wheel: quoting where
// needed, "\n" line ends, empty fields for RECORD's own row.
func TestWriteGolden(t *testing.T) {
	entries := []Entry{
		{Path: "demo/__init__.py", Hash: SHA256(nil), Size: 0},
		{Path: "demo/data file, with comma.txt", Hash: SHA256([]byte("hello\n")), Size: 6},
		{Path: `demo/"quoted".py`, Hash: SHA256([]byte("x")), Size: 1},
		{Path: "../../bin/demo", Hash: SHA256([]byte("#!python\n")), Size: 9},
		{Path: "demo/__pycache__/__init__.cpython-311.pyc", Size: -1},
		{Path: "demo-1.0.dist-info/RECORD", Size: -1},
	}
	var buf bytes.Buffer
	if err := Write(&buf, entries); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "RECORD.golden")
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(want) {
		t.Errorf("Write gives\n%s\nwant (%s)\n%s", buf.String(), golden, want)
	}
	again, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, entries) {
		t.Errorf("read back %+v\nwant %+v", again, entries)
	}
}

func TestWriteInvalid(t *testing.T) {
	tests := []struct {
		name    string
		entry   Entry
		wantErr string
	}{
		{"empty path", Entry{Size: -1}, "empty path"},
		{"carriage return", Entry{Path: "a\r\n", Size: -1}, "carriage return"},
		{"negative size", Entry{Path: "a", Size: -2}, "negative size -2"},
		{"digest without algorithm", Entry{Path: "a", Hash: Hash{Digest: []byte{1}}, Size: -1}, "needs an algorithm name"},
		{"algorithm without digest", Entry{Path: "a", Hash: Hash{Algorithm: "sha256"}, Size: -1}, "needs an algorithm name and a digest"},
		{"short sha256", Entry{Path: "a", Hash: Hash{"sha256", []byte{1}}, Size: -1}, "a sha256 digest has 32 bytes, not 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Write(&bytes.Buffer{}, []Entry{tt.entry})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Write(%+v) = %v, want an error with %q", tt.entry, err, tt.wantErr)
			}
		})
	}
}

// FuzzRead checks that what Read accepts, Write writes and Read gives
// back unchanged.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"a/__init__.py," + emptySHA256 + ",1\r\na-1.0.dist-info/RECORD,,\r\n",
		"\"q,\"\"uoted\"\".py\",,\n", "a,b,c,d\n", ",,\n", "x,,-3\n", "q\"x,,\n",
		"\"two\r\nlines\",,\n", "a,blake2b=AA==,007\n", " sp ,,\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, entries); err != nil {
			t.Fatalf("Write of what Read gave (%+v) from %q: %v", entries, data, err)
		}
		again, err := Read(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("Read of %q, written from %q: %v", buf.Bytes(), data, err)
		}
		if !reflect.DeepEqual(again, entries) {
			t.Fatalf("round trip of %q changed %+v into %+v (via %q)", data, entries, again, buf.Bytes())
		}
	})
}

func TestReadLenient(t *testing.T) {
	in := "a/__init__.py,sha256=AAAA,4\r\n" + // a digest of the wrong length
		"a/mod.py,,\n" +
		",,\n" + // no path
		"a/b.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0,extra\n" + // four fields
		"a/c.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\n"
	entries, errs := ReadLenient(strings.NewReader(in))
	var paths []string
	for _, e := range entries {
		paths = append(paths, e.Path)
	}
	if got := strings.Join(paths, " "); got != "a/mod.py a/c.py" {
		t.Errorf("kept %q, want a/mod.py a/c.py", got)
	}
	var msgs []string
	for _, err := range errs {
		msgs = append(msgs, err.Error())
	}
	got := strings.Join(msgs, "\n")
	for _, want := range []string{"line 1: a/__init__.py:", "line 3: empty path", "line 4: 4 fields"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
	if len(errs) != 3 {
		t.Errorf("%d errors, want 3:\n%s", len(errs), got)
	}
	// What Read accepts, ReadLenient gives back the same, without errors.
	good := "a/mod.py,,\na/c.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\n"
	strict, err := Read(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	lenient, errs := ReadLenient(strings.NewReader(good))
	if len(errs) != 0 || len(lenient) != len(strict) || lenient[1].Hash.String() != strict[1].Hash.String() {
		t.Errorf("ReadLenient(%q) = %v, %v; Read gave %v", good, lenient, errs, strict)
	}
}
