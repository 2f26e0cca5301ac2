package lockfile

import (
	"bytes"
	"fmt"

	"github.com/BurntSushi/toml"
)

// SetTool stores v under [tool.<name>]. v is anything the TOML encoder
// accepts as a table — typically a struct with `toml` tags, or a map — and
// is kept in the form Read produces, so a lock with tool data written and
// read again is equal to the original. Strings that are URLs lose their
// credentials.
func (l *Lock) SetTool(name string, v any) error {
	m, err := toolTable(v)
	if err != nil {
		return fmt.Errorf("lockfile: [tool.%s]: %w", name, err)
	}
	if l.Tool == nil {
		l.Tool = map[string]any{}
	}
	l.Tool[name] = m
	return nil
}

// DecodeTool decodes [tool.<name>] into out, a pointer to a struct with `toml`
// tags or a map. Keys that out has no field for are ignored, so newer
// writers can add keys. It returns an error wrapping ErrMissingKey when
// the table is absent.
func (l *Lock) DecodeTool(name string, out any) error {
	v, ok := l.Tool[name]
	if !ok {
		return &Error{Key: "tool." + name, Err: fmt.Errorf("%w: no [tool.%s] table", ErrMissingKey, name)}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return &Error{Key: "tool." + name, Err: fmt.Errorf("%w: got %s, want table", ErrWrongType, tomlTypeName(v))}
	}
	text, err := appendTable(nil, []string{"t"}, m)
	if err != nil {
		return &Error{Key: "tool." + name, Err: err}
	}
	var doc struct{ T toml.Primitive }
	md, err := toml.Decode(string(text), &doc)
	if err == nil {
		err = md.PrimitiveDecode(doc.T, out)
	}
	if err != nil {
		return &Error{Key: "tool." + name, Err: fmt.Errorf("%w: %v", ErrWrongType, err)}
	}
	return nil
}

// toolTable converts v to the map form Read produces, through the TOML
// encoder and reader.
func toolTable(v any) (map[string]any, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	var m map[string]any
	if _, err := toml.Decode(buf.String(), &m); err != nil {
		return nil, err
	}
	return normalizeValue(m).(map[string]any), nil
}
