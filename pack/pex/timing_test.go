package pex

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// realWheels finds cp311 wheels of a scientific stack in clusterpack's
// artifact cache, if this machine has them.
func realWheels(t *testing.T) []string {
	t.Helper()
	home, _ := os.UserHomeDir()
	want := []string{"numpy-", "pandas-", "pyarrow-", "scipy-", "scikit_learn-", "joblib-", "threadpoolctl-",
		"python_dateutil-", "tzdata-", "cloudpickle-", "py4j-", "narwhals-"}
	found := map[string]string{}
	matches, _ := filepath.Glob(filepath.Join(home, ".cache", "clusterpack", "artifacts", "sha256", "*", "*", "*.whl"))
	for _, m := range matches {
		base := filepath.Base(m)
		for _, w := range want {
			if strings.HasPrefix(base, w) && (strings.Contains(base, "cp311") || strings.Contains(base, "-none-any")) {
				found[w] = m
			}
		}
	}
	if len(found) != len(want) {
		t.Skipf("the cp311 wheels of %v are not in the artifact cache", want)
	}
	var out []string
	for _, p := range found {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func median(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

// TestTimings builds a pex of real wheels (numpy, pandas, pyarrow, scipy,
// scikit-learn and their dependencies), runs it, and logs the build
// time, the first run (which unpacks) and the warm start against plain
// `python -c pass`.
//
// It measures, it does not test: it runs only with CLUSTERPACK_PEX_TIMING=1,
// on a machine whose artifact cache holds a consistent set of those wheels
// (what the cache holds depends on what else ran there).
func TestTimings(t *testing.T) {
	if os.Getenv("CLUSTERPACK_PEX_TIMING") != "1" {
		t.Skip("set CLUSTERPACK_PEX_TIMING=1 to measure")
	}
	wheels := realWheels(t)
	var py string
	for _, p := range pythons(t) {
		if version(t, p.Python) == [2]int{3, 11} {
			py = p.Python
		}
	}
	if py == "" {
		t.Skip("no CPython 3.11")
	}
	var in int64
	for _, w := range wheels {
		st, _ := os.Stat(w)
		in += st.Size()
	}
	dir := t.TempDir()
	start := time.Now()
	p, res := buildPex(t, dir, "env.pex", wheels, Options{PythonVersion: [2]int{3, 11}, ContentHash: "timings"})
	build := time.Since(start)
	t.Logf("build: %d wheels, %.1f MB in, %.1f MB pex, %d files, in %v", len(wheels), float64(in)/1e6, float64(res.Size)/1e6, res.Files, build)

	env := baseEnv(py, dir, filepath.Join(dir, "root"))
	code := "import numpy, pyarrow, pandas, sklearn; print(numpy.__version__, pyarrow.__version__, pandas.__version__, sklearn.__version__)"
	r := runPex(t, dir, env, "", p, "-c", code)
	if r.code != 0 {
		t.Fatalf("first run: %d %s %s", r.code, r.stdout, r.stderr)
	}
	t.Logf("first run (unpack + import numpy, pyarrow, pandas, sklearn): %v -> %s", r.took, strings.TrimSpace(r.stdout))
	r = runPex(t, dir, env, "", p, "-c", code)
	t.Logf("second run (same imports, warm): %v", r.took)

	var warm, plain []time.Duration
	for range 10 {
		warm = append(warm, runPex(t, dir, env, "", p, "-c", "pass").took)
		plain = append(plain, runPex(t, dir, env, "", py, "-c", "pass").took)
	}
	t.Logf("warm start `env.pex -c pass`: median %v; `python3.11 -c pass`: median %v", median(warm), median(plain))
}
