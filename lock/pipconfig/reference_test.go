package pipconfig

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// TestRedactMatchesPip compares Redact with pip's redact_auth_from_url.
func TestRedactMatchesPip(t *testing.T) {
	py := pyref.Default(t)
	urls := []string{
		"https://user:pass@host/simple", "https://token@host:8080/s?x=1#f", "https://user:p@ss@host/",
		"https://us%40er:p%3Ass@host/", "https://us er:pw@host/", "https://user:@host/",
		"git+https://u:p@github.com/a/b.git@v1", "https://host/path@notauth", "https://host/simple",
		"https://ü:ß@host/", "http://[::1]:80/", "https://a:b:c@h/",
	}
	var want []string
	py.Run(t, `
import json, sys
from pip._internal.utils.misc import redact_auth_from_url
print(json.dumps([redact_auth_from_url(u) for u in json.load(sys.stdin)]))
`, urls, &want)
	for i, u := range urls {
		if got := Redact(u); got != want[i] {
			t.Errorf("Redact(%q) = %q, pip gives %q", u, got, want[i])
		}
	}
}

// TestNetrcMatchesPython compares Lookup with requests' use of Python's
// netrc module (login, else account; then password).
func TestNetrcMatchesPython(t *testing.T) {
	py := pyref.Default(t)
	files := []string{
		"machine a login b password c\ndefault login d password e\n",
		"machine a\n\tlogin \"x y\"\n\tpassword \"p\\\"q\"\nmachine b account acc password pw\n",
		"macdef init\ncd /\nmachine a login hidden password hidden\n\nmachine c login l password p\n",
		"# comment\nmachine a login b password #notcomment\n",
		"machine a login 1 password 1\nmachine a login 2 password 2\n",
	}
	hosts := []string{"a", "b", "c", "zz"}
	dir := t.TempDir()
	type result struct {
		Found          bool
		User, Password string
	}
	var want [][]result
	var paths []string
	for i, content := range files {
		p := filepath.Join(dir, "netrc"+string(rune('0'+i)))
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	py.Run(t, `
import json, netrc, sys
req = json.load(sys.stdin)
out = []
for path in req["paths"]:
    n = netrc.netrc(path)
    row = []
    for h in req["hosts"]:
        a = n.authenticators(h)
        row.append({"Found": bool(a), "User": (a[0] or a[1]) if a else "", "Password": a[2] if a else ""})
    out.append(row)
print(json.dumps(out))
`, map[string]any{"paths": paths, "hosts": hosts}, &want)
	for i, p := range paths {
		data, _ := os.ReadFile(p)
		n, err := ParseNetrc(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%q: %v", files[i], err)
			continue
		}
		for j, h := range hosts {
			user, password, ok := n.Lookup(h)
			if got := (result{ok, user, password}); got != want[i][j] {
				t.Errorf("%q: Lookup(%q) = %+v, Python gives %+v", files[i], h, got, want[i][j])
			}
		}
	}
}
