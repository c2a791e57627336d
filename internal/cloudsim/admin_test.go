package cloudsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func adminDo(t *testing.T, base, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	require.NoError(t, err)
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if out != nil {
		require.NoError(t, json.Unmarshal(raw, out), string(raw))
	}
	return resp.StatusCode
}

func TestAdminAPI(t *testing.T) {
	e := newTestEnv(t, nil)
	base := e.http.URL

	var st State
	require.Equal(t, 200, adminDo(t, base, "GET", "/_cloudsim/state", "", &st))
	assert.Len(t, st.RouterInterfaces, 3)
	assert.Equal(t, RouterInterfaceIdle, st.RouterInterfaces[0].Status)
	assert.Len(t, st.EndpointConnections, 9)
	require.Len(t, st.VpnConnections, 1)
	assert.Equal(t, []string{DefaultVpnCustomRoute1, DefaultVpnCustomRoute2}, st.VpnConnections[0].CustomRoutes)

	// Faults: PUT replaces, POST merges, GET reads, DELETE clears.
	var f Faults
	require.Equal(t, 200, adminDo(t, base, "PUT", "/_cloudsim/faults",
		`{"scripted":[{"action":"ConnectRouterInterface","count":1,"code":"Throttling.User","status":400}],
		  "actions":{"DescribeRouterInterfaces":{"latencyMin":"1ms","latencyMax":"2ms"}}}`, &f))
	assert.Len(t, f.Scripted, 1)
	assert.Equal(t, D(2*time.Millisecond), f.Actions["DescribeRouterInterfaces"].LatencyMax)
	require.Equal(t, 200, adminDo(t, base, "POST", "/_cloudsim/faults",
		`{"scripted":[{"action":"*","count":1,"code":"ServiceUnavailable","status":503}],"stuck":["ri-x"]}`, &f))
	assert.Len(t, f.Scripted, 2)
	assert.Equal(t, []string{"ri-x"}, f.Stuck)
	var bad adminError
	assert.Equal(t, 400, adminDo(t, base, "PUT", "/_cloudsim/faults", `{"scripted":[{"action":"X","count":0,"code":"Y","status":400}]}`, &bad))
	assert.Contains(t, bad.Error, "count")
	assert.Equal(t, 400, adminDo(t, base, "PUT", "/_cloudsim/faults", `{"throttle":1}`, &bad), "unknown field")
	assert.Equal(t, 400, adminDo(t, base, "PUT", "/_cloudsim/faults", `{"actions":{"X":{"latencyMin":5}}}`, &bad), "durations are strings")

	requireAliError(t, connectRI(e.defaultVPC(), DefaultInitiatingInterfaceID), "Throttling.User", 400)
	var cleared Faults
	require.Equal(t, 200, adminDo(t, base, "DELETE", "/_cloudsim/faults", "", &cleared))
	assert.Empty(t, cleared.Scripted)
	assert.Empty(t, cleared.Actions)
	require.NoError(t, connectRI(e.defaultVPC(), DefaultInitiatingInterfaceID))

	// Calls.
	var calls callsAnswer
	require.Equal(t, 200, adminDo(t, base, "GET", "/_cloudsim/calls?action=ConnectRouterInterface", "", &calls))
	assert.Equal(t, map[string]int{"ConnectRouterInterface": 2}, calls.Counts)
	require.Len(t, calls.Calls, 2)
	assert.Equal(t, "Throttling.User", calls.Calls[0].Code)
	assert.True(t, calls.Calls[0].Injected)
	assert.Equal(t, 200, calls.Calls[1].Status)
	assert.Equal(t, DefaultAccessKeyID, calls.Calls[1].AccessKeyID)
	assert.NotContains(t, calls.Calls[1].Params, "Signature")

	// Clock.
	var clk clockAnswer
	require.Equal(t, 200, adminDo(t, base, "POST", "/_cloudsim/clock/advance", `{"by":"5s"}`, &clk))
	assert.Equal(t, e.clock.Now(), clk.Now)
	require.Equal(t, 200, adminDo(t, base, "GET", "/_cloudsim/state", "", &st))
	assert.Equal(t, RouterInterfaceActive, st.RouterInterfaces[0].Status)
	require.Equal(t, 200, adminDo(t, base, "GET", "/_cloudsim/clock", "", &clk))

	// Reset.
	require.Equal(t, 200, adminDo(t, base, "POST", "/_cloudsim/reset", "", &st))
	assert.Equal(t, RouterInterfaceIdle, st.RouterInterfaces[0].Status)
	assert.Equal(t, 0, e.srv.CallCount(""))

	assert.Equal(t, 404, adminDo(t, base, "GET", "/_cloudsim/nope", "", &bad))
	assert.Equal(t, 405, adminDo(t, base, "DELETE", "/_cloudsim/state", "", &bad))
	assert.Equal(t, 405, adminDo(t, base, "GET", "/_cloudsim/reset", "", &bad))
}

func TestAdminQuirks(t *testing.T) {
	e := newTestEnv(t, nil)
	base := e.http.URL
	var q Quirks
	require.Equal(t, 200, adminDo(t, base, "GET", "/_cloudsim/quirks", "", &q))
	assert.Equal(t, Quirks{}, q)
	require.Equal(t, 200, adminDo(t, base, "PUT", "/_cloudsim/quirks",
		`{"totalCountPerPage":true,"idleReadsAfterConnect":2,"publishingReadsAfterPublish":1,"onlyOneConnectionFirst":true,
		  "lostResponses":{"ConnectRouterInterface":1},"badGateway":{"DescribeRouterInterfaces":2},"retryAfter":"2s"}`, &q))
	assert.Equal(t, Quirks{
		TotalCountPerPage: true, IdleReadsAfterConnect: 2, PublishingReadsAfterPublish: 1, OnlyOneConnectionFirst: true,
		LostResponses: map[string]int{"ConnectRouterInterface": 1}, BadGateway: map[string]int{"DescribeRouterInterfaces": 2},
		RetryAfter: D(2 * time.Second),
	}, q)

	_, err := e.defaultVPC().DescribeRouterInterfaces(vpc.CreateDescribeRouterInterfacesRequest())
	require.Error(t, err)
	var remaining Quirks
	require.Equal(t, 200, adminDo(t, base, "GET", "/_cloudsim/quirks", "", &remaining))
	assert.Equal(t, map[string]int{"DescribeRouterInterfaces": 1}, remaining.BadGateway, "remaining counts")

	var bad adminError
	assert.Equal(t, 400, adminDo(t, base, "PUT", "/_cloudsim/quirks", `{"lostResponse":{"X":1}}`, &bad), "unknown field")
	assert.Equal(t, 400, adminDo(t, base, "PUT", "/_cloudsim/quirks", `{"badGateway":{"X":-1}}`, &bad))
	assert.Contains(t, bad.Error, "badGateway")
	assert.Equal(t, 400, adminDo(t, base, "PUT", "/_cloudsim/quirks", `{"retryAfter":"1h"}`, &bad))
	assert.Equal(t, 405, adminDo(t, base, "POST", "/_cloudsim/quirks", `{}`, &bad))

	// Answers omit what is off, so each is decoded into a fresh value.
	var cleared Quirks
	require.Equal(t, 200, adminDo(t, base, "DELETE", "/_cloudsim/quirks", "", &cleared))
	assert.Equal(t, Quirks{}, cleared)
	require.Equal(t, 200, adminDo(t, base, "PUT", "/_cloudsim/quirks", `{"totalCountPerPage":true}`, nil))
	require.Equal(t, 200, adminDo(t, base, "POST", "/_cloudsim/reset", "", nil))
	var afterReset Quirks
	require.Equal(t, 200, adminDo(t, base, "GET", "/_cloudsim/quirks", "", &afterReset))
	assert.Equal(t, Quirks{}, afterReset, "reset clears quirks")
}

func TestAdminClockAdvanceNeedsManualClock(t *testing.T) {
	srv, err := New(Options{Clock: RealClock{}})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	var bad adminError
	assert.Equal(t, 409, adminDo(t, hs.URL, "POST", "/_cloudsim/clock/advance", `{"by":"1s"}`, &bad))
	assert.Contains(t, bad.Error, "ManualClock")
}

func TestResetRestoresFixture(t *testing.T) {
	e := newTestEnv(t, nil)
	c := e.defaultVPC()
	require.NoError(t, connectRI(c, DefaultInitiatingInterfaceID))
	_, err := c.PublishVpcRouteEntries(publishReq(DefaultECRID, false, sysRoute(DefaultRouteCIDR1)))
	require.NoError(t, err)
	require.NoError(t, e.srv.SetFaults(Faults{Stuck: []string{DefaultInitiatingInterfaceID}}))
	e.srv.Reset()
	assert.Equal(t, RouterInterfaceIdle, describeRI(t, c, DefaultInitiatingInterfaceID).Status)
	assert.Equal(t, PublishStatusNonPublished, publishStatuses(t, c)[DefaultRouteCIDR1])
	assert.Empty(t, e.srv.Faults().Stuck)
	require.NoError(t, connectRI(c, DefaultInitiatingInterfaceID))
	assert.Equal(t, 1, e.srv.CallCount("ConnectRouterInterface"))
	_, err = c.DescribeRouterInterfaces(vpc.CreateDescribeRouterInterfacesRequest())
	require.NoError(t, err)
}
