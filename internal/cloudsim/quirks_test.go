package cloudsim

import (
	"errors"
	"io"
	"net/url"
	"testing"
	"time"

	alierrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func describeRIPage(t *testing.T, c *vpc.Client, page, size int) *vpc.DescribeRouterInterfacesResponse {
	t.Helper()
	req := vpc.CreateDescribeRouterInterfacesRequest()
	req.PageNumber = requests.NewInteger(page)
	req.PageSize = requests.NewInteger(size)
	resp, err := c.DescribeRouterInterfaces(req)
	require.NoError(t, err)
	return resp
}

func TestQuirksAreOffByDefault(t *testing.T) {
	e := newTestEnv(t, nil)
	assert.Equal(t, Quirks{}, e.srv.Quirks())
	resp := describeRIPage(t, e.defaultVPC(), 1, 2)
	assert.Equal(t, 3, resp.TotalCount, "TotalCount counts every match")
}

func TestQuirkTotalCountPerPage(t *testing.T) {
	e := newTestEnv(t, nil)
	require.NoError(t, e.srv.SetQuirks(Quirks{TotalCountPerPage: true}))
	c := e.defaultVPC()

	assert.Equal(t, 2, describeRIPage(t, c, 1, 2).TotalCount)
	assert.Equal(t, 1, describeRIPage(t, c, 2, 2).TotalCount)
	assert.Equal(t, 0, describeRIPage(t, c, 3, 2).TotalCount)

	vco, err := describeVco(c, DefaultVpnConnectionID, "custom", 1, 1)
	require.NoError(t, err)
	assert.Equal(t, 1, vco.TotalCount)
	assert.Len(t, vco.VcoRouteEntries, 1)

	auth := vpc.CreateDescribeVpnCrossAccountAuthorizationsRequest()
	auth.VpnConnectionId = DefaultVpnConnectionID
	auth.PageNumber = requests.NewInteger(2)
	auths, err := c.DescribeVpnCrossAccountAuthorizations(auth)
	require.NoError(t, err)
	assert.Equal(t, 0, auths.TotalCount)

	conns, err := listConns(e, &model.ListEndpointConnectionsRequest{Limit: ptr(int32(3))})
	require.NoError(t, err)
	assert.Equal(t, int64(3), conns.Total, "4 match, 3 answered")
	assert.Equal(t, int32(3), conns.Size)
}

func TestQuirkIdleReadsAfterConnect(t *testing.T) {
	e := newTestEnv(t, nil)
	require.NoError(t, e.srv.SetQuirks(Quirks{IdleReadsAfterConnect: 2}))
	c := e.defaultVPC()
	require.NoError(t, connectRI(c, DefaultInitiatingInterfaceID))

	// A read that does not include the interface does not count.
	assert.Equal(t, RouterInterfaceAcceptingConnecting, describeRI(t, c, DefaultAcceptingInterfaceID).Status, "only the connected interface lags")
	// Writes and State() see the real status.
	requireAliError(t, connectRI(c, DefaultInitiatingInterfaceID), "IncorrectRIStatus", 400)
	assert.Equal(t, RouterInterfaceConnecting, e.srv.State().RouterInterfaces[0].Status)

	e.clock.Advance(DefaultDelays.RouterInterfaceConnect.Std())
	assert.Equal(t, RouterInterfaceIdle, describeRI(t, c, DefaultInitiatingInterfaceID).Status, "first lagged read, though Active")
	all := describeRIPage(t, c, 1, 10)
	assert.Equal(t, RouterInterfaceIdle, all.RouterInterfaceSet.RouterInterfaceType[0].Status, "second lagged read")
	assert.Equal(t, RouterInterfaceActive, describeRI(t, c, DefaultInitiatingInterfaceID).Status, "caught up")
}

func TestReadLagRestartsOnANewWrite(t *testing.T) {
	qs := newQuirkState(Quirks{IdleReadsAfterConnect: 2})
	qs.connected("ri-x", RouterInterfaceIdle)
	assert.Equal(t, RouterInterfaceIdle, qs.interfaceStatusRead("ri-x", RouterInterfaceActive))
	qs.connected("ri-x", RouterInterfaceIdle)
	assert.Equal(t, RouterInterfaceIdle, qs.interfaceStatusRead("ri-x", RouterInterfaceActive))
	assert.Equal(t, RouterInterfaceIdle, qs.interfaceStatusRead("ri-x", RouterInterfaceActive))
	assert.Equal(t, RouterInterfaceActive, qs.interfaceStatusRead("ri-x", RouterInterfaceActive))
	assert.Empty(t, qs.lag.interfaces, "nothing is kept once caught up")
}

func TestQuirkPublishingReadsAfterPublish(t *testing.T) {
	e := newTestEnv(t, nil)
	require.NoError(t, e.srv.SetQuirks(Quirks{PublishingReadsAfterPublish: 1}))
	c := e.defaultVPC()
	_, err := c.PublishVpcRouteEntries(publishReq(DefaultECRID, true, sysRoute(DefaultRouteCIDR3)))
	requireAliError(t, err, "DryRunOperation", 400)
	_, err = c.PublishVpcRouteEntries(publishReq(DefaultECRID, false, sysRoute(DefaultRouteCIDR1)))
	require.NoError(t, err)
	e.clock.Advance(DefaultDelays.RoutePublish.Std())

	// A listing without the entry does not count.
	other := vpc.CreateListVpcPublishedRouteEntriesRequest()
	other.TargetType = PublishTargetECR
	other.RouteTableId = DefaultSystemRouteTableID
	other.DestinationCidrBlock = DefaultRouteCIDR2
	_, err = c.ListVpcPublishedRouteEntries(other)
	require.NoError(t, err)

	st := publishStatuses(t, c)
	assert.Equal(t, PublishStatusPublishing, st[DefaultRouteCIDR1], "lagged read, though Published")
	assert.Equal(t, PublishStatusNonPublished, st[DefaultRouteCIDR3], "a DryRun starts no lag")
	assert.Equal(t, PublishStatusPublished, publishStatuses(t, c)[DefaultRouteCIDR1], "caught up")
	assert.Equal(t, PublishStatusPublished, e.srv.State().RouteEntries[0].Publish[DefaultECRID])
}

func TestQuirkOnlyOneConnectionFirst(t *testing.T) {
	e := newTestEnv(t, nil)
	require.NoError(t, e.srv.SetQuirks(Quirks{OnlyOneConnectionFirst: true}))
	c := e.defaultVPC()
	require.NoError(t, connectRI(c, DefaultInitiatingInterfaceID))
	peer := e.srv.State().RouterInterfaces[1]
	require.Equal(t, DefaultAcceptingInterfaceID, peer.ID)
	require.Equal(t, RouterInterfaceAcceptingConnecting, peer.Status)

	se := requireAliError(t, connectRI(c, DefaultInitiatingInterfaceID), "Forbidden.OnlyOneConnection", 400)
	assert.Equal(t, "Cannot connect concurrently between same routers", se.Message())
	// The role check still comes first.
	requireAliError(t, connectRI(c, DefaultSecondAcceptingInterfaceID), "IncorrectRole.NotInitiatingSide", 400)

	e.clock.Advance(DefaultDelays.RouterInterfaceConnect.Std())
	se = requireAliError(t, connectRI(c, DefaultInitiatingInterfaceID), "Forbidden.OnlyOneConnection", 400)
	assert.Equal(t, "The Specified routers have a connection already", se.Message())
}

func TestQuirkLostResponses(t *testing.T) {
	e := newTestEnv(t, nil)
	require.NoError(t, e.srv.SetQuirks(Quirks{LostResponses: map[string]int{
		"ConnectRouterInterface": 1, "ListEndpointConnections": 1,
	}}))
	c := e.defaultVPC()

	// An error answer is answered and uses up nothing.
	requireAliError(t, connectRI(c, DefaultSecondAcceptingInterfaceID), "IncorrectRole.NotInitiatingSide", 400)
	assert.Equal(t, map[string]int{"ConnectRouterInterface": 1, "ListEndpointConnections": 1}, e.srv.Quirks().LostResponses)

	err := connectRI(c, DefaultInitiatingInterfaceID)
	var urlErr *url.Error
	require.True(t, errors.As(err, &urlErr), "want a transport error, got %T: %v", err, err)
	assert.True(t, errors.Is(err, io.EOF), "%v", err)
	assert.Equal(t, RouterInterfaceConnecting, e.srv.State().RouterInterfaces[0].Status, "the lost call took effect")

	calls := e.srv.Calls("ConnectRouterInterface")
	require.Len(t, calls, 2)
	assert.False(t, calls[0].Lost)
	assert.True(t, calls[1].Lost)
	assert.Equal(t, 200, calls[1].Status)
	assert.Empty(t, calls[1].Code)
	assert.False(t, calls[1].Injected)

	// The retry a client makes is answered, by the state the lost call left.
	requireAliError(t, connectRI(c, DefaultInitiatingInterfaceID), "IncorrectRIStatus", 400)

	// APIG, with a fresh client (a fresh connection: Go's transport
	// silently retries a GET only on a reused one).
	_, err = listConns(e, &model.ListEndpointConnectionsRequest{})
	require.True(t, errors.As(err, &urlErr), "want a transport error, got %T: %v", err, err)
	huawei := e.srv.Calls("ListEndpointConnections")
	require.Len(t, huawei, 1)
	assert.True(t, huawei[0].Lost)
	assert.Equal(t, 200, huawei[0].Status)
	_, err = listConns(e, &model.ListEndpointConnectionsRequest{})
	require.NoError(t, err)
	assert.Empty(t, e.srv.Quirks().LostResponses)
}

func TestQuirkBadGateway(t *testing.T) {
	e := newTestEnv(t, nil)
	require.NoError(t, e.srv.SetQuirks(Quirks{BadGateway: map[string]int{
		"ConnectRouterInterface": 1, "ListEndpointConnections": 1,
	}}))
	c := e.defaultVPC()

	err := connectRI(c, DefaultInitiatingInterfaceID)
	var se *alierrors.ServerError
	require.True(t, errors.As(err, &se), "want ServerError, got %T: %v", err, err)
	assert.Equal(t, 502, se.HttpStatus())
	assert.Empty(t, se.ErrorCode())
	assert.Equal(t, tengineBadGatewayPage, se.Message())
	assert.Equal(t, []string{"text/html"}, se.RespHeaders["Content-Type"])
	assert.Equal(t, RouterInterfaceIdle, e.srv.State().RouterInterfaces[0].Status, "the backend never saw the call")

	calls := e.srv.Calls("ConnectRouterInterface")
	require.Len(t, calls, 1)
	assert.Equal(t, Call{Seq: 1, Time: calls[0].Time, Cloud: "alibaba", Action: "ConnectRouterInterface",
		Params: map[string]string{}, Status: 502, Injected: true}, calls[0])
	require.NoError(t, connectRI(c, DefaultInitiatingInterfaceID), "the count is used up")

	// Even a call that would not authenticate meets the load balancer.
	require.NoError(t, e.srv.SetQuirks(Quirks{BadGateway: map[string]int{"DescribeRouterInterfaces": 1}}))
	_, err = e.vpcClient(DefaultAccessKeyID, "wrong-secret").DescribeRouterInterfaces(vpc.CreateDescribeRouterInterfacesRequest())
	require.True(t, errors.As(err, &se))
	assert.Equal(t, 502, se.HttpStatus())

	require.NoError(t, e.srv.SetQuirks(Quirks{BadGateway: map[string]int{"ListEndpointConnections": 1}}))
	_, err = listConns(e, &model.ListEndpointConnectionsRequest{})
	var hse *sdkerr.ServiceResponseError
	require.True(t, errors.As(err, &hse), "want ServiceResponseError, got %T: %v", err, err)
	assert.Equal(t, 502, hse.StatusCode)
	assert.Empty(t, hse.ErrorCode)
	assert.Equal(t, tengineBadGatewayPage, hse.ErrorMessage)
	_, err = listConns(e, &model.ListEndpointConnectionsRequest{})
	require.NoError(t, err)
}

func TestQuirkRetryAfter(t *testing.T) {
	e := newTestEnv(t, nil)
	require.NoError(t, e.srv.SetQuirks(Quirks{RetryAfter: D(1500 * time.Millisecond)}))
	require.NoError(t, e.srv.SetFaults(Faults{
		Actions: map[string]ActionFaults{"DescribeRouterInterfaces": {ThrottleRate: 1}},
		Scripted: []ScriptedFault{
			{Action: "ConnectRouterInterface", Count: 1, Code: "Throttling.Api", Status: 400},
			{Action: "ConnectRouterInterface", Count: 1, Code: "OperationConflict", Status: 400},
		},
	}))
	c := e.defaultVPC()
	_, err := c.DescribeRouterInterfaces(vpc.CreateDescribeRouterInterfacesRequest())
	se := requireAliError(t, err, "Throttling.User", 400)
	assert.Equal(t, []string{"1500"}, se.RespHeaders["X-Acs-Retry-After"])
	se = requireAliError(t, connectRI(c, DefaultInitiatingInterfaceID), "Throttling.Api", 400)
	assert.Equal(t, []string{"1500"}, se.RespHeaders["X-Acs-Retry-After"])
	se = requireAliError(t, connectRI(c, DefaultInitiatingInterfaceID), "OperationConflict", 400)
	assert.NotContains(t, se.RespHeaders, "X-Acs-Retry-After", "only Throttling answers carry it")

	require.NoError(t, e.srv.SetQuirks(Quirks{}))
	_, err = c.DescribeRouterInterfaces(vpc.CreateDescribeRouterInterfacesRequest())
	se = requireAliError(t, err, "Throttling.User", 400)
	assert.NotContains(t, se.RespHeaders, "X-Acs-Retry-After", "off by default")
}

func TestQuirksValidation(t *testing.T) {
	e := newTestEnv(t, nil)
	for name, q := range map[string]Quirks{
		"negative idle reads":       {IdleReadsAfterConnect: -1},
		"negative publishing reads": {PublishingReadsAfterPublish: -1},
		"negative lost count":       {LostResponses: map[string]int{"X": -1}},
		"empty lost action":         {LostResponses: map[string]int{"": 1}},
		"empty bad gateway action":  {BadGateway: map[string]int{"": 1}},
		"negative bad gateway":      {BadGateway: map[string]int{"X": -2}},
		"retry after too long":      {RetryAfter: D(5*time.Minute + time.Second)},
	} {
		assert.Error(t, e.srv.SetQuirks(q), name)
	}
	many := map[string]int{}
	for i := range maxQuirkActions + 1 {
		many[string(rune('a'+i%26))+string(rune('A'+i/26))] = 1
	}
	assert.Error(t, e.srv.SetQuirks(Quirks{BadGateway: many}))
	assert.NoError(t, e.srv.SetQuirks(Quirks{RetryAfter: D(5 * time.Minute), LostResponses: map[string]int{"X": 0}}))
	assert.Nil(t, e.srv.Quirks().LostResponses, "zero counts are nothing to remember")

	// The caller's maps are copied, not used up.
	mine := map[string]int{"DescribeRouterInterfaces": 1}
	require.NoError(t, e.srv.SetQuirks(Quirks{BadGateway: mine}))
	_, _ = e.defaultVPC().DescribeRouterInterfaces(vpc.CreateDescribeRouterInterfacesRequest())
	assert.Equal(t, map[string]int{"DescribeRouterInterfaces": 1}, mine)
	assert.Nil(t, e.srv.Quirks().BadGateway)

	require.NoError(t, e.srv.SetQuirks(Quirks{TotalCountPerPage: true}))
	e.srv.Reset()
	assert.Equal(t, Quirks{}, e.srv.Quirks(), "Reset clears quirks")
}
