package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// A rule gives the packages a pattern matches their go test -timeout.
type rule struct {
	Pattern string // an import path, or a prefix followed by "/..."
	Timeout time.Duration
	Line    int
}

// timeouts is the table of scripts/test-timeouts: the first rule that
// matches a package gives its timeout, else the default.
type timeouts struct {
	Rules   []rule
	Default time.Duration
}

// parseTimeouts reads lines of "PATTERN DURATION", with # comments and
// blank lines. Patterns are import paths, or ./relative to module (the
// module path is put in front), optionally ending in /... .
func parseTimeouts(r io.Reader, name, module string, def time.Duration) (*timeouts, error) {
	t := &timeouts{Default: def}
	in := bufio.NewScanner(r)
	n := 0
	for in.Scan() {
		n++
		line := in.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			return nil, fmt.Errorf("%s:%d: want \"PACKAGE-PATTERN DURATION\" (as ./store/... 20m), got %q", name, n, strings.TrimSpace(line))
		}
		d, err := time.ParseDuration(fields[1])
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%s:%d: %q is not a positive duration (as 20m or 90s)", name, n, fields[1])
		}
		pat := fields[0]
		if rest, ok := strings.CutPrefix(pat, "./"); ok {
			pat = module + "/" + rest
		} else if pat == "." {
			pat = module
		}
		pat = strings.TrimSuffix(pat, "/")
		if pat == "" || strings.Contains(strings.TrimSuffix(pat, "/..."), "...") {
			return nil, fmt.Errorf("%s:%d: %q: a pattern is a package, or a directory followed by /...", name, n, fields[0])
		}
		t.Rules = append(t.Rules, rule{Pattern: pat, Timeout: d, Line: n})
	}
	if err := in.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return t, nil
}

// For is pkg's timeout.
func (t *timeouts) For(pkg string) time.Duration {
	for _, r := range t.Rules {
		if prefix, ok := strings.CutSuffix(r.Pattern, "/..."); ok {
			if pkg == prefix || strings.HasPrefix(pkg, prefix+"/") {
				return r.Timeout
			}
		} else if pkg == r.Pattern {
			return r.Timeout
		}
	}
	return t.Default
}
