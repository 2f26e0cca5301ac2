package lockfile

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"testing"
)

// FuzzRead: Read never panics, and a file that reads without error
// writes, and reads again, to an equal model whose bytes are stable.
func FuzzRead(f *testing.F) {
	f.Add([]byte(specExample))
	if data, err := os.ReadFile("testdata/typical.pylock.toml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(header + "packages = []\n"))
	f.Add([]byte("lock-version = \"1.1\"\ncreated-by = \"x\"\nnew = 1\npackages = []\n[tool]\nx = 1.5\ny = { z = [1, 2.0, \"s\"] }\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Read(bytes.NewReader(data), "fuzz.toml")
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := l.Write(&out); err != nil {
			t.Fatalf("a lock that reads does not write: %v\n%s", err, data)
		}
		back, err := Read(bytes.NewReader(out.Bytes()), "written.toml")
		if err != nil {
			t.Fatalf("our output does not read: %v\n%s", err, out.Bytes())
		}
		want := l.Sorted()
		want.Warnings = nil // unknown keys of newer versions are not written
		// NaN is not equal to itself; fmt prints it, maps sorted, the same way.
		if !reflect.DeepEqual(back, want) && fmt.Sprintf("%#v", back) != fmt.Sprintf("%#v", want) {
			t.Fatalf("round trip changed the model:\n got %#v\nwant %#v\n%s", back, want, out.Bytes())
		}
		var again bytes.Buffer
		if err := back.Write(&again); err != nil || !bytes.Equal(again.Bytes(), out.Bytes()) {
			t.Fatalf("second write differs (%v):\n%s\n---\n%s", err, again.Bytes(), out.Bytes())
		}
	})
}
