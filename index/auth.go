package index

import (
	"net/url"
	"strings"
)

// credentialsFor returns the basic-auth credentials for a request to u:
// those of the index or find-links URL on the same scheme, host and port
// (the longest path prefix winning, as files often live outside the
// index's path), else those of the Credentials lookup.
func (c *Client) credentialsFor(u *url.URL) (user, password string, ok bool) {
	if user, password, ok := c.urlCredentialsFor(u); ok {
		return user, password, true
	}
	if c.credentials != nil && u.Hostname() != "" {
		return c.credentials(u.Hostname())
	}
	return "", "", false
}

// urlCredentialsFor returns the credentials of the index or find-links
// URL on u's scheme, host and port, the longest path prefix winning.
func (c *Client) urlCredentialsFor(u *url.URL) (user, password string, ok bool) {
	var best *location
	bestLen := -1
	for _, loc := range c.locations() {
		if loc.user == nil || loc.url == nil || !sameOrigin(loc.url, u) {
			continue
		}
		prefix := 0
		if strings.HasPrefix(u.Path, loc.url.Path) {
			prefix = len(loc.url.Path)
		}
		if prefix > bestLen {
			best, bestLen = loc, prefix
		}
	}
	if best != nil {
		password, _ := best.user.Password()
		return best.user.Username(), password, true
	}
	return "", "", false
}

func (c *Client) locations() []*location {
	return append(append([]*location(nil), c.indexes...), c.findLinks...)
}

// sameOrigin reports whether a and b have the same scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}
