package lockfile

import (
	"bytes"
	"reflect"
	"testing"
)

func TestGoldenLock(t *testing.T) {
	l := typicalLock(t)
	data := write(t, l)
	golden(t, "typical.pylock.toml", data)

	got := read(t, data)
	if want := l.Sorted(); !reflect.DeepEqual(got, want) {
		t.Errorf("Read(Write(l)) differs from l.Sorted():\n got %#v\nwant %#v", got, want)
	}
	if again := write(t, got); !bytes.Equal(again, data) {
		t.Errorf("writing the read lock changed the bytes:\n%s", again)
	}
}

func TestGoldenRequirements(t *testing.T) {
	tests := []struct {
		file string
		opts RequirementsOptions
	}{
		{"typical.requirements.txt", RequirementsOptions{}},
		{"typical.hashed.requirements.txt", RequirementsOptions{HashedOnly: true, LockName: "pylock.spark.toml"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var buf bytes.Buffer
			if err := typicalLock(t).WriteRequirements(&buf, tt.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, buf.Bytes())
		})
	}
}
