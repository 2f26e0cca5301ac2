package pipconfig

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

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
