// Command dist writes clusterpack's Python wheels (`make dist`): for each
// platform it cross-compiles cmd/clusterpack with CGO_ENABLED=0 (the
// runner opens libpython with purego, which needs no C compiler) and writes
// dist/clusterpack-<version>-py3-none-<platform>.whl holding the binary
// as a script and the clusterpack Python package of python/. The
// version is the binary's own (internal/version), read from the build
// information of the binary just built.
//
//	go run ./scripts/dist [-o dist] [-platforms linux/amd64,darwin/arm64]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
)

func main() {
	var (
		out       = flag.String("o", "dist", "directory for the wheels")
		platforms = flag.String("platforms", strings.Join(allPlatforms(), ","), "GOOS/GOARCH pairs to build, comma-separated")
		pysrc     = flag.String("python-src", "python", "directory holding the clusterpack Python package")
	)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	for _, p := range strings.Split(*platforms, ",") {
		path, err := Dist(ctx, Options{Platform: strings.TrimSpace(p), OutDir: *out, PythonSrc: *pysrc, Module: "./cmd/clusterpack", Logger: log})
		if err != nil {
			fmt.Fprintf(os.Stderr, "dist: %v\n", err)
			os.Exit(1)
		}
		fmt.Println(path)
	}
}
