package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

func TestSelectParts(t *testing.T) {
	all := parts()
	for _, tc := range []struct {
		only string
		want []string
		err  string
	}{
		{"", []string{"versitygw", "hdfs", "yarn", "pyspark", "s3a", "flink", "runner-dataframe", "corpus"}, ""},
		{"flink,hdfs", []string{"flink", "hdfs"}, ""},
		{"spark", nil, `no part "spark" (the parts: versitygw, hdfs, yarn, pyspark, s3a, flink, runner-dataframe, corpus)`},
	} {
		got, err := selectParts(all, tc.only)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("selectParts(%q) error = %v, want %q", tc.only, err, tc.err)
			}
			continue
		}
		var names []string
		for _, p := range got {
			names = append(names, p.name)
		}
		if strings.Join(names, ",") != strings.Join(tc.want, ",") {
			t.Errorf("selectParts(%q) = %v, want %v", tc.only, names, tc.want)
		}
	}
}

// TestInstallReportsEachPart checks the progress lines and that every
// failed part is named, while the others still install.
func TestInstallReportsEachPart(t *testing.T) {
	var ran atomic.Int32
	ok := func(ctx context.Context, log io.Writer) error {
		ran.Add(1)
		io.WriteString(log, "working\n")
		return nil
	}
	bad := func(ctx context.Context, log io.Writer) error { ran.Add(1); return errors.New("no network") }
	todo := []part{{"a", "part A", ok}, {"b", "part B", bad}, {"c", "part C", ok}, {"d", "part D", bad}}
	var log strings.Builder
	failed := install(context.Background(), &log, todo, 2)
	if got := strings.Join(failed, ","); got != "b,d" {
		t.Errorf("failed = %q, want b,d", got)
	}
	if ran.Load() != 4 {
		t.Errorf("%d parts ran, want 4", ran.Load())
	}
	out := log.String()
	for _, want := range []string{"devinstall: part A ...\n", "devinstall: part A: ready in", "working\n", "devinstall: part B: FAILED after", "no network"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
