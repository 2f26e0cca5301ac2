package reqfile

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics and that every error it
// returns for a file's content names the file and a line.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"foo==1\n", "-r other.txt\n", "-e ./proj[dev]\n", "foo --hash=sha256:00 \\\n --hash=sha512:11\n",
		"--index-url ${INDEX}\n", "https://x/p-1.0-py3-none-any.whl#sha256=00 # c\n", "\"'\\", "--no-binary :all:,:none:,x\n",
		"-e git+https://g/r.git#egg=r\n", "./dist/a-1.0.tar.gz; python_version<'3'\n", "-c c.txt\n--pre -f x\n",
		"\xff\xfe-\x00r\x00", "-ifoo\n-C=\n--hash\n", "name @ file:///x\n",
	} {
		f.Add(seed)
	}
	lineRef := regexp.MustCompile(`^/f/(req|other|c)\.txt:\d+: `)
	f.Fuzz(func(t *testing.T, content string) {
		files := map[string]string{"/f/req.txt": content, "/f/other.txt": "bar\n-r req.txt\n", "/f/proj/setup.py": ""}
		_, err := Parse(context.Background(), "/f/req.txt", Options{
			Open:   memOpener(files),
			Getenv: func(k string) string { return strings.ToLower(k) },
		})
		if err == nil {
			return
		}
		var lineErr *Error
		if !errors.As(err, &lineErr) || lineErr.Source.Line < 1 || !lineRef.MatchString(err.Error()) {
			t.Fatalf("error without file and line: %v", err)
		}
	})
}
