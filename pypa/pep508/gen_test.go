package pep508

import (
	"math/rand/v2"
	"strings"
)

// Deterministic generators of requirement and marker strings for the
// differential tests: mostly plausible inputs, with odd whitespace, legacy
// spellings, escapes and random damage mixed in.

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

var (
	genVariables = []string{
		"python_version", "python_full_version", "os_name", "os.name", "sys_platform", "sys.platform",
		"platform_release", "platform_system", "platform_version", "platform.version", "platform_machine",
		"platform.machine", "platform_python_implementation", "platform.python_implementation",
		"python_implementation", "implementation_name", "implementation_version", "extra",
		"extras", "dependency_groups",
	}
	genBadVariables = []string{"python_versions", "foo", "os__name", "platform.release", "extra_", "Python_version", "sys-platform"}
	genValues       = []string{
		"3.8", "3.11", "3.11.7", "3.12.0rc1", "2.7", "3", "3.8.*", "3.*", "3.13", "3.7", "3.10", "3.9.18",
		"linux", "win32", "darwin", "posix", "nt", "CPython", "PyPy", "cpython", "pypy", "x86_64", "aarch64", "AMD64",
		"Linux", "Windows", "Darwin", "", "foo", "Foo_Bar", "foo-bar", "test", "TEST", "dev", "6.1", "5.15.0",
		"1.0+local", " 3.8", "3.8 ", "lin", "a'b", `a"b`, `\x41`, `\n`, `\\`, "Σ", "İx", "AΣ", "a\\", "3.8)", "3;8",
		"7.3.13", "3.11.0+", "#1 SMP", "Socks.Proxy", "security", "1!2", "v3.8", "3.8.0.0", "3.8a1", "3.8.dev0",
		`\t3.8`, `\u00e9`, `\101`, `\q`, `\x4`, `\N{DASH}`, "ä", "3.8,<4",
	}
	genOps       = []string{"==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in"}
	genBadOps    = []string{"=", "<>", "not  in", "not\tin", "notin", "is", "=>", "in ", " ==", "!==", "~"}
	genSpace     = []string{"", "", " ", " ", "  ", "\t", " \t "}
	genNames     = []string{"requests", "Foo.Bar", "foo_bar", "a", "A1", "zope.interface", "numpy", "Django", "pip", "x-y-z", "-bad", "bad-", "1abc", "ä", "name_", "a..b", "a__b", "foo-ä", "Foo1"}
	genExtras    = []string{"security", "socks", "Socks", "test", "dev", "a_b", "A.B", "x-y", "-x", "x-", "é", "1", "S"}
	genURLs      = []string{"https://example.com/a-1.0-py3-none-any.whl", "file:///tmp/x.tar.gz", "git+https://g.com/x.git@v1#egg=x", "http://x;y", "https://e/f?a=b&c=d", "file:../rel", "./local/path", "https://h/p#sha256=abc"}
	genVersions  = []string{"1.0", "2.8.1", "1", "1.0.*", "2.*", "1.0a1", "1.0.post1", "1.0.dev3", "1!2.0", "v1.0", "1.0+local", "1.0+Local.1", "1.0-1", "1.0RC1", "0.9b2", "10.0.0", "1.2.3.4", "1.0.*.1", "foo", "1.0.*+x", "1..0", "٣"}
	genSpecOps   = []string{"==", "!=", "<", "<=", ">", ">=", "~=", "===", "=", "=>", "<>"}
	genJunkRunes = []rune{' ', '\t', '\n', '(', ')', '[', ']', ';', ',', '@', '"', '\'', '.', '*', '+', '-', '_', '=', '<', '>', '!', '~', 'a', 'Z', '0', '9', 'é', '\\', '\r', '\f', '\u00a0', '\u2003'}
)

func genSpaceStr(r *rand.Rand) string { return pick(r, genSpace) }

// genQuoted quotes a value with a random quote character.
func genQuoted(r *rand.Rand, v string) string {
	q := pick(r, []string{`"`, `'`})
	if strings.Contains(v, q) && r.IntN(4) != 0 {
		if q == `"` {
			q = `'`
		} else {
			q = `"`
		}
	}
	return q + v + q
}

func genOperand(r *rand.Rand) string {
	switch n := r.IntN(20); {
	case n < 9:
		return pick(r, genVariables)
	case n == 9 && r.IntN(3) == 0:
		return pick(r, genBadVariables)
	default:
		return genQuoted(r, pick(r, genValues))
	}
}

func genComparison(r *rand.Rand) string {
	lhs, rhs := genOperand(r), genOperand(r)
	if r.IntN(5) != 0 { // mostly variable against value
		lhs = pick(r, genVariables[:18]) // not the set-valued lock-file variables
		rhs = genQuoted(r, pick(r, genValues))
		if r.IntN(4) == 0 {
			lhs, rhs = rhs, lhs
		}
	}
	op := pick(r, genOps)
	if (op == "~=" || op == "===") && r.IntN(3) != 0 {
		op = pick(r, genOps)
	}
	if r.IntN(25) == 0 {
		op = pick(r, genBadOps)
	}
	sp := func() string {
		if op == "in" || op == "not in" {
			return pick(r, []string{" ", " ", "\t", "  "})
		}
		return genSpaceStr(r)
	}
	return lhs + sp() + op + sp() + rhs
}

func genMarkerExpr(r *rand.Rand, depth int) string {
	n := 1 + r.IntN(3)
	if depth > 2 {
		n = 1
	}
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(pick(r, []string{" ", " ", "  ", "\t", ""}))
			if r.IntN(30) == 0 {
				b.WriteString(pick(r, []string{"AND", "&&", "Or", "andor"}))
			} else {
				b.WriteString(pick(r, []string{"and", "or"}))
			}
			b.WriteString(pick(r, []string{" ", " ", "  ", "\t"}))
		}
		if r.IntN(4) == 0 && depth < 3 {
			b.WriteString("(" + genSpaceStr(r) + genMarkerExpr(r, depth+1) + genSpaceStr(r) + ")")
			if r.IntN(10) == 0 {
				b.WriteString(")")
			}
		} else {
			b.WriteString(genComparison(r))
		}
	}
	return b.String()
}

// genMarker returns a marker expression, sometimes damaged.
func genMarker(r *rand.Rand) string {
	return genSpaceStr(r) + genDamage(r, genMarkerExpr(r, 0), 12) + genSpaceStr(r)
}

// genDamage sometimes inserts, deletes or replaces one character.
func genDamage(r *rand.Rand, s string, oneIn int) string {
	if r.IntN(oneIn) != 0 || s == "" {
		return s
	}
	rs := []rune(s)
	i := r.IntN(len(rs))
	switch r.IntN(3) {
	case 0:
		return string(rs[:i]) + string(pick(r, genJunkRunes)) + string(rs[i:])
	case 1:
		return string(rs[:i]) + string(rs[i+1:])
	default:
		return string(rs[:i]) + string(pick(r, genJunkRunes)) + string(rs[i+1:])
	}
}

func genSpecifierSet(r *rand.Rand) string {
	var b strings.Builder
	n := r.IntN(3) + 1
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(genSpaceStr(r) + "," + genSpaceStr(r))
		}
		op := pick(r, genSpecOps[:8])
		if r.IntN(15) == 0 {
			op = pick(r, genSpecOps)
		}
		b.WriteString(op + genSpaceStr(r) + pick(r, genVersions))
	}
	if r.IntN(5) == 0 {
		return "(" + genSpaceStr(r) + b.String() + genSpaceStr(r) + ")"
	}
	return b.String()
}

// genRequirement returns a requirement string, sometimes damaged.
func genRequirement(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString(genSpaceStr(r))
	b.WriteString(pick(r, genNames))
	b.WriteString(genSpaceStr(r))
	if r.IntN(3) == 0 {
		b.WriteString("[" + genSpaceStr(r))
		for i, n := 0, r.IntN(4); i < n; i++ {
			if i > 0 {
				b.WriteString(pick(r, []string{",", ", ", " ,", ",", " "}))
			}
			b.WriteString(pick(r, genExtras))
		}
		b.WriteString(genSpaceStr(r) + "]" + genSpaceStr(r))
	}
	hasURL := r.IntN(4) == 0
	if hasURL {
		b.WriteString("@" + genSpaceStr(r) + pick(r, genURLs))
	} else if r.IntN(4) != 0 {
		b.WriteString(genSpecifierSet(r))
	}
	if r.IntN(2) == 0 {
		if hasURL {
			b.WriteString(pick(r, []string{" ", " ", "\t", ""}))
		} else {
			b.WriteString(genSpaceStr(r))
		}
		b.WriteString(";" + genSpaceStr(r) + genMarkerExpr(r, 0))
	}
	b.WriteString(genSpaceStr(r))
	return genDamage(r, b.String(), 8)
}
