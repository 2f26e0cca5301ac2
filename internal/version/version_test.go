package version

import (
	"runtime/debug"
	"testing"

	"github.com/clusterpack/clusterpack/pypa/pep440"
)

func TestFromBuildInfo(t *testing.T) {
	for _, tc := range []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"none", nil, "unknown"},
		{"tagged", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{"devel, no vcs", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
		{"devel, vcs", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "2d35cefe70ffe18f975f3dfcabe08fd73c4c0635"}, {Key: "vcs.modified", Value: "false"}}}, "devel+2d35cefe70ff"},
		{"devel, vcs, modified", &debug.BuildInfo{Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "2d35cefe70ffe18f975f3dfcabe08fd73c4c0635"}, {Key: "vcs.modified", Value: "true"}}}, "devel+2d35cefe70ff-dirty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FromBuildInfo(tc.info); got != tc.want {
				t.Errorf("FromBuildInfo = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPEP440(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"v1.2.3", "1.2.3"},
		{"v0.10.0-rc.2", "0.10.0rc2"},
		{"v2.0.0-beta.1", "2.0.0b1"},
		{"v1.2.3+dirty", "1.2.3+dirty"},
		{"v0.0.0-20261204004643-2d35cefe70ff", "0.0.0.dev20261204004643+g2d35cefe70ff"},
		{"v1.2.4-0.20261204004643-2d35cefe70ff", "1.2.4.dev20261204004643+g2d35cefe70ff"},
		{"v1.3.0-rc.1.0.20261204004643-2d35cefe70ff+dirty", "1.3.0.dev20261204004643+g2d35cefe70ff.dirty"},
		{"devel+2d35cefe70ff", "0.0.0+g2d35cefe70ff"},
		{"devel+2d35cefe70ff-dirty", "0.0.0+g2d35cefe70ff.dirty"},
		{"devel", "0.0.0+devel"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := PEP440(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("PEP440(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if _, err := pep440.Parse(got); err != nil {
				t.Errorf("PEP440(%q) = %q, which pep440 refuses: %v", tc.in, got, err)
			}
		})
	}
	for _, bad := range []string{"unknown", "1.2.3", "v1.2", "v1.2.3-foo", "devel+dirty"} {
		if got, err := PEP440(bad); err == nil {
			t.Errorf("PEP440(%q) = %q, want an error", bad, got)
		}
	}
}
