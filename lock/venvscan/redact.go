package venvscan

import "strings"

// StripUserinfo removes the userinfo ("user:password@") from the
// authority of a URL such as https://user:token@host/path, and returns
// other strings unchanged. It works on the text, so a URL that net/url
// refuses to parse is stripped too.
func StripUserinfo(rawURL string) string {
	i := strings.Index(rawURL, "://")
	if i < 0 {
		return rawURL
	}
	start := i + len("://")
	rest := rawURL[start:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return rawURL
	}
	return rawURL[:start] + rest[at+1:]
}
