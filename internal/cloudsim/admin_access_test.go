package cloudsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// adminRequest is one admin API request, as a browser or a script might
// send it.
type adminRequest struct {
	method, path, body string
	contentType        string
	host               string
	authorization      string
}

// do sends the request and returns the status, the headers and the body.
func (a adminRequest) do(t *testing.T, base string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(a.method, base+a.path, strings.NewReader(a.body))
	require.NoError(t, err)
	if a.contentType != "" {
		req.Header.Set("Content-Type", a.contentType)
	}
	if a.host != "" {
		req.Host = a.host
	}
	if a.authorization != "" {
		req.Header.Set("Authorization", a.authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, raw
}

// requireAdminRefusal asserts a JSON {"error": ...} refusal with status.
func requireAdminRefusal(t *testing.T, status int, gotStatus int, raw []byte, contains string) {
	t.Helper()
	require.Equal(t, status, gotStatus, string(raw))
	var body adminError
	require.NoError(t, json.Unmarshal(raw, &body), string(raw))
	assert.Contains(t, body.Error, contains)
}

// TestAdminRefusesCrossOriginSimpleRequests: what a web page can make the
// browser send cross-origin without a preflight changes nothing.
func TestAdminRefusesCrossOriginSimpleRequests(t *testing.T) {
	e := newTestEnv(t, nil)
	require.NoError(t, connectRI(e.defaultVPC(), DefaultInitiatingInterfaceID))

	for _, req := range []adminRequest{
		{method: "POST", path: "/_cloudsim/reset", contentType: "text/plain"},
		{method: "POST", path: "/_cloudsim/reset", contentType: "application/x-www-form-urlencoded", body: "a=b"},
		{method: "POST", path: "/_cloudsim/reset", contentType: "multipart/form-data; boundary=x"},
		{method: "POST", path: "/_cloudsim/reset"}, // no Content-Type at all
		{method: "PUT", path: "/_cloudsim/faults", contentType: "text/plain",
			body: `{"scripted":[{"action":"*","count":1,"code":"ServiceUnavailable","status":503}]}`},
		{method: "POST", path: "/_cloudsim/faults", contentType: "text/plain;charset=UTF-8",
			body: `{"scripted":[{"action":"*","count":1,"code":"ServiceUnavailable","status":503}]}`},
		{method: "PUT", path: "/_cloudsim/quirks", contentType: "text/plain", body: `{"badGateway":{"*":1}}`},
		{method: "DELETE", path: "/_cloudsim/faults"},
		{method: "POST", path: "/_cloudsim/clock/advance", contentType: "text/plain", body: `{"by":"1h"}`},
	} {
		status, _, raw := req.do(t, e.http.URL)
		requireAdminRefusal(t, http.StatusUnsupportedMediaType, status, raw, "application/json")
	}
	assert.Equal(t, RouterInterfaceConnecting, e.srv.State().RouterInterfaces[0].Status, "not reset")
	assert.Empty(t, e.srv.Faults().Scripted)
	assert.Equal(t, Quirks{}, e.srv.Quirks())
	assert.Equal(t, 1, e.srv.CallCount(""), "not reset")

	// application/json, with parameters, is what scripts send.
	status, _, raw := adminRequest{method: "POST", path: "/_cloudsim/reset", contentType: "application/json; charset=utf-8"}.do(t, e.http.URL)
	require.Equal(t, http.StatusOK, status, string(raw))
	assert.Equal(t, RouterInterfaceIdle, e.srv.State().RouterInterfaces[0].Status)
	// Reads need no Content-Type.
	status, _, raw = adminRequest{method: "GET", path: "/_cloudsim/state"}.do(t, e.http.URL)
	require.Equal(t, http.StatusOK, status, string(raw))
}

// TestAdminRefusesNonLoopbackHost: a DNS-rebound page addresses cloudsim
// by its own host name; without an admin token that is refused.
func TestAdminRefusesNonLoopbackHost(t *testing.T) {
	e := newTestEnv(t, nil)
	require.NoError(t, connectRI(e.defaultVPC(), DefaultInitiatingInterfaceID))

	for _, host := range []string{"rebind.attacker.example", "rebind.attacker.example:8380", "192.168.1.10:8380", "localhost.attacker.example", "[::2]:80"} {
		status, _, raw := adminRequest{method: "GET", path: "/_cloudsim/calls", host: host}.do(t, e.http.URL)
		requireAdminRefusal(t, http.StatusForbidden, status, raw, "loopback")
		assert.NotContains(t, string(raw), DefaultInitiatingInterfaceID, "no call log for %s", host)
		status, _, raw = adminRequest{method: "POST", path: "/_cloudsim/reset", contentType: "application/json", host: host}.do(t, e.http.URL)
		requireAdminRefusal(t, http.StatusForbidden, status, raw, "loopback")
	}
	assert.Equal(t, RouterInterfaceConnecting, e.srv.State().RouterInterfaces[0].Status, "not reset")

	for _, host := range []string{"127.0.0.1", "127.0.0.1:8380", "localhost:1", "LOCALHOST", "[::1]:8380", "::1"} {
		status, _, raw := adminRequest{method: "GET", path: "/_cloudsim/calls", host: host}.do(t, e.http.URL)
		assert.Equal(t, http.StatusOK, status, "%s: %s", host, raw)
	}

	// The SDK paths answer whatever the Host.
	p := aliRawParams("DescribeRouterInterfaces")
	status, body := sendRawSigned(t, e, http.MethodPost, p, DefaultAccessKeySecret, "vpc.aliyuncs.com")
	assert.Equal(t, http.StatusOK, status, body.Message)
}

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.0.0.1:80": true, "127.1.2.3:80": true, "[::1]:80": true, "::1": true, "[::1]": true,
		"localhost": true, "LocalHost:8380": true,
		"": false, "example.com": false, "localhost.example.com": false, "0.0.0.0:80": false, "[::]:80": false,
		"10.0.0.1:80": false, "[::2]:80": false, "127.0.0.1.nip.io:80": false,
	} {
		assert.Equal(t, want, loopbackHost(host), "%q", host)
	}
}

// TestAdminToken: with an admin token every admin request needs it,
// whatever its Host; the SDK paths are unaffected.
func TestAdminToken(t *testing.T) {
	const token = "s3cret-admin-token"
	srv, err := New(Options{AdminToken: token})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	e := &testEnv{t: t, srv: srv, http: hs, host: strings.TrimPrefix(hs.URL, "http://")}

	for name, authz := range map[string]string{
		"none": "", "wrong": "Bearer " + token + "x", "prefix": "Bearer s3cret", "basic": "Basic " + token, "bare": token,
	} {
		status, hdr, raw := adminRequest{method: "GET", path: "/_cloudsim/calls", authorization: authz}.do(t, hs.URL)
		requireAdminRefusal(t, http.StatusUnauthorized, status, raw, "Bearer")
		assert.Contains(t, hdr.Get("WWW-Authenticate"), "Bearer", name)
	}
	status, _, raw := adminRequest{method: "POST", path: "/_cloudsim/reset", contentType: "application/json"}.do(t, hs.URL)
	requireAdminRefusal(t, http.StatusUnauthorized, status, raw, "Bearer")

	// With the token, any Host will do (the server is meant to be reached
	// by other names), and writes still need JSON.
	for _, authz := range []string{"Bearer " + token, "bearer " + token} {
		status, _, raw = adminRequest{method: "GET", path: "/_cloudsim/state", host: "cloudsim.internal:8380", authorization: authz}.do(t, hs.URL)
		assert.Equal(t, http.StatusOK, status, string(raw))
	}
	status, _, raw = adminRequest{method: "POST", path: "/_cloudsim/reset", contentType: "text/plain", authorization: "Bearer " + token}.do(t, hs.URL)
	requireAdminRefusal(t, http.StatusUnsupportedMediaType, status, raw, "application/json")
	status, _, raw = adminRequest{method: "POST", path: "/_cloudsim/reset", contentType: "application/json",
		host: "cloudsim.internal", authorization: "Bearer " + token}.do(t, hs.URL)
	assert.Equal(t, http.StatusOK, status, string(raw))

	_, err = e.defaultVPC().DescribeRouterInterfaces(vpc.CreateDescribeRouterInterfacesRequest())
	require.NoError(t, err)
	_, err = e.defaultAPIG().ListEndpointConnections(&model.ListEndpointConnectionsRequest{InstanceId: DefaultAPIGInstanceID})
	require.NoError(t, err)
}

func TestBearerTokenMatches(t *testing.T) {
	assert.True(t, bearerTokenMatches("Bearer tok", "tok"))
	assert.True(t, bearerTokenMatches("BEARER  tok ", "tok"))
	assert.False(t, bearerTokenMatches("Bearer tok2", "tok"))
	assert.False(t, bearerTokenMatches("Bearer to", "tok"))
	assert.False(t, bearerTokenMatches("Bearer", "tok"))
	assert.False(t, bearerTokenMatches("Bearer ", ""), "an empty credential never matches")
	assert.False(t, bearerTokenMatches("Token tok", "tok"))
}
