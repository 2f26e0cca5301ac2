package s3

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/clusterpack/clusterpack/store"
)

// TestReasonTypes: the reasons a caller can act on in its own terms
// (the store's region, a profile) are typed.
func TestReasonTypes(t *testing.T) {
	s := &s3Store{bucket: "b", credsFrom: `profile "ci"`}
	err := s.reason(&smithy.GenericAPIError{Code: "PermanentRedirect", Message: "use the other endpoint"})
	var re *RegionError
	if !errors.As(err, &re) || re.Bucket != "b" || re.Code != "PermanentRedirect" || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("redirect: %v, want a *RegionError", err)
	}
	err = s.reason(errors.New("operation error S3: HeadObject, failed to retrieve credentials: no EC2 IMDS role found"))
	var ne *NoCredentialsError
	if !errors.As(err, &ne) || ne.From != `profile "ci"` || !errors.Is(err, store.ErrAccessDenied) || !strings.Contains(err.Error(), "AWS_PROFILE") {
		t.Errorf("no credentials: %v, want a *NoCredentialsError that is ErrAccessDenied", err)
	}
}
