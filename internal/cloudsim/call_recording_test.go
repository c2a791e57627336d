package cloudsim

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAlibabaUnauthenticatedCallsRecordNoParams: a call refused by
// authentication is recorded with its action, key (cut short), status,
// code and request ID, and none of its parameters.
func TestAlibabaUnauthenticatedCallsRecordNoParams(t *testing.T) {
	e := newTestEnv(t, nil)
	filtered := func() *vpc.DescribeRouterInterfacesRequest {
		req := vpc.CreateDescribeRouterInterfacesRequest()
		req.Filter = &[]vpc.DescribeRouterInterfacesFilter{{Key: "Name", Value: &[]string{"stored-by-an-attacker"}}}
		return req
	}
	_, err := e.vpcClient(DefaultAccessKeyID, "wrong-secret").DescribeRouterInterfaces(filtered())
	se := requireAliError(t, err, "SignatureDoesNotMatch", 400)
	calls := e.srv.Calls("DescribeRouterInterfaces")
	require.Len(t, calls, 1)
	assert.Equal(t, Call{Seq: 1, Time: calls[0].Time, Cloud: "alibaba", Action: "DescribeRouterInterfaces", AccessKeyID: DefaultAccessKeyID,
		Params: map[string]string{}, Code: "SignatureDoesNotMatch", Status: 400, RequestID: se.RequestId()}, calls[0])

	// A forged key of any length is recorded cut short.
	p := aliRawParams("DescribeRouterInterfaces")
	p["AccessKeyId"] = strings.Repeat("K", 100_000)
	status, body := sendRawSigned(t, e, http.MethodPost, p, "x", "")
	assert.Equal(t, http.StatusNotFound, status, body.Message)
	// Without a signature: the gateway's MissingSignature.
	status, body = sendRaw(t, e, http.MethodPost, aliRawParams("DescribeRouterInterfaces"), false)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "MissingSignature", body.Code)
	assert.Equal(t, "Signature is mandatory for this action.", body.Message)
	// A replay passed the signature check but is still refused.
	p = aliRawParams("DescribeRouterInterfaces")
	status, body = sendRaw(t, e, http.MethodPost, p, true)
	require.Equal(t, http.StatusOK, status, body.Message)
	_, body = sendRawSigned(t, e, http.MethodPost, p, "", "")
	require.Equal(t, "SignatureNonceUsed", body.Code)

	calls = e.srv.Calls("DescribeRouterInterfaces")
	require.Len(t, calls, 5)
	for i, want := range []struct {
		code      string
		keyLength int
		params    bool
	}{
		{"SignatureDoesNotMatch", len(DefaultAccessKeyID), false},
		{"InvalidAccessKeyId.NotFound", maxRecordedAccessKeyID, false},
		{"MissingSignature", len(DefaultAccessKeyID), false},
		{"", len(DefaultAccessKeyID), true},
		{"SignatureNonceUsed", len(DefaultAccessKeyID), false},
	} {
		c := calls[i]
		assert.Equal(t, want.code, c.Code, i)
		assert.Len(t, c.AccessKeyID, want.keyLength, i)
		assert.NotEmpty(t, c.RequestID, i)
		assert.Equal(t, want.params, len(c.Params) > 0, "call %d (%s) params %v", i, c.Code, c.Params)
	}

	// Authenticated but not authorized: the caller proved who it is, so
	// its parameters are recorded.
	ro := e.vpcClient(DefaultReadOnlyAccessKeyID, DefaultReadOnlyAccessKeySecret)
	requireAliError(t, connectRI(ro, DefaultInitiatingInterfaceID), "Forbbiden.SubUser", 403)
	connects := e.srv.Calls("ConnectRouterInterface")
	require.Len(t, connects, 1)
	assert.Equal(t, DefaultInitiatingInterfaceID, connects[0].Params["RouterInterfaceId"])
}

// TestHuaweiUnauthenticatedCallsRecordNoParams: the same for APIG.
func TestHuaweiUnauthenticatedCallsRecordNoParams(t *testing.T) {
	e := newTestEnv(t, nil)
	req := &model.ListEndpointConnectionsRequest{InstanceId: DefaultAPIGInstanceID, Id: ptr("stored-by-an-attacker")}
	_, err := e.apigClient(DefaultHuaweiAK, "wrong-sk", DefaultHuaweiProjectID).ListEndpointConnections(req)
	se := requireHuaweiError(t, err, "APIG.0301", 401)

	status, _, _, _ := rawAPIG(t, e, http.MethodGet, defaultConnsPath+"?id=stored-by-an-attacker", nil, "forged-token")
	assert.Equal(t, http.StatusUnauthorized, status)

	forged, err := http.NewRequest(http.MethodGet, e.http.URL+defaultConnsPath+"?id=stored-by-an-attacker", nil)
	require.NoError(t, err)
	forged.Header.Set("X-Sdk-Date", time.Now().UTC().Format(huaweiDateFormat))
	forged.Header.Set("Authorization", fmt.Sprintf("%s Access=%s, SignedHeaders=x-sdk-date, Signature=00",
		huaweiSignAlgorithm, strings.Repeat("K", 100_000)))
	resp, err := http.DefaultClient.Do(forged)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	_, err = e.defaultAPIG().ListEndpointConnections(req)
	require.NoError(t, err)

	calls := e.srv.Calls(huaweiActionListEndpointConnections)
	require.Len(t, calls, 4)
	assert.Equal(t, Call{Seq: 1, Time: calls[0].Time, Cloud: "huawei", Action: huaweiActionListEndpointConnections, AccessKeyID: DefaultHuaweiAK,
		Params: map[string]string{}, Code: "APIG.0301", Status: 401, RequestID: se.RequestId}, calls[0])
	assert.Equal(t, "token", calls[1].AccessKeyID)
	assert.Equal(t, "APIC.7102", calls[1].Code)
	assert.Empty(t, calls[1].Params)
	assert.Len(t, calls[2].AccessKeyID, maxRecordedAccessKeyID)
	assert.Equal(t, "APIG.0301", calls[2].Code)
	assert.Empty(t, calls[2].Params)
	assert.Equal(t, "stored-by-an-attacker", calls[3].Params["id"], "an authenticated call records its parameters")
}
