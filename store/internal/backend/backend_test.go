package backend

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/clusterpack/clusterpack/store"
)

func TestExactReader(t *testing.T) {
	for _, tc := range []struct {
		content string
		size    int64
		ok      bool
	}{
		{"hello", 5, true},
		{"", 0, true},
		{"hello", -1, true},
		{"hell", 5, false},
		{"hello!", 5, false},
	} {
		got, err := io.ReadAll(iotest.OneByteReader(NewExactReader(strings.NewReader(tc.content), tc.size)))
		if tc.ok && (err != nil || string(got) != tc.content) {
			t.Errorf("%q as %d bytes: %q, %v", tc.content, tc.size, got, err)
		}
		if !tc.ok && !errors.Is(err, store.ErrSizeMismatch) {
			t.Errorf("%q as %d bytes: %v; want ErrSizeMismatch", tc.content, tc.size, err)
		}
	}
}

func TestProgress(t *testing.T) {
	var calls []int64
	p := NewProgress(func(done, total int64) {
		if total != 10 {
			t.Errorf("total %d", total)
		}
		calls = append(calls, done)
	}, 10)
	r := &CountingReader{R: strings.NewReader("0123456789"), P: p}
	if _, err := io.ReadAll(iotest.HalfReader(r)); err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 || calls[len(calls)-1] != 10 {
		t.Errorf("progress calls %v; want them to end at 10", calls)
	}
	NewProgress(nil, 1).Add(5) // a nil Progress does nothing
}

func TestCtxReadCloser(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &CtxReadCloser{Ctx: ctx, R: strings.NewReader("x")}
	cancel()
	if _, err := r.Read(make([]byte, 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close without a closer: %v", err)
	}
}
