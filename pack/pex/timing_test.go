package pex

import (
	"fmt"
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

// cachedWheel finds one wheel of the artifact cache whose file name
// starts with prefix, or "".
func cachedWheel(prefix string) string {
	home, _ := os.UserHomeDir()
	matches, _ := filepath.Glob(filepath.Join(home, ".cache", "clusterpack", "artifacts", "sha256", "*", "*", prefix+"*.whl"))
	sort.Strings(matches)
	if len(matches) == 0 {
		return ""
	}
	return matches[len(matches)-1]
}

// TestLayerTimings builds numpy, pyarrow and three small wheels as one
// pex and as a base with numpy and pyarrow in layers of their own, and
// logs, alternating the two in one run: the first run on a cold PEX_ROOT
// (unpacking), the warm start (`-c pass`) and the warm imports.
//
// It measures, it does not test: it runs only with
// CLUSTERPACK_PEX_TIMING=1, on a machine whose artifact cache has those
// cp311 wheels.
func TestLayerTimings(t *testing.T) {
	if os.Getenv("CLUSTERPACK_PEX_TIMING") != "1" {
		t.Skip("set CLUSTERPACK_PEX_TIMING=1 to measure")
	}
	var big, small []string
	for _, p := range []string{"numpy-2.2.6-cp311-cp311-manylinux_2_17", "pyarrow-18.1.0-cp311-cp311-manylinux_2_17"} {
		if w := cachedWheel(p); w != "" {
			big = append(big, w)
		}
	}
	for _, p := range []string{"six-1.17.0-", "python_dateutil-2.9.0", "tzdata-"} {
		if w := cachedWheel(p); w != "" {
			small = append(small, w)
		}
	}
	if len(big) != 2 || len(small) != 3 {
		t.Skipf("the cp311 wheels are not in the artifact cache: %v %v", big, small)
	}
	var py string
	for _, p := range pythons(t) {
		if version(t, p.Python) == [2]int{3, 11} {
			py = p.Python
		}
	}
	if py == "" {
		t.Skip("no CPython 3.11")
	}
	v := [2]int{3, 11}
	dir := t.TempDir()
	mono, _ := buildPex(t, dir, "mono.pex", append(append([]string{}, big...), small...), Options{PythonVersion: v, ContentHash: "mono"})
	var refs []LayerRef
	for i, w := range big {
		_, ref := writeLayerFile(t, dir, fmt.Sprintf("timing%d", i), []string{w}, v)
		refs = append(refs, ref)
	}
	base, _ := buildPex(t, dir, "base.pex", small, Options{PythonVersion: v, ContentHash: "base", Layers: refs})
	code := "import numpy, pyarrow, dateutil, six; print(numpy.__version__, pyarrow.__version__)"
	cold := map[string][]time.Duration{}
	warm := map[string][]time.Duration{}
	imports := map[string][]time.Duration{}
	const rounds = 5
	for i := range rounds {
		for _, c := range []struct{ name, pex string }{{"monolith", mono}, {"layered", base}} {
			root := filepath.Join(dir, fmt.Sprintf("root-%s-%d", c.name, i))
			env := baseEnv(py, dir, root)
			r := runPex(t, dir, env, "", c.pex, "-c", code)
			if r.code != 0 {
				t.Fatalf("%s: %d %s %s", c.name, r.code, r.stdout, r.stderr)
			}
			cold[c.name] = append(cold[c.name], r.took)
			for range 4 {
				warm[c.name] = append(warm[c.name], runPex(t, dir, env, "", c.pex, "-c", "pass").took)
				imports[c.name] = append(imports[c.name], runPex(t, dir, env, "", c.pex, "-c", code).took)
			}
			os.RemoveAll(root)
		}
	}
	for _, name := range []string{"monolith", "layered"} {
		t.Logf("%s: first run (unpack + imports) median %v; warm `-c pass` median %v; warm imports median %v",
			name, median(cold[name]), median(warm[name]), median(imports[name]))
	}
	ratio := func(m map[string][]time.Duration) float64 {
		return float64(median(m["layered"])) / float64(median(m["monolith"]))
	}
	t.Logf("layered / monolith: first run %.2f, warm start %.2f, warm imports %.2f", ratio(cold), ratio(warm), ratio(imports))
}
