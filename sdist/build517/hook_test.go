package build517

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// TestBackendFailures: every way a backend fails gives a HookError naming
// the sdist, the hook and the backend, wrapping the right sentinel and
// ending with the last lines of the backend's output.
func TestBackendFailures(t *testing.T) {
	py := defaultPython(t)
	noise := make([]string, 30)
	for i := range noise {
		noise[i] = fmt.Sprintf("compiling file %02d", i)
	}
	tests := []struct {
		name    string
		sdist   func(t *testing.T) string
		hook    string
		backend string
		is      error
		wants   []string
		unwants []string
	}{
		{
			name:    "exception in prepare_metadata_for_build_wheel",
			sdist:   func(t *testing.T) string { return demoSdist(t, behaviour{Fail: "prepare_metadata_for_build_wheel"}) },
			hook:    "prepare_metadata_for_build_wheel",
			backend: "demo_backend",
			is:      ErrBackendFailed,
			wants:   []string{"ValueError: boom from prepare_metadata_for_build_wheel", "Traceback (most recent call last)", `demo_backend.py", line`},
		},
		{
			name: "exception after much output keeps the last lines",
			sdist: func(t *testing.T) string {
				return demoSdist(t, behaviour{Fail: "get_requires_for_build_wheel", Print: map[string][]string{"get_requires_for_build_wheel": noise}})
			},
			hook:    "get_requires_for_build_wheel",
			backend: "demo_backend",
			is:      ErrBackendFailed,
			wants:   []string{"ValueError: boom from get_requires_for_build_wheel"},
			unwants: []string{"compiling file 00"},
		},
		{
			name:    "process exits without an answer",
			sdist:   func(t *testing.T) string { return demoSdist(t, behaviour{Exit: "prepare_metadata_for_build_wheel"}) },
			hook:    "prepare_metadata_for_build_wheel",
			backend: "demo_backend",
			is:      ErrBackendFailed,
			wants:   []string{"without an answer", "exit status 3"},
		},
		{
			name:    "sys.exit in the hook",
			sdist:   func(t *testing.T) string { return demoSdist(t, behaviour{SysExit: "prepare_metadata_for_build_wheel"}) },
			hook:    "prepare_metadata_for_build_wheel",
			backend: "demo_backend",
			is:      ErrBackendFailed,
			wants:   []string{"SystemExit: setup.py said no"},
		},
		{
			name:    "wrong result type",
			sdist:   func(t *testing.T) string { return demoSdist(t, behaviour{BadResult: "get_requires_for_build_wheel"}) },
			hook:    "get_requires_for_build_wheel",
			backend: "demo_backend",
			is:      ErrBackendFailed,
			wants:   []string{"returned 42, not a list of strings"},
		},
		{
			name: "wrong metadata directory name",
			sdist: func(t *testing.T) string {
				return demoSdist(t, behaviour{BadResult: "prepare_metadata_for_build_wheel"})
			},
			hook:    "prepare_metadata_for_build_wheel",
			backend: "demo_backend",
			is:      ErrBackendFailed,
			wants:   []string{"returned 42"},
		},
		{
			name: "backend not installed",
			sdist: func(t *testing.T) string {
				return writeSdist(t, testindex.SdistSpec{Name: "nobackend", Version: "1.0", MetadataVersion: "2.1", BuildBackend: "no_such_backend.api:hooks"})
			},
			hook:    "get_requires_for_build_wheel",
			backend: "no_such_backend.api:hooks",
			is:      ErrBackendUnavailable,
			wants:   []string{"cannot import backend module 'no_such_backend.api'", "ModuleNotFoundError"},
		},
		{
			name: "backend not loaded from backend-path",
			sdist: func(t *testing.T) string {
				return writeSdist(t, testindex.SdistSpec{Name: "outside", Version: "1.0", MetadataVersion: "2.1",
					PyprojectTOML: "[build-system]\nrequires = []\nbuild-backend = \"json\"\nbackend-path = [\"backend\"]\n",
					Files:         map[string]string{"backend/other.py": ""}})
			},
			hook:    "get_requires_for_build_wheel",
			backend: "json",
			is:      ErrBackendUnavailable,
			wants:   []string{"not from backend-path"},
		},
		{
			name: "backend object missing",
			sdist: func(t *testing.T) string {
				return writeSdist(t, testindex.SdistSpec{Name: "noobj", Version: "1.0", MetadataVersion: "2.1",
					PyprojectTOML: "[build-system]\nrequires = []\nbuild-backend = \"mod:api.hooks\"\nbackend-path = [\".\"]\n",
					Files:         map[string]string{"mod.py": "class api: pass\n"}})
			},
			hook:    "get_requires_for_build_wheel",
			backend: "mod:api.hooks",
			is:      ErrBackendUnavailable,
			wants:   []string{"has no attribute 'hooks'"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := tt.sdist(t)
			f, _ := newFrontend(t, py)
			_, err := f.Metadata(context.Background(), path, "")
			var herr *HookError
			if !errors.As(err, &herr) {
				t.Fatalf("err = %v, want a HookError", err)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("err does not wrap %v: %v", tt.is, err)
			}
			msg := err.Error()
			mustContain(t, msg, filepath.Base(path), "hook "+tt.hook, "backend "+tt.backend)
			mustContain(t, msg, tt.wants...)
			for _, u := range tt.unwants {
				if strings.Contains(msg, u) {
					t.Errorf("message has %q, beyond the last %d lines:\n%s", u, outputLines, msg)
				}
			}
			if lines := strings.Count(herr.Output, "\n") + 1; herr.Output != "" && lines > outputLines {
				t.Errorf("Output has %d lines", lines)
			}
		})
	}
}

// TestPrepareOrder: build-system.requires reach Prepare first, then
// together with get_requires_for_build_wheel's; the paths of the last call
// are on the hooks' sys.path, .pth files included.
func TestPrepareOrder(t *testing.T) {
	py := defaultPython(t)
	first, second := t.TempDir(), t.TempDir()
	extra := t.TempDir()
	writeFiles(t, first, map[string]string{"prepared_marker.py": "VALUE = 'from the first environment'\n"})
	writeFiles(t, second, map[string]string{"prepared_marker.py": "VALUE = 'wrong: shadowed by the .pth directory'\n", "extra.pth": extra + "\n"})
	writeFiles(t, extra, map[string]string{"via_pth.py": "VALUE = 'from the .pth directory'\n"})

	tests := []struct {
		name        string
		getRequires []string
		module      string
		wantCalls   [][]string
		wantSummary string
	}{
		{"static only", nil, "prepared_marker", [][]string{{"alpha>=1", "beta"}}, "from the first environment"},
		{"static then dynamic", []string{"gamma<2"}, "via_pth", [][]string{{"alpha>=1", "beta"}, {"alpha>=1", "beta", "gamma<2"}}, "from the .pth directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := demoSdist(t, behaviour{GetRequires: tt.getRequires, SummaryFromModule: tt.module}, "alpha>=1", "beta")
			var mu sync.Mutex
			var calls [][]string
			f, _ := newFrontend(t, py)
			f.Prepare = func(ctx context.Context, reqs []string, python string) ([]string, error) {
				mu.Lock()
				defer mu.Unlock()
				if python != py {
					t.Errorf("Prepare got python %q, want %q", python, py)
				}
				calls = append(calls, reqs)
				if len(calls) == 1 {
					return []string{first}, nil
				}
				return []string{second}, nil
			}
			md, err := f.Metadata(context.Background(), path, "")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(calls, tt.wantCalls, slices.Equal) {
				t.Errorf("Prepare calls = %q, want %q", calls, tt.wantCalls)
			}
			if got := summary(t, md); got != tt.wantSummary {
				t.Errorf("Summary = %q, want %q", got, tt.wantSummary)
			}
		})
	}

	t.Run("Prepare error", func(t *testing.T) {
		path := demoSdist(t, behaviour{}, "alpha>=1")
		f, hooks := newFrontend(t, py)
		boom := errors.New("no matching distribution for alpha>=1")
		f.Prepare = func(context.Context, []string, string) ([]string, error) { return nil, boom }
		_, err := f.BuildWheel(context.Background(), path, "", t.TempDir())
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		mustContain(t, err.Error(), "demo-1.0.tar.gz", "alpha>=1")
		if hooks.total() != 0 {
			t.Errorf("hooks ran: %v", hooks.runs())
		}
	})
	t.Run("no Prepare", func(t *testing.T) {
		path := demoSdist(t, behaviour{}, "alpha>=1")
		f, _ := newFrontend(t, py)
		_, err := f.Metadata(context.Background(), path, "")
		if err == nil || !strings.Contains(err.Error(), "no Prepare function") {
			t.Fatalf("err = %v", err)
		}
	})
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConfigSettings: config_settings reach the hooks (one value as a
// string, several as a list) and separate cache entries.
func TestConfigSettings(t *testing.T) {
	py := defaultPython(t)
	path := demoSdist(t, behaviour{})
	cache := t.TempDir()
	tests := []struct {
		settings map[string][]string
		want     string
	}{
		{nil, ""},
		{map[string][]string{"--build-option": {"--quiet"}}, ` config={"--build-option": "--quiet"}`},
		{map[string][]string{"k": {"a", "b"}, "z": {"1"}}, ` config={"k": ["a", "b"], "z": "1"}`},
	}
	for _, tt := range tests {
		f := &Frontend{Python: py, CacheDir: cache, ConfigSettings: tt.settings}
		md, err := f.Metadata(context.Background(), path, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := summary(t, md); got != strings.TrimPrefix(tt.want, " ") && got != tt.want {
			t.Errorf("settings %v: Summary = %q, want %q", tt.settings, got, tt.want)
		}
	}
}

// TestCancellation: cancelling the context kills the hook process and the
// processes it started; a timeout does the same and says so.
func TestCancellation(t *testing.T) {
	py := defaultPython(t)
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to see which processes run")
	}
	for _, timeout := range []bool{false, true} {
		t.Run("timeout="+strconv.FormatBool(timeout), func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "pids")
			path := demoSdist(t, behaviour{
				Sleep:   map[string]float64{"build_wheel": 120},
				PIDFile: map[string]string{"build_wheel": pidFile},
			})
			f, _ := newFrontend(t, py)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if timeout {
				f.Timeout = 3 * time.Second
			} else {
				go func() {
					waitForFile(t, pidFile, 30*time.Second)
					cancel()
				}()
			}
			start := time.Now()
			_, err := f.BuildWheel(ctx, path, "", t.TempDir())
			if elapsed := time.Since(start); elapsed > 60*time.Second {
				t.Errorf("BuildWheel returned after %s", elapsed)
			}
			var herr *HookError
			if !errors.As(err, &herr) || herr.Hook != "build_wheel" {
				t.Fatalf("err = %v, want a HookError of build_wheel", err)
			}
			if timeout {
				if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timed out after 3s") {
					t.Errorf("err = %v, want a timeout", err)
				}
			} else if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			data, err := os.ReadFile(pidFile)
			if err != nil {
				t.Fatalf("the hook never started: %v", err)
			}
			for _, field := range strings.Fields(string(data)) {
				pid, _ := strconv.Atoi(field)
				deadline := time.Now().Add(5 * time.Second)
				for processAlive(pid) && time.Now().Before(deadline) {
					time.Sleep(50 * time.Millisecond)
				}
				if processAlive(pid) {
					t.Errorf("process %d still runs", pid)
				}
			}
		})
	}
}

func waitForFile(t *testing.T, name string, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(name); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processAlive reports whether pid runs (a zombie does not count).
func processAlive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// "pid (comm) S ...": the state follows the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
