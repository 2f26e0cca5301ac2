package pipconfig

import (
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"
)

// setting is one raw configuration value before it is interpreted.
type setting struct {
	section string // "global", a command name, or envSection
	name    string // normalised option name
	value   string
	source  Source
}

// envSection is the section pip files environment variables under.
const envSection = ":env:"

// orderedSettings keeps settings by "section.name" key; a later set
// replaces the value but keeps the key's first position, as pip's merging
// of Python dicts does.
type orderedSettings struct {
	keys  []string
	byKey map[string]setting
}

func (o *orderedSettings) set(s setting) {
	key := s.section + "." + s.name
	if o.byKey == nil {
		o.byKey = map[string]setting{}
	}
	if _, ok := o.byKey[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.byKey[key] = s
}

// Load reads pip's configuration files and PIP_* environment variables in
// pip's precedence order (see the package documentation) and interprets
// the options clusterpack uses. env looks up an environment variable
// (os.Getenv in production, a map in tests). Errors name the file and
// line, or the variable, of the bad value.
func Load(env func(string) string, opts LoadOptions) (*Config, error) {
	goos := opts.GOOS
	if goos == "" {
		goos = runtime.GOOS
	}
	p := platform{goos: goos}
	files := fileSystem{fsys: opts.FS}
	home := p.homeDir(env, opts)

	var all orderedSettings
	cfg := &Config{}
	if env("PIP_CONFIG_FILE") != p.devNull() {
		for _, c := range p.candidates(env, opts, home, files.exists) {
			data, ok := files.read(c.path)
			if !ok {
				continue
			}
			if err := addFile(&all, c.path, data); err != nil {
				return nil, err
			}
			cfg.Files = append(cfg.Files, c.path)
		}
	}
	if !opts.Isolated {
		addEnv(&all, env)
	}
	if err := apply(cfg, &all, opts.Command, p, home); err != nil {
		return nil, err
	}
	if cfg.Cert == "" {
		for _, name := range []string{"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"} {
			if v := env(name); v != "" {
				cfg.Cert = v
				cfg.Sources = append(cfg.Sources, Source{Option: "cert", Value: v, EnvVar: name})
				break
			}
		}
	}
	return cfg, nil
}

// addFile parses one configuration file and adds its settings.
func addFile(all *orderedSettings, path string, data []byte) error {
	f, err := parseINI(path, data)
	if err != nil {
		return fmt.Errorf("reading pip configuration: %w", err)
	}
	for _, sec := range f.sections {
		for _, o := range f.items(sec) {
			all.set(setting{
				section: sec.name,
				name:    normalizeName(o.name),
				value:   o.value,
				source:  Source{File: path, Line: o.line, Section: sec.name},
			})
		}
	}
	return nil
}

// addEnv adds the PIP_* variables of every option Load understands. The
// environment cannot be listed through a lookup function, so only the
// known names (and their aliases) are looked up.
func addEnv(all *orderedSettings, env func(string) string) {
	for _, name := range optionNames {
		envVar := "PIP_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if v := env(envVar); v != "" {
			all.set(setting{section: envSection, name: name, value: v, source: Source{EnvVar: envVar}})
		}
	}
}

// normalizeName is pip's _normalize_name: lower case, '_' as '-', no
// leading "--".
func normalizeName(name string) string {
	name = strings.ReplaceAll(strings.ToLower(name), "_", "-")
	return strings.TrimPrefix(name, "--")
}

// fileSystem reads configuration files from the real file system or from
// a test root.
type fileSystem struct {
	fsys fs.FS // nil: the real file system
}

// name maps an absolute platform path to a name in fsys.
func (f fileSystem) name(path string) string {
	if len(path) >= 2 && path[1] == ':' {
		path = path[2:] // a Windows drive letter
	}
	path = strings.ReplaceAll(path, `\`, "/")
	return strings.TrimLeft(path, "/")
}

// exists reports whether path is an existing file or directory.
func (f fileSystem) exists(path string) bool {
	if f.fsys == nil {
		_, err := os.Stat(path)
		return err == nil
	}
	_, err := fs.Stat(f.fsys, f.name(path))
	return err == nil
}

// read returns the content of a regular file. Like configparser's read(),
// which pip uses, it treats a file it cannot open as absent.
func (f fileSystem) read(path string) ([]byte, bool) {
	var (
		data []byte
		err  error
	)
	if f.fsys == nil {
		data, err = os.ReadFile(path)
	} else {
		data, err = fs.ReadFile(f.fsys, f.name(path))
	}
	return data, err == nil
}
