package reqfile

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep508"
)

// vcsNames are the version-control systems pip knows; "git:" and friends
// are accepted after -e as shorthands for "git+git:".
var vcsNames = []string{"bzr", "git", "hg", "svn"}

// vcsSchemes are the URL schemes of pip's VCS support.
var vcsSchemes = map[string]bool{
	"bzr+http": true, "bzr+https": true, "bzr+ssh": true, "bzr+sftp": true,
	"bzr+ftp": true, "bzr+lp": true, "bzr+file": true,
	"git+http": true, "git+https": true, "git+ssh": true, "git+git": true, "git+file": true,
	"hg+file": true, "hg+http": true, "hg+https": true, "hg+ssh": true, "hg+static-http": true,
	"svn+ssh": true, "svn+http": true, "svn+https": true, "svn+svn": true, "svn+file": true,
}

// archiveExtensions are the file name endings pip treats as distributions.
var archiveExtensions = []string{
	".zip", ".whl", ".tar.bz2", ".tbz", ".tar.gz", ".tgz", ".tar",
	".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma",
}

// urlScheme returns the lowercased text before the first ":" (pip's
// get_url_scheme), or "" when there is no colon.
func urlScheme(s string) string {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok {
		return ""
	}
	return strings.ToLower(scheme)
}

// isURL reports whether pip takes s for a URL rather than a path or a
// requirement (pip's vcs.is_url).
func isURL(s string) bool {
	switch scheme := urlScheme(s); scheme {
	case "http", "https", "file", "ftp":
		return true
	default:
		return vcsSchemes[scheme]
	}
}

// looksLikePath reports whether pip takes name for a path: it contains a
// separator or starts with a dot.
func looksLikePath(name string) bool {
	return strings.ContainsRune(name, '/') || strings.ContainsRune(name, filepath.Separator) ||
		strings.HasPrefix(name, ".")
}

// trailingExtras matches "path[extras]" as pip's _strip_extras does.
var trailingExtras = regexp.MustCompile(`^(.+)(\[[^\]]+\])$`)

// stripExtras splits "./dir[a,b]" into "./dir" and "[a,b]".
func stripExtras(s string) (rest, extras string) {
	if m := trailingExtras.FindStringSubmatch(s); m != nil {
		return m[1], m[2]
	}
	return s, ""
}

// parseExtras turns "[a, b]" into its extra names, validated as PEP 508
// extras.
func parseExtras(extras string) ([]string, error) {
	if extras == "" {
		return nil, nil
	}
	r, err := pep508.ParseRequirement("placeholder" + strings.ToLower(extras))
	if err != nil {
		return nil, fmt.Errorf("invalid extras %s: %w", extras, err)
	}
	return r.Extras, nil
}

// splitExt returns a file name's extension, counting ".tar.gz" and the
// like as one (pip's splitext).
func splitExt(name string) string {
	ext := path.Ext(name)
	base := strings.TrimSuffix(name, ext)
	if strings.HasSuffix(strings.ToLower(base), ".tar") {
		ext = base[len(base)-4:] + ext
	}
	return ext
}

// isArchive reports whether name ends like a distribution file.
func isArchive(name string) bool {
	ext := strings.ToLower(splitExt(name))
	for _, e := range archiveExtensions {
		if ext == e {
			return true
		}
	}
	return false
}

// wheelFilename matches the name and version of a wheel file name, as
// pip's Wheel.wheel_file_re does.
var wheelFilename = regexp.MustCompile(`^(?P<name>[^\s-]+?)-(?P<ver>[^\s-]*?)(?:(?:-(?:\d[^-]*?))?-(?:[^\s-]+?)-(?:[^\s-]+?)-(?:[^\s-]+?)\.whl|\.dist-info)$`)

// wheelRequirement returns name==version for a wheel file name.
func wheelRequirement(filename string) (*pep508.Requirement, error) {
	m := wheelFilename.FindStringSubmatch(filename)
	if m == nil {
		return nil, fmt.Errorf("%s is not a valid wheel filename", filename)
	}
	name := strings.ReplaceAll(m[1], "_", "-")
	version := strings.ReplaceAll(m[2], "_", "-")
	r, err := pep508.ParseRequirement(name + "==" + version)
	if err != nil {
		return nil, fmt.Errorf("wheel filename %s: %w", filename, err)
	}
	return &r, nil
}

// eggFragment matches the "#egg=name" (or "&egg=name") of a URL.
var eggFragment = regexp.MustCompile(`[#&]egg=([^&]*)`)

// urlPath returns the unescaped path of a URL (pip's Link.path).
func urlPath(rawURL string) string {
	p := rawURL
	if _, rest, ok := strings.Cut(p, ":"); ok {
		p = rest
	}
	p, _, _ = strings.Cut(p, "#")
	p, _, _ = strings.Cut(p, "?")
	if strings.HasPrefix(p, "//") {
		p = p[2:]
		if i := strings.IndexByte(p, '/'); i >= 0 {
			p = p[i:]
		} else {
			p = ""
		}
	}
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	return p
}

// urlFilename returns the last path segment of a URL (pip's Link.filename).
func urlFilename(rawURL string) string {
	return path.Base("/" + strings.TrimRight(urlPath(rawURL), "/"))
}

// locationRequirement is the requirement pip derives from a URL or path:
// name==version for a wheel, the #egg= name, or nil.
func locationRequirement(location string, isWheel bool) (*pep508.Requirement, error) {
	if isWheel {
		return wheelRequirement(urlFilename(location))
	}
	m := eggFragment.FindStringSubmatch(location)
	if m == nil {
		return nil, nil
	}
	r, err := pep508.ParseRequirement(m[1])
	if err != nil {
		return nil, fmt.Errorf("invalid #egg= name %q: %w", m[1], err)
	}
	return &r, nil
}

// errNotInstallable explains a directory without project metadata.
var errNotInstallable = errors.New("neither setup.py nor pyproject.toml found")
