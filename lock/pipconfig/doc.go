// Package pipconfig reads pip's configuration — pip.conf / pip.ini files,
// PIP_* environment variables and netrc — so that clusterpack finds the
// same indexes, certificates and credentials pip would.
//
// # Files and precedence
//
// Load follows pip's configuration.py. Later sources override earlier ones:
//
//  1. global files: on Linux each $XDG_CONFIG_DIRS/pip/pip.conf (default
//     /etc/xdg/pip/pip.conf), then /etc/pip.conf; on macOS
//     /Library/Application Support/pip/pip.conf; on Windows
//     %ProgramData%\pip\pip.ini.
//  2. user files: the legacy ~/.pip/pip.conf (~\pip\pip.ini on Windows),
//     then $XDG_CONFIG_HOME/pip/pip.conf (default ~/.config/pip/pip.conf);
//     on macOS ~/Library/Application Support/pip/pip.conf when that
//     directory exists, else ~/.config/pip/pip.conf; on Windows
//     %APPDATA%\pip\pip.ini. User files are skipped, as pip skips them,
//     when PIP_CONFIG_FILE names a file that exists, or when
//     LoadOptions.Isolated is set.
//  3. the base file <sys.base_prefix>/pip.conf (LoadOptions.BasePrefix).
//  4. the site file <sys.prefix>/pip.conf: LoadOptions.Prefix, else
//     $VIRTUAL_ENV.
//  5. the file named by PIP_CONFIG_FILE. PIP_CONFIG_FILE=/dev/null (nul on
//     Windows, pip's os.devnull) disables every configuration file.
//  6. PIP_* environment variables (ignored when Isolated).
//
// Within the merged result pip then applies sections in the order
// [global], [<command>], environment: a value in an [install] section of
// /etc/pip.conf therefore beats a [global] value of the user's file when
// the command is "install". Empty values are ignored.
//
// # File syntax
//
// Files are parsed as Python's configparser.RawConfigParser does: "name =
// value" or "name: value" lines under [section] headers, option names
// case-insensitive, full-line comments starting with '#' or ';' (there are
// no inline comments: "a = b # c" has the value "b # c"), values continued
// on more-indented lines (blank lines inside are kept), duplicate sections
// or options in one file are errors, and [DEFAULT] values appear in every
// section of the same file. In names '_' and '-' are the same and a
// leading "--" is dropped. RawConfigParser does no interpolation: neither
// %(here)s nor ${VAR} is expanded in pip configuration files (pip expands
// ${VAR} only in requirements files); a leading "~" in cert, client-cert
// and find-links paths is expanded, as pip's path options do. A UTF-8 byte
// order mark is skipped.
//
// # Values
//
// extra-index-url, find-links and trusted-host are whitespace-separated
// lists (one or many lines). no-index, pre and prefer-binary are booleans read as pip's
// strtobool does (y/yes/t/true/on/1, n/no/f/false/off/0, any case).
// only-binary and no-binary are comma-separated names, :all: or :none:,
// combined as pip's FormatControl does. timeout (alias default-timeout) is
// seconds; index-url has the alias pypi-url.
//
// # Certificates
//
// pip passes --cert / PIP_CERT to requests as the verify bundle. When no
// cert is configured, requests falls back to $REQUESTS_CA_BUNDLE, then
// $CURL_CA_BUNDLE, and OpenSSL (used by pip's truststore) honours
// $SSL_CERT_FILE; Config.Cert follows that order. Note that requests lets
// REQUESTS_CA_BUNDLE win even over --cert (psf/requests#3829); clusterpack
// deliberately gives the explicit pip setting precedence.
package pipconfig
