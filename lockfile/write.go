package lockfile

import (
	"fmt"
	"io"
	"time"

	"github.com/clusterpack/clusterpack/internal/redact"
)

// Write writes the lock as pylock.toml. The output is deterministic: the
// same model gives the same bytes on every machine and run.
//
// Layout: the top-level keys in the specification's order (lock-version,
// environments, requires-python, extras, dependency-groups,
// default-groups, created-by), then one "[[packages]]" table per package,
// sorted by name, then version (PEP 440 order), then marker. Each package
// has name, version, marker, requires-python, dependencies, index, then
// its source as inline tables (vcs, directory, archive, sdist) and wheels
// as an array of inline tables, one per line, sorted by file name, then
// "[[packages.attestation-identities]]" and "[packages.tool.*]"; the
// top-level "[tool.*]" tables come last. Keys of free-form tables are
// sorted. Strings are TOML basic strings; date-times are RFC 3339 in UTC.
// Every URL is written through redact.Strip, so no password or token
// reaches the file.
//
// Write validates the lock first and writes nothing when it is invalid.
// Reading the output gives back a model equal to the sorted lock
// (see Sorted) with credentials stripped.
func (l *Lock) Write(w io.Writer) error {
	if err := l.Validate(); err != nil {
		return err
	}
	b, err := l.Sorted().appendTOML(nil)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func (l *Lock) appendTOML(b []byte) ([]byte, error) {
	kv := &kvWriter{b: b}
	kv.str("lock-version", l.LockVersion)
	kv.strList("environments", l.Environments)
	kv.str("requires-python", l.RequiresPython)
	kv.strList("extras", l.Extras)
	kv.strList("dependency-groups", l.DependencyGroups)
	kv.strList("default-groups", l.DefaultGroups)
	kv.str("created-by", l.CreatedBy)
	if len(l.Packages) == 0 {
		kv.value("packages", []any{})
	}
	if kv.err != nil {
		return kv.b, kv.err
	}
	b = kv.b
	var err error
	for i := range l.Packages {
		if b, err = l.Packages[i].appendTOML(b); err != nil {
			return b, &Error{Key: fmt.Sprintf("packages[%d]", i), Package: packageLabel(l.Packages[i].Name, l.Packages[i].Version), Err: err}
		}
	}
	if l.Tool != nil {
		if b, err = appendTable(b, []string{"tool"}, l.Tool); err != nil {
			return b, &Error{Key: "tool", Err: err}
		}
	}
	return b, nil
}

func (p *Package) appendTOML(b []byte) ([]byte, error) {
	b = append(b, "\n[[packages]]\n"...)
	kv := &kvWriter{b: b}
	kv.str("name", p.Name)
	kv.str("version", p.Version)
	kv.str("marker", p.Marker)
	kv.str("requires-python", p.RequiresPython)
	if p.Dependencies != nil {
		deps := make([]any, len(p.Dependencies))
		for i, d := range p.Dependencies {
			deps[i] = d
		}
		kv.lines("dependencies", deps)
	}
	kv.str("index", redact.Strip(p.Index))
	if v := p.VCS; v != nil {
		kv.value("vcs", inline{
			{"type", v.Type},
			{"url", redact.Strip(v.URL)},
			{"path", v.Path},
			{"requested-revision", v.RequestedRevision},
			{"commit-id", v.CommitID},
			{"subdirectory", v.Subdirectory},
		})
	}
	if d := p.Directory; d != nil {
		fields := inline{{"path", d.Path}}
		if d.Editable {
			fields = append(fields, field{"editable", true})
		}
		kv.value("directory", append(fields, field{"subdirectory", d.Subdirectory}))
	}
	if a := p.Archive; a != nil {
		kv.value("archive", inline{
			{"url", redact.Strip(a.URL)},
			{"path", a.Path},
			{"size", a.Size},
			{"upload-time", a.UploadTime},
			{"hashes", a.Hashes},
			{"subdirectory", a.Subdirectory},
		})
	}
	if s := p.Sdist; s != nil {
		kv.value("sdist", artifactInline(s.Name, s.UploadTime, s.URL, s.Path, s.Size, s.Hashes))
	}
	if p.Wheels != nil {
		wheels := make([]any, len(p.Wheels))
		for i, w := range p.Wheels {
			wheels[i] = artifactInline(w.Name, w.UploadTime, w.URL, w.Path, w.Size, w.Hashes)
		}
		kv.lines("wheels", wheels)
	}
	if kv.err != nil {
		return kv.b, kv.err
	}
	b = kv.b
	var err error
	for _, a := range p.AttestationIdentities {
		b = append(b, "\n[[packages.attestation-identities]]\n"...)
		for _, k := range sortedKeys(a) {
			if b, err = appendKeyValue(b, k, a[k]); err != nil {
				return b, fmt.Errorf("attestation-identities: %w", err)
			}
		}
	}
	if p.Tool != nil {
		if b, err = appendTable(b, []string{"packages", "tool"}, p.Tool); err != nil {
			return b, fmt.Errorf("tool: %w", err)
		}
	}
	return b, nil
}

// artifactInline is the inline table of an sdist or wheel, keys in the
// specification's order.
func artifactInline(name string, uploaded time.Time, url, path string, size int64, hashes map[string]string) inline {
	return inline{
		{"name", name},
		{"upload-time", uploaded},
		{"url", redact.Strip(url)},
		{"path", path},
		{"size", size},
		{"hashes", hashes},
	}
}

// field is one key of an inline table written in a fixed order.
type field struct {
	key   string
	value any // zero values ("", 0, zero time, nil map) are left out
}

// inline is an inline table whose keys keep their order.
type inline []field

func (t inline) appendTo(b []byte) ([]byte, error) {
	b = append(b, "{ "...)
	first := true
	var err error
	for _, f := range t {
		if isZero(f.value) {
			continue
		}
		if !first {
			b = append(b, ", "...)
		}
		first = false
		if b, err = appendKey(b, f.key); err != nil {
			return b, err
		}
		b = append(b, " = "...)
		if b, err = appendValue(b, f.value); err != nil {
			return b, fmt.Errorf("%s: %w", f.key, err)
		}
	}
	return append(b, " }"...), nil
}

func isZero(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case int64:
		return x == 0
	case time.Time:
		return x.IsZero()
	case map[string]string:
		return x == nil
	}
	return v == nil
}

// kvWriter appends "key = value" lines, keeping the first error.
type kvWriter struct {
	b   []byte
	err error
}

func (kv *kvWriter) value(key string, v any) {
	if kv.err != nil {
		return
	}
	kv.b, kv.err = appendKey(kv.b, key)
	kv.b = append(kv.b, " = "...)
	if t, ok := v.(inline); ok {
		kv.b, kv.err = t.appendTo(kv.b)
	} else if kv.err == nil {
		kv.b, kv.err = appendValue(kv.b, v)
	}
	if kv.err != nil {
		kv.err = fmt.Errorf("%s: %w", key, kv.err)
	}
	kv.b = append(kv.b, '\n')
}

// str writes an optional string.
func (kv *kvWriter) str(key, s string) {
	if s != "" {
		kv.value(key, s)
	}
}

// strList writes an optional list of strings on one line.
func (kv *kvWriter) strList(key string, list []string) {
	if list == nil {
		return
	}
	items := make([]any, len(list))
	for i, s := range list {
		items[i] = s
	}
	kv.value(key, items)
}

// lines writes an array with one item per line.
func (kv *kvWriter) lines(key string, items []any) {
	if kv.err != nil {
		return
	}
	if len(items) == 0 {
		kv.value(key, []any{})
		return
	}
	kv.b, kv.err = appendKey(kv.b, key)
	kv.b = append(kv.b, " = [\n"...)
	for _, item := range items {
		if kv.err != nil {
			return
		}
		kv.b = append(kv.b, "    "...)
		if t, ok := item.(inline); ok {
			kv.b, kv.err = t.appendTo(kv.b)
		} else {
			kv.b, kv.err = appendValue(kv.b, item)
		}
		kv.b = append(kv.b, ",\n"...)
	}
	if kv.err != nil {
		kv.err = fmt.Errorf("%s: %w", key, kv.err)
	}
	kv.b = append(kv.b, "]\n"...)
}
