package lockfile

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestClusterpackToolRoundTrip(t *testing.T) {
	want := ClusterpackTool{
		PythonVersion: "3.11", PythonFullVersion: "3.11.7", Interpreter: true,
		Platforms:  []string{"manylinux_2_17_x86_64"},
		Markers:    Markers{PythonVersion: "3.11", SysPlatform: "linux", PlatformMachine: "x86_64"},
		OnlyBinary: []string{":all:"},
	}
	lk := &Lock{LockVersion: "1.0", CreatedBy: "clusterpack"}
	if err := lk.SetClusterpack(want); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := lk.Write(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := Read(bytes.NewReader(buf.Bytes()), "pylock.toml")
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	got, err := back.Clusterpack()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %+v, want %+v\n%s", got, want, buf.String())
	}
}

func TestClusterpackToolMissing(t *testing.T) {
	for name, lk := range map[string]*Lock{
		"no table":          {LockVersion: "1.0"},
		"no python-version": {LockVersion: "1.0", Tool: map[string]any{"clusterpack": map[string]any{"platforms": []any{"any"}}}},
	} {
		if _, err := lk.Clusterpack(); !errors.Is(err, ErrMissingKey) {
			t.Errorf("%s: err = %v, want ErrMissingKey", name, err)
		}
	}
}

func TestReadFileMax(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/pylock.toml"
	text := "lock-version = \"1.0\"\ncreated-by = \"x\"\npackages = []\n# " + string(bytes.Repeat([]byte("a"), 200)) + "\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFileMax(path, 100); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), path) {
		t.Errorf("ReadFileMax over the bound = %v, want ErrTooLarge naming the file", err)
	}
	if _, err := ReadFileMax(path, 1<<20); err != nil {
		t.Errorf("ReadFileMax under the bound = %v", err)
	}
}
