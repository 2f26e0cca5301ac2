package resolve

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestOnceMap(t *testing.T) {
	var m onceMap[int]
	var calls atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	got := make([]int, 10)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := m.get(context.Background(), "k", func() (int, error) {
				calls.Add(1)
				<-release
				return 42, nil
			})
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		}()
	}
	if _, ok := m.peek("k"); ok {
		t.Error("peek saw a value before it was computed")
	}
	close(release)
	wg.Wait()
	for _, v := range got {
		if v != 42 {
			t.Fatalf("got %v", got)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("computed %d times, want once", calls.Load())
	}
	if v, ok := m.peek("k"); !ok || v != 42 {
		t.Errorf("peek = %v, %v", v, ok)
	}

	// A computation cancelled with its caller is done again for a live one.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.get(ctx, "c", func() (int, error) { return 0, ctx.Err() }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if _, ok := m.peek("c"); ok {
		t.Error("peek saw a cancelled computation")
	}
	if v, err := m.get(context.Background(), "c", func() (int, error) { return 7, nil }); err != nil || v != 7 {
		t.Fatalf("after a cancelled computation: %v %v", v, err)
	}

	// Any other error is kept: it is the answer.
	boom := errors.New("boom")
	m.get(context.Background(), "e", func() (int, error) { return 0, boom })
	if _, err := m.get(context.Background(), "e", func() (int, error) { t.Fatal("recomputed"); return 0, nil }); err != boom {
		t.Fatalf("kept error: %v", err)
	}

	// A waiter whose own context ends stops waiting.
	block := make(chan struct{})
	go m.get(context.Background(), "slow", func() (int, error) { <-block; return 1, nil })
	for {
		m.mu.Lock()
		_, started := m.m["slow"]
		m.mu.Unlock()
		if started {
			break
		}
	}
	if _, err := m.get(ctx, "slow", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	close(block)
}
