package runner

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestResultAppendJSON: the record AppendJSON and WriteJSON write is the
// one MarshalJSON gives, and a large value is written in place.
func TestResultAppendJSON(t *testing.T) {
	code := 3
	big := json.RawMessage(`"` + strings.Repeat("x", 2<<20) + `"`)
	for _, tt := range []struct {
		name   string
		r      Result
		writes int
	}{
		{"value", Result{Index: 3, Line: 4, Worker: 1, Value: json.RawMessage(`{"a": [1, "NaN"]}`), Elapsed: 1500 * time.Microsecond}, 1},
		{"no value", Result{Worker: -1, Error: &PyError{Type: "NotRun", Last: "row 0: not run"}}, 1},
		{"error", Result{Index: 7, Error: &PyError{Type: "SystemExit", Message: "3", Last: "SystemExit: 3", Traceback: "Traceback\n", ExitCode: &code}}, 1},
		{"straggler", Result{Index: 1, Straggler: true, Error: &PyError{Type: "Timeout", Last: "row 1: still running"}, Elapsed: time.Second}, 1},
		{"late, vars", Result{Index: 2, Late: true, Value: json.RawMessage("1.5"), Vars: map[string]json.RawMessage{"b": json.RawMessage("2"), "a": json.RawMessage(`"x"`)}}, 1},
		{"large value", Result{Index: 9, Value: big, Elapsed: 2 * time.Millisecond}, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.r)
			if err != nil {
				t.Fatal(err)
			}
			got := tt.r.AppendJSON(nil)
			if !bytes.HasSuffix(got, []byte("}\n")) || bytes.Count(got, []byte("\n")) != 1 {
				t.Fatalf("not one line: %.200q", got)
			}
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("%v: %.200q", err, got)
			}
			json.Unmarshal(want, &w)
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("AppendJSON %.300s\nMarshalJSON %.300s", got, want)
			}
			var out bytes.Buffer
			cw := &countWriter{w: &out}
			if _, err := tt.r.WriteJSON(cw, nil); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), got) || cw.n != tt.writes {
				t.Fatalf("WriteJSON wrote %d bytes in %d writes, want %d bytes in %d", out.Len(), cw.n, len(got), tt.writes)
			}
		})
	}
}

type countWriter struct {
	w interface{ Write([]byte) (int, error) }
	n int
}

func (c *countWriter) Write(p []byte) (int, error) { c.n++; return c.w.Write(p) }
