package lockfile

import (
	"fmt"
	"slices"
	"time"

	"github.com/clusterpack/clusterpack/internal/redact"
)

// table reads typed values out of one decoded TOML table and remembers
// which keys it consumed, so that the rest can be reported as unknown.
type table struct {
	m      map[string]any
	path   string // key path of the table, "" for the top level
	seen   map[string]bool
	strict bool      // unknown keys are errors (lock-version 1.0)
	warn   *[]string // where unknown keys go when not strict
}

func newTable(m map[string]any, path string, strict bool, warn *[]string) *table {
	return &table{m: m, path: path, seen: map[string]bool{}, strict: strict, warn: warn}
}

// keyPath is the dotted path of key inside t.
func (t *table) keyPath(key string) string {
	if t.path == "" {
		return key
	}
	return t.path + "." + key
}

// get returns the raw value of key and marks it consumed.
func (t *table) get(key string) (any, bool) {
	t.seen[key] = true
	v, ok := t.m[key]
	return v, ok
}

func (t *table) wrongType(key string, v any, want string) *Error {
	return problem(t.keyPath(key), ErrWrongType, "got %s, want %s", tomlTypeName(v), want)
}

// str returns an optional string; an empty string is rejected because
// the model uses "" for an absent key.
func (t *table) str(key string) (string, error) {
	v, ok := t.get(key)
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", t.wrongType(key, v, "string")
	}
	if s == "" {
		return "", problem(t.keyPath(key), ErrInvalidValue, "must not be empty")
	}
	return s, nil
}

// requiredStr returns a string that must be present.
func (t *table) requiredStr(key string) (string, error) {
	if _, ok := t.m[key]; !ok {
		t.seen[key] = true
		return "", problem(t.keyPath(key), ErrMissingKey, "%q is required", key)
	}
	return t.str(key)
}

// strList returns an optional array of strings; nil when absent.
func (t *table) strList(key string) ([]string, error) {
	v, ok := t.get(key)
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, t.wrongType(key, v, "array of strings")
	}
	out := make([]string, 0, len(arr))
	for i, item := range arr {
		s, ok := item.(string)
		if !ok {
			return nil, problem(fmt.Sprintf("%s[%d]", t.keyPath(key), i), ErrWrongType, "got %s, want string", tomlTypeName(item))
		}
		out = append(out, s)
	}
	return out, nil
}

func (t *table) boolean(key string) (bool, error) {
	v, ok := t.get(key)
	if !ok {
		return false, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, t.wrongType(key, v, "boolean")
	}
	return b, nil
}

// size returns an optional positive integer; 0 when absent.
func (t *table) size(key string) (int64, error) {
	v, ok := t.get(key)
	if !ok {
		return 0, nil
	}
	n, ok := v.(int64)
	if !ok {
		return 0, t.wrongType(key, v, "integer")
	}
	if n <= 0 {
		return 0, problem(t.keyPath(key), ErrInvalidValue, "size %d is not a positive number of bytes", n)
	}
	return n, nil
}

// datetime returns an optional offset date-time, converted to UTC.
func (t *table) datetime(key string) (time.Time, error) {
	v, ok := t.get(key)
	if !ok {
		return time.Time{}, nil
	}
	tm, ok := v.(time.Time)
	if !ok {
		return time.Time{}, t.wrongType(key, v, "offset date-time")
	}
	if isLocalTOMLTime(tm) {
		return time.Time{}, problem(t.keyPath(key), ErrWrongType, "got %s, want an offset date-time in UTC", tomlTypeName(v))
	}
	return tm.UTC(), nil
}

// sub returns an optional sub-table; nil when absent.
func (t *table) sub(key string) (*table, error) {
	v, ok := t.get(key)
	if !ok {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, t.wrongType(key, v, "table")
	}
	return newTable(m, t.keyPath(key), t.strict, t.warn), nil
}

// tables returns an optional array of tables; nil when absent, non-nil
// (possibly empty) when present.
func (t *table) tables(key string) ([]*table, error) {
	v, ok := t.get(key)
	if !ok {
		return nil, nil
	}
	var maps []map[string]any
	switch arr := v.(type) {
	case []map[string]any: // [[key]] headers
		maps = arr
	case []any: // key = [ {...}, ... ]
		for i, item := range arr {
			m, ok := item.(map[string]any)
			if !ok {
				return nil, problem(fmt.Sprintf("%s[%d]", t.keyPath(key), i), ErrWrongType, "got %s, want table", tomlTypeName(item))
			}
			maps = append(maps, m)
		}
	default:
		return nil, t.wrongType(key, v, "array of tables")
	}
	out := make([]*table, 0, len(maps))
	for i, m := range maps {
		out = append(out, newTable(m, fmt.Sprintf("%s[%d]", t.keyPath(key), i), t.strict, t.warn))
	}
	return out, nil
}

// freeTables returns an optional array of free-form tables (dependencies,
// attestation identities), with their values normalized.
func (t *table) freeTables(key string) ([]map[string]any, error) {
	subs, err := t.tables(key)
	if subs == nil || err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(subs))
	for _, s := range subs {
		out = append(out, normalizeValue(s.m).(map[string]any))
	}
	return out, nil
}

// freeTable returns an optional free-form table (tool), normalized.
func (t *table) freeTable(key string) (map[string]any, error) {
	s, err := t.sub(key)
	if s == nil || err != nil {
		return nil, err
	}
	return normalizeValue(s.m).(map[string]any), nil
}

// hashes returns the required "hashes" table of an artifact.
func (t *table) hashes() (map[string]string, error) {
	const key = "hashes"
	v, ok := t.get(key)
	if !ok {
		return nil, problem(t.keyPath(key), ErrMissingKey, "%q is required", key)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, t.wrongType(key, v, "table of strings")
	}
	out := make(map[string]string, len(m))
	for alg, h := range m {
		s, ok := h.(string)
		if !ok {
			return nil, problem(t.keyPath(key)+"."+alg, ErrWrongType, "got %s, want string", tomlTypeName(h))
		}
		out[alg] = s
	}
	return out, nil
}

// done reports the keys of t that were not consumed: an error when
// strict, warnings otherwise.
func (t *table) done() error {
	var unknown []string
	for k := range t.m {
		if !t.seen[k] {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		if t.strict {
			return problem(t.keyPath(k), ErrUnknownKey, "%q is not a lock-version 1.0 key (tool-specific data belongs under [tool])", k)
		}
		*t.warn = append(*t.warn, fmt.Sprintf("%s: unknown key ignored", t.keyPath(k)))
	}
	return nil
}

// isLocalTOMLTime reports whether tm came from a TOML local date-time,
// local date or local time, which the TOML reader marks with zones of
// these names.
func isLocalTOMLTime(tm time.Time) bool {
	switch tm.Location().String() {
	case "datetime-local", "date-local", "time-local":
		return true
	}
	return false
}

// tomlTypeName names the TOML type of a decoded value for messages.
func tomlTypeName(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case time.Time:
		switch x.Location().String() {
		case "datetime-local":
			return "local date-time"
		case "date-local":
			return "local date"
		case "time-local":
			return "local time"
		}
		return "offset date-time"
	case []any, []map[string]any:
		return "array"
	case map[string]any:
		return "table"
	}
	return fmt.Sprintf("%T", v)
}

// normalizeValue gives a free-form TOML value one representation however
// it was spelt: arrays of tables become []any, offset date-times are in
// UTC, and URLs lose their credentials (see redact.Strip).
func normalizeValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			out[k] = normalizeValue(item)
		}
		return out
	case []map[string]any:
		out := make([]any, 0, len(x))
		for _, item := range x {
			out = append(out, normalizeValue(item))
		}
		return out
	case []any:
		out := make([]any, 0, len(x))
		for _, item := range x {
			out = append(out, normalizeValue(item))
		}
		return out
	case time.Time:
		if isLocalTOMLTime(x) {
			return x
		}
		return x.UTC()
	case string:
		return redact.Strip(x)
	}
	return v
}
