package cloudsim

import (
	"fmt"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func describeVco(c *vpc.Client, id, routeType string, page, size int) (*vpc.DescribeVcoRouteEntriesResponse, error) {
	req := vpc.CreateDescribeVcoRouteEntriesRequest()
	req.VpnConnectionId = id
	req.RouteEntryType = routeType
	if page != 0 {
		req.PageNumber = requests.NewInteger(page)
	}
	if size >= 0 {
		req.PageSize = requests.NewInteger(size)
	}
	return c.DescribeVcoRouteEntries(req)
}

func TestDescribeVcoRouteEntriesCustom(t *testing.T) {
	e := newTestEnv(t, nil)
	resp, err := describeVco(e.defaultVPC(), DefaultVpnConnectionID, "", 0, -1)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.TotalCount)
	assert.Equal(t, 1, resp.PageNumber)
	assert.Equal(t, 10, resp.PageSize)
	require.Len(t, resp.VcoRouteEntries, 2)
	r := resp.VcoRouteEntries[0]
	assert.Equal(t, DefaultVpnConnectionID, r.VpnConnectionId)
	assert.Equal(t, DefaultVpnCustomRoute1, r.RouteDest)
	assert.Equal(t, DefaultVpnConnectionID, r.NextHop)
	assert.Equal(t, 100, r.Weight)
	assert.Equal(t, "published", r.State)
	assert.Equal(t, "custom", r.RouteEntryType)
	assert.Equal(t, e.clock.Now().Add(-24*time.Hour).UnixMilli(), r.CreateTime)
	assert.Equal(t, 0, resp.VcoRouteEntries[1].Weight)
	require.Len(t, resp.VpnRouteCounts, 1)
	assert.Equal(t, vpc.VpnRouteCount{RouteEntryType: "custom", RouteCount: 2, Source: ""}, resp.VpnRouteCounts[0])

	// The arrays are flat in the JSON.
	body := resp.GetHttpContentString()
	assert.Contains(t, body, `"VcoRouteEntries":[{"VpnConnectionId":`)
	assert.Contains(t, body, `"VpnRouteCounts":[{`)
}

func TestDescribeVcoRouteEntriesPagingAndErrors(t *testing.T) {
	f := DefaultFixture()
	vco := &f.Alibaba.VpnConnections[0]
	for i := 0; i < 23; i++ {
		vco.CustomRoutes = append(vco.CustomRoutes, VcoRouteFixture{Dest: fmt.Sprintf("172.17.%d.0/24", i)})
	}
	e := newTestEnv(t, f)
	c := e.defaultVPC()

	last, err := describeVco(c, DefaultVpnConnectionID, "custom", 3, 10)
	require.NoError(t, err)
	assert.Equal(t, 25, last.TotalCount)
	assert.Len(t, last.VcoRouteEntries, 5)
	assert.Equal(t, "172.17.22.0/24", last.VcoRouteEntries[4].RouteDest)

	full, err := describeVco(c, DefaultVpnConnectionID, "custom", 1, 50)
	require.NoError(t, err)
	assert.Len(t, full.VcoRouteEntries, 25)

	for _, size := range []int{0, 51} {
		_, err = describeVco(c, DefaultVpnConnectionID, "custom", 1, size)
		requireAliError(t, err, "InvalidParameter", 400)
	}
	_, err = describeVco(c, DefaultVpnConnectionID, "custom", -1, 10)
	requireAliError(t, err, "InvalidParameter", 400)
	se := func() error { _, err := describeVco(c, DefaultVpnConnectionID, "static", 0, -1); return err }()
	requireAliError(t, se, "IllegalParam.RouteEntryType", 400)
	_, err = describeVco(c, "vco-doesnotexist", "", 0, -1)
	requireAliError(t, err, "InvalidVpnConnectionInstanceId.NotFound", 404)
	_, err = describeVco(c, "", "", 0, -1)
	requireAliError(t, err, "MissingParameter", 400)
}

func TestDescribeVcoRouteEntriesStateAndOwnership(t *testing.T) {
	f := DefaultFixture()
	f.Alibaba.VpnConnections[0].State = "updating"
	f.Alibaba.VpnConnections = append(f.Alibaba.VpnConnections, VpnConnectionFixture{
		ID: "vco-otheraccount01", RegionID: DefaultRegionID, OwnerUID: DefaultPeerAccountUID,
	})
	f.Alibaba.AccessKeys = append(f.Alibaba.AccessKeys, AccessKeyFixture{
		ID: "LTAI5tNoVco", Secret: "novco", AccountUID: DefaultAccountUID, RAMUser: true,
		DeniedActions: []string{"DescribeVcoRouteEntries"},
	})
	e := newTestEnv(t, f)
	c := e.defaultVPC()
	_, err := describeVco(c, DefaultVpnConnectionID, "", 0, -1)
	se := requireAliError(t, err, "Vco.StatusNotSupport", 400)
	assert.Equal(t, "The current VPN connection state does not support this operation.", se.Message())
	_, err = describeVco(c, "vco-otheraccount01", "", 0, -1)
	requireAliError(t, err, "Forbidden", 403)
	_, err = describeVco(e.vpcClient("LTAI5tNoVco", "novco"), DefaultVpnConnectionID, "", 0, -1)
	requireAliError(t, err, "Forbbiden.SubUser", 403)
}

func TestDescribeVpnCrossAccountAuthorizations(t *testing.T) {
	e := newTestEnv(t, nil)
	c := e.defaultVPC()
	req := vpc.CreateDescribeVpnCrossAccountAuthorizationsRequest()
	req.VpnConnectionId = DefaultVpnConnectionID
	resp, err := c.DescribeVpnCrossAccountAuthorizations(req)
	require.NoError(t, err)
	assert.Equal(t, 1, resp.TotalCount)
	assert.Equal(t, 1, resp.PageNumber)
	assert.Equal(t, 10, resp.PageSize)
	require.Len(t, resp.CrossAccountAuthorizations, 1)
	a := resp.CrossAccountAuthorizations[0]
	assert.Equal(t, vpc.CrossAccountAuthorization{
		VpnConnectionId: DefaultVpnConnectionID,
		BindUid:         1210123456123456,
		BindProduct:     "CEN",
		BindInstance:    DefaultCenID,
		AliUid:          1250123456123456,
		CreationTime:    e.clock.Now().Add(-48 * time.Hour).UnixMilli(),
	}, a)
	assert.Contains(t, resp.GetHttpContentString(), `"CrossAccountAuthorizations":[{`)

	req = vpc.CreateDescribeVpnCrossAccountAuthorizationsRequest()
	req.VpnConnectionId = DefaultVpnConnectionID
	req.PageNumber = requests.NewInteger(2)
	resp, err = c.DescribeVpnCrossAccountAuthorizations(req)
	require.NoError(t, err)
	assert.Equal(t, 1, resp.TotalCount)
	assert.Empty(t, resp.CrossAccountAuthorizations)

	req = vpc.CreateDescribeVpnCrossAccountAuthorizationsRequest()
	req.VpnConnectionId = DefaultVpnConnectionID
	req.PageSize = requests.NewInteger(51)
	_, err = c.DescribeVpnCrossAccountAuthorizations(req)
	requireAliError(t, err, "InvalidParameter", 400)

	req = vpc.CreateDescribeVpnCrossAccountAuthorizationsRequest()
	req.VpnConnectionId = "vco-nope"
	_, err = c.DescribeVpnCrossAccountAuthorizations(req)
	requireAliError(t, err, "InvalidVpnConnectionInstanceId.NotFound", 404)
}

func TestAddCrossAccountAuthorization(t *testing.T) {
	e := newTestEnv(t, nil)
	c := e.defaultVPC()
	e.clock.Advance(time.Hour)
	require.NoError(t, e.srv.AddCrossAccountAuthorization(DefaultVpnConnectionID, CrossAccountAuthorizationSeed{
		BindUID: "1310123456123456", BindInstance: "cen-added0001",
	}))
	resp, err := describeAuthorizations(c, "", 0)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.TotalCount)
	require.Len(t, resp.CrossAccountAuthorizations, 2)
	assert.Equal(t, DefaultCenID, resp.CrossAccountAuthorizations[0].BindInstance, "appended after the fixture's")
	assert.Equal(t, vpc.CrossAccountAuthorization{
		VpnConnectionId: DefaultVpnConnectionID, BindUid: 1310123456123456, BindProduct: "CEN",
		BindInstance: "cen-added0001", AliUid: 1250123456123456, CreationTime: e.clock.Now().UnixMilli(),
	}, resp.CrossAccountAuthorizations[1])

	for name, tc := range map[string]struct {
		id   string
		seed CrossAccountAuthorizationSeed
	}{
		"unknown connection": {id: "vco-nope", seed: CrossAccountAuthorizationSeed{BindUID: "1", BindInstance: "cen-x"}},
		"non-numeric uid":    {id: DefaultVpnConnectionID, seed: CrossAccountAuthorizationSeed{BindUID: "peer", BindInstance: "cen-x"}},
		"no instance":        {id: DefaultVpnConnectionID, seed: CrossAccountAuthorizationSeed{BindUID: "1"}},
	} {
		assert.Error(t, e.srv.AddCrossAccountAuthorization(tc.id, tc.seed), name)
	}

	e.srv.Reset()
	resp, err = describeAuthorizations(c, "", 0)
	require.NoError(t, err)
	assert.Equal(t, 1, resp.TotalCount, "Reset removes what was added")
	assert.Equal(t, e.clock.Now().Add(-48*time.Hour).UnixMilli(), resp.CrossAccountAuthorizations[0].CreationTime)
	// The server's fixture was not touched by the addition.
	require.NoError(t, e.srv.AddCrossAccountAuthorization(DefaultVpnConnectionID, CrossAccountAuthorizationSeed{BindUID: "2", BindInstance: "cen-b"}))
	e.srv.Reset()
	assert.Empty(t, e.srv.fixture.Alibaba.VpnConnections[0].Authorizations[1:])
}

func TestAddCrossAccountAuthorizationIsBounded(t *testing.T) {
	e := newTestEnv(t, nil)
	seed := CrossAccountAuthorizationSeed{BindUID: "1", BindInstance: "cen-x"}
	for range maxCrossAccountAuthorizations - 1 { // the fixture has one
		require.NoError(t, e.srv.AddCrossAccountAuthorization(DefaultVpnConnectionID, seed))
	}
	assert.Error(t, e.srv.AddCrossAccountAuthorization(DefaultVpnConnectionID, seed))
}
