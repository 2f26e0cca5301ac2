package runner

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/clusterparts"
	"github.com/clusterpack/clusterpack/internal/testing/devcache"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// dataframeWheels are numpy, pandas and pyarrow wheels (and their
// dependencies) for the child's Python, from PyPI, in the dev cache
// (scripts/devenv.sh prefetches them: devinstall's runner-dataframe).
func dataframeWheels(t testing.TB, python string, v [2]int) []string {
	t.Helper()
	wheels, err := clusterparts.DataFrameWheels(t.Context(), testLog{t}, python, v)
	if err != nil {
		t.Fatal(err)
	}
	return wheels
}

// testLog writes lines to the test's log.
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// udfPy is the test's own module: the seed's mean_fn (Spark's pandas UDF
// of the talk) and functions that look at what they were given.
const udfPy = `import os

def mean_fn(v):
    return v.mean()

def frame_mean(df):
    return mean_fn(df["v"])

def describe(batch):
    return {"type": type(batch).__module__.split(".")[0] + "." + type(batch).__name__, "rows": batch.num_rows if hasattr(batch, "num_rows") else len(batch)}

def doubled(df):
    return df["v"] * 2

def first_rows(df):
    return df.head(2)

def fail_on(df):
    if int(df["id"].iloc[0]) == 8:
        raise ValueError("bad batch starting at id 8")
    return len(df)

def slow_on(df):
    import time
    if int(df["id"].iloc[0]) == 4:
        time.sleep(3)
    return len(df)

def mapped_from(df):
    # The file a column's memory belongs to, from /proc/self/maps: a view
    # of the memory-mapped input, not a copy.
    addr = df["v"].to_numpy().__array_interface__["data"][0]
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            if lo <= addr < hi:
                return parts[5] if len(parts) > 5 else ""
    return None

def scale(x, by=1.0):
    x *= by
    return float(x.sum())

def address(x):
    return x.__array_interface__["data"][0]

def write_arrow(path, fmt, rows, chunk):
    import numpy as np
    import pyarrow as pa
    import pyarrow.ipc
    t = pa.table({"id": np.arange(rows, dtype="int64"), "v": np.arange(rows, dtype="float64") / 2})
    with pa.OSFile(path, "wb") as f:
        w = pa.ipc.new_file(f, t.schema) if fmt == "file" else pa.ipc.new_stream(f, t.schema)
        for b in t.to_batches(max_chunksize=chunk):
            w.write_batch(b)
        w.close()
    return os.path.getsize(path)
`

var (
	dfOnce    sync.Once
	dfArchive string
	dfCache   string
	dfEnv     *Env
	dfErr     error
)

// dataframeEnv is a venv zip of the real data stack and the udf module,
// and that archive opened, once per child process. Both are kept in the
// dev cache (the zip is reproducible, named by what went into it, and
// unpacked into a cache by content): a run leaves nothing in TMPDIR.
func (e *embedded) dataframeEnv(t *testing.T) (archive string, env *Env) {
	t.Helper()
	python := inProcessPython(t)
	dfOnce.Do(func() {
		dfArchive, dfCache, dfErr = buildDataframeEnv(t, python, e.ver)
		if dfErr == nil {
			dfEnv, dfErr = OpenArchive(t.Context(), dfArchive, OpenOptions{CacheDir: dfCache})
		}
	})
	if dfErr != nil {
		t.Fatal(dfErr)
	}
	return dfArchive, dfEnv
}

func buildDataframeEnv(t *testing.T, python string, v [2]int) (archive, cache string, err error) {
	root, err := devcache.Path("runner-dataframe")
	if err != nil {
		return "", "", err
	}
	wheels := dataframeWheels(t, python, v)
	h := sha256.New()
	for _, w := range wheels {
		io.WriteString(h, filepath.Base(w)+"\n")
	}
	io.WriteString(h, udfPy)
	archive = filepath.Join(root, "envs", fmt.Sprintf("env-py%d.%d-%x.zip", v[0], v[1], h.Sum(nil)[:8]))
	cache = filepath.Join(root, "unpacked")
	unlock, err := devcache.Lock(archive)
	if err != nil {
		return "", "", err
	}
	defer unlock()
	if _, err := os.Stat(archive); err == nil {
		return archive, cache, nil
	}
	tmp := t.TempDir()
	udfs := buildWheel(t, tmp, testindex.WheelSpec{Name: "udfs", Version: "1.0", Files: map[string]string{"udfs.py": udfPy}})
	built := writeVenv(t, tmp, v, append(wheels, udfs))
	if err := os.MkdirAll(filepath.Dir(archive), 0o755); err != nil {
		return "", "", err
	}
	// t.TempDir is on another file system, perhaps: copy, then rename.
	data, err := os.ReadFile(built)
	if err != nil {
		return "", "", err
	}
	part := archive + ".part"
	if err := os.WriteFile(part, data, 0o644); err != nil {
		return "", "", err
	}
	return archive, cache, os.Rename(part, archive)
}
