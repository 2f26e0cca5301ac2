package index

import "strings"

// redacted replaces the user information of a URL.
const redacted = "****"

// Redact returns url with any user information (user name, password or
// token) replaced by "****", so that it can be shown in errors and logs.
// It works on strings that do not parse as URLs too.
func Redact(url string) string {
	scheme := strings.Index(url, "://")
	if scheme < 0 {
		return url
	}
	authorityStart := scheme + len("://")
	authority := url[authorityStart:]
	if end := strings.IndexAny(authority, "/?#"); end >= 0 {
		authority = authority[:end]
	}
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return url
	}
	return url[:authorityStart] + redacted + url[authorityStart+at:]
}
