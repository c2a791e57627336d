package cloudsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAlibabaSignatureGoldenVector reproduces the SDK's own signer test
// (auth/rpc_signature_composer_test.go): a CommonRequest (method GET,
// empty Version and Action, Format JSON) signed with nonce MOCK_UUID,
// timestamp "mock date", region "regionId" and key accessKeyId /
// accessKeySecret.
func TestAlibabaSignatureGoldenVector(t *testing.T) {
	params := map[string]string{
		"Version": "", "Action": "", "Format": "JSON", "Timestamp": "mock date",
		"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureType": "",
		"SignatureNonce": "MOCK_UUID", "AccessKeyId": "accessKeyId", "RegionId": "regionId",
	}
	assert.Equal(t, "7loPmFjvDnzOVnQeQNj85S6nFGY=", alibabaSign(alibabaStringToSign("GET", params), "accessKeySecret"))
	params["SecurityToken"] = "accessKeyStsToken"
	assert.Equal(t, "5Nxdcler+ihqWqv0Hr2On4PsBf4=", alibabaSign(alibabaStringToSign("GET", params), "accessKeySecret"))

	// The SDK's string-to-sign examples.
	assert.Equal(t, "GET&%2F&", alibabaStringToSign("GET", map[string]string{}))
	assert.Equal(t, "GET&%2F&key%3Dvalue%26q%3Dhttp%253A%252F%252Fdomain%252F%253Fq%253Dvalue%2526q2%253Dvalue2",
		alibabaStringToSign("GET", map[string]string{"key": "value", "q": "http://domain/?q=value&q2=value2"}))
	// protocols.md: "ri 2*~" appears as ri%25202%252A~.
	assert.Equal(t, "POST&%2F&k%3Dri%25202%252A~", alibabaStringToSign("POST", map[string]string{"k": "ri 2*~", "Signature": "x"}))
}

// TestAlibabaSDKSignsSpecialCharacters sends values with space, *, ~, /
// and non-ASCII through the SDK: the signature must verify.
func TestAlibabaSDKSignsSpecialCharacters(t *testing.T) {
	e := newTestEnv(t, nil)
	req := vpc.CreateDescribeRouterInterfacesRequest()
	req.Filter = &[]vpc.DescribeRouterInterfacesFilter{{Key: "Name", Value: &[]string{"ri 2*~/x", "名字+&=%"}}}
	resp, err := e.defaultVPC().DescribeRouterInterfaces(req)
	require.NoError(t, err)
	assert.Equal(t, 0, resp.TotalCount)
	calls := e.srv.Calls("DescribeRouterInterfaces")
	require.Len(t, calls, 1)
	assert.Equal(t, "ri 2*~/x", calls[0].Params["Filter.1.Value.1"])
	assert.Equal(t, "名字+&=%", calls[0].Params["Filter.1.Value.2"])
}

func TestAlibabaWrongSecretAndUnknownKey(t *testing.T) {
	e := newTestEnv(t, nil)
	_, err := e.vpcClient(DefaultAccessKeyID, "wrong-secret").DescribeRouterInterfaces(vpc.CreateDescribeRouterInterfacesRequest())
	se := requireAliError(t, err, "SignatureDoesNotMatch", 400)
	assert.Contains(t, se.Message(), "server string to sign is:POST&%2F&AccessKeyId%3D"+DefaultAccessKeyID)
	// The SDK compares our string to sign with its own: equal means the
	// only difference is the secret.
	assert.Equal(t, "InvalidAccessKeySecret: Please check you AccessKeySecret", se.Recommend())

	_, err = e.vpcClient("LTAI5tUnknown", "x").DescribeRouterInterfaces(vpc.CreateDescribeRouterInterfacesRequest())
	se = requireAliError(t, err, "InvalidAccessKeyId.NotFound", 404)
	assert.Equal(t, "Specified access key is not found.", se.Message())

	calls := e.srv.Calls("")
	require.Len(t, calls, 2)
	for _, c := range calls {
		_, hasSig := c.Params["Signature"]
		assert.False(t, hasSig, "signature must not be recorded")
		for _, v := range c.Params {
			assert.NotContains(t, v, DefaultAccessKeySecret)
		}
	}
}

// aliRawParams returns the common parameters of a hand-built request.
func aliRawParams(action string) map[string]string {
	return map[string]string{
		"Action": action, "Version": alibabaAPIVersion, "Format": "JSON", "AccessKeyId": DefaultAccessKeyID,
		"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureType": "",
		"SignatureNonce": fmt.Sprintf("%032x", time.Now().UnixNano()), "Timestamp": time.Now().UTC().Format(aliTimeFormat),
		"RegionId": DefaultRegionID,
	}
}

// sendRaw signs params (unless sign is false) and sends them in the query
// with method; it returns the status and the decoded error body.
func sendRaw(t *testing.T, e *testEnv, method string, params map[string]string, sign bool) (int, alibabaErrorBody) {
	t.Helper()
	secret := ""
	if sign {
		secret = DefaultAccessKeySecret
	}
	return sendRawSigned(t, e, method, params, secret, "")
}

// sendRawSigned is sendRaw signing with secret (unless empty) and sending
// Host host (unless empty).
func sendRawSigned(t *testing.T, e *testEnv, method string, params map[string]string, secret, host string) (int, alibabaErrorBody) {
	t.Helper()
	if secret != "" {
		params["Signature"] = alibabaSign(alibabaStringToSign(method, params), secret)
	}
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	req, err := http.NewRequest(method, e.http.URL+"/?"+q.Encode(), nil)
	require.NoError(t, err)
	if host != "" {
		req.Host = host
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var body alibabaErrorBody
	require.NoError(t, json.Unmarshal(raw, &body), string(raw))
	require.NotEmpty(t, body.RequestId)
	assert.Equal(t, body.RequestId, resp.Header.Get("x-acs-request-id"))
	return resp.StatusCode, body
}

func TestAlibabaReplayedNonce(t *testing.T) {
	e := newTestEnv(t, nil)
	p := aliRawParams("DescribeRouterInterfaces")
	status, body := sendRaw(t, e, http.MethodPost, p, true)
	require.Equal(t, http.StatusOK, status, body.Message)
	status, body = sendRaw(t, e, http.MethodPost, p, false) // exactly the same signed request
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "SignatureNonceUsed", body.Code)
	assert.Equal(t, "Specified signature nonce was used already.", body.Message)
	assert.Equal(t, alibabaHostID, body.HostId)
	assert.Contains(t, body.Recommend, "q=SignatureNonceUsed")
}

func TestAlibabaTimestampChecks(t *testing.T) {
	e := newTestEnv(t, nil)
	for name, ts := range map[string]string{
		"stale":  time.Now().Add(-16 * time.Minute).UTC().Format(aliTimeFormat),
		"future": time.Now().Add(16 * time.Minute).UTC().Format(aliTimeFormat),
	} {
		t.Run(name, func(t *testing.T) {
			p := aliRawParams("DescribeRouterInterfaces")
			p["Timestamp"] = ts
			status, body := sendRaw(t, e, http.MethodPost, p, true)
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Equal(t, "InvalidTimeStamp.Expired", body.Code)
		})
	}
	p := aliRawParams("DescribeRouterInterfaces")
	p["Timestamp"] = time.Now().Add(-14 * time.Minute).UTC().Format(aliTimeFormat)
	status, body := sendRaw(t, e, http.MethodPost, p, true)
	assert.Equal(t, http.StatusOK, status, body.Message)

	p = aliRawParams("DescribeRouterInterfaces")
	p["Timestamp"] = "yesterday"
	status, body = sendRaw(t, e, http.MethodPost, p, true)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "InvalidTimeStamp.Format", body.Code)
}

func TestAlibabaMalformedRequests(t *testing.T) {
	e := newTestEnv(t, nil)
	cases := []struct {
		name     string
		method   string
		edit     func(p map[string]string)
		unsigned bool
		status   int
		code     string
	}{
		{name: "unknown action", edit: func(p map[string]string) { p["Action"] = "DeleteEverything" }, status: 404, code: "InvalidAction.NotFound"},
		{name: "unknown version", edit: func(p map[string]string) { p["Version"] = "2014-05-26" }, status: 400, code: "InvalidVersion"},
		{name: "no action", edit: func(p map[string]string) { delete(p, "Action") }, status: 400, code: "MissingParameter"},
		{name: "no signature", unsigned: true, status: 400, code: "MissingSignature"},
		{name: "empty signature", unsigned: true, edit: func(p map[string]string) { p["Signature"] = "" }, status: 400, code: "MissingSignature"},
		{name: "no timestamp", edit: func(p map[string]string) { delete(p, "Timestamp") }, status: 400, code: "MissingParameter"},
		{name: "no nonce", edit: func(p map[string]string) { delete(p, "SignatureNonce") }, status: 400, code: "MissingParameter"},
		{name: "no region", edit: func(p map[string]string) { delete(p, "RegionId") }, status: 400, code: "MissingParameter"},
		{name: "unknown region", edit: func(p map[string]string) { p["RegionId"] = "mars-1" }, status: 404, code: "InvalidRegionId.NotFound"},
		{name: "sha256", edit: func(p map[string]string) { p["SignatureMethod"] = "HMAC-SHA256" }, status: 400, code: "InvalidSignatureMethod"},
		{name: "version 2", edit: func(p map[string]string) { p["SignatureVersion"] = "2.0" }, status: 400, code: "InvalidSignatureVersion"},
		{name: "bearer", edit: func(p map[string]string) { p["SignatureType"] = "BEARERTOKEN" }, status: 400, code: "InvalidSignatureType"},
		{name: "xml", edit: func(p map[string]string) { p["Format"] = "XML" }, status: 400, code: "InvalidParameter"},
		{name: "PUT", method: http.MethodPut, status: 400, code: "UnsupportedHTTPMethod"},
		{name: "connect without id", edit: func(p map[string]string) { p["Action"] = "ConnectRouterInterface" }, status: 400, code: "MissingParameter"},
		{name: "bad page size", edit: func(p map[string]string) { p["PageSize"] = "ten" }, status: 400, code: "InvalidParameter"},
		{name: "bad filter index", edit: func(p map[string]string) { p["Filter.x.Key"] = "Status" }, status: 400, code: "InvalidParameter"},
		{name: "bad filter value index", edit: func(p map[string]string) {
			p["Filter.1.Key"] = "Status"
			p["Filter.1.Value.0"] = "Idle"
		}, status: 400, code: "InvalidParameter"},
		{name: "bad dry run", edit: func(p map[string]string) {
			p["Action"] = "PublishVpcRouteEntries"
			p["TargetType"], p["TargetInstanceId"], p["DryRun"] = "ECR", DefaultECRID, "maybe"
		}, status: 400, code: "InvalidParameter"},
		{name: "unknown publish entry field", edit: func(p map[string]string) {
			p["Action"] = "PublishVpcRouteEntries"
			p["TargetType"], p["TargetInstanceId"], p["RouteEntries.1.NextHop"] = "ECR", DefaultECRID, "x"
		}, status: 400, code: "InvalidParameter"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := aliRawParams("DescribeRouterInterfaces")
			if tc.edit != nil {
				tc.edit(p)
			}
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			status, body := sendRaw(t, e, method, p, !tc.unsigned)
			assert.Equal(t, tc.status, status, body.Message)
			assert.Equal(t, tc.code, body.Code, body.Message)
			assert.NotEmpty(t, body.Message)
		})
	}
}

func TestAlibabaGetAndFormBody(t *testing.T) {
	e := newTestEnv(t, nil)
	status, body := sendRaw(t, e, http.MethodGet, aliRawParams("DescribeRouterInterfaces"), true)
	assert.Equal(t, http.StatusOK, status, body.Message)

	// Parameters in a form body are signed like query parameters.
	p := aliRawParams("DescribeRouterInterfaces")
	p["Signature"] = alibabaSign(alibabaStringToSign(http.MethodPost, p), DefaultAccessKeySecret)
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	resp, err := http.Post(e.http.URL+"/", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// The SDK's CommonRequest with form parameters.
	cr := requests.NewCommonRequest()
	cr.Method = requests.POST
	cr.Domain = e.host
	cr.Version = alibabaAPIVersion
	cr.ApiName = "DescribeRouterInterfaces"
	cr.FormParams["PageSize"] = "2"
	cr.QueryParams["PageNumber"] = "2"
	cresp, err := e.defaultVPC().ProcessCommonRequest(cr)
	require.NoError(t, err)
	var parsed vpc.DescribeRouterInterfacesResponse
	require.NoError(t, json.Unmarshal(cresp.GetHttpContentBytes(), &parsed))
	assert.Equal(t, 2, parsed.PageSize)
	assert.Equal(t, 2, parsed.PageNumber)
	assert.Len(t, parsed.RouterInterfaceSet.RouterInterfaceType, 1)
}
