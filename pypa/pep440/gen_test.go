package pep440

import (
	"math/rand/v2"
	"strings"
)

// Deterministic generators of version and specifier strings for the
// differential tests: every spelling packaging knows, with random case,
// separators, whitespace, huge numbers and random damage.

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

var genSpaces = []string{" ", "\t", "\n", "  ", "\u00a0", "\u3000", "\x1c", "\u2028", "\u200b", "\u0085"}

func genNumber(r *rand.Rand) string {
	switch r.IntN(12) {
	case 0:
		return "0" + genNumber(r)
	case 1:
		return "18446744073709551615"[:1+r.IntN(20)] + strings.Repeat("9", r.IntN(8))
	case 2:
		return strings.Repeat("0", 1+r.IntN(3))
	case 3:
		return "99999999999999999999999"
	}
	return []string{"0", "1", "2", "3", "9", "10", "11", "20", "100", "2024"}[r.IntN(10)]
}

func randomCase(r *rand.Rand, s string) string {
	if r.IntN(3) != 0 {
		return s
	}
	b := []byte(s)
	for i := range b {
		if r.IntN(2) == 0 && 'a' <= b[i] && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

func genSep(r *rand.Rand) string {
	return pick(r, "", "", ".", "-", "_", "..", "-.")
}

func genRelease(r *rand.Rand, b *strings.Builder) {
	n := 1 + r.IntN(4)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(genNumber(r))
	}
}

// genVersionString returns a version-like string; about half are valid.
func genVersionString(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(12) == 0 {
		b.WriteString(pick(r, genSpaces...))
	}
	if r.IntN(8) == 0 {
		b.WriteString(pick(r, "v", "V"))
	}
	if r.IntN(6) == 0 {
		b.WriteString(genNumber(r))
		b.WriteByte('!')
	}
	genRelease(r, &b)
	if r.IntN(3) == 0 {
		b.WriteString(genSep(r))
		b.WriteString(randomCase(r, pick(r, "a", "alpha", "b", "beta", "c", "rc", "pre", "preview")))
		b.WriteString(genSep(r))
		if r.IntN(4) != 0 {
			b.WriteString(genNumber(r))
		}
	}
	if r.IntN(4) == 0 {
		if r.IntN(3) == 0 {
			b.WriteString("-" + genNumber(r))
		} else {
			b.WriteString(genSep(r))
			b.WriteString(randomCase(r, pick(r, "post", "rev", "r")))
			b.WriteString(genSep(r))
			if r.IntN(4) != 0 {
				b.WriteString(genNumber(r))
			}
		}
	}
	if r.IntN(4) == 0 {
		b.WriteString(genSep(r))
		b.WriteString(randomCase(r, "dev"))
		b.WriteString(genSep(r))
		if r.IntN(4) != 0 {
			b.WriteString(genNumber(r))
		}
	}
	if r.IntN(5) == 0 {
		b.WriteByte('+')
		genLocal(r, &b)
	}
	if r.IntN(12) == 0 {
		b.WriteString(pick(r, genSpaces...))
	}
	s := b.String()
	if r.IntN(5) == 0 {
		s = damage(r, s)
	}
	return s
}

func genLocal(r *rand.Rand, b *strings.Builder) {
	n := 1 + r.IntN(3)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(pick(r, ".", "-", "_"))
		}
		b.WriteString(pick(r, "ubuntu", "1", "01", "abc", "ABC", "x7", "0", "deadbeef", "2b"))
	}
}

var damageRunes = []rune(".-_+!*vV aAbBcCrRpPdDeEoOsStT0123456789x,;=é\u212a\u0130\u0131\u017f")

// damage inserts, deletes or replaces one character of s.
func damage(r *rand.Rand, s string) string {
	rs := []rune(s)
	i := r.IntN(len(rs) + 1)
	c := damageRunes[r.IntN(len(damageRunes))]
	switch r.IntN(3) {
	case 0:
		rs = append(rs[:i], append([]rune{c}, rs[i:]...)...)
	case 1:
		if i < len(rs) {
			rs = append(rs[:i], rs[i+1:]...)
		}
	default:
		if i < len(rs) {
			rs[i] = c
		}
	}
	return string(rs)
}

// trickyVersions are hand-written edge cases of the grammar.
var trickyVersions = []string{
	"1.0", "1.0.0", "1", "0", "00", "0.0.0", "v1", "V1.0", "1!1", "0!0", "01!01",
	"1.0a", "1.0A1", "1.0alpha", "1.0Alpha-1", "1.0.a.1", "1.0_a_1", "1.0-a-1", "1.0a.1", "1.0a-1",
	"1.0a--1", "1.0a.-1", "1.0a-.1", "1.0-a", "1.0.alpha", "1.0al", "1.0alph", "1.0apre",
	"1.0b", "1.0beta", "1.0c", "1.0rc", "1.0pre", "1.0preview", "1.0prev", "1.0previewl",
	"1.0-1", "1.0-01", "1.0--1", "1.0-1-1", "1.0-r", "1.0r", "1.0rev", "1.0re", "1.0post", "1.0.post",
	"1.0-post-", "1.0.post.", "1.0.post.+x", "1.0.post.dev", "1.0.post-dev", "1.0a_r1", "1.0a.r",
	"1.0-1post", "1.0-1.dev", "1.0-1dev1", "1.0.dev", "1.0dev", "1.0-dev", "1.0_dev_", "1.0.dev.1",
	"1.0a1.post1.dev1", "1.0a1.dev1.post1", "1.0.post1.a1", "1.0rc1rc2", "1.0c1.post", "1.0.pre",
	"1.0+", "1.0+a", "1.0+A.b-C_d", "1.0+a..b", "1.0+a-", "1.0+-a", "1.0+01.002", "1.0+0", "1.0++a",
	"1.0+ubuntu-1", "1.0+ubuntu_1.2a", "1.0+abc+def", "1.0 ", " 1.0", "\t1.0\r\n", "1 .0", "1. 0",
	"1.0\u00a0", "\u20031.0", "1.0\x1c", "\x1f1.0", "1.0\u200b", "1.0\u0085", "1.0\u2028",
	"", " ", "v", "!", "1!", "!1", "1!!1", "1!v1", "v1!1", "vv1", "v 1", "1.", ".1", "1..2", "1.0.",
	"1.*", "1.0.*", "1.0,", "1,0", "1.0;", "a", "a1", "1.0x", "1.0.x", "1.0.0.0.0.0.0.0.0.1",
	"1.0.99999999999999999999999", "99999999999999999999999!1", "1.0a99999999999999999999999",
	"1.0.post18446744073709551616", "1.0.dev18446744073709551615", "1.0+18446744073709551616",
	"18446744073709551615.18446744073709551616", "0000000000000000000000000000001.0",
	"١.٠", "1.0+\u212a", "1.0\u212a", "1.0+\u0130", "1.0+\u0131", "1.0\u017f", "1.0poſt1", "1.0.pos\u0074",
	"\u212a", "1.0RC1", "1.0Rc1", "1.0-DEV", "1.0.POST1", "1.0.Rev1", "1.0-R1", "1.0PREVIEW2",
	"1.0-alpha.1", "1.0a1-1", "1.0a1-1-1", "1.0a1_post1", "1.0a1post", "1.0.post1-1", "2.0.0-rc.1",
	"1.0.0-alpha+001", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85", "2012.10", "1.0_1",
}
