package resolvediff

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

var (
	flagGraphs  = flag.Int("resolvediff.graphs", 0, "number of generated worlds (default 100, 30 with -short)")
	flagSeed    = flag.Uint64("resolvediff.seed", 1, "seed of the generated worlds")
	flagPipProc = flag.Bool("resolvediff.pipprocess", false, "run pip as a process per world instead of in long-lived workers")
	flagShow    = flag.Bool("resolvediff.show", false, "log every world and every answer")
)

// referenceTools returns pip's interpreter and uv, or skips.
func referenceTools(t *testing.T) tools {
	t.Helper()
	py := pyref.Default(t).Python
	uv := os.Getenv("CLUSTERPACK_TEST_UV")
	if uv == "" {
		if os.Getenv("CLUSTERPACK_REQUIRE_REFERENCE") == "1" {
			t.Fatal("CLUSTERPACK_TEST_UV is not set; run the tests with `make test`")
		}
		t.Skip("CLUSTERPACK_TEST_UV is not set; run `make test` for the differential tests")
	}
	return tools{python: py, uv: uv}
}

// Known differences: clusterpack bugs found by these tests, with their
// minimal reproductions in TestKnownCases. Generated worlds that fail only
// because of one of them are counted as "known" instead of failing; the
// lead fixes the bug, deletes the constant and the recognition in
// preRuleGap, and TestKnownCases tells when an entry has gone stale.
const (
	knownConstraintPre    = "constraint-names-pre"
	knownCombinedFallback = "combined-pre-fallback"
)

// outcome classifies one world on one target.
type outcome int

const (
	agree     outcome = iota // all answers the same
	ambiguous                // different answers, every one valid
	known                    // clusterpack is wrong by a known difference
	refSplit                 // pip and uv disagree on success; clusterpack is valid and sides with one
	wrong                    // clusterpack is wrong
)

var outcomeNames = [...]string{"agree", "ambiguous", "known", "reference-split", "wrong"}

// stats are counts over all worlds.
type stats struct {
	mu         sync.Mutex
	byOutcome  map[string]int
	unsat      int // worlds where every resolver fails
	newestOK   int // worlds where the newest-first expectation applied
	refDeviant []string
	durations  map[string]time.Duration // total time per resolver
	notes      []string
}

func (s *stats) add(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byOutcome[key]++
}

func (s *stats) note(list *[]string, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*list = append(*list, msg)
}

func TestDifferential(t *testing.T) {
	tl := referenceTools(t)
	n := *flagGraphs
	if n == 0 {
		n = 100
		if testing.Short() {
			n = 30
		}
	}
	if !*flagPipProc {
		tl.pip = &pipPool{python: tl.python, env: pipEnv(t.TempDir())}
		t.Cleanup(tl.pip.close)
	}
	g := newGenerator(*flagSeed)
	worlds := make([]*world, n)
	for i := range worlds {
		worlds[i] = g.world(i)
	}
	st := &stats{byOutcome: map[string]int{}, durations: map[string]time.Duration{}}
	sem := make(chan struct{}, 2) // the machine has two cores
	t.Run("graphs", func(t *testing.T) {
		for _, w := range worlds {
			t.Run(w.name, func(t *testing.T) {
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()
				compareWorld(t, tl, w, st)
			})
		}
	})
	t.Logf("seed %d, %d worlds × 2 targets: %v; every resolver failed on %d; newest-first expectation checked on %d",
		*flagSeed, n, st.byOutcome, st.unsat, st.newestOK)
	t.Logf("time spent: %v", st.durations)
	for _, d := range st.refDeviant {
		t.Logf("reference deviation: %s", d)
	}
	for _, d := range st.notes {
		t.Logf("note: %s", d)
	}
	total := 0
	for _, c := range st.byOutcome {
		total += c
	}
	if total >= 40 && st.byOutcome["agree/real"]+st.byOutcome["agree/synthetic"] < total/2 {
		t.Errorf("fewer than half of the worlds agree (%v): the generator or the harness is broken", st.byOutcome)
	}
}

// compareWorld resolves w with every resolver on both targets and
// classifies the answers.
func compareWorld(t *testing.T, tl tools, w *world, st *stats) {
	srv := testindex.Start(t, w.indexProjects(), testindex.Options{})
	req := request{indexURL: srv.IndexURL(), pre: w.pre}
	for _, r := range w.roots {
		req.requirements = append(req.requirements, r.String())
	}
	for _, c := range w.constraints {
		req.constraints = append(req.constraints, c.String())
	}
	ctx := context.Background()
	dir := t.TempDir()
	timed := func(name string, f func() (answer, error)) (answer, error) {
		start := time.Now()
		a, err := f()
		st.mu.Lock()
		st.durations[name] += time.Since(start)
		st.mu.Unlock()
		return a, err
	}
	must := func(a answer, err error) answer {
		t.Helper()
		if err != nil {
			t.Fatalf("%v\n%s", err, w)
		}
		return a
	}
	key := fmt.Sprintf("seed%d/%s", *flagSeed, w.name)
	var wrongs []string
	for _, k := range []targetKind{real, synth} {
		refs := map[string]answer{}
		if k == real {
			refs["pip"] = must(timed("pip", func() (answer, error) { return tl.pipAnswer(ctx, dir, req) }))
			refs["uv --python"] = must(timed("uv", func() (answer, error) { return tl.uvAnswer(ctx, dir, k, req) }))
		} else {
			refs["uv --python-platform"] = must(timed("uv", func() (answer, error) { return tl.uvAnswer(ctx, dir, k, req) }))
		}
		cp := must(timed("clusterpack", func() (answer, error) { return tl.clusterpackAnswer(ctx, dir, k, req) }))
		o, why := classify(w, k, cp, refs, st)
		if *flagShow {
			var b strings.Builder
			fmt.Fprintf(&b, "%s target %s: %s %s\n  clusterpack: %s\n", w.name, k, outcomeNames[o], why, cp)
			for _, name := range slices.Sorted(mapsKeys(refs)) {
				fmt.Fprintf(&b, "  %s: %s\n", name, refs[name])
			}
			t.Logf("%s%s", &b, w)
		}
		st.add(outcomeNames[o] + "/" + k.String())
		if o == known {
			t.Logf("%s target %s: %s\n  clusterpack: %s", key, k, why, cp)
		}
		if o == wrong {
			var b strings.Builder
			fmt.Fprintf(&b, "target %s: %s\n  clusterpack: %s\n", k, why, cp)
			for _, name := range slices.Sorted(mapsKeys(refs)) {
				fmt.Fprintf(&b, "  %s: %s\n", name, refs[name])
			}
			wrongs = append(wrongs, b.String())
		}
	}
	switch {
	case len(wrongs) > 0:
		t.Errorf("%s (rerun: -run 'TestDifferential/graphs/%s$' -resolvediff.seed=%d)\n%s%s", key, w.name, *flagSeed, strings.Join(wrongs, ""), w)
	}
}

func mapsKeys(m map[string]answer) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// classify compares clusterpack's answer with the references' on target k.
func classify(w *world, k targetKind, cp answer, refs map[string]answer, st *stats) (outcome, string) {
	// clusterpack's failures must be explained resolution failures naming
	// a project of the world.
	if !cp.ok() {
		if !strings.HasPrefix(cp.err, "cannot resolve the requirements") {
			return wrong, "clusterpack failed without a resolution explanation"
		}
		if !slices.ContainsFunc(w.projects, func(p *project) bool { return strings.Contains(cp.err, p.name) }) {
			return wrong, "clusterpack's explanation names no package of the world"
		}
	}
	if cp.ok() {
		if problems := w.validate(k, cp); len(problems) > 0 {
			return wrong, "clusterpack's answer is invalid: " + strings.Join(problems, "; ")
		}
	}
	// On a world without conflicts every resolver picks the newest
	// versions; clusterpack must, and a reference that does not is noted.
	if want, ok := w.expectNewest(k); ok {
		st.mu.Lock()
		st.newestOK++
		st.mu.Unlock()
		for name, a := range refs {
			if !a.same(want) {
				st.note(&st.refDeviant, fmt.Sprintf("%s/%s: %s gives %s, newest-first is %s", w.name, k, name, a, want))
			}
		}
		if !cp.same(want) {
			return wrong, "the world has no conflict, so the newest allowed versions are expected: " + want.String()
		}
	}
	allSame := true
	anyRefOK, allRefFail := false, true
	for _, a := range refs {
		allSame = allSame && a.same(cp)
		anyRefOK = anyRefOK || a.ok()
		allRefFail = allRefFail && !a.ok()
	}
	if allSame {
		if !cp.ok() {
			st.mu.Lock()
			st.unsat++
			st.mu.Unlock()
		}
		return agree, ""
	}
	if cp.ok() && allRefFail {
		return wrong, "clusterpack finds a solution where every reference fails"
	}
	if !cp.ok() {
		for name, a := range refs {
			if a.ok() && len(w.validate(k, a)) == 0 {
				if gap := w.preRuleGap(k, a); gap != "" {
					return known, name + " finds a valid solution where clusterpack fails: " + gap
				}
				return wrong, name + " finds a valid solution where clusterpack fails"
			}
		}
		// The references' answers are invalid by the rules: note them.
		for name, a := range refs {
			if a.ok() {
				st.note(&st.notes, fmt.Sprintf("%s/%s: %s answers %s, invalid: %s", w.name, k, name, a, strings.Join(w.validate(k, a), "; ")))
			}
		}
		return refSplit, ""
	}
	for name, a := range refs {
		if a.ok() {
			if problems := w.validate(k, a); len(problems) > 0 {
				st.note(&st.notes, fmt.Sprintf("%s/%s: %s answers %s, invalid: %s", w.name, k, name, a, strings.Join(problems, "; ")))
			}
		}
	}
	if anyRefOK && !allRefFail {
		for _, a := range refs {
			if !a.ok() {
				return refSplit, ""
			}
		}
	}
	return ambiguous, ""
}
