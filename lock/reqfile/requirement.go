package reqfile

import (
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep508"
)

// requirementLine interprets the requirement part of a line as pip's
// parse_req_from_line does: a URL, a local path, or a PEP 508 requirement.
func (p *parser) requirementLine(src Source, base, text string) (Requirement, error) {
	r := Requirement{Line: src, Text: strings.TrimFunc(text, isPySpace)}
	markerSep := ";"
	if isURL(text) {
		markerSep = "; "
	}
	name, markerText, hasMarker := strings.Cut(text, markerSep)
	name = strings.TrimFunc(name, isPySpace)
	var marker *pep508.Marker
	if hasMarker {
		if mt := strings.TrimFunc(markerText, isPySpace); mt != "" {
			m, err := pep508.ParseMarker(mt)
			if err != nil {
				return r, lineError(src, "invalid marker: %w", err)
			}
			marker = m
		}
	}

	switch {
	case isURL(name):
		if err := p.setURL(&r, src, base, name); err != nil {
			return r, err
		}
	default:
		local, extras := stripExtras(name)
		isPath, err := p.localRequirement(&r, src, base, name, local)
		if err != nil {
			return r, err
		}
		if !isPath {
			req, err := pep508.ParseRequirement(name)
			if err != nil {
				return r, lineError(src, "invalid requirement: %w%s", err, requirementHint(name))
			}
			r.Req = &req
			if err := p.setDirectURL(&r, src, base); err != nil {
				return r, err
			}
			break
		}
		if r.Extras, err = parseExtras(extras); err != nil {
			return r, lineError(src, "%w", err)
		}
	}
	if r.Req != nil {
		r.Req.Marker = marker
	} else {
		r.Marker = marker
	}
	return r, nil
}

// requirementHint adds pip's advice for common mistakes.
func requirementHint(name string) string {
	switch {
	case strings.ContainsRune(name, '/'):
		return "; it looks like a path: check that the file or directory exists (relative paths start at the requirements file's directory)"
	case strings.Contains(name, "=") && !strings.ContainsAny(name, "<>!~") && !strings.Contains(name, "=="):
		return `; "=" is not a version operator, did you mean "=="?`
	}
	return ""
}

// setURL fills a requirement given as a URL.
func (p *parser) setURL(r *Requirement, src Source, base, rawURL string) error {
	r.URL = rawURL
	req, err := locationRequirement(rawURL, splitExt(urlFilename(rawURL)) == ".whl")
	if err != nil {
		return lineError(src, "%w", err)
	}
	r.Req = req
	if isFileURL(rawURL) {
		local, err := fileURLPath(strings.SplitN(rawURL, "#", 2)[0])
		if err != nil {
			return lineError(src, "%w", err)
		}
		r.Path = resolvePath(base, local)
	}
	return nil
}

// localRequirement fills r when name is a local directory or distribution
// file (pip's _get_url_from_path) and reports whether it was one.
func (p *parser) localRequirement(r *Requirement, src Source, base, name, local string) (bool, error) {
	path := resolvePath(base, local)
	if looksLikePath(name) {
		if exists, isDir := p.stat(path); exists && isDir {
			if !p.isProject(path) {
				return false, lineError(src, "directory %s is not installable: %w; point at the project root", name, errNotInstallable)
			}
			r.Path = path
			return true, nil
		}
	}
	if !isArchive(local) {
		return false, nil
	}
	if exists, isDir := p.stat(path); !exists || isDir {
		if before, _, ok := strings.Cut(name, "@"); ok && !looksLikePath(before) {
			return false, nil // "name @ https://.../x.whl"
		}
	}
	r.Path = path
	if splitExt(filepath.Base(local)) == ".whl" {
		req, err := wheelRequirement(filepath.Base(local))
		if err != nil {
			return false, lineError(src, "%w", err)
		}
		r.Req = req
	}
	return true, nil
}

// isProject reports whether dir holds pyproject.toml or setup.py.
func (p *parser) isProject(dir string) bool {
	for _, f := range []string{"pyproject.toml", "setup.py"} {
		if exists, isDir := p.stat(filepath.Join(dir, f)); exists && !isDir {
			return true
		}
	}
	return false
}

// resolvePath makes a local path absolute against base, the directory of
// the requirements file.
func resolvePath(base, local string) string {
	local = filepath.FromSlash(local)
	if filepath.IsAbs(local) || base == "" {
		return filepath.Clean(local)
	}
	return filepath.Join(base, local)
}

// editableLine interprets the value of -e as pip's parse_editable does: a
// local project directory (with optional [extras]), a file: URL, or a VCS
// URL with #egg=name.
func (p *parser) editableLine(src Source, base, value string) (Requirement, error) {
	r := Requirement{Line: src, Text: value, Editable: true}
	local, extras := stripExtras(value)
	isDir := false
	if !isURL(local) {
		_, isDir = p.stat(resolvePath(base, local))
	}
	switch {
	case isDir, isFileURL(local):
		var err error
		if r.Extras, err = parseExtras(extras); err != nil {
			return r, lineError(src, "%w", err)
		}
		if isDir {
			r.Path = resolvePath(base, local)
			return r, nil
		}
		if err := p.setURL(&r, src, base, local); err != nil {
			return r, err
		}
		return r, nil
	}
	u := value
	for _, v := range vcsNames {
		if strings.HasPrefix(strings.ToLower(u), v+":") {
			u = v + "+" + u
			break
		}
	}
	if !vcsSchemes[urlScheme(u)] {
		return r, lineError(src, "-e %s: not a project directory (relative paths start at the requirements file's directory) nor a VCS URL (git+https://..., hg+..., svn+..., bzr+...)", value)
	}
	r.URL = u
	req, err := locationRequirement(u, false)
	if err != nil {
		return r, lineError(src, "%w", err)
	}
	if req == nil {
		return r, lineError(src, "-e %s: cannot tell the project name; add #egg=name to the URL", value)
	}
	r.Req = req
	return r, nil
}

// setDirectURL copies the URL of "name @ URL" into r.URL (and r.Path for
// a file: URL).
func (p *parser) setDirectURL(r *Requirement, src Source, base string) error {
	if r.Req.URL == "" {
		return nil
	}
	r.URL = r.Req.URL
	if isFileURL(r.URL) {
		local, err := fileURLPath(strings.SplitN(r.URL, "#", 2)[0])
		if err != nil {
			return lineError(src, "%w", err)
		}
		r.Path = resolvePath(base, local)
	}
	return nil
}
