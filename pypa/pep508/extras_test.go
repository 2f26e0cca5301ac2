package pep508

import (
	"reflect"
	"testing"
)

func TestMarkerExtras(t *testing.T) {
	for _, tt := range []struct {
		marker string
		want   []string
	}{
		{`extra == "adbc"`, []string{"adbc"}},
		{`"ADBC" == extra`, []string{"adbc"}},
		{`(python_version >= "3.9") and extra == "All_Extras"`, []string{"all-extras"}},
		{`extra == "b" or extra == "a" or extra == "b"`, []string{"a", "b"}},
		{`python_version >= "3.9" and (sys_platform == "linux" and extra == "gpu")`, []string{"gpu"}},
		{`extra != "x"`, nil}, // true without any extra
		{`python_version >= "3.9"`, nil},
		{`platform_release == "extra"`, nil},
	} {
		m, err := ParseMarker(tt.marker)
		if err != nil {
			t.Fatalf("%s: %v", tt.marker, err)
		}
		if got := m.Extras(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Extras(%s) = %v, want %v", tt.marker, got, tt.want)
		}
	}
}
