package lockfile

import "strings"

// StripCredentials removes the userinfo ("user:password@" or "token@")
// from a URL, so that secrets given in index or file URLs never reach a
// lock or any other output. It works on the text, so it also handles URLs
// that net/url rejects: everything in the authority up to its last "@" is
// dropped. For ssh schemes (ssh://, git+ssh://) the user name is an
// account, not a secret, and is kept while any password is dropped.
// Strings that do not start with "scheme://" are returned unchanged.
func StripCredentials(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok || !isURLScheme(scheme) {
		return url
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return url
	}
	userinfo, host := authority[:at], authority[at+1:]
	kept := ""
	if strings.HasSuffix(strings.ToLower(scheme), "ssh") {
		user, _, _ := strings.Cut(userinfo, ":")
		if user != "" {
			kept = user + "@"
		}
	}
	return scheme + "://" + kept + host + rest[end:]
}

// isURLScheme reports whether s is an RFC 3986 scheme: a letter followed
// by letters, digits, "+", "-" or ".".
func isURLScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// stripCredentials removes credentials from every URL of the lock's typed
// fields. Free-form values are handled by normalizeValue.
func (l *Lock) stripCredentials() {
	for i := range l.Packages {
		p := &l.Packages[i]
		p.Index = StripCredentials(p.Index)
		if p.VCS != nil {
			p.VCS.URL = StripCredentials(p.VCS.URL)
		}
		if p.Archive != nil {
			p.Archive.URL = StripCredentials(p.Archive.URL)
		}
		if p.Sdist != nil {
			p.Sdist.URL = StripCredentials(p.Sdist.URL)
		}
		for j := range p.Wheels {
			p.Wheels[j].URL = StripCredentials(p.Wheels[j].URL)
		}
	}
}
