package lockfile

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestWriteRequirementsRefuses(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *Package)
		kind   error
		msg    string
	}{
		{"no version", func(p *Package) { p.Version = "" }, ErrMissingKey, "no version to pin"},
		{"lock-only marker", func(p *Package) { p.Marker = `"dev" in dependency_groups` }, ErrInvalidValue, "select the packages"},
		{"no hash pip accepts", func(p *Package) { p.Wheels[0].Hashes = map[string]string{"md5": "00112233445566778899aabbccddeeff"} }, ErrHashes, "pip cannot check it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := typicalLock(t)
			tt.change(&l.Packages[3]) // pywin32
			err := l.WriteRequirements(&bytes.Buffer{}, RequirementsOptions{})
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), `package "pywin32`) {
				t.Errorf("WriteRequirements = %v, want %v naming pywin32 and containing %q", err, tt.kind, tt.msg)
			}
		})
	}
}
