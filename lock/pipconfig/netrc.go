package pipconfig

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// Netrc holds the credentials of a .netrc file.
type Netrc struct {
	// Path is the file the credentials came from; empty when parsed from
	// a reader or when no file was found.
	Path     string
	machines map[string]netrcEntry
	dflt     *netrcEntry
}

// netrcEntry is one "machine" or "default" entry.
type netrcEntry struct {
	login, account, password string
}

// NetrcError is a syntax error in a netrc file. It names the line but
// never a token, which may be a password.
type NetrcError struct {
	File string // empty when parsed from a reader
	Line int
	Msg  string
}

func (e *NetrcError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("netrc line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Lookup returns the credentials for host as pip (through requests and
// Python's netrc module) finds them: the entry of the machine named
// exactly host, else the default entry. host is a URL's host name; it is
// lower-cased and a port is dropped, as requests does. The user is the
// entry's login, or its account when the login is empty. A nil Netrc has
// no entries.
func (n *Netrc) Lookup(host string) (user, password string, ok bool) {
	if n == nil {
		return "", "", false
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if len(host) > 2 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1] // a bracketed IPv6 literal
	}
	host = strings.ToLower(host)
	e, found := n.machines[host]
	if !found {
		if n.dflt == nil {
			return "", "", false
		}
		e = *n.dflt
	}
	user = e.login
	if user == "" {
		user = e.account
	}
	return user, e.password, true
}

// ParseNetrc parses a netrc file as Python's netrc module does: machine,
// default, login (or user), password, account and macdef (whose body runs
// to the next empty line and is skipped), whitespace-separated tokens on
// one or many lines, double-quoted tokens with backslash escapes, and '#'
// comments where a keyword is expected. A later entry for the same
// machine replaces an earlier one.
func ParseNetrc(r io.Reader) (*Netrc, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading netrc: %w", err)
	}
	return parseNetrc("", data)
}

// LoadNetrc reads the netrc file requests would use: the file named by
// $NETRC, else ~/.netrc, else ~/_netrc (the Windows name, looked for on
// every platform as requests does). A missing file gives an empty Netrc
// and no error.
func LoadNetrc(env func(string) string, home string) (*Netrc, error) {
	var paths []string
	if p := env("NETRC"); p != "" {
		paths = []string{expandHome(p, home)}
	} else if home != "" {
		paths = []string{filepath.Join(home, ".netrc"), filepath.Join(home, "_netrc")}
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading netrc: %w", err)
		}
		n, err := parseNetrc(p, data)
		if err != nil {
			return nil, err
		}
		n.Path = p
		return n, nil
	}
	return &Netrc{}, nil
}

// expandHome replaces a leading "~/" with home.
func expandHome(path, home string) string {
	if home != "" && (path == "~" || strings.HasPrefix(path, "~/") || strings.HasPrefix(path, `~\`)) {
		return filepath.Join(home, path[1:])
	}
	return path
}

func parseNetrc(file string, data []byte) (*Netrc, error) {
	n := &Netrc{machines: map[string]netrcEntry{}}
	lx := &netrcLexer{data: data, line: 1}
	fail := func(line int, format string, args ...any) (*Netrc, error) {
		return nil, &NetrcError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	for {
		tok, line, ok := lx.keyword()
		if !ok {
			return n, nil
		}
		var name string
		switch tok {
		case "machine":
			name, ok = lx.value()
			if !ok || name == "" {
				return fail(line, "machine without a name")
			}
		case "default":
		case "macdef":
			if name, ok = lx.value(); !ok || name == "" {
				return fail(line, "macdef without a name")
			}
			if !lx.skipMacro() {
				return fail(line, "macro definition is not ended by an empty line")
			}
			continue
		default:
			return fail(line, "expected machine, default or macdef")
		}
		var e netrcEntry
	entry:
		for {
			follower, fline, ok := lx.keyword()
			if !ok {
				break
			}
			var field *string
			switch follower {
			case "login", "user":
				field = &e.login
			case "account":
				field = &e.account
			case "password":
				field = &e.password
			case "machine", "default", "macdef":
				lx.unread(follower, fline)
				break entry
			default:
				return fail(fline, "expected login, password, account, machine, default or macdef")
			}
			v, ok := lx.value()
			if !ok {
				return fail(fline, "%s without a value", follower)
			}
			*field = v
		}
		if tok == "default" {
			n.dflt = &e
		} else {
			n.machines[name] = e
		}
	}
}
