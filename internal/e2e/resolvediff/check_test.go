package resolvediff

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// answer is a resolver's outcome: the chosen versions, or a failure.
type answer struct {
	versions map[string]string // normalised name → version text
	err      string            // resolution failure ("" on success)
}

func (a answer) ok() bool { return a.err == "" }

func (a answer) String() string {
	if !a.ok() {
		return "FAILS: " + firstLines(a.err, 12)
	}
	if len(a.versions) == 0 {
		return "{} (nothing to install)"
	}
	var parts []string
	for _, n := range slices.Sorted(maps.Keys(a.versions)) {
		parts = append(parts, n+"=="+a.versions[n])
	}
	return strings.Join(parts, " ")
}

func (a answer) same(b answer) bool {
	if a.ok() != b.ok() {
		return false
	}
	return maps.Equal(a.versions, b.versions)
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("... (%d more lines)", len(lines)-n))
	}
	return strings.Join(lines, "\n    ")
}

// requirement is an active requirement on a package and who made it.
type requirement struct {
	dep
	by string
}

// activeRequirements collects, for a set of chosen releases, every
// requirement in force: the root requirements and the dependencies of the
// chosen releases whose markers hold, extras included (the extras
// requested of a package switch on its extra dependencies, to a fixpoint).
// Packages not chosen contribute nothing.
func (w *world) activeRequirements(chosen map[string]*release) map[string][]requirement {
	extras := map[string]map[string]bool{}
	var out map[string][]requirement
	for changed := true; changed; {
		changed = false
		out = map[string][]requirement{}
		add := func(d dep, by string) {
			if d.marker != "" && !d.markerOK {
				return
			}
			out[d.name] = append(out[d.name], requirement{d, by})
			for _, x := range d.extras {
				if extras[d.name] == nil {
					extras[d.name] = map[string]bool{}
				}
				if !extras[d.name][x] {
					extras[d.name][x] = true
					changed = true
				}
			}
		}
		for _, r := range w.roots {
			add(r, "the request")
		}
		for _, name := range slices.Sorted(maps.Keys(chosen)) {
			rel := chosen[name]
			for _, d := range rel.deps {
				if d.extra != "" && !extras[name][d.extra] {
					continue
				}
				add(d, name+"=="+rel.v.String())
			}
		}
	}
	return out
}

// eligibleUnder reports whether release r of p may be chosen under the
// specifier sets on it (requirements and constraints), by the rules every
// installer shares:
//   - the target can install one of its files;
//   - PEP 592: a yanked release only when a requirement pins it exactly;
//   - PEP 440: a pre-release only with --pre, when a specifier names a
//     pre-release, or when no final release of p matches them all.
//
// It does not check that the sets match r.
func (w *world) eligibleUnder(k targetKind, p *project, r *release, sets []specSet) (bool, string) {
	if !r.usable(k) {
		return false, "has no file the target can install"
	}
	if r.yanked(k) {
		pinned := false
		for _, ss := range sets {
			if v, ok := ss.exactPin(); ok && cmpVer(v, r.v) == 0 {
				pinned = true
			}
		}
		if !pinned {
			return false, "is yanked and not pinned with =="
		}
	}
	if r.v.isPre() && !w.pre {
		named := slices.ContainsFunc(sets, specSet.namesPre)
		finalMatches := slices.ContainsFunc(p.releases, func(o *release) bool {
			if o.v.isPre() || !o.usable(k) || o.yanked(k) {
				return false
			}
			for _, ss := range sets {
				if !ss.match(o.v) {
					return false
				}
			}
			return true
		})
		if !named && finalMatches {
			return false, "is a pre-release: no --pre, no specifier names one, and a final release matches"
		}
	}
	return true, ""
}

// validate reports why an answer is not a valid solution of the world on
// target k, or nil when it is.
func (w *world) validate(k targetKind, a answer) []string {
	var problems []string
	chosen := map[string]*release{}
	for name, vs := range a.versions {
		p := w.project(name)
		if p == nil {
			problems = append(problems, fmt.Sprintf("%s is not a project of the world", name))
			continue
		}
		v, err := parseVer(vs)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		r := p.find(v)
		if r == nil {
			problems = append(problems, fmt.Sprintf("%s has no version %s", name, vs))
			continue
		}
		chosen[name] = r
	}
	reqs := w.activeRequirements(chosen)
	for _, name := range slices.Sorted(maps.Keys(reqs)) {
		r := chosen[name]
		if r == nil {
			problems = append(problems, fmt.Sprintf("%s is required (by %s) but missing", name, reqs[name][0].by))
			continue
		}
		for _, q := range reqs[name] {
			if !q.specs.match(r.v) {
				problems = append(problems, fmt.Sprintf("%s==%s does not satisfy %s (required by %s)", name, r.v, q.dep, q.by))
			}
		}
	}
	for _, c := range w.constraints {
		if r := chosen[c.name]; r != nil && !c.specs.match(r.v) {
			problems = append(problems, fmt.Sprintf("%s==%s violates the constraint %s", c.name, r.v, c.specs))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(chosen)) {
		r := chosen[name]
		if len(reqs[name]) == 0 {
			problems = append(problems, fmt.Sprintf("%s==%s is not required by anything", name, r.v))
			continue
		}
		if ok, why := w.eligibleUnder(k, w.project(name), r, w.setsOn(name, reqs)); !ok {
			problems = append(problems, fmt.Sprintf("%s==%s %s", name, r.v, why))
		}
	}
	return problems
}

// setsOn are the specifier sets on a package: its requirements', then
// the constraints'.
func (w *world) setsOn(name string, reqs map[string][]requirement) []specSet {
	var sets []specSet
	for _, q := range reqs[name] {
		sets = append(sets, q.specs)
	}
	for _, c := range w.constraints {
		if c.name == name {
			sets = append(sets, c.specs)
		}
	}
	return sets
}

// newest returns the newest release of p eligible and matching all sets.
func (w *world) newest(k targetKind, p *project, sets []specSet) *release {
	for _, r := range slices.Backward(p.releases) {
		matches := true
		for _, ss := range sets {
			matches = matches && ss.match(r.v)
		}
		if ok, _ := w.eligibleUnder(k, p, r, sets); matches && ok {
			return r
		}
	}
	return nil
}

// expectNewest returns the answer every resolver must give when the world
// has no conflict: the newest eligible version of each package, where that
// version is the same under every single requirement on the package (with
// the constraints) as under all of them together, so that no resolver can
// be led elsewhere by the order it meets requirements in. ok is false when
// the world is not that simple: pre-releases in play without --pre (the
// installers' pre-release policies differ at the edges), or a choice that
// depends on which requirement is seen first.
func (w *world) expectNewest(k targetKind) (answer, bool) {
	if !w.pre {
		for _, p := range w.projects {
			for _, r := range p.releases {
				if r.v.isPre() {
					return answer{}, false
				}
			}
		}
	}
	chosen := map[string]*release{}
	for range 2 * len(w.projects) {
		reqs := w.activeRequirements(chosen)
		next := map[string]*release{}
		for name := range reqs {
			p := w.project(name)
			all := w.setsOn(name, reqs)
			r := w.newest(k, p, all)
			if r == nil {
				return answer{}, false
			}
			for _, q := range reqs[name] {
				// all ends with the constraints on the package.
				alone := append([]specSet{q.specs}, all[len(reqs[name]):]...)
				if w.newest(k, p, alone) != r {
					return answer{}, false
				}
			}
			next[name] = r
		}
		if maps.Equal(next, chosen) {
			a := answer{versions: map[string]string{}}
			for name, r := range chosen {
				a.versions[name] = r.v.String()
			}
			if len(w.validate(k, a)) > 0 {
				return answer{}, false
			}
			return a, true
		}
		// A choice once made must never change: a change means a
		// requirement met later excluded it, a conflict.
		for name, r := range chosen {
			if next[name] != nil && next[name] != r {
				return answer{}, false
			}
		}
		chosen = next
	}
	return answer{}, false
}

// preRuleGap explains why clusterpack, by its pre-release rule, cannot
// give a (valid) answer: clusterpack decides pre-releases requirement by
// requirement (a requirement admits them when its own specifier names
// one or when no final release matches it alone; a root requirement that
// names one admits them for the whole package), ignoring constraints,
// where PEP 440 and pip judge all the specifiers on the package together,
// constraints included. It returns "" when the answer is fine by
// clusterpack's rule too.
func (w *world) preRuleGap(k targetKind, a answer) string {
	if w.pre || !a.ok() {
		return ""
	}
	chosen := map[string]*release{}
	for name, vs := range a.versions {
		v, err := parseVer(vs)
		p := w.project(name)
		if err != nil || p == nil || p.find(v) == nil {
			return ""
		}
		chosen[name] = p.find(v)
	}
	reqs := w.activeRequirements(chosen)
	for _, name := range slices.Sorted(maps.Keys(chosen)) {
		r := chosen[name]
		if !r.v.isPre() {
			continue
		}
		p := w.project(name)
		if slices.ContainsFunc(w.roots, func(d dep) bool {
			return d.name == name && (d.marker == "" || d.markerOK) && d.specs.namesPre()
		}) {
			continue
		}
		for _, q := range reqs[name] {
			if ok, _ := w.eligibleUnder(k, p, r, []specSet{q.specs}); ok {
				continue
			}
			for _, c := range w.constraints {
				if c.name == name && c.specs.namesPre() {
					return fmt.Sprintf("%s==%s is admitted by the constraint %s, which names a pre-release; clusterpack ignores constraints when it decides pre-releases (known difference %q)", name, r.v, c.specs, knownConstraintPre)
				}
			}
			return fmt.Sprintf("%s==%s: no final release matches all the specifiers on %s together, but one matches %q alone; clusterpack applies the only-pre-releases fallback per requirement (known difference %q)", name, r.v, name, q.specs.String(), knownCombinedFallback)
		}
	}
	return ""
}
