// Package clusterparts installs the pinned cluster software that the
// end-to-end tests (internal/e2e/jobtest) run real jobs on: pyspark and
// apache-flink from PyPI, each in a virtualenv of CPython 3.11, and
// hadoop-aws with the AWS SDK modules it needs from Maven Central (for
// s3a:// URLs). Each goes into the dev cache (internal/testing/devcache)
// once, under a name that carries the pinned versions, and counts only
// when its install finished (a .complete marker): an interrupted install
// is redone.
//
// scripts/devenv.sh installs them all before the timed tests run (through
// internal/testing/devinstall), so that a test never spends its timeout on
// a download; a test that finds one missing installs it itself.
package clusterparts

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/clusterpack/clusterpack/internal/testing/devcache"
	"github.com/clusterpack/clusterpack/target"
)

// The pinned parts.
const (
	Python      = "3.11"
	PySpark     = "4.0.1"
	Pandas      = "2.2.3"
	PyArrow     = "18.1.0"
	ApacheFlink = "2.3.0"
	// HadoopAWS is the Hadoop that pyspark bundles (its
	// jars/hadoop-client-api-*.jar), and so the hadoop-aws that
	// s3a-pom.xml pins.
	HadoopAWS = "3.4.1"
)

//go:embed s3a-pom.xml
var s3aPOM []byte

// Python311 is the machine's CPython 3.11: $CLUSTERPACK_JOBTEST_PYTHON,
// else the one clusterpack itself would take (target.FindInterpreter).
func Python311() (string, error) {
	if p := os.Getenv("CLUSTERPACK_JOBTEST_PYTHON"); p != "" {
		return p, nil
	}
	p, err := target.FindInterpreter(Python, target.Options{})
	if err != nil {
		return "", fmt.Errorf("%w (or set CLUSTERPACK_JOBTEST_PYTHON)", err)
	}
	return p, nil
}

// SparkVenv is a virtualenv with pyspark, pandas and pyarrow (a Spark
// driver's side), installed on first use; progress lines go to log.
func SparkVenv(ctx context.Context, log io.Writer) (string, error) {
	name := fmt.Sprintf("spark-pyspark%s-pandas%s-pyarrow%s-py%s", PySpark, Pandas, PyArrow, Python)
	dir, err := venv(ctx, log, name, "pyspark=="+PySpark, "pandas=="+Pandas, "pyarrow=="+PyArrow)
	if err != nil {
		return "", fmt.Errorf("installing pyspark %s from PyPI: %w", PySpark, err)
	}
	return dir, nil
}

// FlinkVenv is a virtualenv with apache-flink (the client's side, and
// the Flink distribution it bundles), installed on first use.
func FlinkVenv(ctx context.Context, log io.Writer) (string, error) {
	dir, err := venv(ctx, log, fmt.Sprintf("flink-apache-flink%s-py%s", ApacheFlink, Python), "apache-flink=="+ApacheFlink)
	if err != nil {
		return "", fmt.Errorf("installing apache-flink %s from PyPI: %w", ApacheFlink, err)
	}
	return dir, nil
}

// SitePackages is a virtualenv's site-packages directory.
func SitePackages(venv string) string {
	return filepath.Join(venv, "lib", "python"+Python, "site-packages")
}

func venv(ctx context.Context, log io.Writer, name string, pkgs ...string) (string, error) {
	dir, err := devcache.Path("jobtest", name)
	if err != nil {
		return "", err
	}
	unlock, err := devcache.Lock(dir)
	if err != nil {
		return "", err
	}
	defer unlock()
	if devcache.Complete(dir) {
		return dir, nil
	}
	py, err := Python311()
	if err != nil {
		return "", err
	}
	// A virtualenv's scripts name its path, so it is made in place, not
	// renamed into it; the marker says it is whole.
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	fmt.Fprintf(log, "clusterparts: installing %s into %s (once)\n", strings.Join(pkgs, " "), dir)
	if out, err := exec.CommandContext(ctx, py, "-m", "venv", dir).CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s -m venv: %w\n%s", py, err, out)
	}
	args := append([]string{"install", "--disable-pip-version-check", "--no-input", "-q"}, pkgs...)
	if out, err := exec.CommandContext(ctx, filepath.Join(dir, "bin", "pip"), args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("pip install %s: %w\n%s", strings.Join(pkgs, " "), err, tail(string(out), 3000))
	}
	if err := devcache.MarkComplete(dir, []byte(strings.Join(pkgs, "\n")+"\n")); err != nil {
		return "", err
	}
	return dir, nil
}

// S3AJars are hadoop-aws and the AWS SDK modules it needs, resolved from
// Maven Central into the cache on first use, for spark-args --class-path.
func S3AJars(ctx context.Context, log io.Writer) ([]string, error) {
	if !strings.Contains(string(s3aPOM), "<hadoop.version>"+HadoopAWS+"</hadoop.version>") {
		return nil, fmt.Errorf("s3a-pom.xml does not pin hadoop-aws %s", HadoopAWS)
	}
	sum := sha256.Sum256(s3aPOM)
	dir, err := devcache.Path("jobtest", "s3a-jars-hadoop"+HadoopAWS+"-"+hex.EncodeToString(sum[:6]))
	if err != nil {
		return nil, err
	}
	unlock, err := devcache.Lock(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	jars := filepath.Join(dir, "jars")
	if !devcache.Complete(dir) {
		mvn, err := exec.LookPath("mvn")
		if err != nil {
			return nil, errors.New("mvn (Maven) is not installed: it resolves hadoop-aws from Maven Central (apt-get install maven)")
		}
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		pom := filepath.Join(dir, "pom.xml")
		if err := os.WriteFile(pom, s3aPOM, 0o644); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "clusterparts: resolving hadoop-aws %s and the AWS SDK from Maven Central into %s (once)\n", HadoopAWS, dir)
		cmd := exec.CommandContext(ctx, mvn, "-B", "-q", "-f", pom,
			"dependency:copy-dependencies", "-DincludeScope=runtime", "-DoutputDirectory="+jars)
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, tail(string(out), 4000))
		}
		if err := devcache.MarkComplete(dir, nil); err != nil {
			return nil, err
		}
	}
	list, err := filepath.Glob(filepath.Join(jars, "*.jar"))
	if err != nil || len(list) == 0 {
		return nil, fmt.Errorf("no jars in %s: delete %s and run again", jars, dir)
	}
	sort.Strings(list)
	return list, nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// The data stack of the runner's array and Arrow tests (runner's
// dataframe_test.go), for each CPython 3.9-3.13: numpy 2.2 has no cp39
// wheel, 2.0.2 is its last.
const (
	DataFramePandas  = "2.2.3"
	DataFramePyArrow = "18.1.0"
)

// DataFrameNumPy is the numpy of the runner's data stack for Python v.
func DataFrameNumPy(v [2]int) string {
	if v == [2]int{3, 9} {
		return "2.0.2"
	}
	return "2.2.6"
}

// DataFrameVersions are the Pythons the runner's data-stack tests run on.
var DataFrameVersions = [][2]int{{3, 9}, {3, 10}, {3, 11}, {3, 12}, {3, 13}}

// DataFrameWheels are the wheels of numpy, pandas and pyarrow (and their
// dependencies) for python, of version v, downloaded from PyPI by that
// interpreter's pip into the dev cache once; sorted paths.
func DataFrameWheels(ctx context.Context, log io.Writer, python string, v [2]int) ([]string, error) {
	pins := []string{"numpy==" + DataFrameNumPy(v), "pandas==" + DataFramePandas, "pyarrow==" + DataFramePyArrow}
	dir, err := devcache.Path("runner-dataframe", fmt.Sprintf("py%d.%d-numpy%s-pandas%s-pyarrow%s", v[0], v[1], DataFrameNumPy(v), DataFramePandas, DataFramePyArrow))
	if err != nil {
		return nil, err
	}
	unlock, err := devcache.Lock(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if !devcache.Complete(dir) {
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "clusterparts: downloading %s for Python %d.%d into %s (once)\n", strings.Join(pins, " "), v[0], v[1], dir)
		args := append([]string{"-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-input", "--only-binary=:all:", "-d", dir}, pins...)
		if out, err := exec.CommandContext(ctx, python, args...).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("pip download %s for Python %d.%d: %w\n%s", strings.Join(pins, " "), v[0], v[1], err, tail(string(out), 3000))
		}
		if err := devcache.MarkComplete(dir, []byte(strings.Join(pins, "\n")+"\n")); err != nil {
			return nil, err
		}
	}
	wheels, err := filepath.Glob(filepath.Join(dir, "*.whl"))
	if err != nil {
		return nil, err
	}
	sort.Strings(wheels)
	if len(wheels) < 3 {
		return nil, fmt.Errorf("%s: only %d wheels; remove it to download again", dir, len(wheels))
	}
	return wheels, nil
}

// PrefetchDataFrame downloads the runner's data stack for every Python of
// DataFrameVersions this machine has (target.FindInterpreter).
func PrefetchDataFrame(ctx context.Context, log io.Writer) error {
	for _, v := range DataFrameVersions {
		py, err := target.FindInterpreter(fmt.Sprintf("%d.%d", v[0], v[1]), target.Options{})
		if err != nil {
			fmt.Fprintf(log, "clusterparts: no CPython %d.%d here, its data stack is not downloaded: %v\n", v[0], v[1], err)
			continue
		}
		if _, err := DataFrameWheels(ctx, log, py, v); err != nil {
			return err
		}
	}
	return nil
}
