package wheel

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
)

// launcher is a console_scripts or gui_scripts entry point.
type launcher struct {
	name   string // the script's file name
	module string // "pkg.mod"
	object string // "main" or "Cli.run"
}

// scriptName is distlib's rule for script names, which pip enforces.
var scriptName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{L}\p{N}_.+-]+$`) })

// entryPointValue matches "module:object [extras]" as
// importlib.metadata's EntryPoint pattern does; extras are ignored.
var entryPointValue = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([\p{L}\p{N}_.]+)\s*(?::\s*([\p{L}\p{N}_.]+)\s*)?(?:\[.*\]\s*)?$`)
})

// parseLaunchers reads the console_scripts and gui_scripts groups of
// entry_points.txt, an INI file read as importlib.metadata reads it:
// "[group]" headers, "name = value" lines, '#' and ';' comments. The
// launchers come sorted by name; a name defined twice differently is an
// error.
func parseLaunchers(data []byte) ([]launcher, error) {
	byName := map[string]launcher{}
	group := ""
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' && line[len(line)-1] == ']' {
			group = strings.TrimSpace(line[1 : len(line)-1])
			continue
		}
		if group != "console_scripts" && group != "gui_scripts" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: [%s] entry %q has no '='", i+1, group, line)
		}
		l, err := parseLauncher(strings.TrimSpace(name), strings.TrimSpace(value))
		if err != nil {
			return nil, fmt.Errorf("line %d: [%s] %w", i+1, group, err)
		}
		if old, dup := byName[l.name]; dup && old != l {
			return nil, fmt.Errorf("line %d: [%s] script %q is defined twice, differently", i+1, group, l.name)
		}
		byName[l.name] = l
	}
	out := make([]launcher, 0, len(byName))
	for _, l := range byName {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// parseLauncher checks a script name and its "module:object" reference.
func parseLauncher(name, value string) (launcher, error) {
	if name == "." || name == ".." || !scriptName().MatchString(name) {
		return launcher{}, fmt.Errorf("script name %q is not letters, digits and _.+-", name)
	}
	m := entryPointValue().FindStringSubmatch(value)
	if m == nil {
		return launcher{}, fmt.Errorf("script %s: %q is not \"module:object [extras]\"", name, value)
	}
	if m[2] == "" {
		return launcher{}, fmt.Errorf("script %s: %q names no callable after the module", name, value)
	}
	for _, dotted := range []string{m[1], m[2]} {
		for _, part := range strings.Split(dotted, ".") {
			if !isIdentifier(part) {
				return launcher{}, fmt.Errorf("script %s: %q is not a dotted Python name", name, dotted)
			}
		}
	}
	return launcher{name: name, module: m[1], object: m[2]}, nil
}

// isIdentifier reports whether s is a Python identifier (approximately:
// letters, digits and '_', not starting with a digit).
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case unicode.IsDigit(r) && i > 0:
		default:
			return false
		}
	}
	return true
}

// script is the launcher's Python source after the shebang line, the
// text pip 23.2.1 (distlib) writes, so launchers compare equal to pip's.
func (l launcher) script(shebang string) []byte {
	importName, _, _ := strings.Cut(l.object, ".")
	return []byte(shebang + "\n" +
		"# -*- coding: utf-8 -*-\n" +
		"import re\n" +
		"import sys\n" +
		"from " + l.module + " import " + importName + "\n" +
		"if __name__ == '__main__':\n" +
		"    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n" +
		"    sys.exit(" + l.object + "())\n")
}
