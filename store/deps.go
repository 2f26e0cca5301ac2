package store

// The clients of the remote stores: S3 with aws-sdk-go-v2 and HDFS with
// colinmarc/hdfs. Imported here so that go.mod pins them before the
// backends that use them are written.
import (
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	_ "github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/colinmarc/hdfs/v2"
)
