package venvscan

import (
	"bufio"
	"bytes"
	"regexp"
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

// releasePrefix matches the leading X.Y[.Z] of a version.
var releasePrefix = regexp.MustCompile(`^\d+\.\d+(\.\d+)?`)

// numericRelease returns the leading X.Y[.Z] of s ("3.13.0" of
// "3.13.0rc1" or "3.13.0.candidate.1"), or "" when s does not start
// with X.Y.
func numericRelease(s string) string {
	return releasePrefix.FindString(s)
}

// majorMinor returns "X.Y" of a version "X.Y[.Z]".
func majorMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}
