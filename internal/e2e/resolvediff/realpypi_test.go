package resolvediff

import (
	"context"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const pypiSimple = "https://pypi.org/simple/"

// realSets are requirement sets locked against pypi.org.
var realSets = []struct {
	name string
	reqs []string
	// gap, when set, is a known limitation of clusterpack for the set: the
	// error clusterpack must give contains gapError, and the test logs it
	// instead of failing. The lead deletes the entry when it is fixed; an
	// entry that no longer fails fails the test.
	gap, gapError string
	// freedom, when set, says why the set has several valid solutions and
	// the two tools may legitimately choose differently (backtracking
	// order is not standardised): clusterpack must lock it, and the
	// difference is logged.
	freedom string
}{
	{name: "data-science", reqs: []string{"pandas", "pyarrow", "scikit-learn"}},
	{name: "requests-socks", reqs: []string{"requests[socks]", "urllib3<2"}},
	{name: "fastapi", reqs: []string{"fastapi", "uvicorn[standard]"}},
	{name: "plotting", reqs: []string{"matplotlib", "seaborn"}},
	{name: "apache-flink", reqs: []string{"apache-flink"}},
	{name: "pyspark", reqs: []string{"pyspark"}},
}

// pypiReachable reports whether a HEAD to the simple index answers within 5 s.
func pypiReachable() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, pypiSimple, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &errInfra{resp.Status}
	}
	return nil
}

// TestRealPyPI locks real requirement sets with clusterpack (synthetic
// target, Python 3.11 on manylinux_2_28_x86_64) and with uv pip compile
// for the same platform, at the same moment, and expects the same
// versions.
func TestRealPyPI(t *testing.T) {
	if testing.Short() {
		t.Skip("talks to pypi.org; not in -short")
	}
	tl := referenceTools(t)
	if err := pypiReachable(); err != nil {
		t.Skipf("pypi.org is unreachable: %v", err)
	}
	// One cache for all sets: each tool fetches a project page once.
	dir := t.TempDir()
	for _, set := range realSets {
		t.Run(set.name, func(t *testing.T) {
			req := request{requirements: set.reqs, indexURL: pypiSimple}
			var cp, uv answer
			var uvErr error
			lockBoth := func() {
				var wg sync.WaitGroup
				wg.Go(func() { cp, _ = tl.clusterpackAnswer(context.Background(), filepath.Join(dir, "cp"), synth, req) })
				wg.Go(func() { uv, uvErr = tl.uvAnswer(context.Background(), filepath.Join(dir, "uv"), synth, req) })
				wg.Wait()
			}
			if err := os.MkdirAll(filepath.Join(dir, "cp"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(dir, "uv"), 0o755); err != nil {
				t.Fatal(err)
			}
			lockBoth()
			if uvErr != nil {
				t.Fatal(uvErr)
			}
			if !cp.same(uv) && cp.ok() && uv.ok() {
				// A release between the two locks: lock again once.
				lockBoth()
				if uvErr != nil {
					t.Fatal(uvErr)
				}
			}
			if set.gap != "" {
				if !cp.ok() && strings.Contains(cp.err, set.gapError) {
					t.Logf("known gap (%s): clusterpack: %s\n  uv: %s", set.gap, firstLines(cp.err, 6), uv)
					return
				}
				t.Errorf("known gap %q: clusterpack no longer fails with %q: delete the entry\n  clusterpack: %s\n  uv: %s", set.gap, set.gapError, cp, uv)
				return
			}
			if !uv.ok() {
				t.Fatalf("uv cannot lock %v: %s", set.reqs, uv)
			}
			if set.freedom != "" {
				if !cp.ok() {
					t.Fatalf("clusterpack cannot lock %v: %s", set.reqs, cp)
				}
				if !cp.same(uv) {
					t.Logf("several valid solutions (%s): %s", set.freedom, versionDiff(cp, uv))
				}
				return
			}
			if !cp.same(uv) {
				t.Errorf("%v for Python 3.11 on manylinux_2_28_x86_64:\n  clusterpack: %s\n  uv:          %s\n  differences: %s",
					set.reqs, cp, uv, versionDiff(cp, uv))
			}
		})
	}
}

// versionDiff lists the packages two answers disagree on.
func versionDiff(a, b answer) string {
	if !a.ok() || !b.ok() {
		return "one side fails"
	}
	names := map[string]bool{}
	for name := range a.versions {
		names[name] = true
	}
	for name := range b.versions {
		names[name] = true
	}
	var out []string
	for _, name := range slices.Sorted(maps.Keys(names)) {
		if a.versions[name] != b.versions[name] {
			out = append(out, name+": "+orNone(a.versions[name])+" vs "+orNone(b.versions[name]))
		}
	}
	return strings.Join(out, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
