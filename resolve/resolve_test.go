package resolve

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/index"
	"github.com/clusterpack/clusterpack/internal/progress"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/pypa/pep508"
	"github.com/clusterpack/clusterpack/target"
)

// memSource is an in-memory index of real wheels built by testindex: fast
// unit tests of the resolver's rules. The same rules run against a real
// index server in the integration tests.
type memSource struct {
	projects map[string]*index.Project
	metadata map[string][]byte // URL → METADATA
	fetches  atomic.Int64
}

type dist struct {
	name, version, tag string
	requires           []string
	requiresPython     string
	extras             []string
	yanked             bool
	yankedReason       string
	sdist              bool
	uploaded           string // RFC 3339 upload time; "" for none
}

func newSource(t *testing.T, dists ...dist) *memSource {
	t.Helper()
	s := &memSource{projects: map[string]*index.Project{}, metadata: map[string][]byte{}}
	for _, d := range dists {
		name := pep503.Normalize(d.name)
		var filename string
		var md []byte
		if d.sdist {
			spec := testindex.SdistSpec{Name: d.name, Version: d.version, RequiresDist: d.requires, RequiresPython: d.requiresPython, ProvidesExtra: d.extras}
			filename = spec.Filename()
			md = []byte(fmt.Sprintf("Metadata-Version: 2.2\nName: %s\nVersion: %s\n", d.name, d.version))
			for _, r := range d.requires {
				md = append(md, "Requires-Dist: "+r+"\n"...)
			}
		} else {
			spec := testindex.WheelSpec{Name: d.name, Version: d.version, Tag: d.tag, RequiresDist: d.requires, RequiresPython: d.requiresPython, ProvidesExtra: d.extras}
			data, err := testindex.BuildWheel(spec)
			if err != nil {
				t.Fatal(err)
			}
			filename = spec.Filename()
			md = wheelMetadata(t, data)
		}
		p := s.projects[name]
		if p == nil {
			p = &index.Project{Name: name}
			s.projects[name] = p
		}
		url := "https://index.test/files/" + filename
		var uploaded time.Time
		if d.uploaded != "" {
			var err error
			if uploaded, err = time.Parse(time.RFC3339, d.uploaded); err != nil {
				t.Fatal(err)
			}
		}
		p.Files = append(p.Files, index.File{Filename: filename, URL: url, RequiresPython: d.requiresPython, Yanked: d.yanked, YankedReason: d.yankedReason, Hashes: map[string]string{"sha256": "00"}, UploadTime: uploaded})
		s.metadata[url] = md
	}
	return s
}

func (s *memSource) Project(ctx context.Context, name string) (*index.Project, error) {
	p, ok := s.projects[name]
	if !ok {
		return nil, &index.NotFoundError{Project: name, Indexes: []string{"https://index.test/simple/"}}
	}
	return p, nil
}

func (s *memSource) Metadata(ctx context.Context, f index.File) ([]byte, error) {
	s.fetches.Add(1)
	return s.metadata[f.URL], nil
}

func linux311(t *testing.T) *target.Target {
	t.Helper()
	tg, err := target.Resolve(context.Background(), target.Spec{Python: "3.11", Platforms: []string{"manylinux_2_28_x86_64"}}, target.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func reqs(t *testing.T, lines ...string) []pep508.Requirement {
	t.Helper()
	var out []pep508.Requirement
	for _, l := range lines {
		r, err := pep508.ParseRequirement(l)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func pins(res *Resolution) map[string]string {
	out := map[string]string{}
	for _, p := range res.Packages {
		out[p.Name] = p.Version.String()
	}
	return out
}

func TestResolveRules(t *testing.T) {
	tests := []struct {
		name        string
		dists       []dist
		requires    []string
		constraints []string
		tweak       func(*Options)
		want        map[string]string
	}{
		{"newest that fits", []dist{
			{name: "a", version: "1.0"}, {name: "a", version: "2.0", requires: []string{"b<2"}},
			{name: "b", version: "1.5"}, {name: "b", version: "2.1"},
		}, []string{"a"}, nil, nil, map[string]string{"a": "2.0", "b": "1.5"}},
		{"backtracks on conflict", []dist{
			{name: "a", version: "1.0", requires: []string{"c>=1"}}, {name: "a", version: "2.0", requires: []string{"c>=3"}},
			{name: "b", version: "1.0", requires: []string{"c<3"}},
			{name: "c", version: "1.0"}, {name: "c", version: "2.0"}, {name: "c", version: "3.0"},
		}, []string{"a", "b"}, nil, nil, map[string]string{"a": "1.0", "b": "1.0", "c": "2.0"}},
		{"extras", []dist{
			{name: "a", version: "1.0", extras: []string{"x"}, requires: []string{"b", `c>=2; extra == "x"`}},
			{name: "b", version: "1.0"}, {name: "c", version: "1.0"}, {name: "c", version: "2.0"},
		}, []string{"a[x]"}, nil, nil, map[string]string{"a": "1.0", "b": "1.0", "c": "2.0"}},
		{"extra not requested", []dist{
			{name: "a", version: "1.0", extras: []string{"x"}, requires: []string{`c; extra == "x"`}},
			{name: "c", version: "1.0"},
		}, []string{"a"}, nil, nil, map[string]string{"a": "1.0"}},
		{"markers for the target", []dist{
			{name: "a", version: "1.0", requires: []string{`win; sys_platform == "win32"`, `old; python_version < "3.10"`, `new; python_version >= "3.11"`}},
			{name: "new", version: "1.0"},
		}, []string{"a"}, nil, nil, map[string]string{"a": "1.0", "new": "1.0"}},
		{"pre-releases skipped", []dist{
			{name: "a", version: "1.0"}, {name: "a", version: "2.0b1"},
		}, []string{"a"}, nil, nil, map[string]string{"a": "1.0"}},
		{"pre-release named", []dist{
			{name: "a", version: "1.0"}, {name: "a", version: "2.0b1"},
		}, []string{"a>=2.0b1"}, nil, nil, map[string]string{"a": "2.0b1"}},
		{"pre-releases with --pre", []dist{
			{name: "a", version: "1.0"}, {name: "a", version: "2.0b1"},
		}, []string{"a"}, nil, func(o *Options) { o.Prereleases = true }, map[string]string{"a": "2.0b1"}},
		{"only pre-releases", []dist{
			{name: "a", version: "2.0b1"}, {name: "a", version: "2.0rc1"},
		}, []string{"a"}, nil, nil, map[string]string{"a": "2.0rc1"}},
		{"yanked skipped", []dist{
			{name: "a", version: "1.0"}, {name: "a", version: "2.0", yanked: true},
		}, []string{"a"}, nil, nil, map[string]string{"a": "1.0"}},
		{"yanked pinned", []dist{
			{name: "a", version: "1.0"}, {name: "a", version: "2.0", yanked: true},
		}, []string{"a==2.0"}, nil, nil, map[string]string{"a": "2.0"}},
		// PEP 592 opt-ins are the package's, not one requirement's: a
		// root or constraint pin lets every other requirement on the
		// package accept the yanked version (pip and uv agree).
		{"yanked pinned by the user, accepted by a dependency", []dist{
			{name: "a", version: "1.0", requires: []string{"b>0.1"}},
			{name: "b", version: "0.5"}, {name: "b", version: "1.0.0", yanked: true},
		}, []string{"b==1.0.0", "a"}, nil, nil, map[string]string{"a": "1.0", "b": "1.0.0"}},
		{"yanked pinned after the dependency", []dist{
			{name: "a", version: "1.0", requires: []string{"b>0.1"}},
			{name: "b", version: "0.5"}, {name: "b", version: "1.0.0", yanked: true}, {name: "b", version: "2.0"},
		}, []string{"a", "b==1.0"}, nil, nil, map[string]string{"a": "1.0", "b": "1.0.0"}},
		{"yanked pinned by a constraint", []dist{
			{name: "a", version: "1.0", requires: []string{"b>0.1"}},
			{name: "b", version: "0.5"}, {name: "b", version: "1.0.0", yanked: true},
		}, []string{"a"}, []string{"b==1.0.0"}, nil, map[string]string{"a": "1.0", "b": "1.0.0"}},
		{"yanked pinned by a dependency alone", []dist{
			{name: "a", version: "1.0", requires: []string{"b==1.0.0"}},
			{name: "b", version: "0.5"}, {name: "b", version: "1.0.0", yanked: true},
		}, []string{"a"}, nil, nil, map[string]string{"a": "1.0", "b": "1.0.0"}},
		{"a pin among other clauses opts nothing in", []dist{
			{name: "a", version: "1.0", requires: []string{"b>0.1"}},
			{name: "b", version: "0.5"}, {name: "b", version: "1.0.0", yanked: true},
		}, []string{"b>=0.5,!=0.6", "a"}, nil, nil, map[string]string{"a": "1.0", "b": "0.5"}},
		// A root requirement naming a pre-release allows pre-releases of
		// the package for every requirement on it.
		{"pre-release named by a root requirement, for the dependencies", []dist{
			{name: "x", version: "1.0", requires: []string{"c==2.0.0b1"}},
			{name: "y", version: "1.0", requires: []string{"c>=1,<=3"}},
			{name: "c", version: "1.0"}, {name: "c", version: "2.0.0b1"}, {name: "c", version: "3.0"},
		}, []string{"c>=0.0.0a1", "x", "y"}, nil, nil, map[string]string{"c": "2.0.0b1", "x": "1.0", "y": "1.0"}},
		{"pre-release named by a root requirement, plain dependency", []dist{
			{name: "y", version: "1.0", requires: []string{"c>=1"}},
			{name: "c", version: "1.0"}, {name: "c", version: "2.0b1"},
		}, []string{"c>=2.0b1", "y"}, nil, nil, map[string]string{"c": "2.0b1", "y": "1.0"}},
		{"pre-release opt-in takes the newest", []dist{
			{name: "y", version: "1.0", requires: []string{"c<3"}},
			{name: "c", version: "1.0"}, {name: "c", version: "2.0b1"}, {name: "c", version: "3.0"},
		}, []string{"c>=0.0.0a1", "y"}, nil, nil, map[string]string{"c": "2.0b1", "y": "1.0"}},
		{"a dependency naming a pre-release opts in only itself", []dist{
			{name: "x", version: "1.0", requires: []string{"c>=1.0a1"}},
			{name: "y", version: "1.0", requires: []string{"c>=1"}},
			{name: "c", version: "1.0"}, {name: "c", version: "2.0b1"},
		}, []string{"x", "y"}, nil, nil, map[string]string{"c": "1.0", "x": "1.0", "y": "1.0"}},
		{"an exclusion of a pre-release opts nothing in", []dist{
			{name: "y", version: "1.0", requires: []string{"c>=1"}},
			{name: "c", version: "1.0"}, {name: "c", version: "2.0b1"}, {name: "c", version: "2.0b2"},
		}, []string{"c!=2.0b1", "y"}, nil, nil, map[string]string{"c": "1.0", "y": "1.0"}},
		{"requires-python of the file", []dist{
			{name: "a", version: "1.0"}, {name: "a", version: "2.0", requiresPython: ">=3.12"},
		}, []string{"a"}, nil, nil, map[string]string{"a": "1.0"}},
		{"wheel tags", []dist{
			{name: "a", version: "1.0", tag: "cp311-cp311-manylinux_2_17_x86_64"},
			{name: "a", version: "2.0", tag: "cp312-cp312-manylinux_2_17_x86_64"},
			{name: "a", version: "3.0", tag: "cp311-cp311-manylinux_2_34_x86_64"},
		}, []string{"a"}, nil, nil, map[string]string{"a": "1.0"}},
		{"constraints", []dist{
			{name: "a", version: "1.0", requires: []string{"b"}},
			{name: "b", version: "1.4"}, {name: "b", version: "1.6"}, {name: "c", version: "1.0"},
		}, []string{"a"}, []string{"b<1.5", "c<1"}, nil, map[string]string{"a": "1.0", "b": "1.4"}},
		{"preferences kept", []dist{
			{name: "a", version: "1.0"}, {name: "a", version: "2.0"},
		}, []string{"a"}, nil, func(o *Options) { o.Preferences = map[string]string{"a": "1.0"} }, map[string]string{"a": "1.0"}},
		{"preference that no longer fits", []dist{
			{name: "a", version: "1.0"}, {name: "a", version: "2.0"},
		}, []string{"a>=2"}, nil, func(o *Options) { o.Preferences = map[string]string{"a": "1.0"} }, map[string]string{"a": "2.0"}},
		{"one version spelled twice", []dist{
			{name: "a", version: "1.0", tag: "py3-none-any"}, {name: "a", version: "1.0.0", tag: "cp311-cp311-manylinux_2_17_x86_64"},
		}, []string{"a==1"}, nil, nil, map[string]string{"a": "1.0"}},
		{"self extras", []dist{
			{name: "a", version: "1.0", extras: []string{"all", "x"}, requires: []string{`a[x]; extra == "all"`, `c; extra == "x"`}},
			{name: "c", version: "1.0"},
		}, []string{"a[all]"}, nil, nil, map[string]string{"a": "1.0", "c": "1.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Target: linux311(t), Source: newSource(t, tt.dists...)}
			if tt.tweak != nil {
				tt.tweak(&opts)
			}
			res, err := Resolve(context.Background(), Request{Requirements: reqs(t, tt.requires...), Constraints: reqs(t, tt.constraints...)}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := pins(res); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("resolved %v, want %v", got, tt.want)
			}
		})
	}
}

func TestResolveExplains(t *testing.T) {
	tests := []struct {
		name     string
		dists    []dist
		requires []string
		tweak    func(*Options)
		want     []string
		absent   []string // what the explanation must not say
	}{
		{"conflict", []dist{
			{name: "a", version: "1.0", requires: []string{"c>=2"}},
			{name: "b", version: "1.0", requires: []string{"c<2"}},
			{name: "c", version: "1.0"}, {name: "c", version: "2.0"},
		}, []string{"a", "b"}, nil, []string{"a depends on c>=2", "b depends on c<2", "your requirements are unsatisfiable"}, nil},
		{"no wheel for the target", []dist{
			{name: "a", version: "1.0", tag: "cp312-cp312-win_amd64"},
		}, []string{"a"}, nil, []string{"a has no wheel for the target", "cp312-cp312-win_amd64", "Python 3.11.0 on manylinux_2_28_x86_64"}, nil},
		{"python too old", []dist{
			{name: "a", version: "1.0", requiresPython: ">=3.12"},
		}, []string{"a"}, nil, []string{"requires Python >=3.12 (the target has 3.11.0)"}, nil},
		{"no such version", []dist{
			{name: "a", version: "1.0"},
		}, []string{"a>=5"}, nil, []string{"you require a>=5 (no version of a matches; available: 1.0)"}, nil},
		{"no such version among many", []dist{
			{name: "a", version: "1.0"}, {name: "a", version: "1.1"}, {name: "a", version: "1.2"}, {name: "a", version: "1.3"},
			{name: "a", version: "1.4"}, {name: "a", version: "1.5"}, {name: "a", version: "1.6"}, {name: "a", version: "1.7"},
			{name: "a", version: "1.8"}, {name: "a", version: "1.9"}, {name: "a", version: "1.10"},
		}, []string{"a>=5"}, nil, []string{"(no version of a matches; available: 1.0, 1.1, ..., 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 1.10 (11 versions))"}, nil},
		{"sdist without a builder", []dist{
			{name: "a", version: "1.0", sdist: true},
		}, []string{"a"}, nil, []string{"a has only a source distribution (its metadata needs a PEP 517 build)"}, nil},
		{"only-binary", []dist{
			{name: "a", version: "1.0", sdist: true},
		}, []string{"a"}, func(o *Options) { o.OnlyBinary = FormatControl{All: true} }, []string{"a has only a source distribution (only-binary is set for it)"}, nil},
		{"yanked, with its reason", []dist{
			{name: "b", version: "0.5"}, {name: "b", version: "1.0", yanked: true, yankedReason: "broken\n  build "},
		}, []string{"b>=1"}, nil, []string{"you require b>=1 (no version of b matches but b==1.0 (yanked, reason: broken build); available: 0.5)"}, nil},
		{"yanked by a dependency's range", []dist{
			{name: "a", version: "1.0", requires: []string{"b>=1"}},
			{name: "b", version: "0.5"}, {name: "b", version: "1.0", yanked: true, yankedReason: "CVE-2024-0001"}, {name: "b", version: "1.1", yanked: true},
		}, []string{"a"}, nil, []string{"a depends on b>=1 (no version of b matches but b==1.0 (yanked, reason: CVE-2024-0001) and b==1.1 (yanked); available: 0.5)"}, nil},
		{"every version yanked", []dist{
			{name: "b", version: "1.0", yanked: true},
		}, []string{"b"}, nil, []string{"you require b (no version of b matches but b==1.0 (yanked); available: none)"}, nil},
		{"no repeated clause", []dist{
			{name: "a", version: "1.0", extras: []string{"extra-b", "extra-c"}, requires: []string{`c>=2; extra == "extra-b"`, `c<2; extra == "extra_c"`}},
			{name: "c", version: "1.0"}, {name: "c", version: "2.0"},
		}, []string{"a[extra_b,extra_c]"}, nil, []string{"And because you require a[extra-b,extra-c], your requirements are unsatisfiable."},
			[]string{"you require a[extra-b,extra-c] and you require"}},
		{"canonical extras", []dist{
			{name: "a", version: "1.0", extras: []string{"extra-b", "extra-c"}},
		}, []string{"A[Extra.C,extra_b,EXTRA-B]>=5"}, nil, []string{"you require a[extra-b,extra-c]>=5 (no version of a matches; available: 1.0)"},
			[]string{"Extra", "extra_b", "no version of a[extra"}},
		{"available list of a dependency", []dist{
			{name: "a", version: "1.0", requires: []string{"b>=3"}}, {name: "b", version: "1.0"}, {name: "b", version: "2.0"},
		}, []string{"a"}, nil, []string{"a depends on b>=3 (no version of b matches; available: 1.0, 2.0)"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Target: linux311(t), Source: newSource(t, tt.dists...)}
			if tt.tweak != nil {
				tt.tweak(&opts)
			}
			_, err := Resolve(context.Background(), Request{Requirements: reqs(t, tt.requires...)}, opts)
			var ns *NoSolutionError
			if !errors.As(err, &ns) {
				t.Fatalf("got %v, want a NoSolutionError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("explanation lacks %q:\n%s", w, err)
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(err.Error(), w) {
					t.Errorf("explanation says %q:\n%s", w, err)
				}
			}
			t.Logf("\n%s", err)
		})
	}
}

// TestResolveNotFound: a dependency no index has makes the version that
// needs it unusable; the resolver backtracks, and only when nothing works
// does the explanation name the missing project and where it looked. A
// root requirement on a missing project is an index.NotFoundError.
func TestResolveNotFound(t *testing.T) {
	tests := []struct {
		name     string
		dists    []dist
		requires []string
		want     map[string]string // the resolution, or nil
		explains []string          // what the explanation says, when nothing works
	}{
		{"older version without it", []dist{
			{name: "b", version: "2.0.0"}, {name: "b", version: "3.0.0", requires: []string{"nothere>=1"}},
		}, []string{"b"}, map[string]string{"b": "2.0.0"}, nil},
		{"through an extra", []dist{
			{name: "a", version: "1.0", extras: []string{"x"}, requires: []string{"b"}},
			{name: "a", version: "2.0", extras: []string{"x"}, requires: []string{"b", `nothere; extra == "x"`}},
			{name: "b", version: "1.0"},
		}, []string{"a[x]"}, map[string]string{"a": "1.0", "b": "1.0"}, nil},
		{"deeper down", []dist{
			{name: "a", version: "1.0", requires: []string{"b"}}, {name: "a", version: "2.0", requires: []string{"b>=2"}},
			{name: "b", version: "1.0"}, {name: "b", version: "2.0", requires: []string{"Not_There"}},
		}, []string{"a"}, map[string]string{"a": "1.0", "b": "1.0"}, nil},
		{"nothing works", []dist{
			{name: "a", version: "1.0", requires: []string{"missing>=1"}},
		}, []string{"a"}, nil, []string{"a depends on missing>=1, a project no index has (searched https://index.test/simple/)"}},
		{"every version needs it", []dist{
			{name: "b", version: "1.0", requires: []string{"nothere"}}, {name: "b", version: "2.0", requires: []string{"nothere>=2"}},
		}, []string{"b"}, nil, []string{"b==1.0 depends on nothere, a project no index has", "b==2.0 depends on nothere>=2, a project no index has"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Target: linux311(t), Source: newSource(t, tt.dists...)}
			res, err := Resolve(context.Background(), Request{Requirements: reqs(t, tt.requires...)}, opts)
			if tt.want != nil {
				if err != nil {
					t.Fatal(err)
				}
				if got := pins(res); !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("resolved %v, want %v", got, tt.want)
				}
				return
			}
			var ns *NoSolutionError
			if !errors.As(err, &ns) {
				t.Fatalf("got %v, want a NoSolutionError", err)
			}
			t.Logf("\n%s", err)
			for _, w := range tt.explains {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("explanation lacks %q:\n%s", w, err)
				}
			}
		})
	}
	opts := Options{Target: linux311(t), Source: newSource(t, dist{name: "a", version: "1.0"})}
	_, err := Resolve(context.Background(), Request{Requirements: reqs(t, "a", "nothere")}, opts)
	var nf *index.NotFoundError
	if !errors.As(err, &nf) || nf.Project != "nothere" {
		t.Fatalf("a root requirement on a missing project gave %v, want an index.NotFoundError", err)
	}
}

func TestResolveSdistMetadata(t *testing.T) {
	src := newSource(t, dist{name: "a", version: "1.0", sdist: true, requires: []string{"b"}}, dist{name: "b", version: "1.0"})
	called := 0
	opts := Options{Target: linux311(t), Source: src, SdistMetadata: func(ctx context.Context, f index.File) ([]byte, error) {
		called++
		return src.metadata[f.URL], nil
	}}
	res, err := Resolve(context.Background(), Request{Requirements: reqs(t, "a")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := pins(res); !reflect.DeepEqual(got, map[string]string{"a": "1.0", "b": "1.0"}) || called != 1 {
		t.Fatalf("resolved %v with %d sdist calls", got, called)
	}
	a := res.Packages[0]
	if a.Sdist == nil || len(a.Wheels) != 0 || !a.Direct || !reflect.DeepEqual(a.Dependencies, []string{"b"}) {
		t.Fatalf("package a = %+v", a)
	}
}

func wheelMetadata(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".dist-info/METADATA") {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatal("wheel has no METADATA")
	return nil
}

func TestDirectURLRequirement(t *testing.T) {
	opts := Options{Target: linux311(t), Source: newSource(t, dist{name: "a", version: "1.0"})}
	_, err := Resolve(context.Background(), Request{Requirements: reqs(t, "a @ https://files.example/a-1.0-py3-none-any.whl")}, opts)
	if !errors.Is(err, ErrDirectURL) || !strings.Contains(err.Error(), "find-links") {
		t.Fatalf("got %v, want ErrDirectURL", err)
	}
}

// TestResolvePreferBinary: with PreferBinary, a version with a wheel for
// the target is tried before any newer source-only one, as pip's
// --prefer-binary orders candidates; an earlier lock's pin still wins.
func TestResolvePreferBinary(t *testing.T) {
	world := []dist{
		{name: "a", version: "1.4", tag: "cp311-cp311-manylinux_2_17_x86_64"},
		{name: "a", version: "1.5", tag: "cp311-cp311-manylinux_2_17_x86_64"},
		{name: "a", version: "1.6", tag: "cp311-cp311-manylinux_2_34_x86_64"}, // not for the target
		{name: "a", version: "2.0", sdist: true},
		{name: "b", version: "1.0", requires: []string{"a"}},
		{name: "c", version: "1.0", tag: "cp311-cp311-manylinux_2_17_x86_64", requires: []string{"d>=2"}},
		{name: "c", version: "0.9", tag: "cp311-cp311-manylinux_2_17_x86_64"},
		{name: "c", version: "2.0", sdist: true},
		{name: "d", version: "1.0"},
		{name: "e", version: "3.0"}, {name: "e", version: "3.1", sdist: true}, {name: "e", version: "3.2"},
	}
	tests := []struct {
		name     string
		prefer   bool
		requires []string
		prefs    map[string]string
		want     map[string]string
		passed   map[string]string // package → NewerSdistOnly
	}{
		{"off: the newest, from source", false, []string{"a"}, nil, map[string]string{"a": "2.0"}, nil},
		{"on: the newest with a wheel", true, []string{"a"}, nil, map[string]string{"a": "1.5"}, map[string]string{"a": "2.0"}},
		{"on, as a dependency", true, []string{"b"}, nil, map[string]string{"a": "1.5", "b": "1.0"}, map[string]string{"a": "2.0"}},
		{"on, but only the sdist is allowed", true, []string{"a>=2"}, nil, map[string]string{"a": "2.0"}, nil},
		{"on, an earlier pin wins", true, []string{"a"}, map[string]string{"a": "2.0"}, map[string]string{"a": "2.0"}, nil},
		{"on, the newest has a wheel", true, []string{"e"}, nil, map[string]string{"e": "3.2"}, nil},
		{"on, backtracking stays on wheels", true, []string{"c"}, nil, map[string]string{"c": "0.9"}, map[string]string{"c": "2.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newSource(t, world...)
			opts := Options{Target: linux311(t), Source: src, PreferBinary: tt.prefer, Preferences: tt.prefs,
				SdistMetadata: func(ctx context.Context, f index.File) ([]byte, error) { return src.metadata[f.URL], nil }}
			res, err := Resolve(context.Background(), Request{Requirements: reqs(t, tt.requires...)}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := pins(res); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("resolved %v, want %v", got, tt.want)
			}
			passed := map[string]string{}
			for _, p := range res.Packages {
				if p.NewerSdistOnly != nil {
					passed[p.Name] = p.NewerSdistOnly.String()
				}
				if p.NewerSdistOnly != nil && len(p.Wheels) == 0 {
					t.Errorf("%s %s has no wheel but passed over %s", p.Name, p.Version, p.NewerSdistOnly)
				}
			}
			if tt.passed == nil {
				tt.passed = map[string]string{}
			}
			if !reflect.DeepEqual(passed, tt.passed) {
				t.Errorf("passed over %v, want %v", passed, tt.passed)
			}
		})
	}
}

func TestResolveExcludeNewer(t *testing.T) {
	const tag = "cp311-cp311-manylinux_2_17_x86_64"
	world := []dist{
		{name: "a", version: "1.0", tag: tag, uploaded: "2024-01-01T00:00:00Z"},
		{name: "a", version: "1.1", tag: tag, uploaded: "2024-06-01T00:00:00Z", requires: []string{"b>=2"}},
		{name: "a", version: "2.0", tag: tag, uploaded: "2025-01-01T00:00:00Z"},
		{name: "b", version: "1.0", tag: tag, uploaded: "2023-01-01T00:00:00Z"},
		{name: "b", version: "2.0", tag: tag, uploaded: "2024-07-01T00:00:00Z"},
		// c 1.0's wheel came years after its sdist: before the wheel, only
		// the sdist existed.
		{name: "c", version: "1.0", sdist: true, uploaded: "2020-01-01T00:00:00Z"},
		{name: "c", version: "1.0", tag: tag, uploaded: "2023-01-01T00:00:00Z"},
		{name: "d", version: "1.0", tag: tag}, // an index that gives no upload times
	}
	tests := []struct {
		name, cutoff string
		requires     []string
		want         map[string]string
		wantErr      string
	}{
		{"no cutoff: the newest", "", []string{"a"}, map[string]string{"a": "2.0"}, ""},
		{"a cutoff between releases", "2024-12-31T00:00:00Z", []string{"a"}, map[string]string{"a": "1.1", "b": "2.0"}, ""},
		// b 2.0 did not exist yet, so a 1.1 cannot be had and a 1.0 is locked.
		{"a dependency too new backtracks", "2024-06-15T00:00:00Z", []string{"a"}, map[string]string{"a": "1.0"}, ""},
		// The cutoff is exclusive: a file uploaded at it is left out.
		{"uploaded at the cutoff", "2025-01-01T00:00:00Z", []string{"a"}, map[string]string{"a": "1.1", "b": "2.0"}, ""},
		{"nothing yet", "2023-06-01T00:00:00Z", []string{"a"}, nil, "available: none; 3 newer left out, uploaded after the cutoff 2023-06-01T00:00:00Z"},
		{"a file uploaded later is left out", "2021-01-01T00:00:00Z", []string{"c"}, map[string]string{"c": "1.0"}, ""},
		{"no upload time", "2030-01-01T00:00:00Z", []string{"d"}, nil, "has no upload time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newSource(t, world...)
			opts := Options{Target: linux311(t), Source: src,
				SdistMetadata: func(ctx context.Context, f index.File) ([]byte, error) { return src.metadata[f.URL], nil }}
			if tt.cutoff != "" {
				c, err := time.Parse(time.RFC3339, tt.cutoff)
				if err != nil {
					t.Fatal(err)
				}
				opts.ExcludeNewer = c
			}
			res, err := Resolve(context.Background(), Request{Requirements: reqs(t, tt.requires...)}, opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := pins(res); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("resolved %v, want %v", got, tt.want)
			}
			if tt.name == "a file uploaded later is left out" {
				if p := res.Packages[0]; len(p.Wheels) != 0 || p.Sdist == nil {
					t.Errorf("c 1.0 has wheels %v and sdist %v, want only the sdist", p.Wheels, p.Sdist)
				}
			}
		})
	}
}

// TestResolveReportsProgress: every package resolved is reported once,
// with the count so far.
func TestResolveReportsProgress(t *testing.T) {
	var (
		mu     sync.Mutex
		events []progress.Event
	)
	opts := Options{Target: linux311(t), Source: newSource(t,
		dist{name: "a", version: "1.0", requires: []string{"b", "c"}},
		dist{name: "b", version: "1.0", requires: []string{"c"}},
		dist{name: "c", version: "1.0"}),
		Progress: func(e progress.Event) { mu.Lock(); events = append(events, e); mu.Unlock() }}
	if _, err := Resolve(context.Background(), Request{Requirements: reqs(t, "a")}, opts); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, e := range events {
		if e.Step != progress.Resolve || e.Done != int64(i+1) || seen[e.Name] {
			t.Errorf("event %d: %+v", i, e)
		}
		seen[e.Name] = true
	}
	if len(seen) != 3 || !seen["a"] || !seen["b"] || !seen["c"] {
		t.Errorf("packages reported: %v, want a, b and c", seen)
	}
}
