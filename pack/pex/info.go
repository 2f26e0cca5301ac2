package pex

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ErrInvalidInfo is wrapped by the errors of ParseInfo and ReadInfo about
// a PEX-INFO that is not what pex writes.
var ErrInvalidInfo = errors.New("invalid PEX-INFO")

// Info is the part of pex's PEX-INFO (pex/pex_info.py) that applies to a
// pex written by Write, with pex's key names. Keys Write does not set are
// left out of the file; ParseInfo ignores keys it does not know.
type Info struct {
	// BuildProperties describes the target: "class" ("CPython") and
	// "version" ([major, minor]), as pex's build_properties do for the
	// interpreter it built with.
	BuildProperties map[string]any `json:"build_properties"`
	// Layers are the layers a base pex of a layered environment loads,
	// in order (Options.Layers): clusterpack's own key, which pex
	// ignores. PexPath and PexPaths name the same files the way pex's
	// pex_path does.
	Layers []InfoLayer `json:"clusterpack_layers,omitempty"`
	// CodeHash and PexHash are the environment's content hash.
	CodeHash string `json:"code_hash"`
	// Distributions maps each wheel file name (its chroot .deps/<name>)
	// to the wheel's sha256 hex digest.
	Distributions map[string]string `json:"distributions"`
	// EntryPoint is "module" or "module:function", or empty.
	EntryPoint string `json:"entry_point,omitempty"`
	// InheritPath is "false", "fallback" or "prefer".
	InheritPath string `json:"inherit_path"`
	// InjectEnv holds variables the pex sets at start unless already set.
	InjectEnv map[string]string `json:"inject_env,omitempty"`
	// InterpreterConstraints lists requirements on the interpreter, such
	// as "CPython==3.11.*".
	InterpreterConstraints []string `json:"interpreter_constraints"`
	PexHash                string   `json:"pex_hash"`
	// PexPath is the layers' file names joined by ":", pex's legacy
	// form of PexPaths.
	PexPath string `json:"pex_path,omitempty"`
	// PexPaths are the layers' file names, in order: the other pexes
	// whose distributions join this one's, as pex's PEX_PATH joins them.
	PexPaths []string `json:"pex_paths,omitempty"`
	// Requirements lists "name==version" for each distribution, sorted;
	// a base pex lists its layers' distributions too, as pex lists those
	// its pex_path provides.
	Requirements []string `json:"requirements"`
	// StripPexEnv is false: the PEX_* variables stay set for the
	// program, so that processes re-executing the pex find the same
	// PEX_ROOT.
	StripPexEnv bool `json:"strip_pex_env"`
	// ZipSafe is false: the pex always runs from its unpacked copy.
	ZipSafe bool `json:"zip_safe"`
}

// InfoLayer is one layer in a base pex's PEX-INFO.
type InfoLayer struct {
	// Distributions are the layer's wheel file names, its chroots
	// .deps/<name>, in sys.path order.
	Distributions []string `json:"distributions"`
	// File is the layer's file name, looked up beside the base pex.
	File string `json:"file"`
	// PexHash is the layer's content hash: its own PEX-INFO's pex_hash.
	PexHash string `json:"pex_hash"`
}

// newInfo assembles the PEX-INFO of a pex.
func newInfo(opts Options, dists []Dist, digests map[string]string) *Info {
	info := &Info{
		BuildProperties: map[string]any{
			"class":   "CPython",
			"version": []int{opts.PythonVersion[0], opts.PythonVersion[1]},
		},
		CodeHash:               opts.ContentHash,
		Distributions:          map[string]string{},
		EntryPoint:             opts.EntryPoint,
		InheritPath:            opts.InheritPath,
		InterpreterConstraints: []string{fmt.Sprintf("CPython==%d.%d.*", opts.PythonVersion[0], opts.PythonVersion[1])},
		PexHash:                opts.ContentHash,
		Requirements:           []string{},
	}
	if len(opts.Env) > 0 {
		info.InjectEnv = opts.Env
	}
	for _, d := range dists {
		info.Distributions[d.Wheel] = digests[d.Wheel]
		info.Requirements = append(info.Requirements, d.Name+"=="+d.Version)
	}
	for _, l := range opts.Layers {
		il := InfoLayer{File: l.File, PexHash: l.ContentHash, Distributions: []string{}}
		for _, d := range l.Dists {
			il.Distributions = append(il.Distributions, d.Wheel)
			info.Requirements = append(info.Requirements, d.Name+"=="+d.Version)
		}
		info.Layers = append(info.Layers, il)
		info.PexPaths = append(info.PexPaths, l.File)
	}
	info.PexPath = strings.Join(info.PexPaths, ":")
	sort.Strings(info.Requirements)
	return info
}

// marshal renders info as compact JSON with sorted keys (the struct's
// fields are in key order; encoding/json sorts map keys).
func (info *Info) marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(info); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ParseInfo reads a PEX-INFO document: a JSON object whose known keys
// must have the types pex gives them. Unknown keys are ignored, as pex
// ignores them; inherit_path may also be pex's legacy true or false.
func ParseInfo(data []byte) (*Info, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidInfo, err)
	}
	if raw == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidInfo)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrInvalidInfo)
	}
	info := &Info{InheritPath: "false", ZipSafe: true, StripPexEnv: true}
	fields := []struct {
		key string
		dst any
	}{
		{"build_properties", &info.BuildProperties},
		{"clusterpack_layers", &info.Layers},
		{"code_hash", &info.CodeHash},
		{"distributions", &info.Distributions},
		{"entry_point", &info.EntryPoint},
		{"inject_env", &info.InjectEnv},
		{"interpreter_constraints", &info.InterpreterConstraints},
		{"pex_hash", &info.PexHash},
		{"pex_path", &info.PexPath},
		{"pex_paths", &info.PexPaths},
		{"requirements", &info.Requirements},
		{"strip_pex_env", &info.StripPexEnv},
		{"zip_safe", &info.ZipSafe},
	}
	for _, f := range fields {
		v, ok := raw[f.key]
		if !ok || string(v) == "null" {
			continue
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return nil, fmt.Errorf("%w: key %q: %v", ErrInvalidInfo, f.key, err)
		}
	}
	if v, ok := raw["inherit_path"]; ok && string(v) != "null" {
		var s string
		var b bool
		switch {
		case json.Unmarshal(v, &s) == nil:
			info.InheritPath = s
		case json.Unmarshal(v, &b) == nil: // pex before 2.1: a boolean
			info.InheritPath = map[bool]string{true: "prefer", false: "false"}[b]
		default:
			return nil, fmt.Errorf("%w: key \"inherit_path\" is neither a string nor a boolean", ErrInvalidInfo)
		}
		switch info.InheritPath {
		case "false", "fallback", "prefer":
		default:
			return nil, fmt.Errorf("%w: inherit_path %q is not \"false\", \"fallback\" or \"prefer\"", ErrInvalidInfo, info.InheritPath)
		}
	}
	for name := range info.Distributions {
		if !plainName(name) {
			return nil, fmt.Errorf("%w: distribution %q is not a plain file name", ErrInvalidInfo, name)
		}
	}
	for _, l := range info.Layers {
		if !plainName(l.File) || !hashPattern().MatchString(l.PexHash) {
			return nil, fmt.Errorf("%w: layer %q (pex_hash %q) is not a plain file name and a content hash", ErrInvalidInfo, l.File, l.PexHash)
		}
		for _, name := range l.Distributions {
			if !plainName(name) {
				return nil, fmt.Errorf("%w: layer %s: distribution %q is not a plain file name", ErrInvalidInfo, l.File, name)
			}
		}
	}
	return info, nil
}

// maxInfoSize bounds the PEX-INFO ReadInfo reads.
const maxInfoSize = 64 << 20

// ReadInfo reads the PEX-INFO of the pex r of size bytes (a zip
// application, with or without a prefix such as a shebang line).
func ReadInfo(r io.ReaderAt, size int64) (*Info, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("pex: reading the zip directory: %w", err)
	}
	for _, f := range zr.File {
		if f.Name != "PEX-INFO" {
			continue
		}
		if f.UncompressedSize64 > maxInfoSize {
			return nil, fmt.Errorf("%w: %d bytes", ErrInvalidInfo, f.UncompressedSize64)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("pex: opening PEX-INFO: %w", err)
		}
		data, err := io.ReadAll(io.LimitReader(rc, maxInfoSize+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("pex: reading PEX-INFO: %w", err)
		}
		return ParseInfo(data)
	}
	return nil, fmt.Errorf("%w: the archive has no PEX-INFO", ErrInvalidInfo)
}
