package lockfile

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clusterpack/clusterpack/internal/redact"
)

// The TOML encoder: values are written one way only, so the same model
// always gives the same bytes. Strings are basic strings with escapes,
// keys are bare when they can be, tables are written with sorted keys.

// appendString appends s as a TOML basic string.
func appendString(b []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return b, fmt.Errorf("%w: %q is not valid UTF-8", ErrInvalidValue, s)
	}
	b = append(b, '"')
	for _, r := range s {
		switch r {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\b':
			b = append(b, `\b`...)
		case '\t':
			b = append(b, `\t`...)
		case '\n':
			b = append(b, `\n`...)
		case '\f':
			b = append(b, `\f`...)
		case '\r':
			b = append(b, `\r`...)
		default:
			if r < 0x20 || r == 0x7f {
				b = fmt.Appendf(b, `\u%04X`, r)
			} else {
				b = utf8.AppendRune(b, r)
			}
		}
	}
	return append(b, '"'), nil
}

// appendKey appends a key: bare when it is only A-Za-z0-9_-, quoted
// otherwise. The empty key is refused: the TOML reader mishandles it (see Read).
func appendKey(b []byte, k string) ([]byte, error) {
	if k == "" {
		return b, fmt.Errorf("%w: empty key", ErrInvalidValue)
	}
	if k != "" && strings.Trim(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == "" {
		return append(b, k...), nil
	}
	return appendString(b, k)
}

// appendKeyPath appends dotted keys for a table header.
func appendKeyPath(b []byte, path []string) ([]byte, error) {
	var err error
	for i, k := range path {
		if i > 0 {
			b = append(b, '.')
		}
		if b, err = appendKey(b, k); err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendTime appends a date-time: offset date-times in UTC, RFC 3339 with
// "Z" and only the fractional digits needed; TOML local date-times, dates
// and times as they were read.
func appendTime(b []byte, t time.Time) []byte {
	switch t.Location().String() {
	case "datetime-local":
		return t.AppendFormat(b, "2006-01-02T15:04:05.999999999")
	case "date-local":
		return t.AppendFormat(b, "2006-01-02")
	case "time-local":
		return t.AppendFormat(b, "15:04:05.999999999")
	}
	return t.UTC().AppendFormat(b, "2006-01-02T15:04:05.999999999Z07:00")
}

// appendFloat appends f so that it reads back as the same float64.
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, 64)
	if !strings.ContainsAny(string(b[start:]), ".e") {
		b = append(b, ".0"...)
	}
	return b
}

// appendValue appends v as an inline TOML value: arrays on one line,
// tables as inline tables with sorted keys.
func appendValue(b []byte, v any) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case string:
		return appendString(b, redact.Strip(x))
	case bool:
		return strconv.AppendBool(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		return appendFloat(b, x), nil
	case time.Time:
		return appendTime(b, x), nil
	case map[string]any:
		if len(x) == 0 {
			return append(b, "{}"...), nil
		}
		b = append(b, "{ "...)
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b = append(b, ", "...)
			}
			if b, err = appendKey(b, k); err != nil {
				return b, err
			}
			b = append(b, " = "...)
			if b, err = appendValue(b, x[k]); err != nil {
				return b, err
			}
		}
		return append(b, " }"...), nil
	case []any:
		b = append(b, '[')
		for i, item := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			if b, err = appendValue(b, item); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	// Other Go types that have a TOML spelling: other integer and float
	// sizes, typed slices and maps.
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32:
		return strconv.AppendInt(b, rv.Int(), 10), nil
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return strconv.AppendUint(b, rv.Uint(), 10), nil
	case reflect.Uint, reflect.Uint64:
		if rv.Uint() > math.MaxInt64 {
			return b, fmt.Errorf("%w: %d does not fit a TOML integer", ErrInvalidValue, rv.Uint())
		}
		return strconv.AppendUint(b, rv.Uint(), 10), nil
	case reflect.Float32:
		return appendFloat(b, rv.Float()), nil
	case reflect.String:
		return appendValue(b, rv.String())
	case reflect.Bool:
		return strconv.AppendBool(b, rv.Bool()), nil
	case reflect.Slice, reflect.Array:
		items := make([]any, rv.Len())
		for i := range items {
			items[i] = rv.Index(i).Interface()
		}
		return appendValue(b, items)
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		m := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			m[it.Key().String()] = it.Value().Interface()
		}
		return appendValue(b, m)
	}
	return b, fmt.Errorf("%w: %T has no TOML representation", ErrWrongType, v)
}

// checkFreeValue checks that a free-form value can be written.
func checkFreeValue(key string, v any) *Error {
	if v == nil {
		return nil
	}
	if _, err := appendValue(nil, v); err != nil {
		return &Error{Key: key, Err: err}
	}
	return nil
}

// sortedKeys returns the keys of m in byte order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// isTable reports whether v is written as a table of its own.
func isTable(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

// appendTable appends a free-form table under the header path: its
// non-table values first, sorted, then each sub-table under its own
// header. The header itself is left out when the table has only
// sub-tables (TOML defines it implicitly).
func appendTable(b []byte, path []string, m map[string]any) ([]byte, error) {
	keys := sortedKeys(m)
	var direct, subs []string
	for _, k := range keys {
		if isTable(m[k]) {
			subs = append(subs, k)
		} else {
			direct = append(direct, k)
		}
	}
	var err error
	if len(direct) > 0 || len(subs) == 0 {
		b = append(b, "\n["...)
		if b, err = appendKeyPath(b, path); err != nil {
			return b, err
		}
		b = append(b, "]\n"...)
		for _, k := range direct {
			if b, err = appendKeyValue(b, k, m[k]); err != nil {
				return b, err
			}
		}
	}
	for _, k := range subs {
		if b, err = appendTable(b, append(slices.Clip(path), k), m[k].(map[string]any)); err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendKeyValue appends "key = value\n".
func appendKeyValue(b []byte, k string, v any) ([]byte, error) {
	b, err := appendKey(b, k)
	if err != nil {
		return b, err
	}
	b = append(b, " = "...)
	if b, err = appendValue(b, v); err != nil {
		return b, fmt.Errorf("%s: %w", k, err)
	}
	return append(b, '\n'), nil
}
