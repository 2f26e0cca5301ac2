package pipconfig

import (
	"fmt"
	"io/fs"
	"strings"
	"time"
)

// pip's defaults, which Load returns for options no source sets.
const (
	DefaultIndexURL = "https://pypi.org/simple"
	DefaultTimeout  = 15 * time.Second
	DefaultRetries  = 5
)

// Config is the part of pip's configuration clusterpack honours.
type Config struct {
	IndexURL       string        // index-url; DefaultIndexURL when not configured
	ExtraIndexURLs []string      // extra-index-url
	FindLinks      []string      // find-links, "~" expanded
	NoIndex        bool          // no-index
	Cert           string        // cert, else REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, SSL_CERT_FILE
	ClientCert     string        // client-cert
	TrustedHosts   []string      // trusted-host
	Timeout        time.Duration // timeout (default-timeout); DefaultTimeout when not configured
	Retries        int           // retries; DefaultRetries when not configured
	Proxy          string        // proxy
	OnlyBinary     []string      // only-binary: canonical names or ":all:", sorted
	NoBinary       []string      // no-binary: canonical names or ":all:", sorted
	Pre            bool          // pre
	PreferBinary   bool          // prefer-binary

	// Files lists the configuration files that were read, in order.
	Files []string
	// Sources says where each value came from, in the order pip applies
	// them; a later source of the same option overrides an earlier one
	// (which is then marked Overridden), except that only-binary and
	// no-binary combine.
	Sources []Source
}

// Source is one configuration value and where it was set.
type Source struct {
	Option     string // canonical pip option name, e.g. "index-url"
	Value      string // the value with any URL password replaced by "****"
	File       string // the configuration file; empty for the environment
	Line       int    // the 1-based line in File
	Section    string // the file section: "global" or a command name
	EnvVar     string // the environment variable, e.g. "PIP_INDEX_URL"
	Overridden bool   // a later source replaced this value
}

// String describes the source for a debug listing, e.g.
// "/etc/pip.conf:3 [global] index-url = https://user:****@host/simple".
func (s Source) String() string {
	var b strings.Builder
	if s.EnvVar != "" {
		fmt.Fprintf(&b, "$%s", s.EnvVar)
	} else {
		fmt.Fprintf(&b, "%s:%d [%s] %s", s.File, s.Line, s.Section, s.Option)
	}
	fmt.Fprintf(&b, " = %s", s.Value)
	if s.Overridden {
		b.WriteString(" (overridden)")
	}
	return b.String()
}

// where names a source in error messages: "file:line" or "$VAR".
func (s Source) where() string {
	if s.EnvVar != "" {
		return "$" + s.EnvVar
	}
	return fmt.Sprintf("%s:%d", s.File, s.Line)
}

// LoadOptions say where to look for configuration. The zero value reads
// the real file system with the rules of the operating system running.
type LoadOptions struct {
	// GOOS selects the platform's file locations: "linux" (and any other
	// Unix), "darwin" or "windows". Empty means runtime.GOOS.
	GOOS string
	// HomeDir is the user's home directory. Empty means $HOME
	// (%USERPROFILE% on Windows) from the environment.
	HomeDir string
	// FS, when set, is the file system root every configuration path is
	// read from: "/etc/pip.conf" is read as "etc/pip.conf" and
	// `C:\ProgramData\pip\pip.ini` as "ProgramData/pip/pip.ini". Nil
	// means the real file system.
	FS fs.FS
	// Command is the pip command whose section overrides [global], e.g.
	// "install", "download" or "wheel". Empty reads [global] only.
	Command string
	// Prefix is Python's sys.prefix, whose pip.conf is the site file.
	// Empty means $VIRTUAL_ENV, and no site file without it.
	Prefix string
	// BasePrefix is Python's sys.base_prefix, whose pip.conf is the base
	// file; empty means none.
	BasePrefix string
	// Isolated ignores the user files and PIP_* variables, like pip --isolated.
	Isolated bool
}
