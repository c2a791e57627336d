package cloudsim

import (
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func publishReq(target string, dryRun bool, entries ...routeRef) *vpc.PublishVpcRouteEntriesRequest {
	req := vpc.CreatePublishVpcRouteEntriesRequest()
	req.TargetType = PublishTargetECR
	req.TargetInstanceId = target
	if dryRun {
		req.DryRun = requests.NewBoolean(true)
	}
	list := []vpc.PublishVpcRouteEntriesRouteEntries{}
	for _, e := range entries {
		list = append(list, vpc.PublishVpcRouteEntriesRouteEntries{RouteTableId: e.tableID, DestinationCidrBlock: e.destination})
	}
	req.RouteEntries = &list
	return req
}

func withdrawReq(target string, entries ...routeRef) *vpc.WithdrawVpcPublishedRouteEntriesRequest {
	req := vpc.CreateWithdrawVpcPublishedRouteEntriesRequest()
	req.TargetType = PublishTargetECR
	req.TargetInstanceId = target
	list := []vpc.WithdrawVpcPublishedRouteEntriesRouteEntries{}
	for _, e := range entries {
		list = append(list, vpc.WithdrawVpcPublishedRouteEntriesRouteEntries{RouteTableId: e.tableID, DestinationCidrBlock: e.destination})
	}
	req.RouteEntries = &list
	return req
}

func sysRoute(dest string) routeRef {
	return routeRef{tableID: DefaultSystemRouteTableID, destination: dest}
}

// publishStatuses maps destination -> PublishStatus for DefaultECRID.
func publishStatuses(t *testing.T, c *vpc.Client) map[string]string {
	t.Helper()
	req := vpc.CreateListVpcPublishedRouteEntriesRequest()
	req.TargetType = PublishTargetECR
	req.TargetInstanceId = DefaultECRID
	req.RouteTableId = DefaultSystemRouteTableID
	req.MaxResults = requests.NewInteger(500)
	resp, err := c.ListVpcPublishedRouteEntries(req)
	require.NoError(t, err)
	out := map[string]string{}
	for _, e := range resp.RouteEntries {
		require.Len(t, e.RoutePublishTargets, 1)
		tg := e.RoutePublishTargets[0]
		assert.Equal(t, PublishTargetECR, tg.PublishTargetType)
		assert.Equal(t, DefaultECRID, tg.PublishTargetInstanceId)
		assert.Equal(t, DefaultSystemRouteTableID, e.RouteTableId)
		assert.NotEmpty(t, e.RouteEntryId)
		out[e.DestinationCidrBlock] = tg.PublishStatus
	}
	return out
}

func bgpRoutes(t *testing.T, c *vpc.Client) []vpc.VcoRouteEntrie {
	t.Helper()
	req := vpc.CreateDescribeVcoRouteEntriesRequest()
	req.VpnConnectionId = DefaultVpnConnectionID
	req.RouteEntryType = "bgp"
	req.PageSize = requests.NewInteger(50)
	resp, err := c.DescribeVcoRouteEntries(req)
	require.NoError(t, err)
	return resp.VcoRouteEntries
}

func TestPublishVpcRouteEntriesLifecycle(t *testing.T) {
	e := newTestEnv(t, nil)
	c := e.defaultVPC()

	st := publishStatuses(t, c)
	assert.Equal(t, map[string]string{
		DefaultRouteCIDR1: PublishStatusNonPublished, DefaultRouteCIDR2: PublishStatusNonPublished,
		DefaultRouteCIDR3: PublishStatusNonPublished, DefaultVpnNextHopRouteCIDR: PublishStatusNonPublished,
		DefaultPrefixListRouteDest: PublishStatusNonPublished, DefaultIPv6RouteCIDR: PublishStatusNonPublished,
	}, st, "custom routes of the system table only")
	assert.Len(t, bgpRoutes(t, c), 1, "only the route learned from the data center")

	// DryRun checks the parameters and changes nothing.
	_, err := c.PublishVpcRouteEntries(publishReq(DefaultECRID, true, sysRoute(DefaultRouteCIDR1), sysRoute(DefaultRouteCIDR2)))
	se := requireAliError(t, err, "DryRunOperation", 400)
	assert.Equal(t, "Request validation has been passed with DryRun flag set.", se.Message())
	assert.Equal(t, PublishStatusNonPublished, publishStatuses(t, c)[DefaultRouteCIDR1])

	resp, err := c.PublishVpcRouteEntries(publishReq(DefaultECRID, false, sysRoute(DefaultRouteCIDR1), sysRoute(DefaultRouteCIDR2)))
	require.NoError(t, err)
	assert.NotEmpty(t, resp.RequestId)
	st = publishStatuses(t, c)
	assert.Equal(t, PublishStatusPublishing, st[DefaultRouteCIDR1])
	assert.Equal(t, PublishStatusPublishing, st[DefaultRouteCIDR2])
	assert.Equal(t, PublishStatusNonPublished, st[DefaultRouteCIDR3])
	assert.Len(t, bgpRoutes(t, c), 1, "not learned while Publishing")

	// Publishing again while Publishing is refused.
	_, err = c.PublishVpcRouteEntries(publishReq(DefaultECRID, false, sysRoute(DefaultRouteCIDR1)))
	requireAliError(t, err, "IncorrectStatus.RouteEntryPublishStatus", 400)

	e.clock.Advance(DefaultDelays.RoutePublish.Std())
	publishedAt := e.clock.Now()
	st = publishStatuses(t, c)
	assert.Equal(t, PublishStatusPublished, st[DefaultRouteCIDR1])
	assert.Equal(t, PublishStatusPublished, st[DefaultRouteCIDR2])

	learned := bgpRoutes(t, c)
	require.Len(t, learned, 3)
	assert.Equal(t, DefaultVpnLearnedRoute, learned[0].RouteDest)
	assert.Equal(t, "VPN_BGP", learned[0].Source)
	for _, r := range learned[1:] {
		assert.Equal(t, DefaultVpnConnectionID, r.VpnConnectionId)
		assert.Equal(t, "bgp", r.RouteEntryType)
		assert.Equal(t, "Active", r.State)
		assert.Equal(t, "CLOUD", r.Source)
		assert.Equal(t, DefaultTransitRouterID, r.NextHop)
		assert.Equal(t, "[45104]", r.AsPath)
		assert.Equal(t, publishedAt.UnixMilli(), r.CreateTime)
	}
	assert.ElementsMatch(t, []string{DefaultRouteCIDR1, DefaultRouteCIDR2}, []string{learned[1].RouteDest, learned[2].RouteDest})

	// Publishing what is already Published succeeds without change.
	_, err = c.PublishVpcRouteEntries(publishReq(DefaultECRID, false, sysRoute(DefaultRouteCIDR1)))
	require.NoError(t, err)
	assert.Equal(t, PublishStatusPublished, publishStatuses(t, c)[DefaultRouteCIDR1])
	assert.Equal(t, publishedAt.UnixMilli(), bgpRoutes(t, c)[1].CreateTime)

	// Withdraw.
	_, err = c.WithdrawVpcPublishedRouteEntries(withdrawReq(DefaultECRID, sysRoute(DefaultRouteCIDR1)))
	require.NoError(t, err)
	assert.Equal(t, PublishStatusWithdrawing, publishStatuses(t, c)[DefaultRouteCIDR1])
	assert.Len(t, bgpRoutes(t, c), 2, "a withdrawing route is no longer learned")
	_, err = c.WithdrawVpcPublishedRouteEntries(withdrawReq(DefaultECRID, sysRoute(DefaultRouteCIDR1)))
	requireAliError(t, err, "IncorrectStatus.RouteEntryPublishStatus", 400)
	e.clock.Advance(DefaultDelays.RouteWithdraw.Std())
	assert.Equal(t, PublishStatusNonPublished, publishStatuses(t, c)[DefaultRouteCIDR1])
	// Withdrawing what is not published succeeds without change.
	_, err = c.WithdrawVpcPublishedRouteEntries(withdrawReq(DefaultECRID, sysRoute(DefaultRouteCIDR1), sysRoute(DefaultRouteCIDR3)))
	require.NoError(t, err)
	assert.Equal(t, PublishStatusNonPublished, publishStatuses(t, c)[DefaultRouteCIDR3])

	calls := e.srv.Calls("PublishVpcRouteEntries")
	require.Len(t, calls, 4)
	assert.Equal(t, "true", calls[0].Params["DryRun"])
	assert.Equal(t, DefaultRouteCIDR2, calls[0].Params["RouteEntries.2.DestinationCidrBlock"])
	assert.Equal(t, "DryRunOperation", calls[0].Code)
	assert.Empty(t, calls[1].Code)
}

func TestPublishVpcRouteEntriesErrorCodes(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(f *Fixture)
		req    *vpc.PublishVpcRouteEntriesRequest
		code   string
	}{
		{name: "unsupported target type", code: "OperationDenied.UnsupportedTargetType",
			req: func() *vpc.PublishVpcRouteEntriesRequest {
				r := publishReq(DefaultECRID, false, sysRoute(DefaultRouteCIDR1))
				r.TargetType = "TR"
				return r
			}()},
		{name: "unknown target", code: "ResourceNotAssociated.TargetInstance", req: publishReq("ecr-unknown", false, sysRoute(DefaultRouteCIDR1))},
		{name: "target not associated", code: "ResourceNotAssociated.TargetInstance",
			mutate: func(f *Fixture) { f.Alibaba.ECRs[0].AssociatedVPCs = nil },
			req:    publishReq(DefaultECRID, false, sysRoute(DefaultRouteCIDR1))},
		{name: "unknown route table", code: "ResourceNotFound.RouteEntry",
			req: publishReq(DefaultECRID, false, routeRef{tableID: "vtb-unknown", destination: DefaultRouteCIDR1})},
		{name: "unknown destination", code: "ResourceNotFound.RouteEntry", req: publishReq(DefaultECRID, false, sysRoute("10.99.0.0/16"))},
		{name: "vpc not available", code: "IncorrectStatus.Vpc",
			mutate: func(f *Fixture) { f.Alibaba.VPCs[0].Status = "Pending" },
			req:    publishReq(DefaultECRID, false, sysRoute(DefaultRouteCIDR1))},
		{name: "route table not available", code: "IncorrectStatus.RouteTable",
			mutate: func(f *Fixture) { f.Alibaba.VPCs[0].RouteTables[0].Status = "Creating" },
			req:    publishReq(DefaultECRID, false, sysRoute(DefaultRouteCIDR1))},
		{name: "custom route table", code: "Forbidden.OperateCustomRouteTable",
			req: publishReq(DefaultECRID, false, routeRef{tableID: DefaultCustomRouteTableID, destination: DefaultCustomTableRouteCIDR})},
		{name: "prefix list route", code: "OperationUnsupported.PublishPrefixListRouteEntry",
			req: publishReq(DefaultECRID, false, sysRoute(DefaultPrefixListRouteDest))},
		{name: "system route", code: "OperationUnsupported.PublishSystemRouteEntry",
			req: publishReq(DefaultECRID, false, sysRoute(DefaultSystemRouteCIDR))},
		{name: "unsupported next hop", code: "OperationUnsupported.UnsupportedNextHop",
			req: publishReq(DefaultECRID, false, sysRoute(DefaultVpnNextHopRouteCIDR))},
		{name: "route not available", code: "IncorrectStatus.RouteEntry",
			mutate: func(f *Fixture) { f.Alibaba.VPCs[0].RouteTables[0].Entries[0].Status = "Pending" },
			req:    publishReq(DefaultECRID, false, sysRoute(DefaultRouteCIDR1))},
		{name: "a bad entry among good ones fails the whole call", code: "OperationUnsupported.PublishSystemRouteEntry",
			req: publishReq(DefaultECRID, false, sysRoute(DefaultRouteCIDR1), sysRoute(DefaultSystemRouteCIDR))},
		{name: "missing target", code: "MissingParameter",
			req: func() *vpc.PublishVpcRouteEntriesRequest {
				r := publishReq(DefaultECRID, false, sysRoute(DefaultRouteCIDR1))
				r.TargetInstanceId = ""
				return r
			}()},
		{name: "missing destination", code: "MissingParameter",
			req: publishReq(DefaultECRID, false, routeRef{tableID: DefaultSystemRouteTableID})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := DefaultFixture()
			if tc.mutate != nil {
				tc.mutate(f)
			}
			e := newTestEnv(t, f)
			_, err := e.defaultVPC().PublishVpcRouteEntries(tc.req)
			requireAliError(t, err, tc.code, 400)
			for _, re := range e.srv.State().RouteEntries {
				assert.Empty(t, re.Publish, "refused publish changed %s", re.Destination)
			}
		})
	}
}

func TestPublishVpcRouteEntriesLimits(t *testing.T) {
	e := newTestEnv(t, GenerateFixture(60))
	c := e.defaultVPC()
	var fifty, fiftyOne []routeRef
	for i := 0; i < 51; i++ {
		fiftyOne = append(fiftyOne, sysRoute(LoadRouteCIDR(i)))
	}
	fifty = fiftyOne[:50]
	_, err := c.PublishVpcRouteEntries(publishReq(DefaultECRID, false, fiftyOne...))
	se := requireAliError(t, err, "InvalidParameter", 400)
	assert.Contains(t, se.Message(), "50")
	_, err = c.PublishVpcRouteEntries(publishReq(DefaultECRID, false, fifty...))
	require.NoError(t, err)
	e.clock.Advance(DefaultDelays.RoutePublish.Std())
	assert.Len(t, bgpRoutes(t, c), 50, "49 generated + 1 learned from the data center on the first page")

	// The read-only RAM user may list but not publish.
	ro := e.vpcClient(DefaultReadOnlyAccessKeyID, DefaultReadOnlyAccessKeySecret)
	_, err = ro.PublishVpcRouteEntries(publishReq(DefaultECRID, false, sysRoute(DefaultRouteCIDR1)))
	requireAliError(t, err, "Forbbiden.SubUser", 403)
	_, err = ro.WithdrawVpcPublishedRouteEntries(withdrawReq(DefaultECRID, sysRoute(DefaultRouteCIDR1)))
	requireAliError(t, err, "Forbbiden.SubUser", 403)
}

func TestListVpcPublishedRouteEntriesPaging(t *testing.T) {
	e := newTestEnv(t, GenerateFixture(30)) // 6 + 30 custom routes in the system table
	c := e.defaultVPC()
	var seen []string
	token := ""
	pages := 0
	for {
		req := vpc.CreateListVpcPublishedRouteEntriesRequest()
		req.TargetType = PublishTargetECR
		req.RouteTableId = DefaultSystemRouteTableID
		req.MaxResults = requests.NewInteger(10)
		req.NextToken = token
		resp, err := c.ListVpcPublishedRouteEntries(req)
		require.NoError(t, err)
		pages++
		for _, r := range resp.RouteEntries {
			seen = append(seen, r.DestinationCidrBlock)
		}
		if resp.NextToken == "" {
			assert.Len(t, resp.RouteEntries, 6, "last partial page")
			break
		}
		token = resp.NextToken
	}
	assert.Equal(t, 4, pages)
	assert.Len(t, seen, 36)
	assert.Equal(t, DefaultRouteCIDR1, seen[0])
	assert.Equal(t, LoadRouteCIDR(29), seen[35])

	filtered := vpc.CreateListVpcPublishedRouteEntriesRequest()
	filtered.TargetType = PublishTargetECR
	filtered.RouteTableId = DefaultSystemRouteTableID
	filtered.DestinationCidrBlock = DefaultRouteCIDR3
	resp, err := c.ListVpcPublishedRouteEntries(filtered)
	require.NoError(t, err)
	require.Len(t, resp.RouteEntries, 1)
	assert.Equal(t, "rte-bp1cloudsim00000003", resp.RouteEntries[0].RouteEntryId)

	other := vpc.CreateListVpcPublishedRouteEntriesRequest()
	other.TargetType = PublishTargetECR
	other.RouteTableId = DefaultSystemRouteTableID
	other.TargetInstanceId = "ecr-not-associated"
	resp, err = c.ListVpcPublishedRouteEntries(other)
	require.NoError(t, err)
	assert.Empty(t, resp.RouteEntries)

	for name, mutate := range map[string]func(r *vpc.ListVpcPublishedRouteEntriesRequest){
		"MaxResults 0":   func(r *vpc.ListVpcPublishedRouteEntriesRequest) { r.MaxResults = requests.NewInteger(0) },
		"MaxResults 501": func(r *vpc.ListVpcPublishedRouteEntriesRequest) { r.MaxResults = requests.NewInteger(501) },
		"bad NextToken":  func(r *vpc.ListVpcPublishedRouteEntriesRequest) { r.NextToken = "garbage" },
	} {
		t.Run(name, func(t *testing.T) {
			req := vpc.CreateListVpcPublishedRouteEntriesRequest()
			req.TargetType = PublishTargetECR
			req.RouteTableId = DefaultSystemRouteTableID
			mutate(req)
			_, err := c.ListVpcPublishedRouteEntries(req)
			requireAliError(t, err, "InvalidParameter", 400)
		})
	}
	req := vpc.CreateListVpcPublishedRouteEntriesRequest()
	_, err = c.ListVpcPublishedRouteEntries(req)
	requireAliError(t, err, "MissingParameter", 400)
	req = vpc.CreateListVpcPublishedRouteEntriesRequest()
	req.TargetType = "VBR"
	_, err = c.ListVpcPublishedRouteEntries(req)
	requireAliError(t, err, "OperationDenied.UnsupportedTargetType", 400)
}

func TestStuckPublication(t *testing.T) {
	e := newTestEnv(t, nil)
	c := e.defaultVPC()
	require.NoError(t, e.srv.SetFaults(Faults{Stuck: []string{"rte-bp1cloudsim00000001"}}))
	_, err := c.PublishVpcRouteEntries(publishReq(DefaultECRID, false, sysRoute(DefaultRouteCIDR1), sysRoute(DefaultRouteCIDR2)))
	require.NoError(t, err)
	e.clock.Advance(10 * DefaultDelays.RoutePublish.Std())
	st := publishStatuses(t, c)
	assert.Equal(t, PublishStatusPublishing, st[DefaultRouteCIDR1], "stuck")
	assert.Equal(t, PublishStatusPublished, st[DefaultRouteCIDR2])
	require.NoError(t, e.srv.SetFaults(Faults{}))
	assert.Equal(t, PublishStatusPublished, publishStatuses(t, c)[DefaultRouteCIDR1], "an overdue transition completes once released")
}

// A DryRun checks what the PublishVpcRouteEntries document promises (the
// AccessKey, the RAM authorization, the required parameters) and nothing
// of the state.
func TestPublicationDryRunChecksParametersOnly(t *testing.T) {
	e := newTestEnv(t, nil)
	c := e.defaultVPC()
	_, err := c.PublishVpcRouteEntries(publishReq(DefaultECRID, true, sysRoute(DefaultSystemRouteCIDR)))
	requireAliError(t, err, "DryRunOperation", 400)
	_, err = c.PublishVpcRouteEntries(publishReq(DefaultECRID, false, sysRoute(DefaultSystemRouteCIDR)))
	requireAliError(t, err, "OperationUnsupported.PublishSystemRouteEntry", 400)

	for name, req := range map[string]*vpc.PublishVpcRouteEntriesRequest{
		"unknown target":       publishReq("ecr-unknown", true, sysRoute(DefaultRouteCIDR1)),
		"unknown route table":  publishReq(DefaultECRID, true, routeRef{tableID: "vtb-unknown", destination: DefaultRouteCIDR1}),
		"custom route table":   publishReq(DefaultECRID, true, routeRef{tableID: DefaultCustomRouteTableID, destination: DefaultCustomTableRouteCIDR}),
		"unsupported next hop": publishReq(DefaultECRID, true, sysRoute(DefaultVpnNextHopRouteCIDR)),
		"unsupported target type": func() *vpc.PublishVpcRouteEntriesRequest {
			r := publishReq(DefaultECRID, true, sysRoute(DefaultRouteCIDR1))
			r.TargetType = "TR"
			return r
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.PublishVpcRouteEntries(req)
			requireAliError(t, err, "DryRunOperation", 400)
		})
	}
	// The parameter checks still answer first.
	_, err = c.PublishVpcRouteEntries(publishReq(DefaultECRID, true, routeRef{tableID: DefaultSystemRouteTableID}))
	requireAliError(t, err, "MissingParameter", 400)
	noTarget := publishReq(DefaultECRID, true, sysRoute(DefaultRouteCIDR1))
	noTarget.TargetInstanceId = ""
	_, err = c.PublishVpcRouteEntries(noTarget)
	requireAliError(t, err, "MissingParameter", 400)
	// So do the AccessKey and the RAM authorization.
	ro := e.vpcClient(DefaultReadOnlyAccessKeyID, DefaultReadOnlyAccessKeySecret)
	_, err = ro.PublishVpcRouteEntries(publishReq(DefaultECRID, true, sysRoute(DefaultRouteCIDR1)))
	requireAliError(t, err, "Forbbiden.SubUser", 403)

	// Withdraw alike: a DryRun of a route never published passes.
	withdraw := withdrawReq(DefaultECRID, sysRoute(DefaultSystemRouteCIDR))
	withdraw.DryRun = requests.NewBoolean(true)
	_, err = c.WithdrawVpcPublishedRouteEntries(withdraw)
	requireAliError(t, err, "DryRunOperation", 400)
	_, err = c.WithdrawVpcPublishedRouteEntries(withdrawReq(DefaultECRID, sysRoute(DefaultSystemRouteCIDR)))
	requireAliError(t, err, "OperationUnsupported.PublishSystemRouteEntry", 400)

	for _, re := range e.srv.State().RouteEntries {
		assert.Empty(t, re.Publish, "a DryRun changed %s", re.Destination)
	}
}
