// Package pubgrub is a version solver after the PubGrub algorithm of
// Natalie Weizenbaum (as specified for Dart's pub), over finite candidate
// lists: every package has a fixed list of candidate versions, numbered
// 0..n-1 from oldest to newest, and every version constraint is a subset of
// that list. It knows nothing of Python: a Provider supplies the candidates,
// the dependencies and the words used to explain a failure.
package pubgrub

import (
	"math/bits"
	"strings"
)

// Set is a subset of a package's candidate versions, as a bit set over
// their indexes. Sets are values: operations return new sets.
type Set struct {
	n     int
	words []uint64
}

// EmptySet is the set of none of n candidates.
func EmptySet(n int) Set { return Set{n: n, words: make([]uint64, (n+63)/64)} }

// FullSet is the set of all n candidates.
func FullSet(n int) Set {
	s := EmptySet(n)
	for i := range s.words {
		s.words[i] = ^uint64(0)
	}
	s.trim()
	return s
}

// SetOf is the set of the given candidate indexes of n.
func SetOf(n int, versions ...int) Set {
	s := EmptySet(n)
	for _, v := range versions {
		if v >= 0 && v < n {
			s.words[v/64] |= 1 << (v % 64)
		}
	}
	return s
}

// trim clears the bits past n.
func (s Set) trim() {
	if r := s.n % 64; r != 0 && len(s.words) > 0 {
		s.words[len(s.words)-1] &= (1 << r) - 1
	}
}

// Len is the number of candidates the set is over.
func (s Set) Len() int { return s.n }

// Contains reports whether candidate v is in the set.
func (s Set) Contains(v int) bool {
	return v >= 0 && v < s.n && s.words[v/64]&(1<<(v%64)) != 0
}

// Count is the number of candidates in the set.
func (s Set) Count() int {
	c := 0
	for _, w := range s.words {
		c += bits.OnesCount64(w)
	}
	return c
}

// IsEmpty reports whether the set has no candidate.
func (s Set) IsEmpty() bool {
	for _, w := range s.words {
		if w != 0 {
			return false
		}
	}
	return true
}

// IsFull reports whether the set has every candidate.
func (s Set) IsFull() bool { return s.Count() == s.n }

// Highest is the newest candidate in the set, or -1.
func (s Set) Highest() int {
	for i := len(s.words) - 1; i >= 0; i-- {
		if w := s.words[i]; w != 0 {
			return i*64 + 63 - bits.LeadingZeros64(w)
		}
	}
	return -1
}

// Versions lists the candidates in the set, oldest first.
func (s Set) Versions() []int {
	var out []int
	for i, w := range s.words {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			out = append(out, i*64+b)
			w &^= 1 << b
		}
	}
	return out
}

func (s Set) combine(o Set, f func(a, b uint64) uint64) Set {
	if s.n != o.n {
		panic("pubgrub: sets over different candidate lists")
	}
	r := EmptySet(s.n)
	for i := range r.words {
		r.words[i] = f(s.words[i], o.words[i])
	}
	r.trim()
	return r
}

// Intersect is the set of candidates in both.
func (s Set) Intersect(o Set) Set { return s.combine(o, func(a, b uint64) uint64 { return a & b }) }

// Union is the set of candidates in either.
func (s Set) Union(o Set) Set { return s.combine(o, func(a, b uint64) uint64 { return a | b }) }

// Minus is the set of candidates in s and not in o.
func (s Set) Minus(o Set) Set { return s.combine(o, func(a, b uint64) uint64 { return a &^ b }) }

// Complement is the set of candidates not in s.
func (s Set) Complement() Set { return FullSet(s.n).Minus(s) }

// SubsetOf reports whether every candidate of s is in o.
func (s Set) SubsetOf(o Set) bool { return s.Minus(o).IsEmpty() }

// Equal reports whether both sets have the same candidates.
func (s Set) Equal(o Set) bool { return s.n == o.n && s.Minus(o).IsEmpty() && o.Minus(s).IsEmpty() }

// String lists the candidate indexes, for debugging.
func (s Set) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range s.Versions() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(itoa(v))
	}
	b.WriteByte('}')
	return b.String()
}

func itoa(v int) string {
	if v == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for v > 0 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return string(buf[i:])
}
