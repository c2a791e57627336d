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

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func listConns(e *testEnv, req *model.ListEndpointConnectionsRequest) (*model.ListEndpointConnectionsResponse, error) {
	if req.InstanceId == "" {
		req.InstanceId = DefaultAPIGInstanceID
	}
	return e.defaultAPIG().ListEndpointConnections(req)
}

func ptr[T any](v T) *T { return &v }

func statusOf(t *testing.T, resp *model.ListEndpointConnectionsResponse, id string) string {
	t.Helper()
	for _, c := range *resp.Connections {
		if c.Id == id {
			return c.Status.Value()
		}
	}
	t.Fatalf("connection %s not listed", id)
	return ""
}

func TestListEndpointConnections(t *testing.T) {
	e := newTestEnv(t, nil)
	start := e.clock.Now()
	resp, err := listConns(e, &model.ListEndpointConnectionsRequest{})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.HttpStatusCode)
	require.NotNil(t, resp.XRequestId)
	assert.Regexp(t, `^[0-9a-f]{32}$`, *resp.XRequestId)
	assert.Equal(t, int64(4), resp.Total)
	assert.Equal(t, int32(4), resp.Size)
	require.Len(t, *resp.Connections, 4)
	first := (*resp.Connections)[0]
	assert.Equal(t, DefaultEndpointConnectionAcceptedID, first.Id)
	assert.Equal(t, int32(167960098), first.MarkerId)
	assert.Equal(t, DefaultHuaweiDomainID, first.DomainId)
	assert.Equal(t, EndpointAccepted, first.Status.Value())
	assert.Equal(t, start.Add(-72*time.Hour), time.Time(*first.CreatedAt))
	assert.Equal(t, EndpointPendingAcceptance, statusOf(t, resp, DefaultEndpointConnectionPendingID))
	assert.Equal(t, EndpointRejected, statusOf(t, resp, DefaultEndpointConnectionRejectedID))

	// pendingAcceptance -> accepted after the configured delay.
	e.clock.Advance(DefaultEndpointPendingDelay - time.Second)
	resp, err = listConns(e, &model.ListEndpointConnectionsRequest{})
	require.NoError(t, err)
	assert.Equal(t, EndpointPendingAcceptance, statusOf(t, resp, DefaultEndpointConnectionPendingID))
	e.clock.Advance(time.Second)
	resp, err = listConns(e, &model.ListEndpointConnectionsRequest{Id: ptr(DefaultEndpointConnectionPendingID)})
	require.NoError(t, err)
	require.Len(t, *resp.Connections, 1)
	c := (*resp.Connections)[0]
	assert.Equal(t, EndpointAccepted, c.Status.Value())
	assert.Equal(t, start.Add(DefaultEndpointPendingDelay), time.Time(*c.UpdatedAt))
	resp, err = listConns(e, &model.ListEndpointConnectionsRequest{})
	require.NoError(t, err)
	assert.Equal(t, EndpointPendingAcceptance, statusOf(t, resp, DefaultEndpointConnectionSlowID))
	e.clock.Advance(DefaultEndpointSlowDelay)
	resp, err = listConns(e, &model.ListEndpointConnectionsRequest{})
	require.NoError(t, err)
	assert.Equal(t, EndpointAccepted, statusOf(t, resp, DefaultEndpointConnectionSlowID))
	assert.Equal(t, EndpointRejected, statusOf(t, resp, DefaultEndpointConnectionRejectedID), "rejected stays rejected")

	// Filters.
	statusEnum := model.GetListEndpointConnectionsRequestStatusEnum()
	resp, err = listConns(e, &model.ListEndpointConnectionsRequest{Status: &statusEnum.ACCEPTED})
	require.NoError(t, err)
	assert.Equal(t, int64(3), resp.Total)
	resp, err = listConns(e, &model.ListEndpointConnectionsRequest{Status: &statusEnum.REJECTED, MarkerId: ptr(int32(167960101))})
	require.NoError(t, err)
	assert.Equal(t, int64(1), resp.Total)
	resp, err = listConns(e, &model.ListEndpointConnectionsRequest{Status: &statusEnum.FAILED})
	require.NoError(t, err)
	assert.Equal(t, int64(0), resp.Total)
	assert.Equal(t, int32(0), resp.Size)
	assert.NotNil(t, resp.Connections)
	// An id with characters that need escaping still verifies.
	resp, err = listConns(e, &model.ListEndpointConnectionsRequest{Id: ptr("a b*~/é+&=")})
	require.NoError(t, err)
	assert.Equal(t, int64(0), resp.Total)
}

func TestListEndpointConnectionsPagingEdges(t *testing.T) {
	f := DefaultFixture()
	g := &f.Huawei.Gateways[0]
	for i := 0; i < 520; i++ {
		g.Connections = append(g.Connections, EndpointConnectionFixture{
			ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), MarkerID: int32(1000 + i), DomainID: DefaultHuaweiDomainID, Status: EndpointAccepted,
		})
	}
	e := newTestEnv(t, f) // 524 connections
	page := func(offset *int64, limit *int32) (int64, int32) {
		t.Helper()
		resp, err := listConns(e, &model.ListEndpointConnectionsRequest{Offset: offset, Limit: limit})
		require.NoError(t, err)
		require.Len(t, *resp.Connections, int(resp.Size))
		return resp.Total, resp.Size
	}
	total, size := page(nil, nil)
	assert.Equal(t, int64(524), total)
	assert.Equal(t, int32(20), size, "default limit")
	_, size = page(nil, ptr(int32(0)))
	assert.Equal(t, int32(20), size, "limit 0 becomes 20")
	_, size = page(nil, ptr(int32(-5)))
	assert.Equal(t, int32(20), size, "negative limit becomes 20")
	_, size = page(nil, ptr(int32(600)))
	assert.Equal(t, int32(500), size, "limit 600 becomes 500")
	_, size = page(ptr(int64(-3)), ptr(int32(5)))
	assert.Equal(t, int32(5), size, "offset < 0 becomes 0")
	resp, err := listConns(e, &model.ListEndpointConnectionsRequest{Offset: ptr(int64(-3)), Limit: ptr(int32(1))})
	require.NoError(t, err)
	assert.Equal(t, DefaultEndpointConnectionAcceptedID, (*resp.Connections)[0].Id)
	_, size = page(ptr(int64(520)), ptr(int32(10)))
	assert.Equal(t, int32(4), size, "last partial page")
	total, size = page(ptr(int64(524)), ptr(int32(10)))
	assert.Equal(t, int64(524), total)
	assert.Equal(t, int32(0), size, "past the end")
}

func TestListEndpointConnectionsErrors(t *testing.T) {
	f := DefaultFixture()
	f.Huawei.Credentials = append(f.Huawei.Credentials,
		HuaweiCredentialFixture{AK: "DENIEDAK000000000001", SK: "denied-sk", ProjectID: DefaultHuaweiProjectID, Denied: true},
		HuaweiCredentialFixture{AK: "OTHERPROJECTAK000001", SK: "other-sk", ProjectID: "11111111111111111111111111111111"},
	)
	e := newTestEnv(t, f)
	req := func() *model.ListEndpointConnectionsRequest {
		return &model.ListEndpointConnectionsRequest{InstanceId: DefaultAPIGInstanceID}
	}

	_, err := e.apigClient(DefaultHuaweiAK, "wrong-sk", DefaultHuaweiProjectID).ListEndpointConnections(req())
	se := requireHuaweiError(t, err, "APIG.0301", 401)
	assert.Equal(t, "Incorrect IAM authentication information: verify aksk signature fail", se.ErrorMessage)
	_, err = e.apigClient("UNKNOWNAK00000000001", "x", DefaultHuaweiProjectID).ListEndpointConnections(req())
	se = requireHuaweiError(t, err, "APIG.0301", 401)
	assert.Equal(t, "Incorrect IAM authentication information: Get secretKey failed,ak:******,err:ak not exist", se.ErrorMessage)
	_, err = e.apigClient("DENIEDAK000000000001", "denied-sk", DefaultHuaweiProjectID).ListEndpointConnections(req())
	se = requireHuaweiError(t, err, "APIC.7106", 403)
	assert.Equal(t, "No permissions to request for the method", se.ErrorMessage)
	// A credential of another project, asking for this project's gateway.
	_, err = e.apigClient("OTHERPROJECTAK000001", "other-sk", DefaultHuaweiProjectID).ListEndpointConnections(req())
	requireHuaweiError(t, err, "APIC.7106", 403)
	// ...and for its own project, where the gateway does not exist.
	_, err = e.apigClient("OTHERPROJECTAK000001", "other-sk", "11111111111111111111111111111111").ListEndpointConnections(req())
	requireHuaweiError(t, err, "APIG.3030", 404)

	_, err = e.defaultAPIG().ListEndpointConnections(&model.ListEndpointConnectionsRequest{InstanceId: "00000000000000000000000000000000"})
	requireHuaweiError(t, err, "APIG.3030", 404)
	_, err = e.defaultAPIG().ListEndpointConnections(&model.ListEndpointConnectionsRequest{InstanceId: DefaultAPIGNoEndpointServiceInstanceID})
	se = requireHuaweiError(t, err, "APIC.7314", 404)
	assert.Equal(t, "Endpoint service not found", se.ErrorMessage)
	_, err = e.defaultAPIG().ListEndpointConnections(&model.ListEndpointConnectionsRequest{InstanceId: DefaultAPIGVpcepFailureInstanceID})
	se = requireHuaweiError(t, err, "APIC.9007", 500)
	assert.Equal(t, "Failed to execute VCPEP request", se.ErrorMessage)
}

// rawAPIG sends a request with an X-Auth-Token (or none).
func rawAPIG(t *testing.T, e *testEnv, method, path string, query url.Values, token string) (int, string, huaweiErrorBody, []byte) {
	t.Helper()
	u := e.http.URL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, u, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var body huaweiErrorBody
	require.NoError(t, json.Unmarshal(raw, &body), string(raw))
	return resp.StatusCode, resp.Header.Get("X-Request-Id"), body, raw
}

const defaultConnsPath = "/v2/" + DefaultHuaweiProjectID + "/apigw/instances/" + DefaultAPIGInstanceID + "/vpc-endpoint/connections"

func TestListEndpointConnectionsWithToken(t *testing.T) {
	e := newTestEnv(t, nil)
	status, reqID, _, raw := rawAPIG(t, e, http.MethodGet, defaultConnsPath, url.Values{"limit": {"2"}}, DefaultHuaweiToken)
	require.Equal(t, http.StatusOK, status, string(raw))
	assert.Len(t, reqID, 32)
	var body listEndpointConnectionsBody
	require.NoError(t, json.Unmarshal(raw, &body))
	assert.Equal(t, 4, body.Total)
	assert.Equal(t, 2, body.Size)
	assert.Equal(t, "2026-11-19T08:00:00Z", body.Connections[0].CreatedAt)

	for name, tc := range map[string]struct {
		token  string
		query  url.Values
		path   string
		method string
		status int
		code   string
	}{
		"no credentials":  {status: 401, code: "APIG.0301"},
		"unknown token":   {token: "forged", status: 401, code: "APIC.7102"},
		"bad status":      {token: DefaultHuaweiToken, query: url.Values{"status": {"deleting"}}, status: 400, code: "APIG.2012"},
		"bad limit":       {token: DefaultHuaweiToken, query: url.Values{"limit": {"ten"}}, status: 400, code: "APIG.2012"},
		"bad offset":      {token: DefaultHuaweiToken, query: url.Values{"offset": {"1.5"}}, status: 400, code: "APIG.2012"},
		"bad marker":      {token: DefaultHuaweiToken, query: url.Values{"marker_id": {"99999999999"}}, status: 400, code: "APIG.2012"},
		"other project":   {token: DefaultHuaweiToken, path: "/v2/22222222222222222222222222222222/apigw/instances/" + DefaultAPIGInstanceID + "/vpc-endpoint/connections", status: 403, code: "APIC.7106"},
		"unknown path":    {token: DefaultHuaweiToken, path: "/v2/" + DefaultHuaweiProjectID + "/apigw/instances", status: 404, code: "APIG.0101"},
		"wrong method":    {token: DefaultHuaweiToken, method: http.MethodDelete, status: 404, code: "APIG.0101"},
		"unknown version": {token: DefaultHuaweiToken, path: "/v3/x", status: 404, code: "APIG.0101"},
	} {
		t.Run(name, func(t *testing.T) {
			path, method := tc.path, tc.method
			if path == "" {
				path = defaultConnsPath
			}
			if method == "" {
				method = http.MethodGet
			}
			status, reqID, body, raw := rawAPIG(t, e, method, path, tc.query, tc.token)
			assert.Equal(t, tc.status, status, string(raw))
			assert.Equal(t, tc.code, body.ErrorCode)
			assert.NotEmpty(t, body.ErrorMsg)
			assert.Len(t, reqID, 32)
		})
	}
}

func TestHuaweiSignatureFreshness(t *testing.T) {
	e := newTestEnv(t, nil)
	send := func(date time.Time, signedHeaders []string) (int, huaweiErrorBody) {
		req, err := http.NewRequest(http.MethodGet, e.http.URL+defaultConnsPath+"?limit=1", nil)
		require.NoError(t, err)
		sdkDate := date.UTC().Format(huaweiDateFormat)
		req.Header.Set("X-Sdk-Date", sdkDate)
		req.Header.Set("X-Project-Id", DefaultHuaweiProjectID)
		req.Host = e.host
		sts := huaweiStringToSign(req, nil, signedHeaders, sdkDate)
		req.Header.Set("Authorization", fmt.Sprintf("%s Access=%s, SignedHeaders=%s, Signature=%s",
			huaweiSignAlgorithm, DefaultHuaweiAK, strings.Join(signedHeaders, ";"), huaweiSign(sts, DefaultHuaweiSK)))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body huaweiErrorBody
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		return resp.StatusCode, body
	}
	status, _ := send(time.Now(), []string{"host", "x-project-id", "x-sdk-date"})
	assert.Equal(t, http.StatusOK, status, "a hand-signed request that signs host verifies")
	status, body := send(time.Now().Add(-20*time.Minute), []string{"x-project-id", "x-sdk-date"})
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "APIG.0301", body.ErrorCode)
	assert.Equal(t, "Incorrect IAM authentication information: request expired", body.ErrorMsg)
	status, body = send(time.Now(), []string{"x-project-id"})
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "APIG.0301", body.ErrorCode)
	assert.Contains(t, body.ErrorMsg, "x-sdk-date")
}

func TestHuaweiCanonicalization(t *testing.T) {
	assert.Equal(t, "/v2/a%20b/x/", huaweiCanonicalURI("/v2/a b/x"))
	assert.Equal(t, "/", huaweiCanonicalURI(""))
	assert.Equal(t, "a=1&a=2&b=&c%2A=%257E~", huaweiCanonicalQuery(url.Values{"b": {""}, "a": {"2", "1"}, "c*": {"%7E~"}}))
	assert.Equal(t, "%C3%A9", huaweiEscape("é"))
}

// sendAPIG sends a GET of the default connections path with the given
// headers and body and decodes the error body.
func sendAPIG(t *testing.T, e *testEnv, headers map[string]string, body string) (int, huaweiErrorBody) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.http.URL+defaultConnsPath, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out huaweiErrorBody
	require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	return resp.StatusCode, out
}

func TestHuaweiAuthenticationAnswers(t *testing.T) {
	e := newTestEnv(t, nil)
	const sig = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	now := time.Now().UTC().Format(huaweiDateFormat)
	for name, tc := range map[string]struct {
		headers map[string]string
		code    string
		message string
	}{
		"neither authorization nor token": {code: "APIG.0301",
			message: "Incorrect IAM authentication information: x-auth-token not found"},
		"unknown token": {headers: map[string]string{"X-Auth-Token": "forged"}, code: "APIC.7102",
			message: "Incorrect token or token resolution failed"},
		"unknown scheme": {headers: map[string]string{"Authorization": "Bearer " + DefaultHuaweiAK}, code: "APIG.0301",
			message: "Incorrect IAM authentication information: unsupported authorization scheme"},
		"malformed field": {headers: map[string]string{"Authorization": "SDK-HMAC-SHA256 Access=" + DefaultHuaweiAK + ", " + sig}, code: "APIG.0301",
			message: "Incorrect IAM authentication information: malformed authorization header"},
		"no x-sdk-date": {headers: map[string]string{"Authorization": "SDK-HMAC-SHA256 Access=" + DefaultHuaweiAK + ", SignedHeaders=x-sdk-date, Signature=" + sig}, code: "APIG.0301",
			message: "Incorrect IAM authentication information: x-sdk-date is missing, malformed or not signed"},
		"unknown ak": {headers: map[string]string{"Authorization": "SDK-HMAC-SHA256 Access=SECRETLOOKINGAK0001, SignedHeaders=x-sdk-date, Signature=" + sig, "X-Sdk-Date": now}, code: "APIG.0301",
			message: "Incorrect IAM authentication information: Get secretKey failed,ak:******,err:ak not exist"},
		"bad signature": {headers: map[string]string{"Authorization": "SDK-HMAC-SHA256 Access=" + DefaultHuaweiAK + ", SignedHeaders=x-sdk-date, Signature=" + sig, "X-Sdk-Date": now}, code: "APIG.0301",
			message: "Incorrect IAM authentication information: verify aksk signature fail"},
	} {
		t.Run(name, func(t *testing.T) {
			status, body := sendAPIG(t, e, tc.headers, "")
			assert.Equal(t, http.StatusUnauthorized, status)
			assert.Equal(t, tc.code, body.ErrorCode)
			assert.Equal(t, tc.message, body.ErrorMsg)
			for _, secret := range []string{DefaultHuaweiAK, "SECRETLOOKINGAK0001", sig, DefaultHuaweiSK} {
				assert.NotContains(t, body.ErrorMsg, secret, "the gateway masks credentials")
			}
		})
	}
}

func TestHuaweiBodyTooLarge(t *testing.T) {
	e := newTestEnv(t, nil)
	status, body := sendAPIG(t, e, map[string]string{"X-Auth-Token": DefaultHuaweiToken}, strings.Repeat("x", maxHuaweiBody+1))
	assert.Equal(t, http.StatusRequestEntityTooLarge, status)
	assert.Equal(t, huaweiErrorBody{ErrorCode: "APIG.0201", ErrorMsg: "Request entity too large."}, body)
	status, _ = sendAPIG(t, e, map[string]string{"X-Auth-Token": DefaultHuaweiToken}, strings.Repeat("x", maxHuaweiBody))
	assert.Equal(t, http.StatusOK, status, "the limit itself is accepted")
}

func TestHuaweiCredentialOfSeveralProjects(t *testing.T) {
	e := newTestEnv(t, nil)
	second := e.apigClient(DefaultHuaweiAK, DefaultHuaweiSK, DefaultHuaweiSecondProjectID)
	resp, err := second.ListEndpointConnections(&model.ListEndpointConnectionsRequest{InstanceId: DefaultAPIGSecondProjectInstanceID})
	require.NoError(t, err)
	assert.Equal(t, int64(1), resp.Total)
	require.Len(t, *resp.Connections, 1)
	c := (*resp.Connections)[0]
	assert.Equal(t, DefaultEndpointConnectionSecondProjectID, c.Id)
	assert.Equal(t, EndpointAccepted, c.Status.Value())
	assert.Regexp(t, `^[0-9a-f]{32}$`, DefaultHuaweiSecondProjectID)
	assert.Regexp(t, `^[0-9a-f]{32}$`, DefaultAPIGSecondProjectInstanceID)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, DefaultEndpointConnectionSecondProjectID)

	// Each gateway lives in its own project.
	_, err = second.ListEndpointConnections(&model.ListEndpointConnectionsRequest{InstanceId: DefaultAPIGInstanceID})
	requireHuaweiError(t, err, "APIG.3030", 404)
	_, err = e.defaultAPIG().ListEndpointConnections(&model.ListEndpointConnectionsRequest{InstanceId: DefaultAPIGSecondProjectInstanceID})
	requireHuaweiError(t, err, "APIG.3030", 404)
	// A project of neither list.
	_, err = e.apigClient(DefaultHuaweiAK, DefaultHuaweiSK, "33333333333333333333333333333333").
		ListEndpointConnections(&model.ListEndpointConnectionsRequest{InstanceId: DefaultAPIGSecondProjectInstanceID})
	requireHuaweiError(t, err, "APIC.7106", 403)
	// Tokens stay single-project.
	status, _, body, _ := rawAPIG(t, e, http.MethodGet,
		"/v2/"+DefaultHuaweiSecondProjectID+"/apigw/instances/"+DefaultAPIGSecondProjectInstanceID+"/vpc-endpoint/connections", nil, DefaultHuaweiToken)
	assert.Equal(t, http.StatusForbidden, status)
	assert.Equal(t, "APIC.7106", body.ErrorCode)
}
