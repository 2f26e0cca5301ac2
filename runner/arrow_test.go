package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadArrowFile reads the framing of an IPC stream and an IPC file
// that pyarrow 18.1 wrote (testdata: 10 rows in batches of 4, 4 and 2),
// and names the file and the fault for what is not one.
func TestReadArrowFile(t *testing.T) {
	dir := t.TempDir()
	stream, err := os.ReadFile("testdata/sample-stream.arrow")
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile("testdata/sample-file.arrow")
	if err != nil {
		t.Fatal(err)
	}
	// The stream without its end marker (a writer that was not closed).
	noEOS := stream[:len(stream)-8]
	for _, tc := range []struct {
		name    string
		data    []byte
		format  string
		batches int
		err     string
	}{
		{"stream", stream, "stream", 3, ""},
		{"file", file, "file", 3, ""},
		{"stream-without-end", noEOS, "stream", 3, ""},
		{"json", []byte("{\"a\": 1}\n"), "", 0, "not a readable Arrow IPC stream"},
		{"empty", nil, "", 0, "unexpected EOF"},
		{"cut-stream", stream[:200], "", 0, "past the end"},
		{"cut-file", file[:len(file)-3], "", 0, "not a readable Arrow IPC file"},
		{"schema-only-end", []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, "", 0, "ends before its schema"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".arrow")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			af, err := ReadArrowFile(path)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), path) {
					t.Fatalf("got %+v %v, want an error naming %s with %q", af, err, path, tc.err)
				}
				return
			}
			if err != nil || af.Format != tc.format || af.Batches != tc.batches {
				t.Fatalf("got %+v %v, want %s with %d batches", af, err, tc.format, tc.batches)
			}
		})
	}
}

func TestParseBatch(t *testing.T) {
	for in, want := range map[string]Batch{"": BatchPandas, "pandas": BatchPandas, "series": BatchSeries, "arrow": BatchArrow} {
		if got, err := ParseBatch(in); err != nil || got != want {
			t.Errorf("ParseBatch(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseBatch("polars"); err == nil {
		t.Error("ParseBatch(polars): no error")
	}
}
