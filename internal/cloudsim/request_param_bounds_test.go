package cloudsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withJunkParams adds n parameters p0001.. to params.
func withJunkParams(params map[string]string, n int) map[string]string {
	for i := range n {
		params[fmt.Sprintf("p%04d", i)] = "x"
	}
	return params
}

// postAlibabaForm sends query in the URL and form as a form body.
func postAlibabaForm(t *testing.T, e *testEnv, query, form url.Values) (int, alibabaErrorBody) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.http.URL+"/?"+query.Encode(), strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var body alibabaErrorBody
	require.NoError(t, json.Unmarshal(raw, &body), string(raw))
	return resp.StatusCode, body
}

// TestAlibabaParamBounds: too many parameters, or a too long name, are
// refused before anything else, and nothing of them is recorded.
func TestAlibabaParamBounds(t *testing.T) {
	e := newTestEnv(t, nil)
	base := len(aliRawParams("DescribeRouterInterfaces")) + 1 // + Signature

	status, body := sendRaw(t, e, http.MethodPost, withJunkParams(aliRawParams("DescribeRouterInterfaces"), maxRequestParams+1-base), true)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "InvalidParameter", body.Code)
	assert.Equal(t, "The request has more than 1000 parameters.", body.Message)

	// Query and form body count together.
	query, form := url.Values{}, url.Values{}
	for k, v := range withJunkParams(aliRawParams("DescribeRouterInterfaces"), 600) {
		query.Set(k, v)
	}
	for i := range maxRequestParams + 1 - len(query) {
		form.Set(fmt.Sprintf("f%04d", i), "x")
	}
	status, body = postAlibabaForm(t, e, query, form)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "The request has more than 1000 parameters.", body.Message)

	longName := strings.Repeat("N", maxParamNameBytes+1)
	for _, where := range []string{"query", "form"} {
		query, form := url.Values{}, url.Values{}
		for k, v := range aliRawParams("DescribeRouterInterfaces") {
			query.Set(k, v)
		}
		if where == "query" {
			query.Set(longName, "x")
		} else {
			form.Set(longName, "x")
		}
		status, body = postAlibabaForm(t, e, query, form)
		assert.Equal(t, http.StatusBadRequest, status, where)
		assert.Equal(t, "InvalidParameter", body.Code, where)
		assert.Equal(t, "The request has a parameter name longer than 256 bytes.", body.Message, where)
	}

	for _, c := range e.srv.Calls("") {
		assert.Equal(t, "InvalidParameter", c.Code)
		assert.Empty(t, c.Action, "nothing of the request is trusted")
		assert.Empty(t, c.AccessKeyID)
		assert.Empty(t, c.Params)
		assert.NotEmpty(t, c.RequestID)
	}
	require.Equal(t, 4, e.srv.CallCount(""))

	// Up to the bounds is fine: 1000 parameters, one of them a name of
	// 256 bytes.
	p := withJunkParams(aliRawParams("DescribeRouterInterfaces"), maxRequestParams-base-1)
	p[strings.Repeat("N", maxParamNameBytes)] = "x"
	status, body = sendRaw(t, e, http.MethodPost, p, true)
	assert.Equal(t, http.StatusOK, status, body.Message)
	calls := e.srv.Calls("DescribeRouterInterfaces")
	require.Len(t, calls, 1)
	assert.Len(t, calls[0].Params, maxRequestParams-1, "all but Signature")
}

// TestHuaweiParamBounds: the same bounds for the APIG query, answered
// APIG.0201 before authentication.
func TestHuaweiParamBounds(t *testing.T) {
	e := newTestEnv(t, nil)
	tooMany := url.Values{}
	for i := range maxRequestParams + 1 {
		tooMany.Set(fmt.Sprintf("p%04d", i), "x")
	}
	status, _, body, raw := rawAPIG(t, e, http.MethodGet, defaultConnsPath, tooMany, DefaultHuaweiToken)
	assert.Equal(t, http.StatusBadRequest, status, string(raw))
	assert.Equal(t, "APIG.0201", body.ErrorCode)

	status, _, body, raw = rawAPIG(t, e, http.MethodGet, defaultConnsPath,
		url.Values{strings.Repeat("N", maxParamNameBytes+1): {"x"}}, DefaultHuaweiToken)
	assert.Equal(t, http.StatusBadRequest, status, string(raw))
	assert.Equal(t, "APIG.0201", body.ErrorCode)
	for _, c := range e.srv.Calls("") {
		assert.Equal(t, huaweiActionListEndpointConnections, c.Action)
		assert.Empty(t, c.Params)
	}

	atBound := url.Values{strings.Repeat("N", maxParamNameBytes): {"x"}}
	for i := range maxRequestParams - 1 {
		atBound.Set(fmt.Sprintf("p%04d", i), "x")
	}
	status, _, _, raw = rawAPIG(t, e, http.MethodGet, defaultConnsPath, atBound, DefaultHuaweiToken)
	assert.Equal(t, http.StatusOK, status, string(raw))
}

// TestParamBoundsAdmitWhatTheSDKsSend: the largest requests vpcflow's
// SDK calls make pass the bounds.
func TestParamBoundsAdmitWhatTheSDKsSend(t *testing.T) {
	e := newTestEnv(t, GenerateFixture(50))
	c := e.defaultVPC()
	var fifty []routeRef
	for i := range 50 {
		fifty = append(fifty, sysRoute(LoadRouteCIDR(i)))
	}
	_, err := c.PublishVpcRouteEntries(publishReq(DefaultECRID, true, fifty...))
	requireAliError(t, err, "DryRunOperation", 400)
	_, err = c.WithdrawVpcPublishedRouteEntries(withdrawReq(DefaultECRID, fifty...))
	require.NoError(t, err)
	publish := e.srv.Calls("PublishVpcRouteEntries")
	require.Len(t, publish, 1)
	assert.Equal(t, LoadRouteCIDR(49), publish[0].Params["RouteEntries.50.DestinationCidrBlock"])

	req := vpc.CreateDescribeRouterInterfacesRequest()
	filters := []vpc.DescribeRouterInterfacesFilter{}
	for _, key := range []string{"RouterInterfaceId", "RouterId", "Status", "Name", "RouterType"} {
		values := []string{}
		for v := range 20 {
			values = append(values, fmt.Sprintf("%s-%d", key, v))
		}
		filters = append(filters, vpc.DescribeRouterInterfacesFilter{Key: key, Value: &values})
	}
	tags := []vpc.DescribeRouterInterfacesTags{}
	for i := range 20 {
		tags = append(tags, vpc.DescribeRouterInterfacesTags{Key: fmt.Sprintf("k%d", i), Value: "v"})
	}
	req.Filter, req.Tags = &filters, &tags
	_, err = c.DescribeRouterInterfaces(req)
	require.NoError(t, err)
	describe := e.srv.Calls("DescribeRouterInterfaces")
	require.Len(t, describe, 1)
	assert.Equal(t, "RouterType-19", describe[0].Params["Filter.5.Value.20"])

	statusEnum := model.GetListEndpointConnectionsRequestStatusEnum()
	_, err = e.defaultAPIG().ListEndpointConnections(&model.ListEndpointConnectionsRequest{InstanceId: DefaultAPIGInstanceID,
		Id: ptr(DefaultEndpointConnectionAcceptedID), MarkerId: ptr(int32(1)), Status: &statusEnum.ACCEPTED,
		Offset: ptr(int64(0)), Limit: ptr(int32(500))})
	require.NoError(t, err)
}

func TestCountEncodedParams(t *testing.T) {
	for s, want := range map[string]int{
		"": 0, "a": 1, "a=1&b=2": 2, "&&a=1&&": 1, "a=1&a=2": 2, strings.Repeat("&", 5000): 0, "%zz": 1,
	} {
		assert.Equal(t, want, countEncodedParams(s), "%q", s)
	}
}

func TestFirstEncodedValue(t *testing.T) {
	assert.Equal(t, "DescribeRouterInterfaces", firstEncodedValue("a=1&Action=DescribeRouterInterfaces&Action=x", "Action"))
	assert.Equal(t, "A b", firstEncodedValue("%41ction=A+b", "Action"))
	assert.Equal(t, "", firstEncodedValue("Actions=1&"+strings.Repeat("A", 100)+"=2", "Action"))
	assert.Equal(t, "", firstEncodedValue("Action=%zz", "Action"))
}
