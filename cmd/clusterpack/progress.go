package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
)

// progressBar draws upload progress on standard error when it is a
// terminal, and nothing otherwise (pipelines, CI logs, --json).
func progressBar(cmd *cobra.Command) func(name string, done, total int64) {
	f, ok := cmd.ErrOrStderr().(*os.File)
	if !ok || !isTerminal(f) {
		return nil
	}
	var mu sync.Mutex
	var last time.Time
	return func(name string, done, total int64) {
		mu.Lock()
		defer mu.Unlock()
		if done < total && time.Since(last) < 100*time.Millisecond {
			return
		}
		last = time.Now()
		drawBar(f, name, done, total)
	}
}

func drawBar(w io.Writer, name string, done, total int64) {
	const width = 30
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	filled := int(frac * width)
	fmt.Fprintf(w, "\r%-40.40s [%s%s] %5.1f%% %s", name, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), frac*100, humanSize(done))
	if done >= total {
		fmt.Fprintln(w)
	}
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// writeJSONFile writes v as indented JSON, atomically.
func writeJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(data, '\n'))
}
