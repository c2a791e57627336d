package cloudsim

import (
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRandomFaultsThroughSDKs(t *testing.T) {
	e := newTestEnv(t, nil)
	require.NoError(t, e.srv.SetFaults(Faults{Actions: map[string]ActionFaults{
		"DescribeRouterInterfaces": {ThrottleRate: 1},
		"DescribeVcoRouteEntries":  {UnavailableRate: 1},
		"ListEndpointConnections":  {ThrottleRate: 1},
	}}))
	c := e.defaultVPC()
	_, err := c.DescribeRouterInterfaces(vpc.CreateDescribeRouterInterfacesRequest())
	se := requireAliError(t, err, "Throttling.User", 400)
	assert.Equal(t, "Request was denied due to user flow control.", se.Message())
	_, err = describeVco(c, DefaultVpnConnectionID, "", 0, -1)
	requireAliError(t, err, "ServiceUnavailable", 503)
	// Other actions are untouched.
	require.NoError(t, connectRI(c, DefaultInitiatingInterfaceID))

	_, err = listConns(e, &model.ListEndpointConnectionsRequest{})
	requireHuaweiError(t, err, "APIGW.0308", 429)

	calls := e.srv.Calls("DescribeRouterInterfaces")
	require.Len(t, calls, 1)
	assert.True(t, calls[0].Injected)
	assert.Equal(t, "Throttling.User", calls[0].Code)
	assert.Equal(t, 400, calls[0].Status)

	// "*" applies to actions without their own entry.
	require.NoError(t, e.srv.SetFaults(Faults{Actions: map[string]ActionFaults{"*": {UnavailableRate: 1}}}))
	_, err = listConns(e, &model.ListEndpointConnectionsRequest{})
	requireHuaweiError(t, err, "APIG.9999", 503)
}

func TestScriptedFaults(t *testing.T) {
	e := newTestEnv(t, nil)
	require.NoError(t, e.srv.SetFaults(Faults{Scripted: []ScriptedFault{
		{Action: "ConnectRouterInterface", Count: 2, Code: "OperationConflict", Status: 409, Message: "Request was denied due to conflict with a previous request."},
		{Action: "ListEndpointConnections", Count: 1, Code: "APIG.9999", Status: 500},
	}}))
	c := e.defaultVPC()
	for i := 0; i < 2; i++ {
		se := requireAliError(t, connectRI(c, DefaultInitiatingInterfaceID), "OperationConflict", 409)
		assert.Equal(t, "Request was denied due to conflict with a previous request.", se.Message())
	}
	assert.Equal(t, []ScriptedFault{{Action: "ListEndpointConnections", Count: 1, Code: "APIG.9999", Status: 500}}, e.srv.Faults().Scripted)
	require.NoError(t, connectRI(c, DefaultInitiatingInterfaceID), "the third call goes through")
	_, err := listConns(e, &model.ListEndpointConnectionsRequest{})
	requireHuaweiError(t, err, "APIG.9999", 500)
	_, err = listConns(e, &model.ListEndpointConnectionsRequest{})
	require.NoError(t, err)
	assert.Empty(t, e.srv.Faults().Scripted)
	assert.Equal(t, 3, e.srv.CallCount("ConnectRouterInterface"))
}

func TestLatencyFault(t *testing.T) {
	e := newTestEnv(t, nil)
	require.NoError(t, e.srv.SetFaults(Faults{Actions: map[string]ActionFaults{
		"DescribeRouterInterfaces": {LatencyMin: D(60 * time.Millisecond), LatencyMax: D(80 * time.Millisecond)},
	}}))
	start := time.Now()
	_, err := e.defaultVPC().DescribeRouterInterfaces(vpc.CreateDescribeRouterInterfacesRequest())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond)
}

func TestFaultsAreDeterministicPerSeed(t *testing.T) {
	sequence := func(seed int64) []faultKind {
		fi := newFaultInjector(seed)
		fi.actions = map[string]ActionFaults{"X": {ThrottleRate: 0.3, UnavailableRate: 0.3}}
		var out []faultKind
		for i := 0; i < 200; i++ {
			out = append(out, fi.decide("X").kind)
		}
		return out
	}
	a, b, c := sequence(42), sequence(42), sequence(43)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)
	counts := map[faultKind]int{}
	for _, k := range a {
		counts[k]++
	}
	// 30% throttled, then 30% of the rest unavailable (about 21%).
	assert.InDelta(t, 60, counts[faultThrottle], 25)
	assert.InDelta(t, 42, counts[faultUnavailable], 25)
}

func TestFallInactiveAndStuckConnect(t *testing.T) {
	e := newTestEnv(t, GenerateFixture(1))
	c := e.defaultVPC()
	loadIni, loadAcc := LoadRouterInterfaceIDs(0)
	require.NoError(t, e.srv.SetFaults(Faults{
		Stuck:        []string{loadIni},
		FallInactive: []FallInactiveFault{{RouterInterfaceID: DefaultInitiatingInterfaceID, After: D(30 * time.Second)}},
	}))
	require.NoError(t, connectRI(c, DefaultInitiatingInterfaceID))
	require.NoError(t, connectRI(c, loadIni))
	e.clock.Advance(DefaultDelays.RouterInterfaceConnect.Std())
	assert.Equal(t, RouterInterfaceActive, describeRI(t, c, DefaultInitiatingInterfaceID).Status)
	assert.Equal(t, RouterInterfaceConnecting, describeRI(t, c, loadIni).Status, "stuck")
	assert.Equal(t, RouterInterfaceAcceptingConnecting, describeRI(t, c, loadAcc).Status, "the peer of a stuck interface is stuck too")

	e.clock.Advance(29 * time.Second)
	assert.Equal(t, RouterInterfaceActive, describeRI(t, c, DefaultInitiatingInterfaceID).Status)
	e.clock.Advance(time.Second)
	assert.Equal(t, RouterInterfaceInactive, describeRI(t, c, DefaultInitiatingInterfaceID).Status)
	assert.Empty(t, e.srv.Faults().FallInactive, "one-shot")

	e.clock.Advance(time.Hour)
	assert.Equal(t, RouterInterfaceConnecting, describeRI(t, c, loadIni).Status)
	assert.Empty(t, e.srv.world.unsettledInterfaces, "held interfaces are set aside: a request does not look at them")
	assert.Len(t, e.srv.world.heldInterfaces, 2)

	// Faults set again that still hold it keep it held; left out, its
	// overdue connect completes on the next request.
	require.NoError(t, e.srv.SetFaults(Faults{Stuck: []string{loadIni}, FallInactive: []FallInactiveFault{{RouterInterfaceID: DefaultInitiatingInterfaceID}}}))
	assert.Equal(t, RouterInterfaceConnecting, describeRI(t, c, loadIni).Status, "still stuck")
	require.NoError(t, e.srv.SetFaults(Faults{}))
	assert.Equal(t, RouterInterfaceActive, describeRI(t, c, loadIni).Status)
}

func TestFaultValidation(t *testing.T) {
	s, err := New(Options{})
	require.NoError(t, err)
	for name, f := range map[string]Faults{
		"rate":      {Actions: map[string]ActionFaults{"X": {ThrottleRate: 1.5}}},
		"latency":   {Actions: map[string]ActionFaults{"X": {LatencyMin: D(time.Second), LatencyMax: D(time.Millisecond)}}},
		"huge":      {Actions: map[string]ActionFaults{"X": {LatencyMin: D(time.Hour)}}},
		"count":     {Scripted: []ScriptedFault{{Action: "X", Code: "Y", Status: 400}}},
		"status":    {Scripted: []ScriptedFault{{Action: "X", Code: "Y", Status: 200, Count: 1}}},
		"no code":   {Scripted: []ScriptedFault{{Action: "X", Status: 400, Count: 1}}},
		"no target": {FallInactive: []FallInactiveFault{{After: D(time.Second)}}},
	} {
		assert.Error(t, s.SetFaults(f), name)
	}
}
