package lockfile

import (
	"errors"
	"strings"
	"testing"
)

const header = `lock-version = "1.0"
created-by = "test"
`

const wheelLine = `wheels = [{ url = "https://x/attrs-25.1.0-py3-none-any.whl", hashes = { sha256 = "c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a" } }]
`

// invalidCase is a lock Read must reject.
type invalidCase struct {
	name string
	text string
	kind error
	msg  string // a part of the message
	line int    // the line the error names, 0 to not check
}

// invalidLocks are the locks Read rejects; the differential test checks
// that packaging rejects the ones it validates too.
var invalidLocks = []invalidCase{
	{"syntax", header + "packages = [\n", ErrSyntax, "pylock.toml:3:", 3},
	{"no lock-version", `created-by = "x"` + "\npackages = []\n", ErrMissingKey, "lock-version", 0},
	{"lock-version 2", `lock-version = "2.0"` + "\ncreated-by = \"x\"\npackages = []\n", ErrUnsupportedVersion, "2.0", 0},
	{"lock-version not a version", `lock-version = "one"` + "\ncreated-by = \"x\"\npackages = []\n", ErrUnsupportedVersion, "one", 0},
	{"lock-version integer", "lock-version = 1\ncreated-by = \"x\"\npackages = []\n", ErrWrongType, "lock-version: wrong type: got integer, want string", 0},
	{"no created-by", `lock-version = "1.0"` + "\npackages = []\n", ErrMissingKey, "created-by", 0},
	{"no packages", header, ErrMissingKey, "packages", 0},
	{"unknown top-level key", header + "hash-algorithm = \"sha256\"\npackages = []\n", ErrUnknownKey, `hash-algorithm: unknown key: "hash-algorithm"`, 0},
	{"unknown package key", header + "\n[[packages]]\nname = \"attrs\"\nversion = \"25.1.0\"\neditable = true\n" + wheelLine, ErrUnknownKey, `package "attrs 25.1.0": packages[0].editable`, 4},
	{"unknown wheel key", header + "\n[[packages]]\nname = \"attrs\"\n" + `wheels = [{ url = "https://x/attrs-25.1.0-py3-none-any.whl", hash = "abc", hashes = { sha256 = "c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a" } }]`, ErrUnknownKey, "packages[0].wheels[0].hash", 4},
	{"missing hashes", header + "\n[[packages]]\nname = \"attrs\"\nwheels = [{ url = \"https://x/attrs-25.1.0-py3-none-any.whl\" }]\n", ErrMissingKey, "packages[0].wheels[0].hashes", 4},
	{"empty hashes", header + "\n[[packages]]\nname = \"attrs\"\nsdist = { url = \"https://x/attrs-25.1.0.tar.gz\", hashes = {} }\n", ErrHashes, "packages[0].sdist.hashes: invalid hashes: at least one hash", 4},
	{"bad sha256", header + "\n[[packages]]\nname = \"attrs\"\nsdist = { url = \"https://x/attrs-25.1.0.tar.gz\", hashes = { sha256 = \"ABC\" } }\n", ErrHashes, "sha256", 0},
	{"two source kinds", header + "\n[[packages]]\nname = \"attrs\"\ndirectory = { path = \".\" }\n" + wheelLine, ErrSource, "has both directory and wheels", 4},
	{"two direct sources", header + "\n[[packages]]\nname = \"attrs\"\ndirectory = { path = \".\" }\nvcs = { type = \"git\", url = \"https://g/a\", commit-id = \"0123456789abcdef0123456789abcdef01234567\" }\n", ErrSource, "has vcs and directory", 0},
	{"no source", header + "\n[[packages]]\nname = \"attrs\"\n", ErrSource, "has no source", 0},
	{"duplicate package", header + "\n[[packages]]\nname = \"attrs\"\nversion = \"25.1.0\"\n" + wheelLine + "\n[[packages]]\nname = \"attrs\"\nversion = \"25.1\"\n" + strings.ReplaceAll(wheelLine, "25.1.0", "25.1"), ErrDuplicatePackage, "packages[1]: duplicate package: same name, version and marker as packages[0]", 9},
	{"name not normalized", header + "\n[[packages]]\nname = \"Attrs\"\n" + wheelLine, ErrInvalidValue, `"Attrs" is not a normalized name`, 0},
	{"wheel of another project", header + "\n[[packages]]\nname = \"cattrs\"\n" + wheelLine, ErrFilename, `is for project "attrs", not "cattrs"`, 0},
	{"wheel of another version", header + "\n[[packages]]\nname = \"attrs\"\nversion = \"24.0\"\n" + wheelLine, ErrFilename, "is version 25.1.0, not 24.0", 0},
	{"bad wheel file name", header + "\n[[packages]]\nname = \"attrs\"\nwheels = [{ path = \"attrs.whl\", hashes = { md5 = \"00112233445566778899aabbccddeeff\" } }]\n", ErrFilename, "invalid wheel file name", 0},
	{"no url or path", header + "\n[[packages]]\nname = \"attrs\"\nwheels = [{ name = \"attrs-25.1.0-py3-none-any.whl\", hashes = { sha256 = \"c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a\" } }]\n", ErrMissingKey, `"url" or "path" is required`, 0},
	{"local upload-time", header + "\n[[packages]]\nname = \"attrs\"\nsdist = { url = \"https://x/attrs-25.1.0.tar.gz\", upload-time = 2025-01-01T10:00:00, hashes = { sha256 = \"c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a\" } }\n", ErrWrongType, "got local date-time", 0},
	{"string upload-time", header + "\n[[packages]]\nname = \"attrs\"\nsdist = { url = \"https://x/attrs-25.1.0.tar.gz\", upload-time = \"2025-01-01T10:00:00Z\", hashes = { sha256 = \"c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a\" } }\n", ErrWrongType, "want offset date-time", 0},
	{"negative size", header + "\n[[packages]]\nname = \"attrs\"\nsdist = { url = \"https://x/attrs-25.1.0.tar.gz\", size = -1, hashes = { sha256 = \"c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a\" } }\n", ErrInvalidValue, "size -1", 0},
	{"version on a directory", header + "\n[[packages]]\nname = \"app\"\nversion = \"1.0\"\ndirectory = { path = \"app\" }\n", ErrInvalidValue, "must not record a version", 0},
	{"short git commit", header + "\n[[packages]]\nname = \"app\"\nvcs = { type = \"git\", url = \"https://g/a\", commit-id = \"main\" }\n", ErrInvalidValue, "full git commit hash", 0},
	{"unknown vcs", header + "\n[[packages]]\nname = \"app\"\nvcs = { type = \"cvs\", url = \"https://g/a\", commit-id = \"1\" }\n", ErrInvalidValue, "not a registered VCS", 0},
	{"attestation without kind", header + "\n[[packages]]\nname = \"attrs\"\n" + wheelLine + "[[packages.attestation-identities]]\nrepository = \"a/b\"\n", ErrMissingKey, "attestation-identities[0].kind", 0},
	{"bad requires-python", header + "requires-python = \">=3.x\"\npackages = []\n", ErrInvalidValue, "requires-python", 0},
	{"bad marker", header + "\n[[packages]]\nname = \"attrs\"\nmarker = \"(os_name == 'nt'\"\n" + wheelLine, ErrInvalidValue, "unclosed", 0},
	{"extra not normalized", header + "extras = [\"Dev_Tools\"]\npackages = []\n", ErrInvalidValue, "extras[0]", 0},
	{"empty string", header + "requires-python = \"\"\npackages = []\n", ErrInvalidValue, "must not be empty", 0},
	{"environments not strings", header + "environments = [1]\npackages = []\n", ErrWrongType, "environments[0]", 0},
	{"empty key", header + "packages = []\n[tool]\nv = [{ \"\" = 1 }, 2]\n", ErrInvalidValue, "empty keys", 0},
	{"packages not tables", header + "packages = [1]\n", ErrWrongType, "packages[0]", 0},
}

func TestReadInvalid(t *testing.T) {
	for _, tt := range invalidLocks {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.text), "pylock.toml")
			if err == nil {
				t.Fatalf("Read accepted:\n%s", tt.text)
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %v", err, tt.kind)
			}
			if !strings.HasPrefix(err.Error(), "pylock.toml") {
				t.Errorf("error %q does not name the file", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error", err)
			}
			if tt.line != 0 && e.Line != tt.line {
				t.Errorf("error %q names line %d, want %d", err, e.Line, tt.line)
			}
		})
	}
}

// A newer minor version may carry keys 1.0 does not know: they are
// reported, not rejected.
func TestReadNewerMinorVersionWarns(t *testing.T) {
	text := "lock-version = \"1.1\"\ncreated-by = \"x\"\nfuture-key = 1\npackages = []\n"
	l, err := Read(strings.NewReader(text), "pylock.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0], "future-key") {
		t.Errorf("Warnings = %q, want one about future-key", l.Warnings)
	}
}

func TestValidateModel(t *testing.T) {
	tests := []struct {
		name   string
		change func(l *Lock)
		kind   error
		msg    string
	}{
		{"no lock-version", func(l *Lock) { l.LockVersion = "" }, ErrMissingKey, "lock-version"},
		{"lock-version 0.9", func(l *Lock) { l.LockVersion = "0.9" }, ErrUnsupportedVersion, "0.9"},
		{"no created-by", func(l *Lock) { l.CreatedBy = "" }, ErrMissingKey, "created-by"},
		{"no name", func(l *Lock) { l.Packages[0].Name = "" }, ErrMissingKey, "packages[0].name"},
		{"wheel without hashes", func(l *Lock) { l.Packages[1].Wheels[0].Hashes = nil }, ErrHashes, `package "numpy 2.2.3": packages[1].wheels[0].hashes`},
		{"archive and sdist", func(l *Lock) { l.Packages[1].Archive = &Archive{URL: "https://x/a.zip", Hashes: sha("a")} }, ErrSource, "has both archive and sdist and wheels"},
		{"duplicate", func(l *Lock) { l.Packages = append(l.Packages, l.Packages[1]) }, ErrDuplicatePackage, "packages[7]"},
		{"same name, other marker", nil, nil, ""},
		{"upload-time not UTC", func(l *Lock) {
			l.Packages[0].Sdist.UploadTime = l.Packages[0].Sdist.UploadTime.In(fixedZone)
		}, ErrInvalidValue, "not in UTC"},
		{"tool value of no TOML type", func(l *Lock) { l.Tool["x"] = struct{}{} }, ErrWrongType, "tool"},
		{"wheel listed twice", func(l *Lock) { p := &l.Packages[1]; p.Wheels = append(p.Wheels, p.Wheels[0]) }, ErrInvalidValue, "also wheels[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := typicalLock(t)
			if tt.change == nil { // a second entry that differs by marker only is fine
				p := l.Packages[3]
				p.Marker = `sys_platform == "cygwin"`
				l.Packages = append(l.Packages, p)
				if err := l.Validate(); err != nil {
					t.Fatal(err)
				}
				return
			}
			tt.change(l)
			err := l.Validate()
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Validate() = %v, want %v containing %q", err, tt.kind, tt.msg)
			}
		})
	}
}
