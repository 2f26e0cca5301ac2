// Package backends lists the store backends of clusterpack, for
// store.Options.Openers:
//
//	st, err := store.Open(ctx, url, store.Options{Openers: backends.Openers()})
//
// It is the one package that imports every backend. store cannot: the
// backends import it for the Store interface and the errors. And no
// backend registers itself from an init function: the table is built
// here, explicitly, and what a program opens is what its main package
// passes.
package backends

import (
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/file"
	"github.com/clusterpack/clusterpack/store/hdfs"
	"github.com/clusterpack/clusterpack/store/s3"
)

// Openers returns a new map with the opener of every backend: "file",
// "s3" and "hdfs" (with the zero HDFS options). Callers may add or replace
// entries in the map they get.
func Openers() map[string]store.Opener {
	return map[string]store.Opener{
		"file": file.Open,
		"hdfs": hdfs.Open,
		"s3":   s3.Open,
	}
}
