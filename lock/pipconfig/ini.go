package pipconfig

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// iniOption is one "name = value" entry of an INI file.
type iniOption struct {
	name  string // lower-cased as configparser's optionxform does
	value string // continuation lines joined with "\n", trailing space removed
	line  int    // 1-based line of the name
}

// iniSection is one [section] of an INI file with its options in order.
type iniSection struct {
	name    string
	line    int
	options []*iniOption
}

// iniFile is a parsed INI file. Sections keep their file order; the
// [DEFAULT] section is kept apart.
type iniFile struct {
	sections []*iniSection
	defaults *iniSection
}

// iniError is a syntax error at a line of an INI file. It never quotes
// the line, which may hold a password.
type iniError struct {
	file string
	line int
	msg  string
}

func (e *iniError) Error() string { return fmt.Sprintf("%s:%d: %s", e.file, e.line, e.msg) }

// parseINI parses data as Python's configparser.RawConfigParser does with
// its default settings (strict, '=' and ':' delimiters, '#' and ';'
// full-line comments, empty lines kept inside values).
func parseINI(filename string, data []byte) (*iniFile, error) {
	text := strings.TrimPrefix(string(data), "\uFEFF")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")

	f := &iniFile{}
	byName := map[string]*iniSection{}
	var (
		cur         *iniSection
		opt         *iniOption
		indentLevel = -1 // indent of the current option line; -1 when none
		seenOpts    map[string]bool
	)
	fail := func(line int, format string, args ...any) (*iniFile, error) {
		return nil, &iniError{file: filename, line: line, msg: fmt.Sprintf(format, args...)}
	}
	for i, line := range strings.Split(text, "\n") {
		lineno := i + 1
		if !utf8.ValidString(line) {
			return fail(lineno, "invalid UTF-8")
		}
		value := strings.TrimSpace(line)
		if strings.HasPrefix(value, "#") || strings.HasPrefix(value, ";") {
			continue // full-line comment, even inside a multi-line value
		}
		if value == "" {
			if opt != nil {
				opt.value += "\n"
			}
			continue
		}
		indent := indentOf(line)
		if opt != nil && indent > indentLevel {
			opt.value += "\n" + value
			continue
		}
		indentLevel = indent
		if header, ok := sectionHeader(value); ok {
			opt = nil
			if header == "DEFAULT" {
				if f.defaults == nil {
					f.defaults = &iniSection{name: header, line: lineno}
				}
				cur = f.defaults
				seenOpts = map[string]bool{}
				for _, o := range cur.options {
					seenOpts[o.name] = true
				}
				continue
			}
			if byName[header] != nil {
				return fail(lineno, "section [%s] already appeared on line %d", header, byName[header].line)
			}
			cur = &iniSection{name: header, line: lineno}
			byName[header] = cur
			f.sections = append(f.sections, cur)
			seenOpts = map[string]bool{}
			continue
		}
		if cur == nil {
			return fail(lineno, "option outside a section: the file must start with a [section] header")
		}
		name, val, ok := splitOption(value)
		if !ok {
			return fail(lineno, "expected \"name = value\", a [section] header or a comment")
		}
		if name == "" {
			return fail(lineno, "option without a name")
		}
		if seenOpts[name] {
			return fail(lineno, "option %q appears twice in section [%s]", name, cur.name)
		}
		seenOpts[name] = true
		opt = &iniOption{name: name, value: val, line: lineno}
		cur.options = append(cur.options, opt)
	}
	for _, s := range append(f.sections, f.defaults) {
		if s == nil {
			continue
		}
		for _, o := range s.options {
			o.value = strings.TrimRightFunc(o.value, unicode.IsSpace)
		}
	}
	return f, nil
}

// indentOf counts the characters before the first non-space one.
func indentOf(line string) int {
	n := 0
	for _, r := range line {
		if !unicode.IsSpace(r) {
			break
		}
		n++
	}
	return n
}

// sectionHeader recognises "[name]" as configparser's SECTCRE does:
// the header runs to the last ']' of the line.
func sectionHeader(value string) (string, bool) {
	if !strings.HasPrefix(value, "[") {
		return "", false
	}
	end := strings.LastIndexByte(value, ']')
	if end < 2 {
		return "", false
	}
	return value[1:end], true
}

// splitOption splits "name = value" or "name: value" at the first
// delimiter. The name is lower-cased.
func splitOption(value string) (name, val string, ok bool) {
	i := strings.IndexAny(value, "=:")
	if i < 0 {
		return "", "", false
	}
	name = strings.ToLower(strings.TrimRightFunc(value[:i], unicode.IsSpace))
	return name, strings.TrimSpace(value[i+1:]), true
}

// items returns the options of s followed by the [DEFAULT] options s does
// not override, as RawConfigParser.items(section) does.
func (f *iniFile) items(s *iniSection) []*iniOption {
	out := append([]*iniOption(nil), s.options...)
	if f.defaults == nil {
		return out
	}
	have := map[string]bool{}
	for _, o := range s.options {
		have[o.name] = true
	}
	for _, o := range f.defaults.options {
		if !have[o.name] {
			out = append(out, o)
		}
	}
	return out
}
