package venvscan

import (
	"bufio"
	"bytes"
	"strings"
)

// parsePyvenvCfg reads a pyvenv.cfg as CPython's site module does: every
// line with '=' is a key (stripped, lower-cased) and a value (stripped);
// other lines are ignored; a later key wins.
func parsePyvenvCfg(data []byte) map[string]string {
	cfg := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		cfg[strings.ToLower(strings.TrimSpace(key))] = strings.TrimSpace(value)
	}
	return cfg
}

// cfgVersion returns the Python version a pyvenv.cfg records: "version"
// (venv, "3.11.7") or "version_info" (virtualenv "3.11.7.final.0", uv
// "3.11.7"), cut to its leading numeric release ("3.11.7"). Empty when
// neither is there or neither starts with a number.
func cfgVersion(cfg map[string]string) string {
	for _, key := range []string{"version", "version_info"} {
		if v := numericRelease(cfg[key]); v != "" {
			return v
		}
	}
	return ""
}

// numericRelease returns the leading dot-separated decimal components of
// s, at most three, or "" when s does not start with X.Y.
func numericRelease(s string) string {
	var parts []string
	for _, p := range strings.SplitN(s, ".", 4) {
		if p == "" || strings.Trim(p, "0123456789") != "" || len(parts) == 3 {
			break
		}
		parts = append(parts, p)
	}
	if len(parts) < 2 {
		return ""
	}
	return strings.Join(parts, ".")
}

// majorMinor returns "X.Y" of a version "X.Y[.Z]".
func majorMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}
