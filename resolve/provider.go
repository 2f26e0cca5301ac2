package resolve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/clusterpack/clusterpack/index"
	"github.com/clusterpack/clusterpack/internal/progress"
	"github.com/clusterpack/clusterpack/pypa/metadata"
	"github.com/clusterpack/clusterpack/pypa/pep440"
	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/pypa/pep508"
	"github.com/clusterpack/clusterpack/pypa/tags"
	"github.com/clusterpack/clusterpack/resolve/pubgrub"
)

// provider answers the solver's questions from the indexes. Project pages
// and metadata are fetched once, in parallel ahead of need: when a
// requirement is first seen, its newest matching version's metadata is
// fetched, and so on down its dependencies, while the solver works.
type provider struct {
	opts        Options
	log         *slog.Logger
	ranking     tags.Ranking
	root        []pep508.Requirement
	constraints map[string][]pep508.Requirement
	// optIns are what the user's own requirements and constraints opt
	// each package into, by normalised name (see userOptIns).
	optIns map[string]optIn

	bg     context.Context // prefetches; cancelled by close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	sem    chan struct{}

	projects onceMap[*projectInfo]
	metas    onceMap[metaResult] // by "name version"

	mu     sync.Mutex
	deps   map[string][]pubgrub.Dependency // "id\x00v" → dependencies
	reqBy  map[string]string               // package → who first required it
	direct map[string]*Direct              // packages pinned by location
	// passedOver are the packages last decided on a version with a wheel
	// over a newer source-only one (PreferBinary).
	passedOver map[string]passedOver
	// resolved are the packages whose dependencies the solver asked for,
	// counted for Options.Progress.
	resolved map[string]bool
}

// metaResult is a version's core metadata, or why the version cannot be
// used.
type metaResult struct {
	md       *metadata.Metadata
	unusable string
}

func newProvider(opts Options) *provider {
	bg, cancel := context.WithCancel(context.Background())
	par := opts.Parallelism
	if par <= 0 {
		par = 8
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &provider{
		opts: opts, log: log, ranking: tags.NewRanking(opts.Target.Tags),
		constraints: map[string][]pep508.Requirement{},
		bg:          bg, cancel: cancel, sem: make(chan struct{}, par),
		deps: map[string][]pubgrub.Dependency{}, reqBy: map[string]string{},
		direct: map[string]*Direct{}, passedOver: map[string]passedOver{}, resolved: map[string]bool{},
	}
}

// close stops prefetching and waits for it.
func (p *provider) close() {
	p.cancel()
	p.wg.Wait()
}

// project returns what the indexes list for a project, fetching it once.
func (p *provider) project(ctx context.Context, name string) (*projectInfo, error) {
	return p.projects.get(ctx, name, func() (*projectInfo, error) {
		p.mu.Lock()
		d := p.direct[name]
		p.mu.Unlock()
		if d != nil {
			return directInfo(name, d), nil
		}
		proj, err := p.opts.Source.Project(ctx, name)
		if err != nil {
			return nil, err
		}
		return classify(proj, &p.opts, p.ranking), nil
	})
}

// metadata returns the core metadata of a version, fetching it once.
func (p *provider) metadata(ctx context.Context, name string, v int) (metaResult, error) {
	info, err := p.project(ctx, name)
	if err != nil {
		return metaResult{}, err
	}
	c := info.candidates[v]
	return p.metas.get(ctx, name+" "+c.version.String(), func() (metaResult, error) {
		md, unusable, err := p.fetchMetadata(ctx, name, c)
		return metaResult{md: md, unusable: unusable}, err
	})
}

func (p *provider) fetchMetadata(ctx context.Context, name string, c *candidate) (*metadata.Metadata, string, error) {
	if c.direct != nil {
		md := c.direct.Metadata
		if !md.RequiresPython.IsEmpty() {
			py, _ := pep440.Parse(p.opts.Target.PythonFullVersion)
			if !md.RequiresPython.Contains(py, pep440.PrereleasesAllow) {
				return nil, fmt.Sprintf("requires Python %s (the target has %s)", md.RequiresPython, p.opts.Target.PythonFullVersion), nil
			}
		}
		return md, "", nil
	}
	if len(c.files) == 0 {
		return nil, c.unusable, nil
	}
	f := c.files[0]
	var data []byte
	var err error
	if f.wheel {
		data, err = p.opts.Source.Metadata(ctx, f.file)
	} else {
		if p.opts.SdistMetadata == nil {
			return nil, "has only a source distribution (" + f.file.Filename + "; reading its metadata needs a PEP 517 build)", nil
		}
		data, err = p.opts.SdistMetadata(ctx, f.file)
	}
	if err != nil {
		return nil, "", fmt.Errorf("metadata of %s: %w", f.file.Filename, err)
	}
	md, err := metadata.Parse(data)
	if err != nil {
		return nil, "has unreadable metadata in " + f.file.Filename + ": " + err.Error(), nil
	}
	if pep503.Normalize(md.Name) != name || md.ParsedVersion.Compare(c.version) != 0 {
		return nil, fmt.Sprintf("has metadata for %s %s in %s", md.Name, md.Version, f.file.Filename), nil
	}
	if !md.RequiresPython.IsEmpty() {
		py, _ := pep440.Parse(p.opts.Target.PythonFullVersion)
		if !md.RequiresPython.Contains(py, pep440.PrereleasesAllow) {
			return nil, fmt.Sprintf("requires Python %s (the target has %s)", md.RequiresPython, p.opts.Target.PythonFullVersion), nil
		}
	}
	return md, "", nil
}

// Versions implements pubgrub.Provider.
func (p *provider) Versions(ctx context.Context, id string) (pubgrub.Versions, error) {
	if id == rootName {
		return pubgrub.Versions{Count: 1}, nil
	}
	name, _, isExtra := splitExtra(id)
	info, err := p.project(ctx, name)
	if err != nil {
		return pubgrub.Versions{}, p.lookupError(name, err)
	}
	n := len(info.candidates)
	vs := pubgrub.Versions{Count: n}
	if isExtra {
		return vs, nil
	}
	byReason := map[string]pubgrub.Set{}
	var reasons []string
	note := func(i int, reason string) {
		s, ok := byReason[reason]
		if !ok {
			s = pubgrub.EmptySet(n)
			reasons = append(reasons, reason)
		}
		byReason[reason] = s.Union(pubgrub.SetOf(n, i))
	}
	for i, c := range info.candidates {
		if c.unusable != "" {
			note(i, c.unusable)
		}
		for _, con := range p.constraints[name] {
			if !con.Specifier.Contains(c.version, pep440.PrereleasesAllow) {
				note(i, "is excluded by the constraint "+requirementText(con))
			}
		}
	}
	for _, r := range reasons {
		vs.Unusable = append(vs.Unusable, pubgrub.Unusable{Set: byReason[r], Reason: r})
	}
	return vs, nil
}

// requirementText is a requirement for messages: the name and extras
// in their canonical spelling (PEP 503, PEP 685; extras sorted), then the
// specifier, without the marker (it held for the target).
func requirementText(r pep508.Requirement) string {
	s := pep503.Normalize(r.Name)
	if x := r.NormalizedExtras(); len(x) > 0 {
		s += "[" + strings.Join(x, ",") + "]"
	}
	s += r.Specifier.String()
	if r.URL != "" {
		s += " @ " + r.URL
	}
	return s
}

// yankedNote names the yanked versions of a package that match a
// specifier but may not be chosen under it, with the reasons given for
// yanking them: "b==1.0 (yanked, reason: broken)".
func (p *provider) yankedNote(name string, spec pep440.SpecifierSet) string {
	info, ok := p.projects.peek(name)
	if !ok {
		return ""
	}
	o := p.optIns[name]
	var notes []string
	for _, c := range info.candidates {
		if !c.yanked || len(c.files) == 0 || c.direct != nil || isExactPin(spec) || o.pinned(c.version) {
			continue
		}
		if !spec.Contains(c.version, pep440.PrereleasesAllow) {
			continue
		}
		note := name + "==" + c.version.String() + " (yanked"
		for _, f := range c.files {
			// An index's reason is free text: one line in the sentence.
			if reason := strings.Join(strings.Fields(f.file.YankedReason), " "); reason != "" {
				note += ", reason: " + reason
				break
			}
		}
		notes = append(notes, note+")")
	}
	switch len(notes) {
	case 0:
		return ""
	case 1:
		return notes[0]
	}
	if len(notes) > 5 {
		notes = append(notes[:2], "...", notes[len(notes)-2], notes[len(notes)-1])
	}
	return strings.Join(notes[:len(notes)-1], ", ") + " and " + notes[len(notes)-1]
}

// lookupError explains a failed project lookup with who needed it.
func (p *provider) lookupError(name string, err error) error {
	p.mu.Lock()
	by := p.reqBy[name]
	p.mu.Unlock()
	if by != "" {
		return fmt.Errorf("%s (needed by %s): %w", name, by, err)
	}
	return err
}

// reportResolved counts name as resolved and reports it, the first time.
func (p *provider) reportResolved(name string) {
	if p.opts.Progress == nil {
		return
	}
	p.mu.Lock()
	first := !p.resolved[name]
	p.resolved[name] = true
	n := len(p.resolved)
	p.mu.Unlock()
	if first {
		p.opts.Progress.Report(progress.Event{Step: progress.Resolve, Name: name, Done: int64(n)})
	}
}

// Dependencies implements pubgrub.Provider.
func (p *provider) Dependencies(ctx context.Context, id string, v int) ([]pubgrub.Dependency, string, error) {
	key := id + "\x00" + fmt.Sprint(v)
	p.mu.Lock()
	if d, ok := p.deps[key]; ok {
		p.mu.Unlock()
		return d, "", nil
	}
	p.mu.Unlock()
	var (
		reqs   []pep508.Requirement
		deps   []pubgrub.Dependency
		parent = "your requirements"
	)
	switch name, extra, isExtra := splitExtra(id); {
	case id == rootName:
		reqs = p.root
	default:
		e, err := p.metadata(ctx, name, v)
		if err != nil {
			return nil, "", err
		}
		if e.unusable != "" {
			return nil, e.unusable, nil
		}
		info, _ := p.project(ctx, name)
		parent = name + "==" + info.candidates[v].version.String()
		p.reportResolved(name)
		env := p.opts.Target.Markers
		for _, r := range e.md.RequiresDist {
			if r.Marker != nil {
				base := r.Marker.Evaluate(env, nil)
				if !isExtra && !base {
					continue
				}
				if isExtra && (base || !r.Marker.Evaluate(env, []string{extra})) {
					continue
				}
			} else if isExtra {
				continue
			}
			reqs = append(reqs, r)
		}
		if isExtra {
			n := len(info.candidates)
			deps = append(deps, pubgrub.Dependency{Package: name, Set: pubgrub.SetOf(n, v), Requirement: parent})
		}
	}
	for _, r := range mergeRequirements(reqs) {
		dname := pep503.Normalize(r.Name)
		if r.URL != "" {
			return nil, "", fmt.Errorf("%s depends on %s: direct URL dependencies are not supported yet", parent, r)
		}
		p.mu.Lock()
		if _, ok := p.reqBy[dname]; !ok {
			p.reqBy[dname] = parent
		}
		p.mu.Unlock()
		p.prefetch(ctx, dname, r.Specifier)
		set, err := p.setFor(ctx, dname, r.Specifier)
		var nf *index.NotFoundError
		if err != nil && id != rootName && errors.As(err, &nf) {
			// A dependency no index has makes this version unusable, not
			// the resolution: an older version may not need it (pip and
			// uv backtrack too). Only when nothing works does the
			// explanation name it.
			return nil, "depends on " + r.text + ", " + notOnAnyIndex(nf), nil
		}
		if err != nil {
			return nil, "", err
		}
		text := r.text
		if set.IsEmpty() {
			// Nothing matches: the dependency on the package says so,
			// and those on its extras would say it again.
			deps = append(deps, pubgrub.Dependency{Package: dname, Set: set, Requirement: text, Note: p.yankedNote(dname, r.Specifier)})
			continue
		}
		// A package may need its own extras ("foo[all]" needs "foo[gpu]"),
		// but needing itself adds nothing.
		if dname != id {
			deps = append(deps, pubgrub.Dependency{Package: dname, Set: set, Requirement: text})
		}
		for _, x := range r.NormalizedExtras() {
			if dep := dname + "[" + x + "]"; dep != id {
				deps = append(deps, pubgrub.Dependency{Package: dep, Set: set, Requirement: text})
			}
		}
	}
	deps = mergeDeps(deps)
	p.mu.Lock()
	p.deps[key] = deps
	p.mu.Unlock()
	return deps, "", nil
}

// notOnAnyIndex completes "b==3.0 depends on nothere>=1, ..." for a
// project no index lists.
func notOnAnyIndex(nf *index.NotFoundError) string {
	s := "a project no index has"
	if len(nf.Indexes) == 0 {
		s += " (there is no index or find-links location to search"
	} else {
		s += " (searched " + strings.Join(nf.Indexes, ", ")
	}
	if len(nf.Suggestions) > 0 {
		quoted := make([]string, len(nf.Suggestions))
		for i, q := range nf.Suggestions {
			quoted[i] = fmt.Sprintf("%q", q)
		}
		s += "; did you mean " + strings.Join(quoted, " or ") + "?"
	}
	return s + ")"
}

// mergedRequirement is every requirement one package makes on another,
// taken together.
type mergedRequirement struct {
	pep508.Requirement
	text string
}

// mergeRequirements combines the requirements on one name ("a!=1.0" and
// "a>=1.0", or the same dependency under two markers) into one specifier
// and the union of their extras, as pip does: the pre-release rule of PEP
// 440 applies to the specifiers together, not to each alone.
func mergeRequirements(reqs []pep508.Requirement) []mergedRequirement {
	var out []mergedRequirement
	index := map[string]int{}
	for _, r := range reqs {
		name := pep503.Normalize(r.Name)
		text := requirementText(r)
		i, ok := index[name]
		if !ok {
			index[name] = len(out)
			out = append(out, mergedRequirement{Requirement: r, text: text})
			continue
		}
		m := &out[i]
		m.Specifier = m.Specifier.Intersect(r.Specifier)
		m.Extras = append(append([]string{}, m.Extras...), r.Extras...)
		if m.URL == "" {
			m.URL = r.URL
		}
		if !strings.Contains(m.text, text) {
			m.text += ", " + text
		}
	}
	return out
}

// mergeDeps combines dependencies on the same package (both must hold).
func mergeDeps(deps []pubgrub.Dependency) []pubgrub.Dependency {
	var out []pubgrub.Dependency
	index := map[string]int{}
	for _, d := range deps {
		if i, ok := index[d.Package]; ok {
			out[i].Set = out[i].Set.Intersect(d.Set)
			if !strings.Contains(out[i].Requirement, d.Requirement) {
				out[i].Requirement += ", " + d.Requirement
			}
			continue
		}
		index[d.Package] = len(out)
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Package < out[j].Package })
	return out
}

// depsOf returns the dependencies computed for a chosen version.
func (p *provider) depsOf(id string, v int) []pubgrub.Dependency {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.deps[id+"\x00"+fmt.Sprint(v)]
}

func (p *provider) requiresPython(name string, v int) string {
	info, ok := p.projects.peek(name)
	if !ok {
		return ""
	}
	e, ok := p.metas.peek(name + " " + info.candidates[v].version.String())
	if !ok || e.md == nil || e.md.RequiresPython.IsEmpty() {
		return ""
	}
	return e.md.RequiresPython.String()
}

// optIn is what the user's requirements and constraints opt a package
// into, for every requirement on it, not just their own: pip merges all
// the specifiers on a package, and uv decides from the first-party
// requirements, so both let a root "b==1.0" choose a yanked b 1.0 that a
// dependency's "b>0.1" also accepts, and a root "c>=2.0b1" choose a c
// 2.0b1 that a dependency's "c>=1" also accepts.
type optIn struct {
	// pre: a requirement's specifier names a pre-release (">=2.0b1",
	// "==2.0rc1"; "!=2.0b1" does not).
	pre bool
	// pins are the exact pins ("==1.0", "===1.0"): PEP 592 lets them
	// choose a yanked version.
	pins []pep440.SpecifierSet
}

// userOptIns collects the opt-ins of the root requirements (pre-releases
// and yanked pins) and of the constraints (yanked pins: their
// pre-releases are judged with each requirement, in setFor).
func userOptIns(root []pep508.Requirement, constraints map[string][]pep508.Requirement) map[string]optIn {
	out := map[string]optIn{}
	add := func(r pep508.Requirement, pre bool) {
		name := pep503.Normalize(r.Name)
		o := out[name]
		o.pre = o.pre || (pre && r.Specifier.Prereleases())
		if isExactPin(r.Specifier) {
			o.pins = append(o.pins, r.Specifier)
		}
		out[name] = o
	}
	for _, r := range root {
		add(r, true)
	}
	for _, cs := range constraints {
		for _, c := range cs {
			add(c, false)
		}
	}
	return out
}

// pinned reports whether the user pinned the version exactly.
func (o optIn) pinned(v pep440.Version) bool {
	for _, s := range o.pins {
		if s.Contains(v, pep440.PrereleasesAllow) {
			return true
		}
	}
	return false
}

// eligible lists the candidates a requirement may pick from: those with
// files, yanked ones only under an exact pin, the requirement's own or
// one of the user's (o).
func eligible(info *projectInfo, spec pep440.SpecifierSet, o optIn) []int {
	exact := isExactPin(spec)
	var out []int
	for i, c := range info.candidates {
		if c.direct != nil {
			// A direct reference is what the user chose: any specifier
			// elsewhere is checked against it, pre-release or not.
			out = append(out, i)
			continue
		}
		if len(c.files) == 0 || (c.yanked && !exact && !o.pinned(c.version)) {
			continue
		}
		out = append(out, i)
	}
	return out
}

// isExactPin reports whether the specifier is "==V" or "===V" alone (PEP
// 592: yanked files are chosen only so). Like uv, and unlike pip, a pin
// among other clauses ("==1.0,>0.1") does not count.
func isExactPin(spec pep440.SpecifierSet) bool {
	ss := spec.Specifiers()
	if len(ss) != 1 {
		return false
	}
	op := ss[0].Operator()
	return (op == "==" && !strings.HasSuffix(ss[0].Version(), ".*")) || op == "==="
}

// setFor is the set of a package's candidates a specifier allows, with
// pip's pre-release rule: pre-releases only when allowed (--pre, or a
// root requirement on the package that names one), named by the
// specifier, or the only versions that match.
func (p *provider) setFor(ctx context.Context, name string, spec pep440.SpecifierSet) (pubgrub.Set, error) {
	info, err := p.project(ctx, name)
	if err != nil {
		return pubgrub.Set{}, p.lookupError(name, err)
	}
	n := len(info.candidates)
	o := p.optIns[name]
	idx := eligible(info, spec, o)
	versions := make([]pep440.Version, len(idx))
	for i, j := range idx {
		versions[i] = info.candidates[j].version
	}
	mode := pep440.PrereleasesDefault
	if p.opts.Prereleases || o.pre {
		mode = pep440.PrereleasesAllow
	} else if len(p.constraints[name]) > 0 {
		// Constraints count with the requirement for the pre-release rule,
		// as pip merges them: "-c b>=2.0b1" allows b 2.0b1. (Which
		// versions they exclude is said by Versions, with the reason.)
		combined := spec
		for _, c := range p.constraints[name] {
			combined = combined.Intersect(c.Specifier)
		}
		for _, v := range combined.Filter(versions, pep440.PrereleasesDefault) {
			if v.IsPrerelease() {
				mode = pep440.PrereleasesAllow
				break
			}
		}
	}
	kept := spec.Filter(versions, mode)
	set := pubgrub.EmptySet(n)
	k := 0
	for i, j := range idx {
		if k < len(kept) && kept[k].Compare(versions[i]) == 0 {
			set = set.Union(pubgrub.SetOf(n, j))
			k++
		}
	}
	if set.IsEmpty() {
		// Nothing installable matches: include the versions that match but
		// cannot be used, so the explanation says why they cannot.
		for i, c := range info.candidates {
			if len(c.files) == 0 && spec.Contains(c.version, pep440.PrereleasesAllow) {
				set = set.Union(pubgrub.SetOf(n, i))
			}
		}
	}
	return set, nil
}

// prefetch starts fetching, in the background, the project page of name
// and the metadata of its newest version the specifier allows, then does
// the same for that version's dependencies.
func (p *provider) prefetch(ctx context.Context, name string, spec pep440.SpecifierSet) {
	key := "prefetch " + name + " " + spec.String()
	p.mu.Lock()
	if _, ok := p.reqBy[key]; ok {
		p.mu.Unlock()
		return
	}
	p.reqBy[key] = ""
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		select {
		case p.sem <- struct{}{}:
		case <-p.bg.Done():
			return
		}
		release := func() { <-p.sem }
		set, err := p.setFor(p.bg, name, spec)
		if err != nil || set.IsEmpty() {
			release()
			return
		}
		info, err := p.project(p.bg, name)
		if err != nil {
			release()
			return
		}
		v, _ := p.preferred(name, info, set)
		e, err := p.metadata(p.bg, name, v)
		release()
		if err != nil || e.md == nil {
			return
		}
		for _, r := range e.md.RequiresDist {
			if r.URL != "" || (r.Marker != nil && !r.Marker.Evaluate(p.opts.Target.Markers, nil)) {
				continue
			}
			p.prefetch(p.bg, pep503.Normalize(r.Name), r.Specifier)
		}
	}()
}

// Prefer implements pubgrub.Preferrer: keep an earlier lock's pin, else
// prefer a version with a wheel when PreferBinary is set.
func (p *provider) Prefer(id string, allowed pubgrub.Set) int {
	name, _, isExtra := splitExtra(id)
	info, ok := p.projects.peek(name)
	if !ok {
		return allowed.Highest()
	}
	v, passed := p.preferred(name, info, allowed)
	if !isExtra {
		p.mu.Lock()
		if passed >= 0 {
			p.passedOver[name] = passedOver{chosen: v, newest: passed}
		} else {
			delete(p.passedOver, name)
		}
		p.mu.Unlock()
	}
	return v
}

// passedOver records a version tried first because it has a wheel, and
// the newer source-only version it was tried before.
type passedOver struct{ chosen, newest int }

// preferred is the version of name to try first among allowed: the pin
// of an earlier lock when it is allowed; else, with PreferBinary, the
// newest with a wheel for the target, as pip's --prefer-binary orders
// candidates (then passed is the newest allowed version, which has only
// a source distribution; else passed is -1); else the newest.
func (p *provider) preferred(name string, info *projectInfo, allowed pubgrub.Set) (v, passed int) {
	v = allowed.Highest()
	if v < 0 {
		return v, -1
	}
	if pref, ok := p.opts.Preferences[name]; ok {
		for _, i := range allowed.Versions() {
			if info.candidates[i].version.String() == pref {
				return i, -1
			}
		}
	}
	if !p.opts.PreferBinary || hasWheel(info.candidates[v]) || len(info.candidates[v].files) == 0 {
		return v, -1
	}
	vs := allowed.Versions()
	for k := len(vs) - 1; k >= 0; k-- {
		if hasWheel(info.candidates[vs[k]]) {
			return vs[k], v
		}
	}
	return v, -1
}

// hasWheel reports whether the target can install a wheel of c.
func hasWheel(c *candidate) bool { return len(c.files) > 0 && c.files[0].wheel }

// Describe implements pubgrub.Provider: "numpy", "numpy==1.26.4",
// "numpy>=1.26.0,<=1.26.4", "numpy 1.24.0, 1.25.2 or 2.0.0".
func (p *provider) Describe(id string, s pubgrub.Set) string {
	if id == rootName {
		return "your requirements"
	}
	if s.IsFull() {
		return id
	}
	name, _, _ := splitExtra(id)
	info, ok := p.projects.peek(name)
	if !ok {
		return id + " " + s.String()
	}
	cs := info.candidates
	vs := s.Versions()
	if len(vs) == 0 {
		return id + " (no version)"
	}
	if len(vs) == 1 {
		return id + "==" + cs[vs[0]].version.String()
	}
	lo, hi := vs[0], vs[len(vs)-1]
	if hi-lo+1 == len(vs) {
		switch {
		case hi == len(cs)-1:
			return id + ">=" + cs[lo].version.String()
		case lo == 0:
			return id + "<=" + cs[hi].version.String()
		default:
			return id + ">=" + cs[lo].version.String() + ",<=" + cs[hi].version.String()
		}
	}
	var names []string
	for _, i := range vs {
		names = append(names, cs[i].version.String())
	}
	if len(names) > 5 {
		return fmt.Sprintf("%s %s, %s, ... or %s (%d versions)", id, names[0], names[1], names[len(names)-1], len(names))
	}
	return id + " " + strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// NoSolutionError says the requirements cannot be met on the target, with
// the chain of facts that shows why.
type NoSolutionError struct {
	Target      string
	Explanation string
}

func (e *NoSolutionError) Error() string {
	return "cannot resolve the requirements for " + e.Target + ":\n" + e.Explanation
}

func (p *provider) explainError(err error) error {
	var ns *pubgrub.NoSolutionError
	if !errors.As(err, &ns) {
		return err
	}
	t := p.opts.Target
	where := "Python " + t.PythonFullVersion
	for _, pl := range t.Platforms {
		// The most specific platform: linux_<arch> comes first in the
		// list but says less than manylinux_2_28_<arch>.
		if !strings.HasPrefix(pl, "linux_") || pl == t.Platforms[len(t.Platforms)-1] {
			where += " on " + pl
			break
		}
	}
	return &NoSolutionError{Target: where, Explanation: ns.Error()}
}

// List implements pubgrub.Lister: the versions a target can install, for
// "no version matches" explanations, as pip's "from versions:" does. Long
// lists keep the oldest two and the newest seven.
func (p *provider) List(id string) string {
	name, _, _ := splitExtra(id)
	info, ok := p.projects.peek(name)
	if !ok {
		return ""
	}
	var vs []string
	for _, c := range info.candidates {
		if len(c.files) > 0 && !c.yanked {
			vs = append(vs, c.version.String())
		}
	}
	var list string
	switch n := len(vs); {
	case n == 0:
		list = ""
	case n > 10:
		list = strings.Join(vs[:2], ", ") + ", ..., " + strings.Join(vs[n-7:], ", ") + fmt.Sprintf(" (%d versions)", n)
	default:
		list = strings.Join(vs, ", ")
	}
	if info.newer > 0 {
		if list == "" {
			list = "none"
		}
		list += fmt.Sprintf("; %d newer left out, uploaded after the cutoff %s", info.newer, p.opts.ExcludeNewer.UTC().Format(time.RFC3339))
	}
	return list
}
