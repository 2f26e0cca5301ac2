package pubgrub

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// memProvider is an in-memory registry: versions are dotted numbers,
// constraints are comma-separated clauses like ">=1.0.0,<2.0.0" or "^1.0.0".
type memProvider struct {
	versions map[string][]string          // ascending
	deps     map[string]map[string]string // "pkg version" → dep → constraint
	unusable map[string]string            // "pkg version" → reason
	texts    map[string]string            // dep → its Requirement, when not "dep constraint"
	notes    map[string]string            // dep → its Note
	calls    int
}

func newMem() *memProvider {
	return &memProvider{versions: map[string][]string{"root": {"0"}}, deps: map[string]map[string]string{}, unusable: map[string]string{}, texts: map[string]string{}, notes: map[string]string{}}
}

func (m *memProvider) add(pkg, version string, deps map[string]string) {
	vs := append(m.versions[pkg], version)
	sort.Slice(vs, func(i, j int) bool { return cmpVersion(vs[i], vs[j]) < 0 })
	m.versions[pkg] = vs
	m.deps[pkg+" "+version] = deps
}

func cmpVersion(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

func matches(v, constraint string) bool {
	for _, c := range strings.Split(constraint, ",") {
		c = strings.TrimSpace(c)
		switch {
		case c == "" || c == "*":
		case strings.HasPrefix(c, "^"):
			base := c[1:]
			major, _ := strconv.Atoi(strings.Split(base, ".")[0])
			if cmpVersion(v, base) < 0 || cmpVersion(v, strconv.Itoa(major+1)) >= 0 {
				return false
			}
		case strings.HasPrefix(c, ">="):
			if cmpVersion(v, c[2:]) < 0 {
				return false
			}
		case strings.HasPrefix(c, "<="):
			if cmpVersion(v, c[2:]) > 0 {
				return false
			}
		case strings.HasPrefix(c, ">"):
			if cmpVersion(v, c[1:]) <= 0 {
				return false
			}
		case strings.HasPrefix(c, "<"):
			if cmpVersion(v, c[1:]) >= 0 {
				return false
			}
		case strings.HasPrefix(c, "=="):
			if cmpVersion(v, c[2:]) != 0 {
				return false
			}
		default:
			panic("bad constraint " + c)
		}
	}
	return true
}

func (m *memProvider) Versions(ctx context.Context, pkg string) (Versions, error) {
	n := len(m.versions[pkg])
	vs := Versions{Count: n}
	for i, v := range m.versions[pkg] {
		if r, ok := m.unusable[pkg+" "+v]; ok {
			vs.Unusable = append(vs.Unusable, Unusable{SetOf(n, i), r})
		}
	}
	return vs, nil
}

func (m *memProvider) Dependencies(ctx context.Context, pkg string, v int) ([]Dependency, string, error) {
	m.calls++
	deps := m.deps[pkg+" "+m.versions[pkg][v]]
	names := make([]string, 0, len(deps))
	for d := range deps {
		names = append(names, d)
	}
	sort.Strings(names)
	var out []Dependency
	for _, d := range names {
		vs := m.versions[d]
		set := EmptySet(len(vs))
		for i, x := range vs {
			if matches(x, deps[d]) {
				set = set.Union(SetOf(len(vs), i))
			}
		}
		text := d + " " + deps[d]
		if t, ok := m.texts[d]; ok {
			text = t
		}
		out = append(out, Dependency{Package: d, Set: set, Requirement: text, Note: m.notes[d]})
	}
	return out, "", nil
}

func (m *memProvider) Describe(pkg string, s Set) string {
	if s.IsFull() {
		return pkg
	}
	var vs []string
	for _, i := range s.Versions() {
		vs = append(vs, m.versions[pkg][i])
	}
	if len(vs) == 1 {
		return pkg + " " + vs[0]
	}
	return pkg + " {" + strings.Join(vs, ", ") + "}"
}

func (m *memProvider) solve(t *testing.T) (map[string]string, error) {
	t.Helper()
	sol, err := Solve(context.Background(), m, "root")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for pkg, v := range sol {
		if pkg != "root" {
			out[pkg] = m.versions[pkg][v]
		}
	}
	return out, nil
}

// The examples of pub's solver documentation.
func TestSolvePubExamples(t *testing.T) {
	t.Run("no conflicts", func(t *testing.T) {
		m := newMem()
		m.add("root", "0", map[string]string{"a": "^1.0.0", "b": "^1.0.0"})
		m.add("a", "1.0.0", map[string]string{"shared": ">=2.0.0,<4.0.0"})
		m.add("b", "1.0.0", map[string]string{"shared": ">=3.0.0,<5.0.0"})
		for _, v := range []string{"2.0.0", "3.0.0", "3.6.9", "4.0.0", "5.0.0"} {
			m.add("shared", v, nil)
		}
		m.versions["root"] = []string{"0"}
		want := map[string]string{"a": "1.0.0", "b": "1.0.0", "shared": "3.6.9"}
		got, err := m.solve(t)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("got %v, %v; want %v", got, err, want)
		}
	})
	t.Run("avoiding conflict during decision making", func(t *testing.T) {
		m := newMem()
		m.add("root", "0", map[string]string{"foo": "^1.0.0", "bar": "^1.0.0"})
		m.versions["root"] = []string{"0"}
		m.add("foo", "1.1.0", map[string]string{"bar": "^2.0.0"})
		m.add("foo", "1.0.0", nil)
		m.add("bar", "1.0.0", nil)
		m.add("bar", "1.1.0", nil)
		m.add("bar", "2.0.0", nil)
		want := map[string]string{"foo": "1.0.0", "bar": "1.1.0"}
		got, err := m.solve(t)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("got %v, %v; want %v", got, err, want)
		}
	})
	t.Run("performing conflict resolution", func(t *testing.T) {
		m := newMem()
		m.add("root", "0", map[string]string{"foo": ">=1.0.0"})
		m.versions["root"] = []string{"0"}
		m.add("foo", "2.0.0", map[string]string{"bar": "^1.0.0"})
		m.add("foo", "1.0.0", nil)
		m.add("bar", "1.0.0", map[string]string{"foo": "^1.0.0"})
		want := map[string]string{"foo": "1.0.0"}
		got, err := m.solve(t)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("got %v, %v; want %v", got, err, want)
		}
	})
	t.Run("conflict resolution with a partial satisfier", func(t *testing.T) {
		m := newMem()
		m.add("root", "0", map[string]string{"foo": "^1.0.0", "target": "^2.0.0"})
		m.versions["root"] = []string{"0"}
		m.add("foo", "1.1.0", map[string]string{"left": "^1.0.0", "right": "^1.0.0"})
		m.add("foo", "1.0.0", nil)
		m.add("left", "1.0.0", map[string]string{"shared": ">=1.0.0"})
		m.add("right", "1.0.0", map[string]string{"shared": "<2.0.0"})
		m.add("shared", "2.0.0", nil)
		m.add("shared", "1.0.0", map[string]string{"target": "^1.0.0"})
		m.add("target", "2.0.0", nil)
		m.add("target", "1.0.0", nil)
		want := map[string]string{"foo": "1.0.0", "target": "2.0.0"}
		got, err := m.solve(t)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("got %v, %v; want %v", got, err, want)
		}
	})
}

func TestSolveExplainsFailure(t *testing.T) {
	tests := []struct {
		name  string
		setup func(m *memProvider)
		want  []string // fragments the explanation must contain, in order
	}{
		{"linear", func(m *memProvider) {
			m.add("root", "0", map[string]string{"foo": "^1.0.0", "baz": "^1.0.0"})
			m.add("foo", "1.0.0", map[string]string{"bar": "^2.0.0"})
			m.add("bar", "2.0.0", map[string]string{"baz": "^3.0.0"})
			m.add("baz", "1.0.0", nil)
			m.add("baz", "3.0.0", nil)
		}, []string{"foo depends on bar ^2.0.0", "bar depends on baz ^3.0.0", "foo depends on baz 3.0.0", "you require", "your requirements are unsatisfiable."}},
		{"branching", func(m *memProvider) {
			m.add("root", "0", map[string]string{"foo": "^1.0.0"})
			m.add("foo", "1.0.0", map[string]string{"a": "^1.0.0", "b": "^1.0.0"})
			m.add("foo", "1.1.0", map[string]string{"x": "^1.0.0", "y": "^1.0.0"})
			m.add("a", "1.0.0", map[string]string{"b": "^2.0.0"})
			m.add("b", "1.0.0", nil)
			m.add("b", "2.0.0", nil)
			m.add("x", "1.0.0", map[string]string{"y": "^2.0.0"})
			m.add("y", "1.0.0", nil)
			m.add("y", "2.0.0", nil)
		}, []string{"a depends on b ^2.0.0", "foo 1.0.0 cannot be used. (1)", "x depends on y ^2.0.0", "foo 1.1.0 cannot be used", "foo 1.0.0 cannot be used (1)", "you require foo ^1.0.0", "your requirements are unsatisfiable."}},
		{"no matching version", func(m *memProvider) {
			m.add("root", "0", map[string]string{"foo": ">=3"})
			m.add("foo", "1.0.0", nil)
		}, []string{"you require foo >=3 (no version of foo matches)", "your requirements are unsatisfiable."}},
		{"a note on no matching version", func(m *memProvider) {
			m.add("root", "0", map[string]string{"foo": ">=3"})
			m.add("foo", "1.0.0", nil)
			m.notes["foo"] = "foo 3.0.0 (yanked)"
		}, []string{"you require foo >=3 (no version of foo matches but foo 3.0.0 (yanked))", "your requirements are unsatisfiable."}},
		{"one requirement, two packages", func(m *memProvider) {
			// "a[x]" is a dependency on a and one on a[x], with one text.
			m.add("root", "0", map[string]string{"a": ">=1", "a[x]": ">=1"})
			m.texts["a"], m.texts["a[x]"] = "a[x]", "a[x]"
			m.add("a", "1", map[string]string{"c": ">=2"})
			m.add("a[x]", "1", map[string]string{"c": "<2"})
			m.add("c", "1", nil)
			m.add("c", "2", nil)
		}, []string{"a[x] depends on c <2", "a depends on c >=2", "And because you require a[x], your requirements are unsatisfiable."}},
		{"unusable versions", func(m *memProvider) {
			m.add("root", "0", map[string]string{"foo": ">=1"})
			m.add("foo", "1.0.0", nil)
			m.add("foo", "2.0.0", nil)
			m.unusable["foo 1.0.0"] = "has no wheel for the target"
			m.unusable["foo 2.0.0"] = "has no wheel for the target"
		}, []string{"has no wheel for the target", "your requirements are unsatisfiable."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMem()
			tt.setup(m)
			m.versions["root"] = []string{"0"}
			_, err := m.solve(t)
			var ns *NoSolutionError
			if !errors.As(err, &ns) {
				t.Fatalf("got %v, want a NoSolutionError", err)
			}
			msg := err.Error()
			rest := msg
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("explanation lacks %q (in order):\n%s", w, msg)
				}
				rest = rest[i+len(w):]
			}
			if strings.Contains(msg, "require a[x] and you require a[x]") {
				t.Errorf("explanation repeats a clause:\n%s", msg)
			}
			t.Logf("\n%s", msg)
		})
	}
}

// TestSolveAgainstBruteForce compares the solver with an exhaustive search
// on thousands of random small registries: it must find a solution exactly
// when one exists, and every solution it gives must hold.
func TestSolveAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	solvable, unsolvable := 0, 0
	for iter := range 3000 {
		m, pkgs := randomRegistry(r)
		got, err := m.solve(t)
		exists := bruteForce(m, pkgs)
		var ns *NoSolutionError
		switch {
		case err != nil && !errors.As(err, &ns):
			t.Fatalf("case %d: %v", iter, err)
		case err != nil:
			if exists {
				t.Fatalf("case %d: solver found no solution but one exists:\n%s\nregistry: %v", iter, err, m.deps)
			}
			if ns.Error() == "" {
				t.Fatalf("case %d: empty explanation", iter)
			}
			unsolvable++
		default:
			if !exists {
				t.Fatalf("case %d: solver returned %v but brute force finds none", iter, got)
			}
			if msg := check(m, got); msg != "" {
				t.Fatalf("case %d: invalid solution %v: %s\nregistry: %v", iter, got, msg, m.deps)
			}
			again, _ := m.solve(t)
			if !reflect.DeepEqual(got, again) {
				t.Fatalf("case %d: not deterministic: %v then %v", iter, got, again)
			}
			solvable++
		}
	}
	if solvable < 300 || unsolvable < 300 {
		t.Fatalf("random registries too one-sided: %d solvable, %d unsolvable", solvable, unsolvable)
	}
}

func randomRegistry(r *rand.Rand) (*memProvider, []string) {
	m := newMem()
	n := 2 + r.IntN(4)
	pkgs := make([]string, n)
	for i := range pkgs {
		pkgs[i] = fmt.Sprintf("p%d", i)
		for v := 1; v <= 1+r.IntN(4); v++ {
			m.add(pkgs[i], strconv.Itoa(v), nil)
		}
	}
	randomDeps := func(self string) map[string]string {
		deps := map[string]string{}
		for _, p := range pkgs {
			if p == self || r.IntN(3) != 0 {
				continue
			}
			lo, hi := 1+r.IntN(4), 1+r.IntN(5)
			if lo > hi {
				lo, hi = hi, lo
			}
			deps[p] = fmt.Sprintf(">=%d,<=%d", lo, hi)
		}
		return deps
	}
	m.deps["root 0"] = randomDeps("")
	for _, p := range pkgs {
		for _, v := range m.versions[p] {
			m.deps[p+" "+v] = randomDeps(p)
			if r.IntN(12) == 0 {
				m.unusable[p+" "+v] = "is broken"
			}
		}
	}
	return m, pkgs
}

// check verifies that a selection satisfies every dependency of root and
// of each selected version, and uses no unusable version.
func check(m *memProvider, sel map[string]string) string {
	sel = maps(sel)
	sel["root"] = "0"
	for pkg, v := range sel {
		if _, bad := m.unusable[pkg+" "+v]; bad {
			return pkg + " " + v + " is unusable"
		}
		for d, c := range m.deps[pkg+" "+v] {
			dv, ok := sel[d]
			if !ok || !matches(dv, c) {
				return fmt.Sprintf("%s %s needs %s %s, has %q", pkg, v, d, c, dv)
			}
		}
	}
	return ""
}

func maps(in map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range in {
		out[k] = v
	}
	return out
}

func bruteForce(m *memProvider, pkgs []string) bool {
	sel := map[string]string{}
	var try func(i int) bool
	try = func(i int) bool {
		if i == len(pkgs) {
			return check(m, sel) == ""
		}
		delete(sel, pkgs[i])
		if try(i + 1) {
			return true
		}
		for _, v := range m.versions[pkgs[i]] {
			sel[pkgs[i]] = v
			if try(i + 1) {
				return true
			}
		}
		delete(sel, pkgs[i])
		return false
	}
	return try(0)
}

func TestSetOperations(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 65, 130} {
		full := FullSet(n)
		if full.Count() != n || !full.IsFull() {
			t.Fatalf("FullSet(%d).Count() = %d", n, full.Count())
		}
		if !full.Complement().IsEmpty() {
			t.Fatalf("complement of full %d not empty", n)
		}
		if n == 0 {
			continue
		}
		odd := EmptySet(n)
		for i := 1; i < n; i += 2 {
			odd = odd.Union(SetOf(n, i))
		}
		even := odd.Complement()
		if !odd.Intersect(even).IsEmpty() || !odd.Union(even).IsFull() {
			t.Fatalf("n=%d: odd/even not a partition", n)
		}
		if even.Highest() != (n-1)-((n-1)%2) {
			t.Fatalf("n=%d: Highest(even) = %d", n, even.Highest())
		}
		if !SetOf(n, 0).SubsetOf(even) || SetOf(n, 0).SubsetOf(odd) {
			t.Fatalf("n=%d: SubsetOf wrong", n)
		}
	}
}
