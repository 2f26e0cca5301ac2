package wheel

import (
	"fmt"
	"strconv"
	"strings"
)

// parseHeaders reads the header block of an email-style file (WHEEL,
// METADATA) leniently, as Python's email parser does for these files:
// "Key: value" lines up to the first empty line, continuation lines
// starting with a space or tab, keys compared case-insensitively. It
// returns the first value of each key, lower-cased key first.
func parseHeaders(data []byte) map[string]string {
	out := map[string]string{}
	last := ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if last != "" {
				out[last] += " " + strings.TrimSpace(line)
			}
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			last = ""
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		if _, seen := out[key]; seen {
			last = ""
			continue
		}
		out[key] = strings.TrimSpace(value)
		last = key
	}
	return out
}

// wheelInfo is what Install needs from .dist-info/WHEEL.
type wheelInfo struct {
	rootIsPurelib bool
}

// parseWheelFile checks the Wheel-Version (major version 1, or the ancient
// 0.x some test wheels carry, as pip accepts) and reads Root-Is-Purelib.
func parseWheelFile(data []byte) (wheelInfo, error) {
	h := parseHeaders(data)
	v, ok := h["wheel-version"]
	if !ok {
		return wheelInfo{}, fmt.Errorf("%w: WHEEL has no Wheel-Version", ErrInvalidWheel)
	}
	majorText, _, _ := strings.Cut(v, ".")
	major, err := strconv.Atoi(majorText)
	if err != nil || major < 0 {
		return wheelInfo{}, fmt.Errorf("%w: WHEEL has a malformed Wheel-Version %q", ErrInvalidWheel, v)
	}
	if major > 1 {
		return wheelInfo{}, fmt.Errorf("%w: Wheel-Version %s is not supported (major version 1 is)", ErrInvalidWheel, v)
	}
	return wheelInfo{rootIsPurelib: strings.EqualFold(h["root-is-purelib"], "true")}, nil
}
