package pep440

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestParseNormalForm(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.0", "1.0"},
		{"v1.0", "1.0"},
		{"V1.0", "1.0"},
		{" \t1.0\n", "1.0"},
		{"\u00a01.0\u3000", "1.0"},
		{"\x1c1.0\x1f", "1.0"},
		{"01.002.0003", "1.2.3"},
		{"1!2.0", "1!2.0"},
		{"0!2.0", "2.0"},
		{"1.0a1", "1.0a1"},
		{"1.0alpha1", "1.0a1"},
		{"1.0.ALPHA.1", "1.0a1"},
		{"1.0-beta_2", "1.0b2"},
		{"1.0c3", "1.0rc3"},
		{"1.0pre3", "1.0rc3"},
		{"1.0preview3", "1.0rc3"},
		{"1.0RC", "1.0rc0"},
		{"1.0a", "1.0a0"},
		{"1.0-1", "1.0.post1"},
		{"1.0post", "1.0.post0"},
		{"1.0.rev2", "1.0.post2"},
		{"1.0_r3", "1.0.post3"},
		{"1.0dev", "1.0.dev0"},
		{"1.0-dev-7", "1.0.dev7"},
		{"1.0a1-1.dev2", "1.0a1.post1.dev2"},
		{"1.0+ubuntu-1", "1.0+ubuntu.1"},
		{"1.0+Ubuntu_01.ABC", "1.0+ubuntu.1.abc"},
		{"1.0.post.dev", "1.0.post0.dev0"},
		{"1.0.99999999999999999999999", "1.0.99999999999999999999999"},
		{"1.0.000099999999999999999999999", "1.0.99999999999999999999999"},
		{"18446744073709551615", "18446744073709551615"},
		{"18446744073709551616", "18446744073709551616"},
	}
	for _, tt := range tests {
		v, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := v.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	for _, in := range []string{
		"", " ", "v", "1.", ".1", "1..0", "1.0.x", "1.0+", "1.0+abc-", "1.0+a..b", "1!", "!1",
		"1.0-", "1.0ab", "1.0.post1.post2", "1.0 a1", "1.0-1-1", "1.0a1a2", "1.0\u00001",
		"1.0+\u0131", "١.٠", "1.0.dev1.post1", "vv1.0", "1.*",
	} {
		_, err := Parse(in)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", in)
			continue
		}
		var verr *VersionError
		if !errors.As(err, &verr) || verr.Input != in || !errors.Is(err, ErrInvalidVersion) {
			t.Errorf("Parse(%q) error %v does not name the input as a *VersionError", in, err)
		}
	}
}

func TestAccessors(t *testing.T) {
	v := MustParse("2!1.2.3rc4.post5.dev6+abc.7")
	if v.Epoch() != 2 || !slices.Equal(v.Release(), []int{1, 2, 3}) || v.Local() != "abc.7" {
		t.Errorf("accessors of %v: epoch %d release %v local %q", v, v.Epoch(), v.Release(), v.Local())
	}
	if l, n := v.Pre(); l != "rc" || n != 4 {
		t.Errorf("Pre() = %q, %d", l, n)
	}
	if n, ok := v.Post(); !ok || n != 5 {
		t.Errorf("Post() = %d, %v", n, ok)
	}
	if n, ok := v.Dev(); !ok || n != 6 {
		t.Errorf("Dev() = %d, %v", n, ok)
	}
	if !v.IsPrerelease() || !v.IsPostrelease() || !v.IsDevrelease() {
		t.Errorf("%v: flags wrong", v)
	}
	if got := v.Public().String(); got != "2!1.2.3rc4.post5.dev6" {
		t.Errorf("Public() = %q", got)
	}
	if got := v.BaseVersion().String(); got != "2!1.2.3" {
		t.Errorf("BaseVersion() = %q", got)
	}
	big := MustParse("1.99999999999999999999999")
	if r := big.Release(); r[1] != math.MaxInt {
		t.Errorf("Release() of %v = %v, want saturation at MaxInt", big, r)
	}
	if d := big.ReleaseDigits(); d[1] != "99999999999999999999999" {
		t.Errorf("ReleaseDigits() = %v", d)
	}
	var zero Version
	if zero.String() != "0" || zero.Compare(MustParse("0.0")) != 0 || !slices.Equal(zero.Release(), []int{0}) {
		t.Errorf("zero Version: %q", zero.String())
	}
	for _, tt := range []struct {
		in             string
		pre, post, dev bool
	}{
		{"1.0", false, false, false},
		{"1.0a1", true, false, false},
		{"1.0.dev1", true, false, true},
		{"1.0.post1", false, true, false},
		{"1.0.post1.dev1", true, true, true},
	} {
		v := MustParse(tt.in)
		if v.IsPrerelease() != tt.pre || v.IsPostrelease() != tt.post || v.IsDevrelease() != tt.dev {
			t.Errorf("%s: IsPrerelease %v IsPostrelease %v IsDevrelease %v", tt.in, v.IsPrerelease(), v.IsPostrelease(), v.IsDevrelease())
		}
	}
}
