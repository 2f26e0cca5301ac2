package redact

import (
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// TestMaskMatchesPip compares Mask with pip's redact_auth_from_url on
// single URLs without an ssh scheme (where Mask keeps the user name and
// pip hides it).
func TestMaskMatchesPip(t *testing.T) {
	py := pyref.Default(t)
	urls := []string{
		"https://user:pass@host/simple", "https://token@host:8080/s?x=1#f", "https://user:p@ss@host/",
		"https://us%40er:p%3Ass@host/", "https://us er:pw@host/", "https://user:@host/", "https://@host/",
		"git+https://u:p@github.com/a/b.git@v1", "https://host/path@notauth", "https://host/simple",
		"https://ü:ß@host/", "http://[::1]:80/", "https://a:b:c@h/", "https://us@er:p@ss@host",
		"http://u:p@host#frag@x", "https://user:p%zz@host/", "file:///tmp/wheels", "/local/path", "",
	}
	var want []string
	py.Run(t, `
import json, sys
from pip._internal.utils.misc import redact_auth_from_url
print(json.dumps([redact_auth_from_url(u) for u in json.load(sys.stdin)]))
`, urls, &want)
	for i, u := range urls {
		if got := Mask(u); got != want[i] {
			t.Errorf("Mask(%q) = %q, pip gives %q", u, got, want[i])
		}
	}
}
