package resolvediff

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// targetKind names the two targets every world is resolved for.
type targetKind int

const (
	// real is the reference CPython 3.11 interpreter itself (pip, uv
	// --python and clusterpack --python PATH).
	real targetKind = iota
	// synth is the synthetic target: Python 3.11 on manylinux_2_28_x86_64
	// (uv --python-platform x86_64-manylinux_2_28 and clusterpack
	// --python 3.11 --platform manylinux_2_28_x86_64).
	synth
)

func (k targetKind) String() string { return [...]string{"real", "synthetic"}[k] }

// wheelTag is a wheel tag set and whether each target can install it.
type wheelTag struct {
	tag             string
	realOK, synthOK bool
}

func (w wheelTag) ok(k targetKind) bool { return [...]bool{w.realOK, w.synthOK}[k] }

var (
	tagAny = wheelTag{"py3-none-any", true, true}
	// tagsOK are other tags both targets accept.
	tagsOK = []wheelTag{
		{"py2.py3-none-any", true, true},
		{"cp311-cp311-manylinux_2_17_x86_64", true, true},
		{"cp311-abi3-manylinux_2_28_x86_64", true, true},
	}
	// tagsBad are tags neither target accepts.
	tagsBad = []wheelTag{
		{"cp312-cp312-manylinux_2_17_x86_64", false, false},
		{"cp311-cp311-win_amd64", false, false},
		{"py3-none-macosx_11_0_arm64", false, false},
		{"cp311-cp311-manylinux_2_17_aarch64", false, false},
	}
	// tagNewGlibc suits the real interpreter (glibc 2.36) but not the
	// manylinux_2_28 target.
	tagNewGlibc = wheelTag{"cp311-cp311-manylinux_2_34_x86_64", true, false}
)

// requiresPython values and whether Python 3.11 (3.11.0 and the real
// 3.11.x) satisfies them.
var requiresPythons = []struct {
	spec string
	ok   bool
}{
	{">=3.8", true}, {">=3.7,<4", true}, {">=3.11", true}, {"<3.12", true},
	{">=3.12", false}, {"<3.11", false}, {">=3.13", false},
}

// markers the generator attaches, and their value on both targets (Linux,
// x86_64, Python 3.11).
var markers = []struct {
	text  string
	value bool
}{
	{`python_version >= "3.8"`, true},
	{`python_version < "3.10"`, false},
	{`sys_platform == "linux"`, true},
	{`sys_platform == "win32"`, false},
	{`platform_machine == "x86_64"`, true},
	{`platform_machine == "aarch64"`, false},
	{`python_version == "3.11"`, true},
}

// file is one wheel of a release.
type file struct {
	tag            wheelTag
	requiresPython string
	rpOK           bool
	yanked         bool
}

func (f file) usable(k targetKind) bool { return f.tag.ok(k) && f.rpOK }

// dep is a requirement: a root requirement, a constraint or a dependency.
type dep struct {
	name   string
	extras []string
	specs  specSet
	// marker is "" or one of markers; markerOK is its value.
	marker   string
	markerOK bool
	// extra, when set, makes it a dependency of that extra only.
	extra string
}

// String is the PEP 508 text.
func (d dep) String() string {
	s := d.name
	if len(d.extras) > 0 {
		s += "[" + strings.Join(d.extras, ",") + "]"
	}
	s += d.specs.String()
	var ms []string
	if d.extra != "" {
		ms = append(ms, `extra == "`+d.extra+`"`)
	}
	if d.marker != "" {
		ms = append(ms, d.marker)
	}
	if len(ms) > 0 {
		s += "; " + strings.Join(ms, " and ")
	}
	return s
}

// release is one version of a project.
type release struct {
	v      ver
	files  []file
	deps   []dep
	extras []string // Provides-Extra
}

// usableFiles are the files target k can install.
func (r *release) usableFiles(k targetKind) []file {
	var out []file
	for _, f := range r.files {
		if f.usable(k) {
			out = append(out, f)
		}
	}
	return out
}

// usable reports whether target k can install the release at all.
func (r *release) usable(k targetKind) bool { return len(r.usableFiles(k)) > 0 }

// yanked reports whether every file target k can install is yanked.
func (r *release) yanked(k targetKind) bool {
	fs := r.usableFiles(k)
	if len(fs) == 0 {
		return false
	}
	for _, f := range fs {
		if !f.yanked {
			return false
		}
	}
	return true
}

type project struct {
	name     string
	releases []*release // oldest first
}

func (p *project) find(v ver) *release {
	for _, r := range p.releases {
		if cmpVer(r.v, v) == 0 {
			return r
		}
	}
	return nil
}

// world is one generated graph: an index and a request.
type world struct {
	name        string
	projects    []*project
	roots       []dep
	constraints []dep
	pre         bool // --pre
}

func (w *world) project(name string) *project {
	for _, p := range w.projects {
		if p.name == name {
			return p
		}
	}
	return nil
}

// String renders the world for failure messages.
func (w *world) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "world %s\n  request:", w.name)
	for _, r := range w.roots {
		fmt.Fprintf(&b, " %q", r.String())
	}
	if w.pre {
		b.WriteString(" --pre")
	}
	for _, c := range w.constraints {
		fmt.Fprintf(&b, " -c %q", c.String())
	}
	b.WriteString("\n")
	for _, p := range w.projects {
		fmt.Fprintf(&b, "  %s\n", p.name)
		for _, r := range p.releases {
			fmt.Fprintf(&b, "    %-8s", r.v)
			var fs []string
			for _, f := range r.files {
				s := f.tag.tag
				if f.requiresPython != "" {
					s += " requires-python " + f.requiresPython
				}
				if f.yanked {
					s += " YANKED"
				}
				fs = append(fs, s)
			}
			fmt.Fprintf(&b, " [%s]", strings.Join(fs, "; "))
			if len(r.extras) > 0 {
				fmt.Fprintf(&b, " extras %v", r.extras)
			}
			for _, d := range r.deps {
				fmt.Fprintf(&b, "\n             -> %s", d)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// projects renders the world as the index serves it.
func (w *world) indexProjects() []testindex.Project {
	var out []testindex.Project
	for _, p := range w.projects {
		tp := testindex.Project{Name: p.name}
		for _, r := range p.releases {
			var reqs []string
			for _, d := range r.deps {
				reqs = append(reqs, d.String())
			}
			for _, f := range r.files {
				tf := testindex.Wheel(testindex.WheelSpec{
					Name: p.name, Version: r.v.String(), Tag: f.tag.tag,
					RequiresDist: reqs, RequiresPython: f.requiresPython, ProvidesExtra: r.extras,
					Files: map[string]string{strings.ReplaceAll(p.name, "-", "_") + "/__init__.py": "VERSION = '" + r.v.String() + "'\n"},
				})
				if f.yanked {
					tf.Yanked, tf.YankedReason = true, "generated"
				}
				tp.Files = append(tp.Files, tf)
			}
		}
		out = append(out, tp)
	}
	return out
}

// generator makes worlds from a seeded source.
type generator struct {
	r *rand.Rand
}

func newGenerator(seed uint64) *generator {
	return &generator{r: rand.New(rand.NewPCG(seed, 0x5eed))}
}

func (g *generator) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](g *generator, items []T) T { return items[g.r.IntN(len(items))] }

// versions draws n distinct versions, oldest first; onlyPre makes every
// one a pre-release.
func (g *generator) versions(n int, onlyPre bool) []ver {
	var out []ver
	for tries := 0; len(out) < n && tries < 100; tries++ {
		v := ver{rel: []int{1 + g.r.IntN(3), g.r.IntN(3)}}
		if g.chance(0.2) {
			v.rel = append(v.rel, g.r.IntN(3))
		}
		if onlyPre || g.chance(0.12) {
			v.pre, v.preN = pick(g, []string{"a", "b", "rc"}), 1+g.r.IntN(2)
		}
		if !slices.ContainsFunc(out, func(w ver) bool { return cmpVer(v, w) == 0 }) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, cmpVer)
	return out
}

// specsFor draws a specifier set over the versions of p, sometimes naming
// a version p does not have. Most sets match some release of p: an
// unmatchable one is kept only now and then, for unsatisfiable worlds.
func (g *generator) specsFor(p *project) specSet {
	if g.chance(0.3) {
		return nil
	}
	n := 1
	if g.chance(0.15) {
		n = 2
	}
	for {
		var ss specSet
		for range n {
			ss = append(ss, g.spec(p))
		}
		if slices.ContainsFunc(p.releases, func(r *release) bool { return ss.match(r.v) }) || g.chance(0.1) {
			return ss
		}
	}
}

var ops = []string{">=", ">=", ">=", "<", "<", "<=", ">", "==", "==", "!=", "!=", "~=", "~=", "==*"}

func (g *generator) spec(p *project) spec {
	v := pick(g, p.releases).v
	if g.chance(0.15) {
		v = ver{rel: []int{1 + g.r.IntN(3), g.r.IntN(3)}}
	}
	v.rel = slices.Clone(v.rel)
	op := pick(g, ops)
	switch op {
	case "==*":
		v = ver{rel: v.rel[:1+g.r.IntN(2)]}
	case "~=":
		if len(v.rel) < 2 {
			v.rel = append(v.rel, 0)
		}
	}
	return spec{op, v}
}

// dep draws a requirement on p.
func (g *generator) dep(p *project) dep {
	d := dep{name: p.name, specs: g.specsFor(p)}
	if g.chance(0.2) {
		m := pick(g, markers)
		d.marker, d.markerOK = m.text, m.value
	}
	if g.chance(0.15) {
		d.extras = []string{"x"}
	}
	return d
}

var names = []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}

// world draws the i-th world.
func (g *generator) world(i int) *world {
	w := &world{name: fmt.Sprintf("g%03d", i), pre: g.chance(0.1)}
	n := 3 + g.r.IntN(6)
	for j := range n {
		p := &project{name: names[j]}
		if g.chance(0.3) {
			p.name += "-lib" // names with a separator
		}
		for _, v := range g.versions(1+g.r.IntN(6), g.chance(0.06)) {
			p.releases = append(p.releases, &release{v: v})
		}
		w.projects = append(w.projects, p)
	}
	for j, p := range w.projects {
		for _, r := range p.releases {
			r.files = g.files()
			// Dependencies point to later projects: a DAG.
			if j+1 < len(w.projects) {
				for range g.r.IntN(3) {
					r.deps = append(r.deps, g.dep(w.projects[j+1+g.r.IntN(len(w.projects)-j-1)]))
				}
			}
			if g.chance(0.25) && j+1 < len(w.projects) {
				r.extras = []string{"x"}
				for range 1 + g.r.IntN(2) {
					d := g.dep(w.projects[j+1+g.r.IntN(len(w.projects)-j-1)])
					d.extra = "x"
					r.deps = append(r.deps, d)
				}
			}
		}
	}
	for range 1 + g.r.IntN(3) {
		p := w.projects[g.r.IntN(max(1, len(w.projects)/2))]
		if slices.ContainsFunc(w.roots, func(d dep) bool { return d.name == p.name }) && g.chance(0.7) {
			continue
		}
		w.roots = append(w.roots, g.dep(p))
	}
	if g.chance(0.2) {
		for range 1 + g.r.IntN(2) {
			p := pick(g, w.projects)
			c := dep{name: p.name, specs: g.specsFor(p)}
			if len(c.specs) > 0 {
				w.constraints = append(w.constraints, c)
			}
		}
	}
	return w
}

// files draws the wheels of a release: usually one pure wheel, sometimes
// several tags (some unusable), requires-python and yanked files.
func (g *generator) files() []file {
	var fs []file
	switch x := g.r.Float64(); {
	case x < 0.65:
		fs = []file{{tag: tagAny}}
	case x < 0.8:
		fs = []file{{tag: pick(g, tagsOK)}, {tag: pick(g, tagsBad)}}
	case x < 0.87:
		fs = []file{{tag: pick(g, tagsBad)}}
	case x < 0.93:
		fs = []file{{tag: tagNewGlibc}}
		if g.chance(0.5) {
			fs = append(fs, file{tag: tagAny})
		}
	default:
		fs = []file{{tag: pick(g, tagsOK)}}
	}
	for i := range fs {
		fs[i].rpOK = true
		if g.chance(0.1) {
			rp := pick(g, requiresPythons)
			fs[i].requiresPython, fs[i].rpOK = rp.spec, rp.ok
		}
	}
	if g.chance(0.07) {
		for i := range fs {
			fs[i].yanked = true
		}
	} else if len(fs) > 1 && g.chance(0.1) {
		fs[0].yanked = true
	}
	return fs
}
