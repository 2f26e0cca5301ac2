package pep440

import (
	"slices"
	"testing"
)

// TestCompareSorted checks a list that PEP 440 and packaging order
// strictly increasing.
func TestCompareSorted(t *testing.T) {
	sorted := []string{
		"0.dev0", "0a0.dev0", "0", "0+a", "0.post0.dev0", "0.post0",
		"1.0.dev0", "1.0.dev1", "1.0.dev1+x", "1.0a1.dev1", "1.0a1", "1.0a1+0", "1.0a1.post1.dev1", "1.0a1.post1",
		"1.0a2", "1.0b1", "1.0rc1", "1.0rc1.post1",
		"1.0", "1.0+a", "1.0+a.b", "1.0+a.0", "1.0+a.1", "1.0+b", "1.0+0", "1.0+1", "1.0+1.a", "1.0+2", "1.0+10",
		"1.0.post0.dev0", "1.0.post1.dev1", "1.0.post1", "1.0.post1+x", "1.0.post2",
		"1.0.0.1", "1.0.1", "1.1", "1.10", "2.0", "18446744073709551615", "18446744073709551616",
		"99999999999999999999999", "1!0.dev0", "1!0", "2!0",
	}
	vs := make([]Version, len(sorted))
	for i, s := range sorted {
		vs[i] = MustParse(s)
	}
	for i := range vs {
		for j := range vs {
			if got, want := vs[i].Compare(vs[j]), cmpInt(i, j); got != want {
				t.Errorf("Compare(%q, %q) = %d, want %d", sorted[i], sorted[j], got, want)
			}
		}
	}
	shuffled := slices.Clone(vs)
	newRand(1).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	slices.SortFunc(shuffled, Version.Compare)
	for i := range shuffled {
		if shuffled[i].String() != vs[i].String() {
			t.Fatalf("sorting gave %v at %d, want %v", shuffled[i], i, vs[i])
		}
	}
}

func TestCompareEqual(t *testing.T) {
	for _, pair := range [][2]string{
		{"1.0", "1.0.0"}, {"1", "1.0.0.0"}, {"0", "0.0"}, {"1.0a", "1.0a0"}, {"1.0-1", "1.0.post1"},
		{"1.0+ubuntu-1", "1.0+ubuntu.1"}, {"1.0+01", "1.0+1"}, {"0!1.0", "1.0"}, {"v1.0", "1.0"},
		{"1.0.00099999999999999999999999", "1.0.99999999999999999999999"},
	} {
		a, b := MustParse(pair[0]), MustParse(pair[1])
		if !a.Equal(b) || a.Compare(b) != 0 || a.Less(b) || b.Less(a) {
			t.Errorf("%q and %q should compare equal", pair[0], pair[1])
		}
	}
}
