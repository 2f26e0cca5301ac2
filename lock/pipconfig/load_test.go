package pipconfig

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// envMap makes a lookup function from a map.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// files makes a test file system; keys are absolute platform paths.
func files(m map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for path, content := range m {
		fsys[fileSystem{}.name(path)] = &fstest.MapFile{Data: []byte(content)}
	}
	return fsys
}

// origins lists "option=value@where" for the sources that were not overridden.
func origins(c *Config) []string {
	var out []string
	for _, s := range c.Sources {
		if !s.Overridden {
			out = append(out, s.Option+"="+s.Value+"@"+s.where())
		}
	}
	return out
}

func TestLoadPrecedence(t *testing.T) {
	// Every file pip reads on Linux sets index-url and an option of its own.
	all := map[string]string{
		"/etc/xdg/pip/pip.conf":           "[global]\nindex-url = https://xdg-dirs/\nretries = 1\n",
		"/etc/pip.conf":                   "[global]\nindex-url = https://etc/\ntimeout = 2\n",
		"/home/u/.pip/pip.conf":           "[global]\nindex-url = https://legacy/\nproxy = http://legacy-proxy\n",
		"/home/u/.config/pip/pip.conf":    "[global]\nindex-url = https://user/\ncert = ~/ca.pem\n",
		"/venv/pip.conf":                  "[global]\nindex-url = https://site/\npre = yes\n",
		"/work/ci.conf":                   "[global]\nindex-url = https://config-file/\nno-index = on\n",
		"/home/u/.config/pip/install.txt": "",
	}
	base := map[string]string{"HOME": "/home/u", "VIRTUAL_ENV": "/venv"}
	tests := []struct {
		name      string
		env       map[string]string
		opts      LoadOptions
		omit      []string // files of `all` left out
		wantIndex string
		wantFiles []string
		check     func(t *testing.T, c *Config)
	}{
		{
			name:      "environment variable beats every file",
			env:       map[string]string{"PIP_CONFIG_FILE": "/work/ci.conf", "PIP_INDEX_URL": "https://env/"},
			wantIndex: "https://env/",
			// The user files are skipped because PIP_CONFIG_FILE exists.
			wantFiles: []string{"/etc/xdg/pip/pip.conf", "/etc/pip.conf", "/venv/pip.conf", "/work/ci.conf"},
			check: func(t *testing.T, c *Config) {
				if c.Proxy != "" || c.Cert != "" {
					t.Errorf("user files read: proxy %q cert %q", c.Proxy, c.Cert)
				}
				if !c.NoIndex || !c.Pre || c.Retries != 1 || c.Timeout != 2*time.Second {
					t.Errorf("lost values: %+v", c)
				}
			},
		},
		{
			name:      "PIP_CONFIG_FILE beats the site file",
			env:       map[string]string{"PIP_CONFIG_FILE": "/work/ci.conf"},
			wantIndex: "https://config-file/",
			wantFiles: []string{"/etc/xdg/pip/pip.conf", "/etc/pip.conf", "/venv/pip.conf", "/work/ci.conf"},
		},
		{
			name:      "missing PIP_CONFIG_FILE keeps the user files",
			env:       map[string]string{"PIP_CONFIG_FILE": "/work/missing.conf"},
			wantIndex: "https://site/",
			wantFiles: []string{"/etc/xdg/pip/pip.conf", "/etc/pip.conf", "/home/u/.pip/pip.conf", "/home/u/.config/pip/pip.conf", "/venv/pip.conf"},
			check: func(t *testing.T, c *Config) {
				if c.Proxy != "http://legacy-proxy" || c.Cert != "/home/u/ca.pem" {
					t.Errorf("user values: proxy %q cert %q", c.Proxy, c.Cert)
				}
			},
		},
		{
			name:      "site file beats user files",
			wantIndex: "https://site/",
		},
		{
			name:      "new user file beats the legacy one",
			opts:      LoadOptions{Prefix: "/nowhere"},
			wantIndex: "https://user/",
		},
		{
			name:      "legacy user file beats global ones",
			omit:      []string{"/home/u/.config/pip/pip.conf", "/venv/pip.conf"},
			wantIndex: "https://legacy/",
		},
		{
			name:      "/etc/pip.conf beats XDG_CONFIG_DIRS",
			omit:      []string{"/home/u/.config/pip/pip.conf", "/home/u/.pip/pip.conf", "/venv/pip.conf"},
			wantIndex: "https://etc/",
		},
		{
			name:      "XDG_CONFIG_HOME moves the user file",
			env:       map[string]string{"XDG_CONFIG_HOME": "/xdg", "VIRTUAL_ENV": ""},
			wantIndex: "https://legacy/",
		},
		{
			name:      "PIP_CONFIG_FILE=/dev/null disables every file",
			env:       map[string]string{"PIP_CONFIG_FILE": "/dev/null", "PIP_RETRIES": "9"},
			wantIndex: DefaultIndexURL,
			wantFiles: []string{},
			check: func(t *testing.T, c *Config) {
				if c.Retries != 9 || c.Timeout != DefaultTimeout {
					t.Errorf("retries %d timeout %v", c.Retries, c.Timeout)
				}
			},
		},
		{
			name:      "isolated ignores user files and variables",
			env:       map[string]string{"PIP_INDEX_URL": "https://env/", "VIRTUAL_ENV": ""},
			opts:      LoadOptions{Isolated: true},
			wantIndex: "https://etc/",
		},
		{
			name:      "base prefix file sits between user and site",
			env:       map[string]string{"VIRTUAL_ENV": ""},
			opts:      LoadOptions{BasePrefix: "/venv"},
			wantIndex: "https://site/",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			fsFiles := map[string]string{}
			for k, v := range all {
				fsFiles[k] = v
			}
			for _, k := range tt.omit {
				delete(fsFiles, k)
			}
			opts := tt.opts
			opts.GOOS, opts.FS = "linux", files(fsFiles)
			c, err := Load(envMap(env), opts)
			if err != nil {
				t.Fatal(err)
			}
			if c.IndexURL != tt.wantIndex {
				t.Errorf("IndexURL = %q, want %q (sources %q)", c.IndexURL, tt.wantIndex, origins(c))
			}
			if tt.wantFiles != nil && strings.Join(c.Files, " ") != strings.Join(tt.wantFiles, " ") {
				t.Errorf("Files = %q, want %q", c.Files, tt.wantFiles)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestLoadSectionsAndEnv(t *testing.T) {
	fsys := files(map[string]string{
		"/etc/pip.conf": "[install]\nindex-url = https://etc-install/\nextra-index-url = https://a/\n    https://b/\n[global]\nfind-links = ~/wheels /srv/wheels\ntrusted-host = a b\n",
		"/home/u/.config/pip/pip.conf": "[global]\nindex-url = https://user-global/\nextra_index_url = https://c/\n" +
			"--no-binary = :all:\nonly-binary = Foo_Bar\ndefault-timeout = 2.5\nproxy = http://u:hunter2@proxy:3128\n",
	})
	env := map[string]string{
		"HOME":                "/home/u",
		"PIP_TRUSTED_HOST":    "x.example  y.example",
		"PIP_NO_INDEX":        "false",
		"PIP_PRE":             "True",
		"PIP_CLIENT_CERT":     "/k.pem",
		"PIP_NO_BINARY":       ":none:",
		"PIP_EXTRA_INDEX_URL": "",
	}
	tests := []struct {
		command string
		want    Config
		origins []string
	}{
		{
			command: "",
			want: Config{
				IndexURL: "https://user-global/", ExtraIndexURLs: []string{"https://c/"},
				FindLinks: []string{"/home/u/wheels", "/srv/wheels"}, TrustedHosts: []string{"x.example", "y.example"},
				Timeout: 2500 * time.Millisecond, Retries: 5, Proxy: "http://u:hunter2@proxy:3128",
				OnlyBinary: []string{"foo-bar"}, Pre: true, ClientCert: "/k.pem",
			},
			origins: []string{
				"find-links=~/wheels /srv/wheels@/etc/pip.conf:6",
				"index-url=https://user-global/@/home/u/.config/pip/pip.conf:2",
				"extra-index-url=https://c/@/home/u/.config/pip/pip.conf:3",
				"no-binary=:all:@/home/u/.config/pip/pip.conf:4",
				"only-binary=Foo_Bar@/home/u/.config/pip/pip.conf:5",
				"timeout=2.5@/home/u/.config/pip/pip.conf:6",
				"proxy=http://u:****@proxy:3128@/home/u/.config/pip/pip.conf:7",
				"no-index=false@$PIP_NO_INDEX",
				"client-cert=/k.pem@$PIP_CLIENT_CERT",
				"trusted-host=x.example y.example@$PIP_TRUSTED_HOST",
				"pre=True@$PIP_PRE",
				"no-binary=:none:@$PIP_NO_BINARY",
			},
		},
		{
			// [install] of /etc/pip.conf beats [global] of the user file.
			command: "install",
			want: Config{
				IndexURL: "https://etc-install/", ExtraIndexURLs: []string{"https://a/", "https://b/"},
				FindLinks: []string{"/home/u/wheels", "/srv/wheels"}, TrustedHosts: []string{"x.example", "y.example"},
				Timeout: 2500 * time.Millisecond, Retries: 5, Proxy: "http://u:hunter2@proxy:3128",
				OnlyBinary: []string{"foo-bar"}, Pre: true, ClientCert: "/k.pem",
			},
		},
	}
	for _, tt := range tests {
		t.Run("command="+tt.command, func(t *testing.T) {
			c, err := Load(envMap(env), LoadOptions{GOOS: "linux", FS: fsys, Command: tt.command})
			if err != nil {
				t.Fatal(err)
			}
			got := *c
			got.Sources, got.Files = nil, nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if tt.origins != nil && strings.Join(origins(c), "\n") != strings.Join(tt.origins, "\n") {
				t.Errorf("origins:\n%s\nwant:\n%s", strings.Join(origins(c), "\n"), strings.Join(tt.origins, "\n"))
			}
			for _, s := range c.Sources {
				if strings.Contains(s.String(), "hunter2") {
					t.Errorf("source %q shows the password", s)
				}
			}
		})
	}
}

func TestLoadPlatforms(t *testing.T) {
	tests := []struct {
		name      string
		goos      string
		env       map[string]string
		files     map[string]string
		wantFiles []string
	}{
		{
			name: "darwin without Application Support dir",
			goos: "darwin",
			env:  map[string]string{"HOME": "/Users/u", "XDG_CONFIG_HOME": "/ignored"},
			files: map[string]string{
				"/Library/Application Support/pip/pip.conf": "[global]\nretries=1\n",
				"/Users/u/.pip/pip.conf":                    "[global]\nretries=2\n",
				"/Users/u/.config/pip/pip.conf":             "[global]\nretries=3\n",
			},
			wantFiles: []string{"/Library/Application Support/pip/pip.conf", "/Users/u/.pip/pip.conf", "/Users/u/.config/pip/pip.conf"},
		},
		{
			name: "darwin with Application Support dir",
			goos: "darwin",
			env:  map[string]string{"HOME": "/Users/u"},
			files: map[string]string{
				"/Users/u/Library/Application Support/pip/pip.conf": "[global]\nretries=4\n",
				"/Users/u/.config/pip/pip.conf":                     "[global]\nretries=3\n",
			},
			wantFiles: []string{"/Users/u/Library/Application Support/pip/pip.conf"},
		},
		{
			name: "windows",
			goos: "windows",
			env:  map[string]string{"USERPROFILE": `C:\Users\u`, "APPDATA": `C:\Users\u\AppData\Roaming`, "VIRTUAL_ENV": `C:\venv`, "PIP_CONFIG_FILE": `D:\ci\pip.ini`},
			files: map[string]string{
				`C:\ProgramData\pip\pip.ini`:              "[global]\nretries=1\n",
				`C:\Users\u\pip\pip.ini`:                  "[global]\nretries=2\n",
				`C:\Users\u\AppData\Roaming\pip\pip.ini`:  "[global]\nretries=3\n",
				`C:\venv\pip.ini`:                         "[global]\nretries=4\n",
				`C:\Users\u\AppData\Roaming\pip\pip.conf`: "[global]\nretries=99\n",
			},
			wantFiles: []string{`C:\ProgramData\pip\pip.ini`, `C:\Users\u\pip\pip.ini`, `C:\Users\u\AppData\Roaming\pip\pip.ini`, `C:\venv\pip.ini`},
		},
		{
			name:      "windows devnull is nul",
			goos:      "windows",
			env:       map[string]string{"USERPROFILE": `C:\Users\u`, "PIP_CONFIG_FILE": "nul"},
			files:     map[string]string{`C:\ProgramData\pip\pip.ini`: "[global]\nretries=1\n"},
			wantFiles: nil,
		},
		{
			name: "linux XDG_CONFIG_DIRS list",
			goos: "linux",
			env:  map[string]string{"XDG_CONFIG_DIRS": "/a:/b"},
			files: map[string]string{
				"/a/pip/pip.conf": "[global]\nretries=1\n", "/b/pip/pip.conf": "[global]\nretries=2\n",
				"/etc/xdg/pip/pip.conf": "[global]\nretries=3\n",
			},
			wantFiles: []string{"/a/pip/pip.conf", "/b/pip/pip.conf"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := files(tt.files)
			c, err := Load(envMap(tt.env), LoadOptions{GOOS: tt.goos, FS: fsys})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(c.Files, "|") != strings.Join(tt.wantFiles, "|") {
				t.Errorf("Files = %q, want %q", c.Files, tt.wantFiles)
			}
		})
	}
}

func TestLoadCertFallback(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		want, from string
	}{
		{"PIP_CERT first", map[string]string{"PIP_CERT": "/pip.pem", "REQUESTS_CA_BUNDLE": "/req.pem", "SSL_CERT_FILE": "/ssl.pem"}, "/pip.pem", "PIP_CERT"},
		{"REQUESTS_CA_BUNDLE before CURL_CA_BUNDLE", map[string]string{"CURL_CA_BUNDLE": "/curl.pem", "REQUESTS_CA_BUNDLE": "/req.pem", "SSL_CERT_FILE": "/ssl.pem"}, "/req.pem", "REQUESTS_CA_BUNDLE"},
		{"CURL_CA_BUNDLE before SSL_CERT_FILE", map[string]string{"CURL_CA_BUNDLE": "/curl.pem", "SSL_CERT_FILE": "/ssl.pem"}, "/curl.pem", "CURL_CA_BUNDLE"},
		{"SSL_CERT_FILE last", map[string]string{"SSL_CERT_FILE": "/ssl.pem"}, "/ssl.pem", "SSL_CERT_FILE"},
		{"none", map[string]string{}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(envMap(tt.env), LoadOptions{GOOS: "linux", FS: fstest.MapFS{}})
			if err != nil {
				t.Fatal(err)
			}
			var from string
			for _, s := range c.Sources {
				if s.Option == "cert" {
					from = s.EnvVar
				}
			}
			if c.Cert != tt.want || from != tt.from {
				t.Errorf("Cert = %q from %q, want %q from %q", c.Cert, from, tt.want, tt.from)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		env   map[string]string
		want  string
	}{
		{"bad boolean in file", map[string]string{"/etc/pip.conf": "[global]\n\nno-index = maybe\n"}, nil,
			`/etc/pip.conf:3: no-index: "maybe" is not a boolean`},
		{"bad timeout in env", nil, map[string]string{"PIP_DEFAULT_TIMEOUT": "soon"},
			`$PIP_DEFAULT_TIMEOUT: default-timeout: "soon" is not a number of seconds`},
		{"bad retries", map[string]string{"/etc/pip.conf": "[global]\nretries = 1.5\n"}, nil,
			`/etc/pip.conf:2: retries: "1.5" is not an integer`},
		{"syntax error", map[string]string{"/etc/pip.conf": "[global]\n[global]\n"}, nil,
			`reading pip configuration: /etc/pip.conf:2: section [global] already appeared`},
		{"bad section only matters when read", map[string]string{"/etc/pip.conf": "[freeze]\nno-index = maybe\n[global]\nno-index = yes\n"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(envMap(tt.env), LoadOptions{GOOS: "linux", FS: files(tt.files)})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %v, want prefix %q", err, tt.want)
			}
		})
	}
}

func TestFormatControl(t *testing.T) {
	tests := []struct {
		name     string
		steps    [][2]string // option, value
		no, only []string
	}{
		{"names are canonical", [][2]string{{"no-binary", "Foo_Bar,baz"}}, []string{"baz", "foo-bar"}, nil},
		{"only-binary removes from no-binary", [][2]string{{"no-binary", "a,b"}, {"only-binary", "b"}}, []string{"a"}, []string{"b"}},
		{":all: clears both", [][2]string{{"only-binary", "a"}, {"no-binary", ":all:"}}, []string{":all:"}, nil},
		{":none: clears the target", [][2]string{{"no-binary", ":all:"}, {"no-binary", ":none:,c"}}, []string{"c"}, nil},
		{":all: then :none: in one value", [][2]string{{"only-binary", "x"}, {"no-binary", "a,:all:,:none:,b"}}, []string{"b"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fc formatControl
			for _, s := range tt.steps {
				target, other := &fc.noBinary, &fc.onlyBinary
				if s[0] == "only-binary" {
					target, other = other, target
				}
				if err := fc.add(s[1], target, other); err != nil {
					t.Fatal(err)
				}
			}
			if !reflect.DeepEqual(fc.noBinary.sorted(), tt.no) || !reflect.DeepEqual(fc.onlyBinary.sorted(), tt.only) {
				t.Errorf("no-binary %q only-binary %q, want %q %q", fc.noBinary.sorted(), fc.onlyBinary.sorted(), tt.no, tt.only)
			}
		})
	}
}
