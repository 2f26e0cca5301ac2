package distfilename

import (
	"fmt"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/pypa/pep503"
)

func FuzzParseWheel(f *testing.F) {
	for _, s := range wheelCorpus {
		f.Add(s)
	}
	f.Add("Foo.Bar_baz-2.0.0rc1-1abc-py2.py3-none-any.whl")
	f.Add("foo-1.0-1\nx-py3-none-any.whl")
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWheel(s)
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
				t.Errorf("ParseWheel(%q) error %q does not name the file", s, err)
			}
			return
		}
		if w.Name == "" || pep503.Normalize(w.Name) != w.Name {
			t.Errorf("ParseWheel(%q) name %q is not normalised", s, w.Name)
		}
		if len(w.Tags) == 0 {
			t.Errorf("ParseWheel(%q) gives no tags", s)
		}
		if strings.Count(s, "-") == 5 != w.Build.Present {
			t.Errorf("ParseWheel(%q) build tag present = %v", s, w.Build.Present)
		}
		// The file name rebuilt from what was parsed, with one tag, parses
		// back to the same wheel.
		build := ""
		if w.Build.Present {
			build = "-" + w.Build.String()
		}
		name := strings.ReplaceAll(w.Name, "-", "_")
		rebuilt := name + "-" + w.Version.String() + build + "-" + w.Tags[0].String() + ".whl"
		if strings.ContainsAny(w.Version.String(), "-") || strings.Contains(w.Build.Suffix, "-") || strings.Contains(name, "__") {
			return // a form that cannot be written back unambiguously
		}
		again, err := ParseWheel(rebuilt)
		if err != nil {
			t.Fatalf("ParseWheel(%q) = %+v, but its rebuilt name %q fails: %v", s, w, rebuilt, err)
		}
		if again.Name != w.Name || again.Version.Compare(w.Version) != 0 || again.Build != w.Build || again.Tags[0] != w.Tags[0] {
			t.Errorf("ParseWheel(%q) = %+v, its rebuilt name %q gives %+v", s, w, rebuilt, again)
		}
	})
}

func FuzzParseSdist(f *testing.F) {
	for _, s := range []string{"foo-1.0.tar.gz", "Foo_Bar-2.0.post1.zip", "foo-1.0-2.tar.gz", "-1.0.zip", "foo.zip"} {
		f.Add(s, "foo")
	}
	f.Fuzz(func(t *testing.T, s, project string) {
		sd, err := ParseSdist(s)
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
				t.Errorf("ParseSdist(%q) error %q does not name the file", s, err)
			}
		} else {
			if sd.Name == "" || pep503.Normalize(sd.Name) != sd.Name || !strings.HasSuffix(s, sd.Format) {
				t.Errorf("ParseSdist(%q) = %+v", s, sd)
			}
			// The name ParseSdist found is a project ParseSdistFor agrees on
			// when the name part holds no "-".
			if i := strings.LastIndex(s, "-"); !strings.Contains(s[:i], "-") {
				other, err := ParseSdistFor(s, sd.Name)
				if err != nil || other.Version.Compare(sd.Version) != 0 {
					t.Errorf("ParseSdistFor(%q, %q) = %+v, %v; ParseSdist gives %+v", s, sd.Name, other, err, sd)
				}
			}
		}
		other, err := ParseSdistFor(s, project)
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
				t.Errorf("ParseSdistFor(%q, %q) error %q does not name the file", s, project, err)
			}
			return
		}
		if other.Name != pep503.Normalize(project) {
			t.Errorf("ParseSdistFor(%q, %q) name = %q", s, project, other.Name)
		}
	})
}
