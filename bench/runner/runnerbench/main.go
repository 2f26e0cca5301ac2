// Command runnerbench is the helper of bench/runner.sh: it times
// str.upper through PEMJA (the Java driver PemjaUpper, one JVM per round)
// and through clusterpack (`clusterpack run --input` as a process, end to
// end; and one Pool.Do at a time through the Go API, in this process),
// alternating, on the same CPython and the same rows, and prints calls/s
// (median and best of the rounds) and the ratios clusterpack/PEMJA.
//
//	runnerbench -clusterpack BIN -python PY -pemja-python VENV_PY -java JAVA -pemja-cp CP -pemja-site DIR -work DIR [-rounds 3] [-n 200000] [-do-n 200000]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clusterpack/clusterpack/pack/venv"
	"github.com/clusterpack/clusterpack/runner"
)

type config struct {
	clusterpack, python, pemjaPython, java, pemjaCP, pemjaSite, work string
	rounds, n, doN                                                   int
	sizes                                                            []int
	paths                                                            map[string]bool
}

func main() {
	var c config
	var sizes string
	flag.StringVar(&c.clusterpack, "clusterpack", "", "the clusterpack binary")
	flag.StringVar(&c.python, "python", "", "the CPython both sides use")
	flag.StringVar(&c.pemjaPython, "pemja-python", "", "the python of the venv PEMJA is installed in (made by -python)")
	flag.StringVar(&c.java, "java", "java", "the java launcher")
	flag.StringVar(&c.pemjaCP, "pemja-cp", "", "class path: the pemja jar and PemjaUpper's class directory")
	flag.StringVar(&c.pemjaSite, "pemja-site", "", "site-packages holding the pemja module")
	flag.StringVar(&c.work, "work", "", "a scratch directory")
	flag.IntVar(&c.rounds, "rounds", 3, "rounds, each tool in turn")
	flag.IntVar(&c.n, "n", 200000, "rows (calls) per measurement")
	flag.IntVar(&c.doN, "do-n", 200000, "calls per Pool.Do measurement")
	flag.StringVar(&sizes, "sizes", "100,1000", "string sizes in bytes")
	paths := flag.String("paths", "pemja,cli,do", "what to time: pemja, cli (run --input), do (Pool.Do)")
	flag.Parse()
	c.paths = map[string]bool{}
	for _, p := range strings.Split(*paths, ",") {
		c.paths[p] = true
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(s)
		if err != nil {
			fail(fmt.Errorf("-sizes: %w", err))
		}
		c.sizes = append(c.sizes, n)
	}
	if c.clusterpack == "" || c.python == "" || c.pemjaCP == "" || c.pemjaPython == "" || c.pemjaSite == "" || c.work == "" {
		fail(fmt.Errorf("-clusterpack, -python, -pemja-python, -pemja-cp, -pemja-site and -work are required"))
	}
	if err := bench(context.Background(), c); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "runnerbench:", err)
	os.Exit(1)
}

// row is the string str.upper gets: size lower-case letters.
func row(size int) string { return strings.Repeat("abcdefghij", size/10) }

// measurement names one figure: a path and a size.
type measurement struct {
	tool string
	size int
}

func bench(ctx context.Context, c config) error {
	in, err := runner.ProbeInterpreter(ctx, c.python)
	if err != nil {
		return err
	}
	archive := filepath.Join(c.work, "env.zip")
	if err := writeEnv(ctx, archive, in.Version); err != nil {
		return err
	}
	inputs := map[int]string{}
	for _, size := range c.sizes {
		p := filepath.Join(c.work, fmt.Sprintf("rows-%d.jsonl", size))
		line, _ := json.Marshal(row(size))
		if err := os.WriteFile(p, bytes.Repeat(append(line, '\n'), c.n), 0o644); err != nil {
			return err
		}
		inputs[size] = p
	}
	// The CLI's start-up (process, archive, libpython, bootstrap), timed
	// with one row, so that the rows' own rate can be told apart.
	one := filepath.Join(c.work, "one.jsonl")
	if err := os.WriteFile(one, []byte(`"abcdefghij"`+"\n"), 0o644); err != nil {
		return err
	}
	py, err := runner.Load(*in)
	if err != nil {
		return err
	}
	env, err := runner.OpenArchive(ctx, archive, runner.OpenOptions{CacheDir: filepath.Join(c.work, "cache", "runner")})
	if err != nil {
		return err
	}
	got := map[measurement][]float64{}
	add := func(tool string, size int, rate float64) {
		got[measurement{tool, size}] = append(got[measurement{tool, size}], rate)
	}
	var startup []float64
	for r := 0; r < c.rounds; r++ {
		fmt.Fprintf(os.Stderr, "round %d of %d\n", r+1, c.rounds)
		if c.paths["pemja"] {
			rates, err := pemja(ctx, c)
			if err != nil {
				return err
			}
			for size, rate := range rates {
				add("pemja", size, rate)
			}
		}
		s := 0.0
		if c.paths["cli"] {
			// The least of three one-row runs: the start-up without
			// most of the neighbours' noise.
			for k := 0; k < 3; k++ {
				t, err := cli(ctx, c, archive, one, 1, false)
				if err != nil {
					return err
				}
				if k == 0 || t < s {
					s = t
				}
			}
			startup = append(startup, s)
		}
		for _, size := range c.sizes {
			for _, raw := range []bool{true, false} {
				if !c.paths["cli"] {
					break
				}
				secs, err := cli(ctx, c, archive, inputs[size], c.n, raw)
				if err != nil {
					return err
				}
				tool := "cli-json"
				if raw {
					tool = "cli-raw"
				}
				add(tool, size, float64(c.n)/secs)
				if secs > 2*s {
					// Only where the rows took longer than the start-up:
					// otherwise the difference is noise.
					add(tool+"-rows", size, float64(c.n)/(secs-s))
				}
			}
			if !c.paths["do"] {
				continue
			}
			rate, err := doRate(ctx, py, env, size, c.doN)
			if err != nil {
				return err
			}
			add("do", size, rate)
		}
	}
	report(c, got, startup)
	return nil
}

// writeEnv writes an environment without packages: str.upper needs none.
func writeEnv(ctx context.Context, path string, version [2]int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := venv.Write(ctx, f, nil, venv.Options{PythonVersion: version}); err != nil {
		f.Close()
		return fmt.Errorf("writing the empty environment %s: %w", path, err)
	}
	return f.Close()
}

// pemja runs the Java driver once: calls/s per size.
func pemja(ctx context.Context, c config) (map[int]float64, error) {
	args := []string{"-cp", c.pemjaCP, "PemjaUpper", c.pemjaPython, c.pemjaSite, strconv.Itoa(c.n)}
	for _, s := range c.sizes {
		args = append(args, strconv.Itoa(s))
	}
	cmd := exec.CommandContext(ctx, c.java, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("PEMJA driver: %w", err)
	}
	rates := map[int]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var size int
		var rate float64
		if _, err := fmt.Sscanf(sc.Text(), "pemja %d %g", &size, &rate); err != nil {
			return nil, fmt.Errorf("PEMJA driver printed %q: %w", sc.Text(), err)
		}
		rates[size] = rate
	}
	if len(rates) != len(c.sizes) {
		return nil, fmt.Errorf("PEMJA driver printed %q", out)
	}
	return rates, nil
}

// cli runs `clusterpack run --input` on n rows, its output to a file, and
// returns the wall time in seconds; it checks that every row has its
// record and that the first holds the upper-cased row.
func cli(ctx context.Context, c config, archive, input string, n int, raw bool) (float64, error) {
	out := filepath.Join(c.work, "out.jsonl")
	args := []string{"run", archive, "--python", c.python, "--call", "builtins:str.upper", "--input", input}
	if raw {
		args = append(args, "--raw")
	}
	cmd := exec.CommandContext(ctx, c.clusterpack, args...)
	cmd.Env = append(os.Environ(), "CLUSTERPACK_CACHE_DIR="+filepath.Join(c.work, "cache"))
	o, err := os.Create(out)
	if err != nil {
		return 0, err
	}
	defer o.Close()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = o, &stderr
	start := time.Now()
	err = cmd.Run()
	secs := time.Since(start).Seconds()
	if err != nil {
		return 0, fmt.Errorf("clusterpack %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return 0, err
	}
	if k := bytes.Count(b, []byte("\n")); k != n || !bytes.Contains(b[:min(len(b), 4096)], []byte(strings.ToUpper(row(10)))) {
		return 0, fmt.Errorf("clusterpack %s: %d records for %d rows, starting %.200q", strings.Join(args, " "), k, n, b)
	}
	return secs, nil
}

// doRate makes n Pool.Do calls one after the other (PEMJA's pattern: the
// caller waits for each result) and returns calls/s.
func doRate(ctx context.Context, py *runner.Python, env *runner.Env, size, n int) (float64, error) {
	p, err := runner.NewPool(ctx, py, env, runner.PoolOptions{Workers: 1})
	if err != nil {
		return 0, err
	}
	defer p.Close(ctx)
	args, _ := json.Marshal([]string{row(size)})
	want, _ := json.Marshal(strings.ToUpper(row(size)))
	c := runner.Call{Function: "builtins:str.upper", Args: args}
	for i := 0; i < min(n, 20000); i++ { // warm up, as the Java driver does
		if _, err := p.Do(ctx, c, runner.ModeAny); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	var last []runner.Result
	for i := 0; i < n; i++ {
		if last, err = p.Do(ctx, c, runner.ModeAny); err != nil {
			return 0, err
		}
	}
	secs := time.Since(start).Seconds()
	if last[0].Error != nil || !bytes.Equal(last[0].Value, want) {
		return 0, fmt.Errorf("Pool.Do str.upper gave %s %v", last[0].Value, last[0].Error)
	}
	return float64(n) / secs, nil
}

// stats are the median and the best (highest) of rates.
func stats(xs []float64) (median, best float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2], s[len(s)-1]
}

func report(c config, got map[measurement][]float64, startup []float64) {
	su, _ := stats(startup)
	fmt.Printf("calls/s, median (best) of %d rounds; %d rows per CLI run and PEMJA run, %d calls per Pool.Do run\n\n", c.rounds, c.n, c.doN)
	fmt.Printf("| path | size | calls/s | clusterpack/PEMJA (medians) |\n|---|---:|---:|---:|\n")
	paths := []struct{ tool, name string }{
		{"pemja", "PEMJA `PythonInterpreter.invoke`"},
		{"cli-raw", "`run --input --raw`, end to end"},
		{"cli-json", "`run --input` (JSON rows), end to end"},
		{"cli-raw-rows", "`run --input --raw`, less the start-up"},
		{"cli-json-rows", "`run --input`, less the start-up"},
		{"do", "Go API, one `Pool.Do` at a time"},
	}
	for _, size := range c.sizes {
		pm, _ := stats(got[measurement{"pemja", size}])
		for _, p := range paths {
			m, best := stats(got[measurement{p.tool, size}])
			ratio := "-"
			if m == 0 {
				continue
			}
			if p.tool != "pemja" && pm > 0 {
				ratio = fmt.Sprintf("%.2fx", m/pm)
			}
			fmt.Printf("| %s | %d B | %.0f (%.0f) | %s |\n", p.name, size, m, best, ratio)
		}
	}
	if su > 0 {
		fmt.Printf("\nstart-up of `run --input` (one row, end to end, the least of 3 runs per round): %.3f s, median of the rounds\n", su)
	}
}
