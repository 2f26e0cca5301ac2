package pep503

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Django", "django"},
		{"friendly-bard", "friendly-bard"},
		{"Friendly_Bard", "friendly-bard"},
		{"FRIENDLY.BARD", "friendly-bard"},
		{"friendly--._bard", "friendly-bard"},
		{"zope.interface", "zope-interface"},
		{"a", "a"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValid(t *testing.T) {
	for _, ok := range []string{"a", "A1", "zope.interface", "my_pkg-2", "9"} {
		if !Valid(ok) {
			t.Errorf("Valid(%q) = false, want true", ok)
		}
	}
	for _, bad := range []string{"", "-a", "a-", ".a", "a b", "ä", "a/b", "_"} {
		if Valid(bad) {
			t.Errorf("Valid(%q) = true, want false", bad)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	f.Add("Friendly_Bard")
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if Normalize(n) != n {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q", s, n, Normalize(n))
		}
		if Valid(s) && !Valid(n) {
			t.Fatalf("normalising valid %q gave invalid %q", s, n)
		}
	})
}
