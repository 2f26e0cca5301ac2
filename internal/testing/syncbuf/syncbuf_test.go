package syncbuf

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestConcurrentWrites(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				fmt.Fprintf(&b, "%d\n", g)
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if n := strings.Count(b.String(), "\n"); n != 8000 || len(b.Bytes()) != 16000 {
		t.Fatalf("%d lines, %d bytes", n, len(b.Bytes()))
	}
}

func TestLimit(t *testing.T) {
	b := Buffer{Limit: 10}
	for i := 0; i < 5; i++ {
		if n, err := b.Write([]byte("abcdef")); n != 6 || err != nil {
			t.Fatalf("write %d: %d %v", i, n, err)
		}
	}
	if got := b.String(); got != "abcdefabcdef" {
		t.Fatalf("kept %q, want the writes up to the first past the limit", got)
	}
}
