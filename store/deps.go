package store

// The HDFS client, imported here so that go.mod keeps pinning it until
// the HDFS backend (store/hdfs*.go) imports it itself; then this file
// goes. The S3 modules are imported by s3.go.
import (
	_ "github.com/colinmarc/hdfs/v2"
)
