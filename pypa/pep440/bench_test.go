package pep440

import "testing"

var benchSet = MustParseSpecifierSet(">=1.2,!=1.5.*,<3,~=1.4,!=1.4.7+local")

var benchVersions = []Version{
	MustParse("1.4.6"), MustParse("1.4.7+local"), MustParse("1.5.2"), MustParse("2.0rc1"),
	MustParse("1.4.99999999999999999999999"), MustParse("1!1.0"), MustParse("1.4.post1"),
}

func TestContainsDoesNotAllocate(t *testing.T) {
	spec := MustParseSpecifier(">1.4")
	allocs := testing.AllocsPerRun(100, func() {
		for _, v := range benchVersions {
			benchSet.Contains(v, PrereleasesExclude)
			spec.Contains(v, PrereleasesDefault)
		}
	})
	if allocs != 0 {
		t.Errorf("Contains allocates %v times per run", allocs)
	}
}

func BenchmarkSpecifierSetContains(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		benchSet.Contains(benchVersions[i%len(benchVersions)], PrereleasesExclude)
	}
}

func BenchmarkSpecifierContains(b *testing.B) {
	spec := MustParseSpecifier(">1.4")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		spec.Contains(benchVersions[i%len(benchVersions)], PrereleasesDefault)
	}
}

func BenchmarkCompare(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		benchVersions[i%len(benchVersions)].Compare(benchVersions[(i+1)%len(benchVersions)])
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("1!2.3.4rc5.post6.dev7+ubuntu.1"); err != nil {
			b.Fatal(err)
		}
	}
}
