package elfcheck

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/devcache"
	"github.com/clusterpack/clusterpack/pypa/record"
)

// corpusSites are the site-packages of the virtualenvs scripts/devenv.sh
// installs into the dev cache (internal/testing/clusterparts: pyspark with
// pandas and pyarrow, apache-flink with numpy, pandas, pyarrow, grpcio,
// ...): real wheels from PyPI, as users ship them. Only finished installs
// (their .complete marker) count; none skips the test, which never
// installs anything itself.
func corpusSites(t *testing.T) []string {
	t.Helper()
	root, err := devcache.Path("jobtest")
	if err != nil {
		t.Skip(err)
	}
	venvs, _ := filepath.Glob(filepath.Join(root, "*"))
	var sites []string
	for _, v := range venvs {
		if !devcache.Complete(v) {
			continue
		}
		s, _ := filepath.Glob(filepath.Join(v, "lib", "python3.*", "site-packages"))
		sites = append(sites, s...)
	}
	if len(sites) == 0 {
		t.Skipf("no finished virtualenv under %s (scripts/devenv.sh installs them)", root)
	}
	return sites
}

// corpusDist is one installed distribution of a corpus site.
type corpusDist struct {
	name string
	tags []string
}

// owners maps each RECORD path (slash-separated, relative to site) to the
// distribution that installed it.
func owners(t *testing.T, site string) map[string]*corpusDist {
	t.Helper()
	out := map[string]*corpusDist{}
	infos, _ := filepath.Glob(filepath.Join(site, "*.dist-info"))
	for _, info := range infos {
		d := &corpusDist{name: strings.TrimSuffix(filepath.Base(info), ".dist-info")}
		if w, err := os.ReadFile(filepath.Join(info, "WHEEL")); err == nil {
			for _, line := range strings.Split(string(w), "\n") {
				if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && strings.EqualFold(k, "Tag") {
					d.tags = append(d.tags, strings.TrimSpace(v))
				}
			}
		}
		rec, err := os.ReadFile(filepath.Join(info, "RECORD"))
		if err != nil {
			continue
		}
		entries, _ := record.ReadLenient(bytes.NewReader(rec))
		for _, e := range entries {
			out[path.Clean(e.Path)] = d
		}
	}
	return out
}

// ownPolicy is the policy of the oldest manylinux level a wheel's tags
// claim (what the wheel promises), or nil.
func ownPolicy(tags []string) *Policy {
	var best *Policy
	for _, tag := range tags {
		parts := strings.Split(tag, "-")
		for _, plat := range strings.Split(parts[len(parts)-1], ".") {
			p, err := PolicyFor(plat)
			if err == nil && (best == nil || p.Glibc[1] < best.Glibc[1]) {
				best = p
			}
		}
	}
	return best
}

// siteBundled is how the runner sees bundled libraries: in a directory
// the extension's $ORIGIN RPATH names, or in a top-level *.libs directory.
func siteBundled(site string) Bundled {
	libs, _ := filepath.Glob(filepath.Join(site, "*.libs"))
	return func(lib string, dirs []string) bool {
		for _, d := range dirs {
			if _, err := os.Stat(filepath.Join(site, filepath.FromSlash(d), lib)); err == nil {
				return true
			}
		}
		for _, d := range libs {
			if _, err := os.Stat(filepath.Join(d, lib)); err == nil {
				return true
			}
		}
		return false
	}
}

// readelfNeeds is what `readelf -V` lists in the version needs section
// (nil for "No version information found"), or ok false without readelf.
func readelfNeeds(t *testing.T, file string) (needs []string, ok bool) {
	t.Helper()
	if _, err := exec.LookPath("readelf"); err != nil {
		return nil, false
	}
	out, err := exec.Command("readelf", "-V", "-W", file).Output()
	if err != nil {
		t.Fatalf("readelf -V %s: %v", file, err)
	}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Version ") {
			in = strings.HasPrefix(line, "Version needs section")
			continue
		}
		// "  0x0010:   Name: GLIBC_2.14  Flags: none  Version: 3"
		if f := strings.Fields(line); in && len(f) >= 3 && f[1] == "Name:" {
			needs = append(needs, f[2])
		}
	}
	return needs, true
}

// TestRealSitePackages checks every shared object of the dev cache's real
// environments (numpy, pandas, pyarrow, grpcio, ...) the way `check
// --static` does: each against the oldest manylinux policy its own wheel
// claims, and all against manylinux_2_28 of this machine's architecture
// (the default cluster target). Wheels from PyPI that pip installed and
// that import on this machine fit what they claim, so any problem is the
// checker's. readelf is the reference for the version requirements read.
func TestRealSitePackages(t *testing.T) {
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64", "ppc64le": "ppc64le", "s390x": "s390x"}[runtime.GOARCH]
	if arch == "" {
		t.Skipf("no manylinux policy for %s", runtime.GOARCH)
	}
	p228, err := PolicyFor("manylinux_2_28_" + arch)
	if err != nil {
		t.Fatal(err)
	}
	var files, noVersions, failures int
	perDist := map[string]int{}
	for _, site := range corpusSites(t) {
		own := owners(t, site)
		bundled := siteBundled(site)
		err := filepath.WalkDir(site, func(p string, e fs.DirEntry, err error) error {
			if err != nil || !e.Type().IsRegular() || !IsExtension(p) {
				return err
			}
			rel, _ := filepath.Rel(site, p)
			rel = filepath.ToSlash(rel)
			d := own[rel]
			pols := []*Policy{p228}
			dist := "(no RECORD)"
			if d != nil {
				dist = d.name
				if op := ownPolicy(d.tags); op != nil && op.Platform != p228.Platform {
					pols = append(pols, op)
				}
			}
			var requires []string
			erred := false
			for _, pol := range pols {
				res, err := CheckFile(rel, p, pol, bundled)
				if err == nil && !res.ELF {
					return nil
				}
				if pol == p228 {
					files++
					perDist[dist]++
					erred = err != nil
					if err == nil {
						requires = res.Requires
					}
				}
				if err != nil {
					failures++
					t.Errorf("%s (%s, %s): %v", rel, dist, pol.Platform, err)
					continue
				}
				for _, pr := range res.Problems {
					if pr.Warning {
						t.Logf("%s (%s, %s): %s", rel, dist, pol.Platform, pr.Message)
						continue
					}
					failures++
					t.Errorf("%s (%s, %s): %s", rel, dist, pol.Platform, pr.Message)
				}
			}
			if want, ok := readelfNeeds(t, p); ok {
				if len(want) == 0 {
					noVersions++
				}
				if erred {
					return nil // reported above
				}
				got := slices.Clone(requires)
				sort.Strings(got)
				sort.Strings(want)
				if !slices.Equal(got, want) {
					t.Errorf("%s: version requirements %v, readelf -V lists %v", rel, got, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for n := range perDist {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, " %s:%d", n, perDist[n])
	}
	t.Logf("%d ELF shared objects (%d without version information) from %d distributions, %d failures (checks that erred or found a problem);%s", files, noVersions, len(perDist), failures, b.String())
	if files == 0 {
		t.Fatal("no ELF shared object in the dev cache's environments")
	}
}
