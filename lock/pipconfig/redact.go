package pipconfig

import (
	"strings"
)

// Redact hides the credentials of a URL for display, as pip's
// redact_auth_from_url does: "https://user:secret@host/x" becomes
// "https://user:****@host/x" and a token-only "https://token@host/x"
// becomes "https://****@host/x". The userinfo ends at the last '@' before
// the path, so unescaped '@' in a password is hidden too. Strings that
// are not URLs with an authority are returned unchanged.
func Redact(u string) string {
	start := authorityStart(u)
	if start < 0 {
		return u
	}
	end := strings.IndexAny(u[start:], "/?#")
	if end < 0 {
		end = len(u) - start
	}
	end += start
	netloc := u[start:end]
	at := strings.LastIndexByte(netloc, '@')
	if at < 0 {
		return u
	}
	auth, host := netloc[:at], netloc[at+1:]
	user, _, hasPassword := strings.Cut(auth, ":")
	var userinfo string
	if hasPassword {
		userinfo = quoteUser(unquote(user)) + ":****"
	} else {
		userinfo = "****"
	}
	return u[:start] + userinfo + "@" + host + u[end:]
}

// authorityStart returns the index after "scheme://" or a leading "//",
// or -1 when the string has no authority.
func authorityStart(u string) int {
	if strings.HasPrefix(u, "//") {
		return 2
	}
	colon := strings.Index(u, "://")
	if colon <= 0 || !validScheme(u[:colon]) {
		return -1
	}
	return colon + 3
}

// validScheme reports whether s is a URL scheme: a letter followed by
// letters, digits, '+', '-' or '.'.
func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// unquote decodes %XX escapes and keeps malformed ones, as Python's
// urllib.parse.unquote does.
func unquote(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// quoteUser percent-encodes every byte but letters, digits and "_.-~/",
// as Python's urllib.parse.quote does by default.
func quoteUser(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.-~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
