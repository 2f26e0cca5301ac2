// Package corpus is the corpus test: the real data stack
// (internal/testing/corpus: numpy, pandas, pyarrow, scipy, scikit-learn,
// matplotlib, polars, duckdb, xgboost, lightgbm, pyspark) locked from
// pypi.org, built as a zipped virtualenv and as a pex and checked, with
// the clusterpack binary, for the cluster targets users have: manylinux
// 2.17 x86_64 with Python 3.9 and 3.11, manylinux 2.28 x86_64 with 3.12
// and 3.13, manylinux 2.28 aarch64 with 3.12, and this host's
// interpreters, where check also imports everything in its embedded
// CPython. Every extension module of every archive goes through the ELF
// check, and every case must pass.
//
// Downloads come from the dev cache, filled by scripts/devenv.sh
// (internal/testing/devinstall's "corpus" part) before the timed tests.
//
//	eval "$(bash scripts/devenv.sh 2>/dev/null)"
//	go test ./internal/e2e/corpus/ -v
package corpus

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/corpus"
	"github.com/clusterpack/clusterpack/internal/testing/testbin"
	"github.com/clusterpack/clusterpack/pypa/pep440"
	"github.com/clusterpack/clusterpack/runner/elfcheck"
)

// report is the part of `clusterpack check --json` the test reads.
type report struct {
	Platform   string `json:"platform"`
	Policy     string `json:"policy"`
	Extensions int    `json:"extensions"`
	Static     []struct {
		Message string `json:"message"`
	} `json:"static"`
	Warnings []struct {
		Distribution string `json:"distribution"`
		Message      string `json:"message"`
	} `json:"warnings"`
	Live     bool     `json:"live"`
	LiveNote string   `json:"live_note"`
	Imported []string `json:"imported"`
	Failures []struct {
		Message string `json:"message"`
	} `json:"failures"`
}

func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CLUSTERPACK_REQUIRE_REFERENCE") == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format+" (set CLUSTERPACK_REQUIRE_REFERENCE=1 to fail instead)", args...)
}

func pypiReachable() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, "https://pypi.org/simple/", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("locks, builds and checks the real data stack (GBs): not with -short")
	}
	if err := pypiReachable(); err != nil {
		unavailable(t, "pypi.org is unreachable: %v", err)
	}
	cache, err := corpus.CacheDir()
	if err != nil {
		unavailable(t, "%v", err)
	}
	bin, err := testbin.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	for _, c := range corpus.Cases() {
		t.Run(c.Name(), func(t *testing.T) {
			begin := time.Now()
			dir := t.TempDir()
			// check unpacks each archive (a GB) under its cache: a
			// directory of the test's, not the dev cache.
			checkCache := filepath.Join(dir, "check-cache")
			runIn := func(cache string, args ...string) (stdout, stderr string) {
				t.Helper()
				cmd := exec.Command(bin, args...)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "CLUSTERPACK_CACHE_DIR="+cache)
				var o, e bytes.Buffer
				cmd.Stdout, cmd.Stderr = &o, &e
				if err := cmd.Run(); err != nil {
					t.Fatalf("clusterpack %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, o.String(), e.String())
				}
				return o.String(), e.String()
			}
			run := func(args ...string) (stdout, stderr string) {
				t.Helper()
				return runIn(cache, args...)
			}
			_, notes := run(append([]string{"lock", "-o", "pylock.toml", "--exclude-newer", corpus.ExcludeNewer}, append(c.Args(), corpus.Stack...)...)...)
			lockNotes(t, c, dir, notes)
			for _, format := range []string{"zip", "pex"} {
				out, _ := run("build", "--lock", "pylock.toml", "--format", format, "-o", "dist-"+format)
				archive := strings.TrimSpace(out)
				if !filepath.IsAbs(archive) {
					archive = filepath.Join(dir, archive)
				}
				elves := countELF(t, archive)
				js, _ := runIn(checkCache, "check", "--json", archive)
				var r report
				if err := json.Unmarshal([]byte(js), &r); err != nil {
					t.Fatalf("check --json: %v\n%s", err, js)
				}
				for _, f := range append(r.Static, r.Failures...) {
					t.Errorf("%s: %s", format, f.Message)
				}
				for _, w := range r.Warnings {
					if w.Distribution != "lightgbm" {
						t.Errorf("%s: a warning for %s, which is not known to need a system library: %s", format, w.Distribution, w.Message)
					}
				}
				// Every ELF object of the archive went through the check.
				if r.Extensions != elves || elves == 0 {
					t.Errorf("%s: check looked at %d extension modules; the archive has %d ELF objects", format, r.Extensions, elves)
				}
				if c.Platform == "" {
					if !r.Live {
						t.Errorf("%s: no live check on a host target: %s", format, r.LiveNote)
					}
					for _, m := range corpus.Modules {
						if !slices.Contains(r.Imported, m) {
							t.Errorf("%s: the live check did not import %s (imported %v)", format, m, r.Imported)
						}
					}
				}
				st, _ := os.Stat(archive)
				t.Logf("%s: %d MiB, %d extension modules under %s, live %v (%s)", format, st.Size()>>20, r.Extensions, r.Policy, r.Live, r.LiveNote)
				// A GB each: free them before the next.
				os.RemoveAll(filepath.Dir(archive))
				os.RemoveAll(checkCache)
			}
			d := time.Since(begin)
			total += d
			t.Logf("%s: %.1fs", c.Name(), d.Seconds())
		})
	}
	t.Logf("all cases: %.1fs", total.Seconds())
}

var noteRE = regexp.MustCompile(`(?m)^numpy: (\S+) has no wheel for manylinux_2_17_x86_64; locked (\S+), the newest with one$`)

// lockNotes checks what the lock says and holds: for the glibc 2.17
// targets with Python 3.11, the newest numpy has no wheel, and the lock
// takes the newest that has one (prefer-binary) and says so.
func lockNotes(t *testing.T, c corpus.Case, dir, notes string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "pylock.toml"))
	if err != nil {
		t.Fatal(err)
	}
	lk := string(data)
	if !strings.Contains(lk, `exclude-newer = "`+corpus.ExcludeNewer+`T00:00:00Z"`) {
		t.Errorf("the lock does not record the cutoff:\n%s", head(lk))
	}
	if c.Platform == "manylinux_2_17_x86_64" && c.Python == "3.11" {
		m := noteRE.FindStringSubmatch(notes)
		if m == nil {
			t.Fatalf("no note that numpy fell back to a version with a wheel:\n%s", notes)
		}
		newest, _ := pep440.Parse(m[1])
		locked, _ := pep440.Parse(m[2])
		if locked.Compare(newest) >= 0 || !strings.Contains(lk, "numpy-"+m[2]+"-") {
			t.Errorf("numpy: newest %s, locked %s; the lock:\n%s", m[1], m[2], head(lk))
		}
	}
}

func head(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "\n..."
	}
	return s
}

// countELF counts the ELF objects with an extension module's name in a
// zip or pex archive.
func countELF(t *testing.T, archive string) int {
	t.Helper()
	zr, err := zip.OpenReader(archive)
	if err != nil {
		t.Fatalf("%s: %v", archive, err)
	}
	defer zr.Close()
	n := 0
	for _, f := range zr.File {
		if !elfcheck.IsExtension(f.Name) || f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("%s: %s: %v", archive, f.Name, err)
		}
		var magic [4]byte
		_, err = io.ReadFull(rc, magic[:])
		rc.Close()
		if err == nil && string(magic[:]) == "\x7fELF" {
			n++
		}
	}
	return n
}
