package pipconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNetrcLookup(t *testing.T) {
	const file = `# credentials
machine pypi.example.com login alice password "s3cret pass"
machine other.example.com
    login bob
    password p\"w
    account acct
machine tokenonly.example.com account tok password t0k

macdef init
cd /pub
machine inside.macro login nobody password nothing

default login anon password anon@
machine quoted.example.com login "q user" password ""
machine Upper.Example.com login up password up
machine dup.example.com login first password one
machine dup.example.com login second password two
`
	n, err := ParseNetrc(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host, user, password string
		ok                   bool
	}{
		{"pypi.example.com", "alice", "s3cret pass", true},
		{"PyPI.example.com:443", "alice", "s3cret pass", true},
		{"other.example.com", "bob", `p"w`, true},
		{"tokenonly.example.com", "tok", "t0k", true},
		{"inside.macro", "anon", "anon@", true}, // the macro body is skipped
		{"unknown.example.com", "anon", "anon@", true},
		{"quoted.example.com", "q user", "", true},
		{"upper.example.com", "anon", "anon@", true}, // machine names are exact
		{"dup.example.com", "second", "two", true},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			user, password, ok := n.Lookup(tt.host)
			if user != tt.user || password != tt.password || ok != tt.ok {
				t.Errorf("Lookup = %q, %q, %v; want %q, %q, %v", user, password, ok, tt.user, tt.password, tt.ok)
			}
		})
	}
	// IPv6 hosts: the brackets of a URL's host are not part of the name.
	v6, err := ParseNetrc(strings.NewReader("machine ::1 login six password v6\nmachine [ login bracket password b"))
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]string{"[::1]:8080": "six", "[::1]": "six", "::1": "six", "[": "bracket"} {
		if user, _, ok := v6.Lookup(host); !ok || user != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", host, user, ok, want)
		}
	}
	noDefault, err := ParseNetrc(strings.NewReader("machine a login b password c"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := noDefault.Lookup("z"); ok {
		t.Error("Lookup of an unknown host without default succeeded")
	}
	if _, _, ok := (*Netrc)(nil).Lookup("a"); ok {
		t.Error("nil Netrc has entries")
	}
}

func TestParseNetrcErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"bad toplevel", "\n\nhunter2 machine x", "netrc line 3: expected machine, default or macdef"},
		{"bad follower", "machine x login y\n hunter2", "netrc line 2: expected login, password"},
		{"missing machine name", "machine", "netrc line 1: machine without a name"},
		{"missing password", "machine x\npassword", "netrc line 2: password without a value"},
		{"unterminated macro", "macdef m\nhunter2\n", "netrc line 1: macro definition is not ended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseNetrc(strings.NewReader(tt.in))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want prefix %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q shows a token", err)
			}
		})
	}
}

func TestLoadNetrc(t *testing.T) {
	home := t.TempDir()
	other := filepath.Join(t.TempDir(), "creds")
	write := func(path, content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(home, "_netrc"), "machine h login windows password w")
	write(other, "machine h login env password e")
	tests := []struct {
		name     string
		env      map[string]string
		setup    func()
		wantUser string
		wantPath string
	}{
		{"_netrc when .netrc is absent", nil, nil, "windows", filepath.Join(home, "_netrc")},
		{"NETRC names the file", map[string]string{"NETRC": other}, nil, "env", other},
		{"missing NETRC file is no error", map[string]string{"NETRC": filepath.Join(home, "nope")}, nil, "", ""},
		{".netrc before _netrc", nil, func() { write(filepath.Join(home, ".netrc"), "machine h login dot password d") }, "dot", filepath.Join(home, ".netrc")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			n, err := LoadNetrc(envMap(tt.env), home)
			if err != nil {
				t.Fatal(err)
			}
			user, _, _ := n.Lookup("h")
			if user != tt.wantUser || n.Path != tt.wantPath {
				t.Errorf("user %q from %q, want %q from %q", user, n.Path, tt.wantUser, tt.wantPath)
			}
		})
	}
	write(filepath.Join(home, ".netrc"), "machine h login x password hunter2 bogus")
	_, err := LoadNetrc(envMap(nil), home)
	if err == nil || !strings.HasPrefix(err.Error(), filepath.Join(home, ".netrc")+":1: ") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v does not name the file and line or shows the password", err)
	}
}

func FuzzParseNetrc(f *testing.F) {
	for _, seed := range []string{
		"machine a login b password c\ndefault login d password e\n",
		"macdef x\nline\n\nmachine m account a",
		"machine \"q h\" login \"a\\\"b\" password\tp\r\n# c\n",
		"machine", "macdef", "#", "\\", "\"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n, err := ParseNetrc(strings.NewReader(in))
		if err != nil {
			var ne *NetrcError
			if !errors.As(err, &ne) || ne.Line < 1 || ne.Line > strings.Count(in, "\n")+1 {
				t.Fatalf("error %v has no line in range", err)
			}
			return
		}
		// Lookup takes a URL's host, with or without a port: every machine
		// name that can be a host name is found both ways. (A name with
		// a colon or brackets is no host name: "a:b" is host a, port b.)
		for host := range n.machines {
			if host != strings.ToLower(host) || strings.ContainsAny(host, ":[]") {
				continue
			}
			if _, _, ok := n.Lookup(host); !ok {
				t.Fatalf("Lookup(%q) misses its own machine", host)
			}
			if _, _, ok := n.Lookup(host + ":443"); !ok && host != "" {
				t.Fatalf("Lookup(%q) misses machine %q", host+":443", host)
			}
		}
	})
}
