// Command devinstall puts the tests' heavy parts into the dev cache
// before the timed tests run, so that no test spends its timeout on a
// download: the S3 server (versitygw, built with go install), the HDFS
// and YARN minicluster (Hadoop from Maven Central), pyspark and
// apache-flink virtualenvs (PyPI), the hadoop-aws jars (Maven Central)
// and the data stack of the corpus test (PyPI, internal/testing/corpus).
// scripts/devenv.sh runs it. It prints one line as each part starts and
// one as it is ready, with how long it took, and exits 1 naming every
// part that failed. Parts already in the cache take a moment.
//
//	go run ./internal/testing/devinstall [-only name,name] [-timeout 40m]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/clusterparts"
	"github.com/clusterpack/clusterpack/internal/testing/corpus"
	"github.com/clusterpack/clusterpack/internal/testing/hdfstest"
	"github.com/clusterpack/clusterpack/internal/testing/s3test"
)

// A part is one thing to install.
type part struct {
	name    string
	what    string
	install func(ctx context.Context, log io.Writer) error
}

func parts() []part {
	return []part{
		{"versitygw", "S3 server versitygw " + s3test.Version + " (go install)", func(ctx context.Context, log io.Writer) error {
			_, err := s3test.Install(ctx, log)
			return err
		}},
		{"hdfs", "HDFS minicluster of Hadoop " + hdfstest.HadoopVersion + " (Maven Central)", func(ctx context.Context, log io.Writer) error {
			_, err := hdfstest.Install(ctx, log)
			return err
		}},
		{"yarn", "HDFS and YARN minicluster of Hadoop " + hdfstest.HadoopVersion + " (Maven Central)", func(ctx context.Context, log io.Writer) error {
			_, err := hdfstest.InstallYARN(ctx, log)
			return err
		}},
		{"pyspark", "pyspark " + clusterparts.PySpark + " virtualenv (PyPI)", func(ctx context.Context, log io.Writer) error {
			_, err := clusterparts.SparkVenv(ctx, log)
			return err
		}},
		{"s3a", "hadoop-aws " + clusterparts.HadoopAWS + " jars (Maven Central)", func(ctx context.Context, log io.Writer) error {
			_, err := clusterparts.S3AJars(ctx, log)
			return err
		}},
		{"flink", "apache-flink " + clusterparts.ApacheFlink + " virtualenv (PyPI)", func(ctx context.Context, log io.Writer) error {
			_, err := clusterparts.FlinkVenv(ctx, log)
			return err
		}},
		{"runner-dataframe", "numpy, pandas and pyarrow wheels for the runner's array and Arrow tests, CPython 3.9-3.13 (PyPI)", clusterparts.PrefetchDataFrame},
		{"corpus", fmt.Sprintf("the data stack of the corpus test for %d targets, as of %s (PyPI)", len(corpus.Cases()), corpus.ExcludeNewer), corpus.Prefetch},
	}
}

func main() {
	only := flag.String("only", "", "comma-separated parts to install (default: all)")
	timeout := flag.Duration("timeout", 40*time.Minute, "give up after this long")
	jobs := flag.Int("j", 2, "parts installed at once")
	flag.Parse()
	todo, err := selectParts(parts(), *only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "devinstall:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if failed := install(ctx, os.Stderr, todo, *jobs); len(failed) > 0 {
		fmt.Fprintf(os.Stderr, "devinstall: failed: %s\n", strings.Join(failed, ", "))
		os.Exit(1)
	}
}

func selectParts(all []part, only string) ([]part, error) {
	if only == "" {
		return all, nil
	}
	var out []part
	for _, name := range strings.Split(only, ",") {
		found := false
		for _, p := range all {
			if p.name == name {
				out = append(out, p)
				found = true
			}
		}
		if !found {
			var names []string
			for _, p := range all {
				names = append(names, p.name)
			}
			return nil, fmt.Errorf("no part %q (the parts: %s)", name, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// install runs the parts, jobs at a time (downloads and builds overlap),
// and returns the names of those that failed, each with its error
// printed.
func install(ctx context.Context, log io.Writer, todo []part, jobs int) []string {
	var (
		mu     sync.Mutex
		failed []string
		wg     sync.WaitGroup
		sem    = make(chan struct{}, max(jobs, 1))
	)
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(log, format, args...)
	}
	w := writerFunc(func(b []byte) (int, error) {
		say("%s", b)
		return len(b), nil
	})
	for _, p := range todo {
		wg.Add(1)
		sem <- struct{}{} // in the listed order
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			say("devinstall: %s ...\n", p.what)
			begin := time.Now()
			if err := p.install(ctx, w); err != nil {
				say("devinstall: %s: FAILED after %v: %v\n", p.what, time.Since(begin).Round(time.Second), err)
				mu.Lock()
				failed = append(failed, p.name)
				mu.Unlock()
				return
			}
			say("devinstall: %s: ready in %v\n", p.what, time.Since(begin).Round(100*time.Millisecond))
		}()
	}
	wg.Wait()
	sort.Strings(failed)
	return failed
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
