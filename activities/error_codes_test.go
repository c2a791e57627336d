package activities

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/activities/activitiestest"
	"github.com/vpcflow/vpcflow/contract"
)

// documentedCodes reads the error codes the API documents in testdata/seeds
// name. Alibaba's tables glue the status, the code and the message together
// ("400IncorrectRole.NotInitiatingSideThe specified..."), so a line is
// matched against the table's codes, longest first, and a code must end where
// the message starts (not followed by more of an identifier).
func documentedCodes(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("testdata/seeds/*.txt")
	require.NoError(t, err)
	require.Len(t, files, 5, "the five API documents")

	statusLine := regexp.MustCompile(`^(400|403|404|409|500|503)([A-Za-z_][A-Za-z0-9_.]*)`)
	huaweiCode := regexp.MustCompile(`"error_code"\s*:\s*"([A-Z]+\.[0-9]+)"`)
	codes := make(map[string]string) // code -> document
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		doc := filepath.Base(f)
		for _, line := range strings.Split(string(data), "\n") {
			if m := huaweiCode.FindStringSubmatch(line); m != nil {
				codes[m[1]] = doc
				continue
			}
			m := statusLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			code := codeAtStart(m[2])
			if code == "" {
				t.Errorf("%s: no row of the error-code table matches the documented line %q", doc, line)
				continue
			}
			codes[code] = doc
		}
	}
	return codes
}

// codeAtStart finds the longest table code that s starts with and that ends
// where an identifier ends.
func codeAtStart(s string) string {
	var best string
	for _, row := range errorCodes {
		if !strings.HasPrefix(s, row.Code) || len(row.Code) <= len(best) {
			continue
		}
		if rest := s[len(row.Code):]; rest != "" && (rest[0] == '.' || rest[0] == '_') {
			continue // the document's code goes on: this row is a shorter, other code
		}
		best = row.Code
	}
	return best
}

func TestEveryDocumentedCodeHasARow(t *testing.T) {
	codes := documentedCodes(t)
	// The documents name 40 distinct codes; fewer means the parser lost some.
	assert.GreaterOrEqual(t, len(codes), 40)
	for code, doc := range codes {
		row, ok := errorCodeIndex[code]
		if assert.True(t, ok, "%s names %s, which has no row of its own", doc, code) {
			assert.NotEmpty(t, row.Source, code)
		}
	}
	// Spot checks that the parser does not stop short of a longer code.
	assert.Contains(t, codes, "IncorrectOppositeInterfaceInfo.NotSet")
	assert.Contains(t, codes, "IncorrectOppositeInterfaceInfo")
	assert.Contains(t, codes, "Forbbiden.SubUser")
	assert.Contains(t, codes, "APIC.7314")
}

func TestEveryRowIsWellFormed(t *testing.T) {
	seen := make(map[string]bool)
	for _, row := range errorCodes {
		assert.False(t, seen[row.Code], "duplicate row %s", row.Code)
		seen[row.Code] = true
		assert.NotEmpty(t, row.Source, "%s cites no document", row.Code)
		assert.Contains(t, []contract.ErrorClass{contract.Transient, contract.Throttled, contract.Busy, contract.Permanent, contract.DryRunPassed}, row.Class, row.Code)
		if row.Class == contract.Permanent {
			assert.NotEmpty(t, row.Fix, "permanent %s must say what to fix", row.Code)
		}
	}
	// The generic codes the issue names.
	for _, code := range []string{"Throttling", "Throttling.User", "Throttling.Api", "ServiceUnavailable", "InternalError",
		"UnknownError", "SystemBusy", "OperationConflict", "LastTokenProcessing", "IdempotentParameterMismatch",
		"SignatureDoesNotMatch", "InvalidAccessKeyId.NotFound", "APIC.7102", "APIC.7106", "APIC.7314", "APIC.9007", "APIGW.0308"} {
		assert.Contains(t, seen, code)
	}
}

func TestLookupFallsBackOnWildcardRows(t *testing.T) {
	row, ok := LookupErrorCode("IncorrectStatus.VpnGateway")
	require.True(t, ok)
	assert.Equal(t, contract.Busy, row.Class)
	assert.Equal(t, "IncorrectStatus.*", row.Code)

	row, ok = LookupErrorCode("IncorrectStatus.Vpc")
	require.True(t, ok)
	assert.Equal(t, "IncorrectStatus.Vpc", row.Code)

	_, ok = LookupErrorCode("NoSuch.Code")
	assert.False(t, ok)
}

// statusFor is an HTTP status a cloud would send with a row's code.
func statusFor(row ErrorCode) int {
	switch {
	case row.Code == "APIC.7102":
		return 401
	case row.Code == "APIC.7106":
		return 403
	case row.Code == "APIC.7314":
		return 404
	case row.Code == "APIGW.0308":
		return 429
	case row.Class == contract.Transient:
		return 503
	}
	return 400
}

// TestEveryCodeThroughTheActivities feeds every code of the table through a
// fake client into a real activity and checks what the activity returns.
func TestEveryCodeThroughTheActivities(t *testing.T) {
	for _, row := range errorCodes {
		if strings.HasSuffix(row.Code, ".*") {
			continue
		}
		t.Run(row.Code, func(t *testing.T) {
			requestID := "RID-" + row.Code
			var err error
			if strings.HasPrefix(row.Code, "APIC") || strings.HasPrefix(row.Code, "APIGW") {
				apig := &activitiestest.FakeAPIG{OnListEndpointConnections: func(*model.ListEndpointConnectionsRequest) (*model.ListEndpointConnectionsResponse, error) {
					return nil, activitiestest.HuaweiError(statusFor(row), row.Code, requestID)
				}}
				acts := &CloudActivities{APIG: apig}
				err = activityError(acts, acts.ListEndpointConnections, ListEndpointConnectionsInput{InstanceId: "gw1"})
			} else {
				fake := &activitiestest.FakeVPC{
					OnConnectRouterInterface: func(*vpc.ConnectRouterInterfaceRequest) (*vpc.ConnectRouterInterfaceResponse, error) {
						return nil, activitiestest.AliError(statusFor(row), row.Code, requestID)
					},
					// IncorrectRIStatus is settled by a read: Idle means a race, so retry.
					OnDescribeRouterInterfaces: func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
						return activitiestest.RouterInterfaces("RID-read", initiator(RouterInterfaceIdle)), nil
					},
				}
				acts := &CloudActivities{VPC: fake}
				err = activityError(acts, acts.ConnectRouterInterface, RouterInterfaceRef{RegionId: "cn-hangzhou", RouterInterfaceId: "ri-init1"})
			}
			var appErr *temporal.ApplicationError
			require.ErrorAs(t, err, &appErr)
			assert.Equal(t, row.Code, appErr.Type())
			assert.Equal(t, row.Class == contract.Permanent || row.Class == contract.DryRunPassed, appErr.NonRetryable(), "class %s", row.Class)
			assert.Contains(t, appErr.Error(), requestID)
			var details contract.CloudErrorDetails
			require.NoError(t, appErr.Details(&details))
			assert.Equal(t, requestID, details.RequestId)
			assert.Equal(t, row.Class, details.Class)
			assert.Equal(t, statusFor(row), details.HTTPStatus)
			if row.Class == contract.Permanent {
				assert.Contains(t, appErr.Error(), "Fix: "+row.Fix)
			}
		})
	}
}

func TestCloudErrorPacesThrottledAndBusyRetries(t *testing.T) {
	ctx := context.Background()
	var appErr *temporal.ApplicationError

	require.ErrorAs(t, CloudError(ctx, "Op", "r", activitiestest.AliError(400, "Throttling.User", "R1")), &appErr)
	assert.False(t, appErr.NonRetryable())
	assert.GreaterOrEqual(t, appErr.NextRetryDelay(), throttledFirstDelay*8/10, "first throttled retry: 2 s less 20%% jitter")
	assert.LessOrEqual(t, appErr.NextRetryDelay(), throttledFirstDelay*12/10)

	require.ErrorAs(t, CloudError(ctx, "Op", "r", activitiestest.AliError(400, "OperationConflict", "R2")), &appErr)
	assert.Equal(t, busyStepDelay, appErr.NextRetryDelay())

	require.ErrorAs(t, CloudError(ctx, "Op", "r", activitiestest.AliError(503, "ServiceUnavailable", "R3")), &appErr)
	assert.Zero(t, appErr.NextRetryDelay(), "transient errors follow the retry policy")

	assert.GreaterOrEqual(t, throttledDelay(30, 0), throttledMaxDelay*8/10, "capped near a minute")
	assert.LessOrEqual(t, throttledDelay(30, 0), throttledMaxDelay*12/10)
	assert.Equal(t, 3*busyStepDelay, busyDelay(3))
	assert.Equal(t, busyMaxDelay, busyDelay(100))
	after := throttledDelay(1, 1500*time.Millisecond)
	assert.True(t, after >= 1500*time.Millisecond && after <= 1800*time.Millisecond, "a Retry-After from the cloud wins, spread by up to a fifth: %s", after)
	parked := throttledDelay(1, 10*time.Minute)
	assert.True(t, parked >= throttledMaxDelay && parked <= throttledMaxDelay*12/10, "a Retry-After of ten minutes is capped at the minute: %s", parked)

	require.ErrorAs(t, CloudError(ctx, "Op", "r", activitiestest.AliError(400, "Throttling.Resource", "R4")), &appErr)
	assert.False(t, appErr.NonRetryable(), "any Throttling.* is a throttle")
	assert.Positive(t, appErr.NextRetryDelay())
}

func TestUnknownCodesFallBackOnTheHTTPStatus(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		err          error
		nonRetryable bool
		typ          string
	}{
		{activitiestest.AliError(500, "Brand.NewServerCode", "R"), false, "Brand.NewServerCode"},
		{activitiestest.AliError(400, "Brand.NewClientCode", "R"), true, "Brand.NewClientCode"},
		{activitiestest.AliError(502, "", ""), false, "HTTP502"},
		{activitiestest.HuaweiError(429, "", "R"), false, "HTTP429"},
		{activitiestest.HuaweiError(404, "APIG.3030", "R"), true, "APIG.3030"},
		{&url.Error{Op: "Post", URL: "http://127.0.0.1:1/", Err: errors.New("connection refused")}, false, contract.NetworkErrorType},
		{&net.OpError{Op: "dial", Err: errors.New("i/o timeout")}, false, contract.NetworkErrorType},
	}
	for _, c := range cases {
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, CloudError(ctx, "Op", "r", c.err), &appErr, "%v", c.err)
		assert.Equal(t, c.typ, appErr.Type())
		assert.Equal(t, c.nonRetryable, appErr.NonRetryable(), c.typ)
	}
	// Not a cloud error: returned as it is.
	plain := errors.New("a bug")
	assert.Same(t, plain, CloudError(ctx, "Op", "r", plain))
	// Returned unwrapped, so Temporal sees NonRetryable at the top.
	_, isAppErr := CloudError(ctx, "Op", "r", activitiestest.AliError(400, "Forbidden", "R")).(*temporal.ApplicationError)
	assert.True(t, isAppErr)
}

// Metric labels come from a bounded set whatever code a cloud answers;
// the code shown in a failure, a span or a log line is bounded and
// printable.
func TestMetricLabelsAndDisplayedCodesAreBounded(t *testing.T) {
	for code, want := range map[string]string{
		"Forbidden.OnlyOneConnection":  "Forbidden.OnlyOneConnection",
		"IncorrectStatus.SomethingNew": "IncorrectStatus.*",
		"APIG.0308":                    "APIG.0308",
		"HTTP502":                      "HTTP502",
		"HTTP5020":                     OtherLabel,
		"OK":                           "OK",
		contract.WaitTimeoutType:       contract.WaitTimeoutType,
		"Whatever.A.Proxy.Said":        OtherLabel,
		strings.Repeat("x", 10<<10):    OtherLabel,
		"IncorrectStatus." + strings.Repeat("y", 10<<10): "IncorrectStatus.*",
	} {
		assert.Equal(t, want, MetricLabel(code), "%.40s", code)
	}
	long := DisplayCode("Odd." + strings.Repeat("z", 10<<10) + "\x1b[2J")
	assert.LessOrEqual(t, len(long), maxDisplayCode)
	assert.True(t, strings.HasPrefix(long, "Odd.zzz") && strings.HasSuffix(long, "..."), long)
	assert.Equal(t, "Evil[2J]0;title", DisplayCode("Evil\x1b[2J\x1b]0;title\x07"))
	assert.Equal(t, "Forbidden.RAM", DisplayCode("Forbidden.RAM"))
}
