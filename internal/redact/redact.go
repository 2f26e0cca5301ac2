// Package redact keeps the credentials of URLs out of what clusterpack
// shows and stores. It has one policy, in two renderings:
//
//   - Mask is for messages and logs: the URL stays recognisable, its secret
//     does not. "https://user:secret@host/x" becomes
//     "https://user:****@host/x" and a token-only "https://token@host/x"
//     becomes "https://****@host/x", as pip's redact_auth_from_url shows
//     them.
//   - Strip is for anything persisted (lock files, manifests, cache keys):
//     the userinfo goes entirely, "https://host/x".
//
// Both work on the text, not on a parsed URL, so they also handle what
// net/url rejects (a bad %-escape, an unescaped '@' in a password, a pip
// VCS reference such as "git+https://u:p@host/x.git@v1") and strings that
// hold URLs among other words ("pkg @ https://u:p@host/p.whl", an error
// message). Every "scheme://" in the string starts an authority that ends
// at the next '/', '?' or '#' (or the end of the string); its userinfo is
// everything before the authority's last '@'. A string starting with "//"
// (a scheme-relative URL) starts with an authority too. When the text
// around a URL has an '@' before any '/', '?' or '#', more than the
// userinfo is hidden, never less.
//
// For ssh schemes (ssh://, git+ssh://, ...) the user name is an account,
// not a secret ("git+ssh://git@github.com/o/r.git"), as PEP 610 notes for
// direct_url.json: both renderings keep it and only drop a password.
package redact

import "strings"

// Masked is what Mask shows in place of a secret.
const Masked = "****"

// Mask returns s with the secret of every URL in it replaced by "****":
// "user:password@" becomes "user:****@" and a lone "token@" becomes
// "****@". The user name is shown percent-encoded, as pip shows it. Mask
// is for messages and logs; use Strip for what is written to disk.
func Mask(s string) string {
	return rewrite(s, maskUserinfo)
}

// Strip returns s with the userinfo ("user:password@", "token@") of every
// URL in it removed: "https://user:secret@host/x" becomes
// "https://host/x". It is for values that are persisted; use Mask for
// messages, where the user name helps.
func Strip(s string) string {
	return rewrite(s, stripUserinfo)
}

// URL returns rawURL, a single URL, without userinfo (as Strip) and
// without a query: the rendering for object-store URLs, whose query may
// carry a signature ("https://h/p?X-Amz-Signature=..." becomes
// "https://h/p"). The fragment, if any, is kept.
func URL(rawURL string) string {
	s := Strip(rawURL)
	start := authorityStart(s)
	if start < 0 {
		start = 0
	}
	q := strings.IndexAny(s[start:], "?#")
	if q < 0 || s[start+q] != '?' {
		return s
	}
	q += start
	if f := strings.IndexByte(s[q:], '#'); f >= 0 {
		return s[:q] + s[q+f:]
	}
	return s[:q]
}

// authorityStart returns where the authority of the first URL in s
// starts, or -1 when s has none.
func authorityStart(s string) int {
	if strings.HasPrefix(s, "//") {
		return 2
	}
	if i := strings.Index(s, "://"); i >= 0 {
		return i + len("://")
	}
	return -1
}

// rewrite replaces the userinfo of every URL in s, '@' included, by what
// replace returns for it. scheme is the URL's scheme, "" for a
// scheme-relative URL; userinfo excludes the '@'.
func rewrite(s string, replace func(scheme, userinfo string) string) string {
	var b strings.Builder
	copied := 0 // s[:copied] is in b, or b is empty and nothing changed
	visit := func(schemeEnd, start int) {
		end := strings.IndexAny(s[start:], "/?#")
		if end < 0 {
			end = len(s) - start
		}
		at := strings.LastIndexByte(s[start:start+end], '@')
		if at < 0 {
			return
		}
		scheme := s[schemeStart(s, schemeEnd):schemeEnd]
		b.WriteString(s[copied:start])
		b.WriteString(replace(scheme, s[start:start+at]))
		copied = start + at + 1
	}
	if strings.HasPrefix(s, "//") {
		visit(0, 2)
	}
	// An authority has no '/', so the next "://" is at the earliest at
	// its last byte: searching on from where it starts finds every URL.
	for from := 0; ; {
		i := strings.Index(s[from:], "://")
		if i < 0 {
			break
		}
		i += from
		from = i + len("://")
		visit(i, from)
	}
	if copied == 0 {
		return s
	}
	b.WriteString(s[copied:])
	return b.String()
}

// schemeStart returns where the scheme ending at end starts: after the
// letters, digits, '+', '-' and '.' that precede end.
func schemeStart(s string, end int) int {
	i := end
	for i > 0 && isSchemeByte(s[i-1]) {
		i--
	}
	return i
}

func isSchemeByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'
}

// isSSH reports whether scheme names ssh transport: ssh, git+ssh,
// svn+ssh, ...
func isSSH(scheme string) bool {
	return strings.HasSuffix(strings.ToLower(scheme), "ssh")
}

// maskUserinfo renders userinfo for Mask, with its '@'.
func maskUserinfo(scheme, userinfo string) string {
	user, _, hasPassword := strings.Cut(userinfo, ":")
	switch {
	case hasPassword:
		return quoteUser(unquote(user)) + ":" + Masked + "@"
	case isSSH(scheme) && user != "":
		return userinfo + "@"
	}
	return Masked + "@"
}

// stripUserinfo renders userinfo for Strip, with its '@': nothing but an
// ssh user name.
func stripUserinfo(scheme, userinfo string) string {
	if !isSSH(scheme) {
		return ""
	}
	if user, _, _ := strings.Cut(userinfo, ":"); user != "" {
		return user + "@"
	}
	return ""
}

// unquote decodes %XX escapes, keeping malformed ones as they are, as
// Python's urllib.parse.unquote does (where url.PathUnescape would fail).
func unquote(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, ok1 := hexValue(s[i+1])
			lo, ok2 := hexValue(s[i+2])
			if ok1 && ok2 {
				out = append(out, hi<<4|lo)
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return string(out)
}

func hexValue(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// quoteUser percent-encodes every byte but ASCII letters, digits and
// "_.-~/", the set Python's urllib.parse.quote leaves alone by default.
func quoteUser(s string) string {
	const upperHex = "0123456789ABCDEF"
	out := make([]byte, 0, len(s))
	for _, c := range []byte(s) {
		if isUnreserved(c) || c == '/' {
			out = append(out, c)
		} else {
			out = append(out, '%', upperHex[c>>4], upperHex[c&0xf])
		}
	}
	return string(out)
}

// isUnreserved reports whether c is an RFC 3986 unreserved character.
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
