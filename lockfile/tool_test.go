package lockfile

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"
)

// target is the kind of data clusterpack keeps under [tool.clusterpack].
type target struct {
	Python      string            `toml:"python"`
	Platforms   []string          `toml:"platforms"`
	Environment map[string]string `toml:"environment"`
	Options     targetOptions     `toml:"options"`
	Built       time.Time         `toml:"built"`
}

type targetOptions struct {
	Format   string  `toml:"format"`
	Jobs     int     `toml:"jobs"`
	Ratio    float64 `toml:"ratio"`
	Editable bool    `toml:"editable"`
}

func TestToolRoundTrip(t *testing.T) {
	want := target{
		Python:      "3.11",
		Platforms:   []string{"manylinux_2_28_x86_64", "manylinux_2_17_x86_64"},
		Environment: map[string]string{"sys_platform": "linux", "platform_machine": "x86_64", "weird key": "a\"b\\c\n"},
		Options:     targetOptions{Format: "pex", Jobs: 4, Ratio: 0.5, Editable: true},
		Built:       time.Date(2025, 3, 6, 12, 28, 57, 760769000, time.UTC),
	}
	l := typicalLock(t)
	if err := l.SetTool("clusterpack", want); err != nil {
		t.Fatal(err)
	}
	// Straight from the model...
	var got target
	if err := l.DecodeTool("clusterpack", &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeTool = %+v, want %+v", got, want)
	}
	// ...and through the file, with the same bytes every time.
	data := write(t, l)
	back := read(t, data)
	got = target{}
	if err := back.DecodeTool("clusterpack", &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after a round trip DecodeTool = %+v, want %+v", got, want)
	}
	if !reflect.DeepEqual(back.Tool, l.Tool) {
		t.Errorf("tool table changed in a round trip:\n got %#v\nwant %#v", back.Tool, l.Tool)
	}
	for range 5 {
		l2 := typicalLock(t)
		if err := l2.SetTool("clusterpack", want); err != nil {
			t.Fatal(err)
		}
		if again := write(t, l2); !bytes.Equal(again, data) {
			t.Fatalf("same tool data, different bytes:\n%s\n---\n%s", again, data)
		}
	}
}

func TestDecodeToolMissing(t *testing.T) {
	var out target
	err := typicalLock(t).DecodeTool("nothere", &out)
	if !errors.Is(err, ErrMissingKey) {
		t.Errorf("DecodeTool of an absent table = %v, want ErrMissingKey", err)
	}
}
