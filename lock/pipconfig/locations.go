package pipconfig

import (
	"strings"
)

// kind names where a configuration file sits in pip's precedence order.
type kind string

const (
	kindGlobal kind = "global"
	kindUser   kind = "user"
	kindBase   kind = "base"
	kindSite   kind = "site"
	kindEnv    kind = "env" // PIP_CONFIG_FILE
)

// candidate is a configuration file pip would read, whether or not it exists.
type candidate struct {
	kind kind
	path string
}

// platform holds the path rules of one operating system.
type platform struct {
	goos string
}

func (p platform) windows() bool { return p.goos == "windows" }

// basename is pip's CONFIG_BASENAME.
func (p platform) basename() string {
	if p.windows() {
		return "pip.ini"
	}
	return "pip.conf"
}

// devNull is Python's os.devnull on the platform.
func (p platform) devNull() string {
	if p.windows() {
		return "nul"
	}
	return "/dev/null"
}

// join joins path elements with the platform's separator.
func (p platform) join(elem ...string) string {
	sep := "/"
	if p.windows() {
		sep = `\`
	}
	var parts []string
	for i, e := range elem {
		if e == "" {
			continue
		}
		if i > 0 {
			e = strings.TrimLeft(e, `/\`)
		}
		if i < len(elem)-1 {
			e = strings.TrimRight(e, `/\`)
			if e == "" { // the root itself
				parts = append(parts, "")
				continue
			}
		}
		parts = append(parts, e)
	}
	return strings.Join(parts, sep)
}

// candidates lists the configuration files in the order pip reads them,
// grouped by kind. pathExists reports whether a path (file or directory)
// exists; it decides the macOS user directory and whether PIP_CONFIG_FILE
// suppresses the user files.
func (p platform) candidates(env func(string) string, opts LoadOptions, home string, pathExists func(string) bool) []candidate {
	var out []candidate
	add := func(k kind, paths ...string) {
		for _, path := range paths {
			out = append(out, candidate{kind: k, path: path})
		}
	}
	for _, dir := range p.siteConfigDirs(env) {
		add(kindGlobal, p.join(dir, p.basename()))
	}
	configFile := env("PIP_CONFIG_FILE")
	skipUser := opts.Isolated || (configFile != "" && pathExists(configFile))
	if !skipUser && home != "" {
		legacy := ".pip"
		if p.windows() {
			legacy = "pip"
		}
		add(kindUser, p.join(home, legacy, p.basename()))
		if dir := p.userConfigDir(env, home, pathExists); dir != "" {
			add(kindUser, p.join(dir, p.basename()))
		}
	}
	prefix := opts.Prefix
	if prefix == "" {
		prefix = env("VIRTUAL_ENV")
	}
	if opts.BasePrefix != "" && opts.BasePrefix != prefix {
		add(kindBase, p.join(opts.BasePrefix, p.basename()))
	}
	if prefix != "" {
		add(kindSite, p.join(prefix, p.basename()))
	}
	if configFile != "" {
		add(kindEnv, configFile)
	}
	return out
}

// siteConfigDirs is pip's appdirs.site_config_dirs("pip").
func (p platform) siteConfigDirs(env func(string) string) []string {
	switch p.goos {
	case "darwin":
		return []string{"/Library/Application Support/pip"}
	case "windows":
		programData := firstNonEmpty(env("PROGRAMDATA"), env("ProgramData"), `C:\ProgramData`)
		return []string{p.join(programData, "pip")}
	}
	xdg := strings.TrimSpace(env("XDG_CONFIG_DIRS"))
	if xdg == "" {
		xdg = "/etc/xdg"
	}
	var dirs []string
	for _, d := range strings.Split(xdg, ":") {
		if d != "" {
			dirs = append(dirs, p.join(d, "pip"))
		}
	}
	return append(dirs, "/etc")
}

// userConfigDir is pip's appdirs.user_config_dir("pip").
func (p platform) userConfigDir(env func(string) string, home string, pathExists func(string) bool) string {
	switch p.goos {
	case "darwin":
		if dir := p.join(home, "Library", "Application Support", "pip"); pathExists(dir) {
			return dir
		}
		return p.join(home, ".config", "pip")
	case "windows":
		appData := firstNonEmpty(env("APPDATA"), p.join(home, "AppData", "Roaming"))
		return p.join(appData, "pip")
	}
	if xdg := strings.TrimSpace(env("XDG_CONFIG_HOME")); xdg != "" {
		return p.join(xdg, "pip")
	}
	return p.join(home, ".config", "pip")
}

// homeDir returns the user's home directory from the options or the
// environment as Python's os.path.expanduser finds it.
func (p platform) homeDir(env func(string) string, opts LoadOptions) string {
	if opts.HomeDir != "" {
		return opts.HomeDir
	}
	if p.windows() {
		if h := env("USERPROFILE"); h != "" {
			return h
		}
		if d, h := env("HOMEDRIVE"), env("HOMEPATH"); d != "" && h != "" {
			return d + h
		}
		return ""
	}
	return env("HOME")
}

// expandUser replaces a leading "~" (alone or before a separator) with home.
func (p platform) expandUser(path, home string) string {
	if home == "" || !strings.HasPrefix(path, "~") {
		return path
	}
	rest := path[1:]
	if rest == "" {
		return home
	}
	if rest[0] == '/' || (p.windows() && rest[0] == '\\') {
		return p.join(home, rest)
	}
	return path
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
