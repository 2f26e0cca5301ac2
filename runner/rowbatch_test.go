package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// echoPy answers each kind of row a Map meets.
const echoPy = `
def echo(s):
    if s.startswith("raise"):
        raise ValueError(s)
    if s.startswith("int"):
        return len(s)
    if s.startswith("none"):
        return None
    if s.startswith("big"):
        return s * 30000
    if s.startswith("same"):
        return s
    if s.startswith("nan"):
        return float("nan")
    if s.startswith("slow"):
        import time
        time.sleep(0.02)
        return s
    if s.startswith("gc"):
        # What a memory profiler does: every list the collector knows,
        # every item (a batch's lists must not be among them half-made).
        import gc
        n = 0
        for o in gc.get_objects():
            if type(o) is list:
                for x in o:
                    n += x is None
        return "gc ok"
    return s.upper()
`

// TestInProcessRowBatch: rows run in batches (rowBatch: one C call per
// row, strs read in place) give exactly the records rows run one by one
// give, for every kind of row and result: ASCII and not, escapes (a batch
// of them goes row by row), errors, None, ints, NaN, results larger than
// a batch keeps, the argument itself, a UDF that reads every list
// gc.get_objects() gives, rows longer than str.split is used
// for, and text that is not UTF-8.
func TestInProcessRowBatch(t *testing.T) {
	e := setup(t)
	if v := e.ver; v[0] == 3 && v[1] >= 9 && v[1] <= 13 && e.py.layout.asciiData == 0 {
		t.Fatalf("Python %d.%d: direct reads of objects are off (the layout check failed)", v[0], v[1])
	}
	dir := t.TempDir()
	wheels := append(greetWheels(t, dir), buildWheel(t, dir, testindex.WheelSpec{Name: "echo", Version: "1.0", Files: map[string]string{"echo.py": echoPy}}))
	env := e.env(t, writeVenv(t, dir, e.ver, wheels), "")
	kinds := []string{"plain%d", "raise%d", "int%d", "none%d", "big%d", "same%d", "nan%d", "naïve %d", "emoji 😀 %d", "tab\t%d"}
	var lines []string
	for i := 0; i < 1500; i++ {
		k := kinds[i%len(kinds)]
		if i/128%4 == 3 {
			k = "plain%d" // whole batches of one kind
		}
		if i%100 == 42 {
			k = "gc%d"
		}
		if i == 300 {
			k = "slow%d" // its elapsed_ms, in a batch of fast rows
		}
		s := fmt.Sprintf(k, i)
		switch {
		case i/128 == 5 && i%50 == 7:
			lines = append(lines, fmt.Sprintf(`"esc\"aped %d"`, i)) // not a plain string
		case i/128 == 7:
			lines = append(lines, `"`+strings.Repeat("long", 60)+s+`"`) // longer than splitRow
		case i == 1100:
			lines = append(lines, "\"bad \xff utf-8\"")
		default:
			b, _ := json.Marshal(s)
			lines = append(lines, string(b))
		}
	}
	input := strings.Join(lines, "\n") + "\n"
	run := func(rowByRow, raw bool, reuse ...bool) []Result {
		workers := 1
		if len(reuse) > 0 {
			workers = 2 // rows done out of order wait in the sequencer
		}
		p := e.pool(t, env, PoolOptions{Workers: workers, StdoutToStderr: true, rowByRow: rowByRow})
		var got []Result
		var slow, fast time.Duration // row 300's elapsed, the most of the others
		_, err := p.Map(context.Background(), Call{Function: "echo:echo"}, JSONLines(strings.NewReader(input)),
			func(r Result) error {
				if r.Index == 300 {
					slow = r.Elapsed
				} else if !strings.Contains(lines[r.Index], "gc") {
					fast = max(fast, r.Elapsed)
				}
				r.Elapsed, r.Worker, r.reused = 0, 0, false
				r.Value = bytes.Clone(r.Value) // as ReuseValues asks
				got = append(got, r)
				return nil
			}, MapOptions{Raw: raw, ReuseValues: len(reuse) > 0})
		// (A raw row is its JSON, "slow300" with its quotes: not slow.)
		// (With two workers a row may wait for the GIL the other holds.)
		if !raw && (slow < 20*time.Millisecond || slow > 2*time.Second || fast >= 20*time.Millisecond && workers == 1) {
			t.Errorf("row by row %v, raw %v: row 300 (a 20 ms sleep) took %v, the others at most %v", rowByRow, raw, slow, fast)
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(lines) {
			t.Fatalf("%d results of %d rows", len(got), len(lines))
		}
		return got
	}
	for _, raw := range []bool{false, true} {
		one, batched, reused := run(true, raw), run(false, raw), run(false, raw, true)
		for i := range one {
			if !reflect.DeepEqual(one[i], batched[i]) {
				t.Fatalf("raw %v, row %d %q: one by one %+v %+v; batched %+v %+v", raw, i, lines[i], one[i], one[i].Error, batched[i], batched[i].Error)
			}
			if !reflect.DeepEqual(one[i], reused[i]) {
				t.Fatalf("raw %v, row %d %q: one by one %+v %+v; batched on two workers with ReuseValues %+v %+v", raw, i, lines[i], one[i], one[i].Error, reused[i], reused[i].Error)
			}
		}
		// A few of the results, to know what was compared.
		if raw {
			if got := string(batched[0].Value); got != `"\"PLAIN0\""` {
				t.Fatalf("raw row 0: %s", got)
			}
			continue
		}
		for _, c := range []struct {
			i    int
			want string
		}{{0, `"PLAIN0"`}, {2, `4`}, {3, `null`}, {5, `"same5"`}, {6, `"NaN"`}, {7, `"NA\u00cfVE 7"`}, {9, `"TAB\t9"`}} {
			if got := string(batched[c.i].Value); got != c.want {
				t.Fatalf("row %d: %s, want %s", c.i, got, c.want)
			}
		}
		if r := batched[1]; r.Error == nil || r.Error.Last != "ValueError: raise1" {
			t.Fatalf("row 1: %+v", r)
		}
		if n := len(batched[4].Value); n < 64<<10 {
			t.Fatalf("row 4: %d bytes", n)
		}
	}
}
