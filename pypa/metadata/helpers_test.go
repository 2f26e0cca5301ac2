package metadata

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// testdataFiles are the realistic metadata files in testdata/.
var testdataFiles = []string{"numpy-2.1.0.METADATA", "requests-2.32.3.METADATA", "mypkg-0.3.0.PKG-INFO"}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// equalJSON compares two values by their JSON encoding (nil and empty
// collections differ, as None and [] do in Python).
func equalJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return false
	}
	var va, vb any
	_ = json.Unmarshal(ja, &va)
	_ = json.Unmarshal(jb, &vb)
	ja, _ = json.Marshal(va)
	jb, _ = json.Marshal(vb)
	return string(ja) == string(jb)
}
