package venvscan

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// eggLink is a setuptools develop .egg-link file: "<name>.egg-link" in
// site-packages whose first non-empty line is the directory holding the
// project's .egg-info (the directory added to sys.path) and whose second
// line is the path from there to the project directory ("." or "../").
type eggLink struct {
	file    string // the .egg-link file, absolute
	name    string // normalised project name from the file name
	target  string // first line, resolved against the file's directory
	project string // target joined with the second line
}

// readEggLinks reads the .egg-link files of sitedir, in name order. A
// relative first line is resolved against sitedir, as pip does; files
// without one are skipped.
func readEggLinks(sitedir string) ([]eggLink, error) {
	entries, err := os.ReadDir(sitedir)
	if err != nil {
		return nil, err
	}
	var out []eggLink
	for _, e := range entries {
		stem, ok := strings.CutSuffix(e.Name(), ".egg-link")
		if !ok || e.IsDir() {
			continue
		}
		file := filepath.Join(sitedir, e.Name())
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		var lines []string
		for _, l := range strings.Split(string(data), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		if len(lines) == 0 {
			continue
		}
		link := eggLink{file: file, name: pep503.Normalize(stem), target: lines[0]}
		if !filepath.IsAbs(link.target) {
			link.target = filepath.Join(sitedir, link.target)
		}
		link.target = filepath.Clean(link.target)
		link.project = link.target
		if len(lines) > 1 {
			link.project = filepath.Clean(filepath.Join(link.target, lines[1]))
		}
		out = append(out, link)
	}
	return out, nil
}
