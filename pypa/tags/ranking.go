package tags

// Ranking answers "how good is this tag" for an ordered list of supported
// tags (best first), such as the result of ForTarget or Facts.SysTags.
// The zero Ranking supports no tag.
type Ranking struct {
	rank map[Tag]int
}

// NewRanking indexes an ordered tag list. A tag listed twice keeps the rank
// of its first appearance.
func NewRanking(supported []Tag) Ranking {
	rank := make(map[Tag]int, len(supported))
	for i, t := range supported {
		if _, ok := rank[t]; !ok {
			rank[t] = i
		}
	}
	return Ranking{rank: rank}
}

// Rank returns the position of t in the supported list (lower is better)
// and whether t is supported at all.
func (r Ranking) Rank(t Tag) (int, bool) {
	i, ok := r.rank[t]
	return i, ok
}

// BestOf returns the best rank among a wheel's tags (the expansion of its
// compressed tag set) and whether any of them is supported.
func (r Ranking) BestOf(tagSet []Tag) (int, bool) {
	best, found := 0, false
	for _, t := range tagSet {
		if i, ok := r.rank[t]; ok && (!found || i < best) {
			best, found = i, true
		}
	}
	return best, found
}

// Len returns the number of distinct supported tags.
func (r Ranking) Len() int { return len(r.rank) }
