package venvscan

import (
	"net/url"
	"path/filepath"
	"strings"
)

// fileURLPath returns the local path a file: URL names, or "" for other
// URLs and for file URLs with a remote host.
func fileURLPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, "file") {
		return ""
	}
	if u.Host != "" && !strings.EqualFold(u.Host, "localhost") {
		return ""
	}
	p := u.Path
	if len(p) >= 3 && p[0] == '/' && p[2] == ':' {
		p = p[1:] // file:///C:/project
	}
	if p == "" {
		return ""
	}
	return filepath.Clean(filepath.FromSlash(p))
}
