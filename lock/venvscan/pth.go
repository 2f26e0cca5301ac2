package venvscan

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// pthFile is one .pth file of a site-packages directory.
type pthFile struct {
	name    string   // file name, e.g. "easy-install.pth"
	dirs    []string // existing directories its path lines add, absolute
	imports []string // its import lines
}

// readPthFiles reads the .pth files of sitedir in the order site.py
// processes them (sorted by name, hidden files skipped), keeping the
// path lines that name existing directories, resolved against sitedir
// as site.py resolves them.
func readPthFiles(sitedir string) ([]pthFile, error) {
	entries, err := os.ReadDir(sitedir)
	if err != nil {
		return nil, err
	}
	var out []pthFile
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".pth") || strings.HasPrefix(name, ".") || isDir(filepath.Join(sitedir, name)) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(sitedir, name))
		if err != nil {
			return nil, err
		}
		p := pthFile{name: name}
		for _, line := range strings.Split(string(data), "\n") {
			switch {
			case strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "":
			case strings.HasPrefix(line, "import ") || strings.HasPrefix(line, "import\t"):
				p.imports = append(p.imports, line)
			default:
				dir := strings.TrimRightFunc(line, isPySpace)
				if !filepath.IsAbs(dir) {
					dir = filepath.Join(sitedir, dir)
				}
				if dir = filepath.Clean(dir); isDir(dir) {
					p.dirs = append(p.dirs, dir)
				}
			}
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

func isPySpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\v' || r == '\f'
}

// finderImport finds the module setuptools' PEP 660 finder .pth imports:
// "import __editable___demo_1_0_finder; __editable___demo_1_0_finder.install()".
var finderImport = regexp.MustCompile(`^import\s+(__editable___\w+_finder)\b`)

// editableLink is what a legacy or PEP 660 link file says about an
// editable install of one distribution.
type editableLink struct {
	file    string // the .pth or .egg-link file, absolute
	project string // the project directory, or empty when unknown
}

// pthEditables maps the distributions that .pth files of sitedir install
// in editable mode to their project directories:
//
//   - setuptools' PEP 660 "__editable__.<name>-<version>.pth": its path
//     line, or the MAPPING of the __editable___*_finder module it imports;
//   - the "_<name>.pth" or "<name>.pth" of other PEP 660 backends
//     (hatchling, flit, pdm) when a path line names a directory outside
//     the site-packages directories.
//
// A path line names the directory holding the packages (for a src layout
// project/src); the project directory is that directory, or its parent
// when only the parent holds pyproject.toml, setup.py or setup.cfg.
func pthEditables(sitedir string, pths []pthFile, siteDirs []string) map[string]editableLink {
	out := map[string]editableLink{}
	for _, p := range pths {
		stem := strings.TrimSuffix(p.name, ".pth")
		link := editableLink{file: filepath.Join(sitedir, p.name)}
		if rest, ok := strings.CutPrefix(stem, "__editable__."); ok {
			name, _, _ := strings.Cut(rest, "-")
			if len(p.dirs) > 0 {
				link.project = projectDir(p.dirs[0])
			} else {
				link.project = finderProject(sitedir, p.imports)
			}
			out[pep503.Normalize(name)] = link
			continue
		}
		name := strings.TrimPrefix(stem, "_")
		if !pep503.Valid(name) {
			continue
		}
		for _, d := range p.dirs {
			if !inAny(d, siteDirs) {
				link.project = projectDir(d)
				out[pep503.Normalize(name)] = link
				break
			}
		}
	}
	return out
}

// finderProject reads the MAPPING of the finder module an
// __editable__ .pth imports and returns the project directory of its
// first package (by name), or "" when there is none.
func finderProject(sitedir string, imports []string) string {
	for _, line := range imports {
		m := finderImport.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		src, err := os.ReadFile(filepath.Join(sitedir, m[1]+".py"))
		if err != nil {
			continue
		}
		mapping := parseFinderMapping(string(src))
		keys := make([]string, 0, len(mapping))
		for k := range mapping {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(keys) > 0 {
			return projectDir(filepath.Dir(filepath.Clean(mapping[keys[0]])))
		}
	}
	return ""
}

// projectDir returns dir, or its parent when dir has no pyproject.toml,
// setup.py or setup.cfg and the parent has one (a src layout).
func projectDir(dir string) string {
	if hasProjectFile(dir) {
		return dir
	}
	if parent := filepath.Dir(dir); hasProjectFile(parent) {
		return parent
	}
	return dir
}

func hasProjectFile(dir string) bool {
	for _, f := range []string{"pyproject.toml", "setup.py", "setup.cfg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}

// inAny reports whether path is one of dirs or inside one of them.
func inAny(path string, dirs []string) bool {
	for _, d := range dirs {
		rel, err := filepath.Rel(d, path)
		if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}
