package runner

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// rows is n JSON string rows of size bytes each (lower-case letters).
type rows struct {
	row  []byte
	n, i int
}

func (r *rows) Next() ([]byte, error) {
	if r.i >= r.n {
		return nil, io.EOF
	}
	r.i++
	return r.row, nil
}

func jsonRow(size int) []byte {
	return []byte(`"` + strings.Repeat("abcdefghij", size/10) + `"`)
}

// upperRate runs n str.upper calls through Map and returns calls/s.
func upperRate(tb testing.TB, p *Pool, size, n int, raw bool) float64 {
	start := time.Now()
	st, err := p.Map(context.Background(), Call{Function: "builtins:str.upper"}, &rows{row: jsonRow(size), n: n},
		func(r Result) error {
			if r.Error != nil {
				return r.Error
			}
			return nil
		}, MapOptions{Raw: raw})
	if err != nil || st.Calls != n {
		tb.Fatalf("%v %+v", err, st)
	}
	return float64(n) / time.Since(start).Seconds()
}

func benchUpper(b *testing.B, size int) {
	e := setupBench(b)
	p, err := NewPool(context.Background(), e.py, e.benchEnv(b), PoolOptions{Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(context.Background())
	for _, raw := range []bool{false, true} {
		name := "json"
		if raw {
			name = "raw"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ResetTimer()
			upperRate(b, p, size, b.N, raw)
		})
	}
}

// BenchmarkUpper100 and BenchmarkUpper1000: str.upper through Map with
// one worker, rows decoded from JSON ("json") or passed as str ("raw").
// They embed CLUSTERPACK_RUNNER_PYTHON, or the newest pyref interpreter.
func BenchmarkUpper100(b *testing.B)  { benchUpper(b, 100) }
func BenchmarkUpper1000(b *testing.B) { benchUpper(b, 1000) }

func setupBench(b *testing.B) *embedded {
	if os.Getenv(pythonEnv) == "" {
		ins := interpreters(b)
		newest := ""
		for _, v := range []string{"3.9", "3.10", "3.11", "3.12", "3.13"} {
			if ins[v] != "" {
				newest = ins[v]
			}
		}
		os.Setenv(pythonEnv, newest)
	}
	python := os.Getenv(pythonEnv)
	in, err := ProbeInterpreter(context.Background(), python)
	if err != nil {
		b.Fatal(err)
	}
	py, err := Load(*in)
	if err != nil {
		b.Fatal(err)
	}
	return &embedded{py: py, ver: in.Version}
}

func (e *embedded) benchEnv(tb testing.TB) *Env {
	dir := tb.TempDir()
	env, err := OpenArchive(context.Background(), writeVenv(tb, dir, e.ver, greetWheels(tb, dir)), OpenOptions{CacheDir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	return env
}

// TestThroughput logs calls per second of str.upper on 100- and
// 1000-byte strings: embedded with 1 and 2 workers (JSON rows and raw
// str rows), and a Python subprocess started per batch of rows, the way
// a runner without embedding would work. Timing only, no assertion; it
// runs when CLUSTERPACK_RUNNER_BENCH=1, per Python version as a child.
func TestThroughput(t *testing.T) {
	if os.Getenv("CLUSTERPACK_RUNNER_BENCH") != "1" {
		t.Skip("set CLUSTERPACK_RUNNER_BENCH=1 to measure")
	}
	if os.Getenv(pythonEnv) == "" {
		ins := interpreters(t)
		for _, v := range []string{"3.11", "3.12", "3.13"} {
			if ins[v] == "" {
				continue
			}
			out, err := runChild(t, "^TestChildThroughput$", ins[v], "CLUSTERPACK_RUNNER_BENCH=1")
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, "calls/s") {
					t.Log(strings.TrimSpace(l))
				}
			}
		}
		return
	}
}

func TestChildThroughput(t *testing.T) {
	if os.Getenv("CLUSTERPACK_RUNNER_BENCH") != "1" {
		t.Skip("set CLUSTERPACK_RUNNER_BENCH=1 to measure")
	}
	e := setup(t)
	env := e.benchEnv(t)
	const n = 200000
	for _, workers := range []int{1, 2} {
		p := e.pool(t, env, PoolOptions{Workers: workers})
		for _, size := range []int{100, 1000} {
			upperRate(t, p, size, 5000, false) // warm up
			j := upperRate(t, p, size, n, false)
			r := upperRate(t, p, size, n, true)
			t.Logf("Python %d.%d %d worker(s) %s, %d bytes: %.0f calls/s (JSON rows), %.0f calls/s (raw str rows)",
				e.ver[0], e.ver[1], workers, p.Isolation(), size, j, r)
		}
		p.Close(context.Background())
	}
	python := os.Getenv(pythonEnv)
	for _, size := range []int{100, 1000} {
		for _, batch := range []int{1, 100, 10000} {
			var in bytes.Buffer
			for i := 0; i < batch; i++ {
				in.Write(jsonRow(size))
				in.WriteByte('\n')
			}
			batches := max(3, 20000/batch)
			if batch == 1 {
				batches = 50
			}
			start := time.Now()
			for i := 0; i < batches; i++ {
				cmd := exec.Command(python, "-I", "-S", "-c", "import sys, json\nw = sys.stdout.write\nfor l in sys.stdin:\n    w(json.dumps(json.loads(l).upper()) + '\\n')\n")
				cmd.Stdin = bytes.NewReader(in.Bytes())
				out, err := cmd.Output()
				if err != nil || bytes.Count(out, []byte("\n")) != batch {
					t.Fatalf("subprocess: %v", err)
				}
			}
			t.Logf("Python %d.%d subprocess per batch of %d, %d bytes: %.0f calls/s", e.ver[0], e.ver[1], batch, size,
				float64(batch*batches)/time.Since(start).Seconds())
		}
	}
}
