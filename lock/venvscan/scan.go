package venvscan

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
)

// Scan reads the Python environment at dir without running Python.
//
// The layout: a pyvenv.cfg (home, version or version_info,
// include-system-site-packages) when there is one; site-packages in
// lib/pythonX.Y, lib64/pythonX.Y (also pythonX.Yt, pypyX.Y) or Windows'
// Lib; a conda-style prefix without pyvenv.cfg is accepted when it has
// such a directory. When pyvenv.cfg names a version, only its
// lib/pythonX.Y is used; without it, site-packages of two versions are
// an error.
//
// The distributions: every .dist-info directory and legacy .egg-info
// directory or file in site-packages (Dist.Legacy marks the latter), then
// those in the directories .egg-link files and .pth path lines name,
// where a name already found is skipped, as pip and Python skip it.
// Two metadata directories of one name in site-packages are an error
// (*DuplicateError).
//
// Editable installs: when direct_url.json is there it decides, as in
// pip (dir_info.editable; EditablePath is its file: URL). Otherwise a
// distribution is editable when an .egg-link file names it, when an
// __editable__.<name>-<version>.pth (path or finder MAPPING) or another
// backend's <name>.pth pointing outside site-packages names it, or when
// its .egg-info was found through an .egg-link or a .pth path line (a
// setuptools develop install); EditablePath is then the project
// directory that file leads to.
//
// Not read: the base interpreter's packages (see
// Venv.SystemSitePackages), user site-packages, .egg directories and
// zips (easy_install), and an .egg-info's requires.txt (Dist.Metadata is
// PKG-INFO alone). An editable install without top_level.txt whose
// RECORD lists only a .pth file has no TopLevel.
//
// Errors name the file or directory at fault; a canceled ctx stops the
// scan with ctx.Err().
func Scan(ctx context.Context, dir string) (*Venv, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("environment %s: %w", dir, err)
	}
	l, err := findLayout(root)
	if err != nil {
		return nil, err
	}
	v := &Venv{
		Root: root, Python: l.python, PythonVersion: l.version, Home: l.home,
		SitePackages: l.sitePackages, SystemSitePackages: l.systemSite,
	}
	s := &scanner{ctx: ctx, byName: map[string]*Dist{}}
	if err := s.scanSites(l.sitePackages); err != nil {
		return nil, err
	}
	for _, name := range s.order {
		v.Dists = append(v.Dists, *s.byName[name])
	}
	sort.Slice(v.Dists, func(i, j int) bool { return v.Dists[i].NormalizedName < v.Dists[j].NormalizedName })
	return v, nil
}

// scanner collects the distributions of one environment.
type scanner struct {
	ctx    context.Context
	byName map[string]*Dist
	order  []string
	// linkedDir marks the directories reached through an .egg-link or a
	// .pth path line, whose .egg-info are develop installs.
	linkedDir map[string]bool
}

func (s *scanner) scanSites(sites []string) error {
	for _, site := range sites {
		if err := s.addDir(site, true); err != nil {
			return err
		}
	}
	s.linkedDir = map[string]bool{}
	eggLinks := map[string]eggLink{}
	editables := map[string]editableLink{}
	for _, site := range sites {
		links, err := readEggLinks(site)
		if err != nil {
			return fmt.Errorf("environment site-packages %s: %w", site, err)
		}
		pths, err := readPthFiles(site)
		if err != nil {
			return fmt.Errorf("environment site-packages %s: %w", site, err)
		}
		for _, link := range links {
			if _, ok := eggLinks[link.name]; !ok {
				eggLinks[link.name] = link
			}
			if isDir(link.target) {
				if err := s.addLinked(link.target, sites); err != nil {
					return err
				}
			}
		}
		for _, p := range pths {
			for _, d := range p.dirs {
				if err := s.addLinked(d, sites); err != nil {
					return err
				}
			}
		}
		for name, e := range pthEditables(site, pths, sites) {
			if _, ok := editables[name]; !ok {
				editables[name] = e
			}
		}
	}
	for _, name := range s.order {
		s.markEditable(s.byName[name], eggLinks, editables)
	}
	return nil
}

// addLinked adds the distributions of a directory an .egg-link or .pth
// file puts on sys.path, unless it is a site-packages directory.
func (s *scanner) addLinked(dir string, sites []string) error {
	for _, site := range sites {
		if sameFile(dir, site) {
			return nil
		}
	}
	if s.linkedDir[dir] {
		return nil
	}
	s.linkedDir[dir] = true
	return s.addDir(dir, false)
}

// addDir adds the distributions whose metadata is in dir. In a
// site-packages directory (strict) a name seen before is an error; in a
// linked directory it is shadowed and skipped.
func (s *scanner) addDir(dir string, strict bool) error {
	infos, err := listInfos(dir)
	if err != nil {
		return fmt.Errorf("environment: %w", err)
	}
	for _, info := range infos {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		d, err := readDist(info.path, info.kind)
		if err != nil {
			return err
		}
		if prev, ok := s.byName[d.NormalizedName]; ok {
			if strict {
				paths := []string{prev.DistInfo, d.DistInfo}
				sort.Strings(paths)
				return &DuplicateError{Name: d.NormalizedName, Paths: paths}
			}
			continue
		}
		s.byName[d.NormalizedName] = &d
		s.order = append(s.order, d.NormalizedName)
	}
	return nil
}

// markEditable sets Editable and EditablePath of d (see Scan).
func (s *scanner) markEditable(d *Dist, eggLinks map[string]eggLink, editables map[string]editableLink) {
	if d.DirectURL != nil {
		if d.DirectURL.Editable {
			d.Editable = true
			d.EditablePath = fileURLPath(d.DirectURL.URL)
		}
		return
	}
	if link, ok := eggLinks[d.NormalizedName]; ok {
		d.Editable, d.EditablePath = true, link.project
		return
	}
	if link, ok := editables[d.NormalizedName]; ok {
		d.Editable, d.EditablePath = true, link.project
		return
	}
	if d.Legacy && s.linkedDir[d.Location] {
		d.Editable, d.EditablePath = true, projectDir(d.Location)
	}
}
