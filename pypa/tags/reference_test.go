package tags

import (
	"fmt"
	"testing"
)

// tagStrings renders tags in their file-name form for comparison with
// packaging's str(Tag).
func tagStrings(tags []Tag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.String()
	}
	return out
}

// firstDifference describes where got and want, two ordered lists, first
// differ, or returns "" when they are equal.
func firstDifference(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("index %d: got %s, want %s", i, got[i], want[i])
		}
	}
	switch {
	case len(got) > len(want):
		return fmt.Sprintf("got %d elements, want %d; first extra: %s", len(got), len(want), got[len(want)])
	case len(got) < len(want):
		return fmt.Sprintf("got %d elements, want %d; first missing: %s", len(got), len(want), want[len(got)])
	}
	return ""
}

// checkSame reports a difference between our ordered list and packaging's.
func checkSame(t *testing.T, label string, got, want []string) bool {
	t.Helper()
	if d := firstDifference(got, want); d != "" {
		t.Errorf("%s: %s", label, d)
		return false
	}
	return true
}

func TestFirstDifference(t *testing.T) {
	tests := []struct {
		got, want []string
		same      bool
	}{
		{nil, nil, true},
		{[]string{"a", "b"}, []string{"a", "b"}, true},
		{[]string{"a", "b"}, []string{"a", "c"}, false},
		{[]string{"a"}, []string{"a", "b"}, false},
		{[]string{"a", "b"}, []string{"a"}, false},
	}
	for _, tt := range tests {
		if got := firstDifference(tt.got, tt.want) == ""; got != tt.same {
			t.Errorf("firstDifference(%q, %q) reports same=%v, want %v", tt.got, tt.want, got, tt.same)
		}
	}
}
