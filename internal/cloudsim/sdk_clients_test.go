package cloudsim

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	alierrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	apig "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2"
	"github.com/stretchr/testify/require"
)

// The conformance tests drive cloudsim with the real SDK clients, pointed
// at an httptest server by endpoint only.

func TestMain(m *testing.M) {
	// The Alibaba SDK honours HTTP_PROXY for plain-http endpoints; the
	// tests talk to loopback only.
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}

// testEnv is a running cloudsim with a manual clock.
type testEnv struct {
	t     *testing.T
	srv   *Server
	http  *httptest.Server
	clock *ManualClock
	host  string // 127.0.0.1:PORT
}

func newTestEnv(t *testing.T, f *Fixture) *testEnv {
	t.Helper()
	if f == nil {
		f = DefaultFixture()
	}
	clock := NewManualClock(time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC))
	srv, err := New(Options{Fixture: f, Clock: clock, Seed: 7})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	u, err := url.Parse(hs.URL)
	require.NoError(t, err)
	return &testEnv{t: t, srv: srv, http: hs, clock: clock, host: u.Host}
}

// vpcClient returns an Alibaba VPC client for the default region.
func (e *testEnv) vpcClient(ak, sk string) *vpc.Client {
	e.t.Helper()
	c, err := vpc.NewClientWithOptions(DefaultRegionID, sdk.NewConfig(), credentials.NewAccessKeyCredential(ak, sk))
	require.NoError(e.t, err)
	c.Domain = e.host
	return c
}

func (e *testEnv) defaultVPC() *vpc.Client {
	return e.vpcClient(DefaultAccessKeyID, DefaultAccessKeySecret)
}

// apigClient returns a Huawei APIG client with AK/SK.
func (e *testEnv) apigClient(ak, sk, project string) *apig.ApigClient {
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithProjectId(project).SafeBuild()
	if err != nil {
		panic(err) // constant inputs: any test shows it
	}
	hc, err := apig.ApigClientBuilder().WithEndpoints([]string{e.http.URL}).WithCredential(cred).SafeBuild()
	if err != nil {
		panic(err)
	}
	return apig.NewApigClient(hc)
}

func (e *testEnv) defaultAPIG() *apig.ApigClient {
	return e.apigClient(DefaultHuaweiAK, DefaultHuaweiSK, DefaultHuaweiProjectID)
}

// requireAliError asserts err is a ServerError with code and status.
func requireAliError(t *testing.T, err error, code string, status int) *alierrors.ServerError {
	t.Helper()
	require.Error(t, err)
	var se *alierrors.ServerError
	require.True(t, errors.As(err, &se), "want ServerError, got %T: %v", err, err)
	require.Equal(t, code, se.ErrorCode(), "message: %s", se.Message())
	require.Equal(t, status, se.HttpStatus())
	require.NotEmpty(t, se.RequestId())
	require.Equal(t, alibabaHostID, se.HostId())
	return se
}

// requireHuaweiError asserts err is a ServiceResponseError.
func requireHuaweiError(t *testing.T, err error, code string, status int) *sdkerr.ServiceResponseError {
	t.Helper()
	require.Error(t, err)
	var se *sdkerr.ServiceResponseError
	require.True(t, errors.As(err, &se), "want ServiceResponseError, got %T: %v", err, err)
	require.Equal(t, code, se.ErrorCode, "message: %s", se.ErrorMessage)
	require.Equal(t, status, se.StatusCode)
	require.Len(t, se.RequestId, 32)
	return se
}
