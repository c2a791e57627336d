package cloudsim

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func riFixture(f *Fixture, id string) *RouterInterfaceFixture {
	for i := range f.Alibaba.RouterInterfaces {
		if f.Alibaba.RouterInterfaces[i].ID == id {
			return &f.Alibaba.RouterInterfaces[i]
		}
	}
	panic("test fixture has no router interface " + id)
}

func routerFixture(f *Fixture, id string) *RouterFixture {
	for i := range f.Alibaba.Routers {
		if f.Alibaba.Routers[i].ID == id {
			return &f.Alibaba.Routers[i]
		}
	}
	panic("test fixture has no router " + id)
}

func connectRI(c *vpc.Client, id string) error {
	req := vpc.CreateConnectRouterInterfaceRequest()
	req.RouterInterfaceId = id
	_, err := c.ConnectRouterInterface(req)
	return err
}

func describeRI(t *testing.T, c *vpc.Client, id string) vpc.RouterInterfaceType {
	t.Helper()
	req := vpc.CreateDescribeRouterInterfacesRequest()
	req.Filter = &[]vpc.DescribeRouterInterfacesFilter{{Key: "RouterInterfaceId", Value: &[]string{id}}}
	resp, err := c.DescribeRouterInterfaces(req)
	require.NoError(t, err)
	require.Len(t, resp.RouterInterfaceSet.RouterInterfaceType, 1)
	return resp.RouterInterfaceSet.RouterInterfaceType[0]
}

func TestConnectRouterInterfaceLifecycle(t *testing.T) {
	e := newTestEnv(t, nil)
	c := e.defaultVPC()

	before := describeRI(t, c, DefaultInitiatingInterfaceID)
	assert.Equal(t, RouterInterfaceIdle, before.Status)
	assert.Empty(t, before.ConnectedTime)

	req := vpc.CreateConnectRouterInterfaceRequest()
	req.RouterInterfaceId = DefaultInitiatingInterfaceID
	resp, err := c.ConnectRouterInterface(req)
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`, resp.RequestId)
	assert.Equal(t, http.StatusOK, resp.GetHttpStatus())

	assert.Equal(t, RouterInterfaceConnecting, describeRI(t, c, DefaultInitiatingInterfaceID).Status)
	acc := describeRI(t, c, DefaultAcceptingInterfaceID)
	assert.Equal(t, RouterInterfaceAcceptingConnecting, acc.Status)
	assert.Equal(t, RouterInterfaceConnecting, acc.OppositeInterfaceStatus)

	// A second connect while Connecting is refused by status.
	requireAliError(t, connectRI(c, DefaultInitiatingInterfaceID), "IncorrectRIStatus", 400)

	e.clock.Advance(DefaultDelays.RouterInterfaceConnect.Std() - time.Second)
	assert.Equal(t, RouterInterfaceConnecting, describeRI(t, c, DefaultInitiatingInterfaceID).Status)
	e.clock.Advance(time.Second)
	ini := describeRI(t, c, DefaultInitiatingInterfaceID)
	assert.Equal(t, RouterInterfaceActive, ini.Status)
	assert.Equal(t, RouterInterfaceActive, ini.OppositeInterfaceStatus)
	assert.Equal(t, e.clock.Now().UTC().Format(aliTimeFormat), ini.ConnectedTime)
	assert.Equal(t, RouterInterfaceActive, describeRI(t, c, DefaultAcceptingInterfaceID).Status)

	requireAliError(t, connectRI(c, DefaultInitiatingInterfaceID), "IncorrectRIStatus", 400)

	// Three connect calls, exactly one of which connected.
	assert.Equal(t, 3, e.srv.CallCount("ConnectRouterInterface"))
	ok := 0
	for _, call := range e.srv.Calls("ConnectRouterInterface") {
		assert.Equal(t, DefaultInitiatingInterfaceID, call.Params["RouterInterfaceId"])
		if call.OK() {
			ok++
		}
	}
	assert.Equal(t, 1, ok)
}

func TestDeactivateActivateRouterInterface(t *testing.T) {
	e := newTestEnv(t, nil)
	c := e.defaultVPC()
	deactivate := func(id string) error {
		req := vpc.CreateDeactivateRouterInterfaceRequest()
		req.RouterInterfaceId = id
		_, err := c.DeactivateRouterInterface(req)
		return err
	}
	activate := func(id string) error {
		req := vpc.CreateActivateRouterInterfaceRequest()
		req.RouterInterfaceId = id
		_, err := c.ActivateRouterInterface(req)
		return err
	}
	requireAliError(t, deactivate(DefaultInitiatingInterfaceID), "IncorrectRIStatus", 400)
	requireAliError(t, activate(DefaultInitiatingInterfaceID), "IncorrectRIStatus", 400)
	requireAliError(t, activate("ri-doesnotexist"), "InvalidRouterInterfaceId.NotFound", 404)
	requireAliError(t, deactivate("ri-doesnotexist"), "InvalidRouterInterfaceId.NotFound", 404)

	require.NoError(t, connectRI(c, DefaultInitiatingInterfaceID))
	e.clock.Advance(DefaultDelays.RouterInterfaceConnect.Std())

	require.NoError(t, deactivate(DefaultInitiatingInterfaceID))
	assert.Equal(t, RouterInterfaceDeactivating, describeRI(t, c, DefaultInitiatingInterfaceID).Status)
	e.clock.Advance(DefaultDelays.RouterInterfaceDeactivate.Std())
	assert.Equal(t, RouterInterfaceInactive, describeRI(t, c, DefaultInitiatingInterfaceID).Status)

	require.NoError(t, activate(DefaultInitiatingInterfaceID))
	assert.Equal(t, RouterInterfaceActivating, describeRI(t, c, DefaultInitiatingInterfaceID).Status)
	e.clock.Advance(DefaultDelays.RouterInterfaceActivate.Std())
	assert.Equal(t, RouterInterfaceActive, describeRI(t, c, DefaultInitiatingInterfaceID).Status)
}

func TestActivateRouterInterfaceErrorsFromState(t *testing.T) {
	t.Run("Forbidden.FinancialLocked", func(t *testing.T) {
		f := DefaultFixture()
		f.Alibaba.Accounts[0].FinancialLocked = true
		riFixture(f, DefaultInitiatingInterfaceID).Status = RouterInterfaceInactive
		e := newTestEnv(t, f)
		req := vpc.CreateActivateRouterInterfaceRequest()
		req.RouterInterfaceId = DefaultInitiatingInterfaceID
		_, err := e.defaultVPC().ActivateRouterInterface(req)
		requireAliError(t, err, "Forbidden.FinancialLocked", 400)
	})
	t.Run("OperationFailed.PconnTrafficNotEnable", func(t *testing.T) {
		f := DefaultFixture()
		routerFixture(f, DefaultRouterID).PconnTrafficDisabled = true
		riFixture(f, DefaultInitiatingInterfaceID).Status = RouterInterfaceInactive
		e := newTestEnv(t, f)
		req := vpc.CreateActivateRouterInterfaceRequest()
		req.RouterInterfaceId = DefaultInitiatingInterfaceID
		_, err := e.defaultVPC().ActivateRouterInterface(req)
		requireAliError(t, err, "OperationFailed.PconnTrafficNotEnable", 400)
	})
}

// TestConnectRouterInterfaceErrorCodes reaches every error code of the
// ConnectRouterInterface document through a state or an input.
func TestConnectRouterInterfaceErrorCodes(t *testing.T) {
	const otherBIDAccount = "1390000000000001"
	cases := []struct {
		name    string
		mutate  func(f *Fixture)
		id      string
		code    string
		status  int
		message string
	}{
		{name: "not found", id: "ri-doesnotexist", code: "InvalidRouterInterfaceId.NotFound", status: 404},
		{name: "other account's interface is invisible", id: DefaultInitiatingInterfaceID, code: "InvalidRouterInterfaceId.NotFound", status: 404,
			mutate: func(f *Fixture) { riFixture(f, DefaultInitiatingInterfaceID).OwnerUID = DefaultPeerAccountUID }},
		{name: "bills outstanding", code: "Forbidden.BillsOutstanding", status: 400,
			mutate: func(f *Fixture) { f.Alibaba.Accounts[0].BillsOutstanding = true }},
		{name: "router of another owner", code: "IllegalParam.InstanceOwner", status: 400,
			mutate: func(f *Fixture) { routerFixture(f, DefaultRouterID).OwnerUID = DefaultPeerAccountUID }},
		{name: "accepting side", id: DefaultSecondAcceptingInterfaceID, code: "IncorrectRole.NotInitiatingSide", status: 400},
		{name: "not idle", code: "IncorrectRIStatus", status: 400,
			mutate: func(f *Fixture) { riFixture(f, DefaultInitiatingInterfaceID).Status = RouterInterfaceInactive }},
		{name: "opposite not set", code: "IncorrectOppositeInterfaceInfo.NotSet", status: 400,
			mutate: func(f *Fixture) { riFixture(f, DefaultInitiatingInterfaceID).OppositeRouterType = "" }},
		{name: "malformed owner", code: "ErrCode.Invalid", status: 400, message: "got error",
			mutate: func(f *Fixture) { riFixture(f, DefaultInitiatingInterfaceID).OppositeInterfaceOwnerID = "owner-x" }},
		{name: "unknown opposite account", code: "InvalidAccount.NotFound", status: 400,
			mutate: func(f *Fixture) {
				riFixture(f, DefaultInitiatingInterfaceID).OppositeInterfaceOwnerID = "1999999999999999"
			}},
		{name: "same router", code: "IncorrectOppositeInterfaceInfo", status: 400, message: "Cannot connect on the same router",
			mutate: func(f *Fixture) { riFixture(f, DefaultInitiatingInterfaceID).OppositeRouterID = DefaultRouterID }},
		{name: "unknown opposite region", code: "InvalidRegionId.NotFound", status: 404,
			mutate: func(f *Fixture) { riFixture(f, DefaultInitiatingInterfaceID).OppositeRegionID = "xx-nowhere-1" }},
		{name: "opposite interface missing", code: "IncorrectOppositeInterfaceInfo", status: 400, message: "is wrong",
			mutate: func(f *Fixture) { riFixture(f, DefaultInitiatingInterfaceID).OppositeInterfaceID = "ri-missing" }},
		{name: "opposite router missing", code: "IncorrectOppositeInterfaceInfo", status: 400, message: "is wrong",
			mutate: func(f *Fixture) { riFixture(f, DefaultInitiatingInterfaceID).OppositeRouterID = "vrt-missing" }},
		{name: "opposite is initiating", code: "IncorrectOppositeInterfaceInfo", status: 400, message: "not a AcceptingSide",
			mutate: func(f *Fixture) { riFixture(f, DefaultAcceptingInterfaceID).Role = RoleInitiatingSide }},
		{name: "acceptor without role", code: "AttrMismatching.AcceptingSideRole", status: 400,
			mutate: func(f *Fixture) { riFixture(f, DefaultAcceptingInterfaceID).Role = "" }},
		{name: "acceptor VPC differs", code: "AttrMismatching.AcceptingSideInstanceId", status: 400,
			mutate: func(f *Fixture) { riFixture(f, DefaultInitiatingInterfaceID).OppositeVpcInstanceID = "vpc-other" }},
		{name: "acceptor region differs", code: "AttrMismatching.AcceptingSideRegionNo", status: 400,
			mutate: func(f *Fixture) { riFixture(f, DefaultInitiatingInterfaceID).OppositeRegionID = "cn-shanghai" }},
		{name: "acceptor router differs", code: "AttrMismatching.AcceptingSideRouterId", status: 400,
			mutate: func(f *Fixture) { riFixture(f, DefaultInitiatingInterfaceID).OppositeRouterID = DefaultThirdRouterID }},
		{name: "acceptor router type differs", code: "AttrMismatching.AcceptingSideRouterType", status: 400,
			mutate: func(f *Fixture) { riFixture(f, DefaultInitiatingInterfaceID).OppositeRouterType = RouterTypeVBR }},
		{name: "acceptor owner differs", code: "AttrMismatching.AcceptingSideAliUid", status: 400,
			mutate: func(f *Fixture) {
				riFixture(f, DefaultInitiatingInterfaceID).OppositeInterfaceOwnerID = DefaultPeerAccountUID
			}},
		{name: "acceptor's opposite owner differs", code: "AttrMismatching.AcceptingSideOppositeInterfaceOwnerId", status: 400,
			mutate: func(f *Fixture) {
				riFixture(f, DefaultAcceptingInterfaceID).OppositeInterfaceOwnerID = DefaultPeerAccountUID
			}},
		{name: "acceptor's opposite region differs", code: "AttrMismatching.AcceptingSideOppositeRegionNo", status: 400,
			mutate: func(f *Fixture) { riFixture(f, DefaultAcceptingInterfaceID).OppositeRegionID = "cn-shanghai" }},
		{name: "acceptor's opposite interface differs", code: "AttrMismatching.AcceptingSideOppositeInterfaceId", status: 400,
			mutate: func(f *Fixture) { riFixture(f, DefaultAcceptingInterfaceID).OppositeInterfaceID = "ri-someone-else" }},
		{name: "acceptor's opposite router differs", code: "AttrMismatching.AcceptingSideOppositeRouterId", status: 400,
			mutate: func(f *Fixture) { riFixture(f, DefaultAcceptingInterfaceID).OppositeRouterID = DefaultThirdRouterID }},
		{name: "acceptor's opposite router type differs", code: "AttrMismatching.AcceptingSideOppositeRouterType", status: 400,
			mutate: func(f *Fixture) { riFixture(f, DefaultAcceptingInterfaceID).OppositeRouterType = RouterTypeVBR }},
		{name: "across BIDs", code: "CROSS_BID.FORBIDDEN", status: 404,
			mutate: func(f *Fixture) {
				f.Alibaba.Accounts = append(f.Alibaba.Accounts, AccountFixture{UID: otherBIDAccount, BID: "26888"})
				riFixture(f, DefaultAcceptingInterfaceID).OwnerUID = otherBIDAccount
				riFixture(f, DefaultInitiatingInterfaceID).OppositeInterfaceOwnerID = otherBIDAccount
			}},
		{name: "routers already connected", code: "Forbidden.OnlyOneConnection", status: 400, message: "have a connection already",
			mutate: func(f *Fixture) { addPairOnDefaultRouters(f, RouterInterfaceActive) }},
		{name: "connect in flight between the routers", code: "Forbidden.OnlyOneConnection", status: 400, message: "concurrently",
			mutate: func(f *Fixture) { addPairOnDefaultRouters(f, RouterInterfaceConnecting) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := DefaultFixture()
			if tc.mutate != nil {
				tc.mutate(f)
			}
			e := newTestEnv(t, f)
			id := tc.id
			if id == "" {
				id = DefaultInitiatingInterfaceID
			}
			se := requireAliError(t, connectRI(e.defaultVPC(), id), tc.code, tc.status)
			if tc.message != "" {
				assert.Contains(t, se.Message(), tc.message)
			}
			// A refused connect changes nothing.
			st := e.srv.State()
			for _, ri := range st.RouterInterfaces {
				if ri.ID == DefaultInitiatingInterfaceID || ri.ID == DefaultAcceptingInterfaceID {
					assert.Empty(t, ri.PendingStatus, ri.ID)
				}
			}
		})
	}
}

// addPairOnDefaultRouters adds another interface pair between the default
// initiator's and acceptor's routers, in the given status.
func addPairOnDefaultRouters(f *Fixture, status string) {
	f.Alibaba.RouterInterfaces = append(f.Alibaba.RouterInterfaces,
		RouterInterfaceFixture{
			ID: "ri-existing-a", RegionID: DefaultRegionID, OwnerUID: DefaultAccountUID, RouterID: DefaultRouterID,
			Role: RoleInitiatingSide, Status: status, OppositeInterfaceID: "ri-existing-b", OppositeRouterID: DefaultPeerRouterID,
			OppositeRouterType: RouterTypeVRouter, OppositeInterfaceOwnerID: DefaultAccountUID,
		},
		RouterInterfaceFixture{
			ID: "ri-existing-b", RegionID: DefaultRegionID, OwnerUID: DefaultAccountUID, RouterID: DefaultPeerRouterID,
			Role: RoleAcceptingSide, Status: status, OppositeInterfaceID: "ri-existing-a", OppositeRouterID: DefaultRouterID,
			OppositeRouterType: RouterTypeVRouter, OppositeInterfaceOwnerID: DefaultAccountUID,
		},
	)
}

func TestConnectRouterInterfaceOnlyOneConnectionAfterConnecting(t *testing.T) {
	f := DefaultFixture()
	// A second initiator on the same router facing a second acceptor on
	// the peer router.
	f.Alibaba.RouterInterfaces = append(f.Alibaba.RouterInterfaces,
		RouterInterfaceFixture{
			ID: "ri-second-init", RegionID: DefaultRegionID, OwnerUID: DefaultAccountUID, RouterID: DefaultRouterID,
			Role: RoleInitiatingSide, OppositeInterfaceID: "ri-second-acpt", OppositeRouterID: DefaultPeerRouterID,
			OppositeRouterType: RouterTypeVRouter, OppositeInterfaceOwnerID: DefaultAccountUID,
		},
		RouterInterfaceFixture{
			ID: "ri-second-acpt", RegionID: DefaultRegionID, OwnerUID: DefaultAccountUID, RouterID: DefaultPeerRouterID,
			Role: RoleAcceptingSide,
		},
	)
	e := newTestEnv(t, f)
	c := e.defaultVPC()
	require.NoError(t, connectRI(c, DefaultInitiatingInterfaceID))
	se := requireAliError(t, connectRI(c, "ri-second-init"), "Forbidden.OnlyOneConnection", 400)
	assert.Equal(t, "Cannot connect concurrently between same routers", se.Message())
	e.clock.Advance(time.Minute)
	se = requireAliError(t, connectRI(c, "ri-second-init"), "Forbidden.OnlyOneConnection", 400)
	assert.Equal(t, "The Specified routers have a connection already", se.Message())
}

func TestConnectRouterInterfaceRegionAndPermissions(t *testing.T) {
	e := newTestEnv(t, nil)
	other := e.defaultVPC()
	req := vpc.CreateConnectRouterInterfaceRequest()
	req.RouterInterfaceId = DefaultInitiatingInterfaceID
	req.RegionId = "eu-nowhere-1"
	_, err := other.ConnectRouterInterface(req)
	se := requireAliError(t, err, "InvalidRegionId.NotFound", 404)
	assert.Equal(t, "The RegionId provided does not exist in our records.", se.Message())

	// The same interface in another known region is not found.
	req = vpc.CreateConnectRouterInterfaceRequest()
	req.RouterInterfaceId = DefaultInitiatingInterfaceID
	req.RegionId = "cn-shanghai"
	_, err = other.ConnectRouterInterface(req)
	requireAliError(t, err, "InvalidRouterInterfaceId.NotFound", 404)

	// A RAM sub-user without the permission.
	ro := e.vpcClient(DefaultReadOnlyAccessKeyID, DefaultReadOnlyAccessKeySecret)
	se = requireAliError(t, connectRI(ro, DefaultInitiatingInterfaceID), "Forbbiden.SubUser", 403)
	assert.Contains(t, se.Message(), "created by another user")
	// ...who may still read.
	assert.Equal(t, RouterInterfaceIdle, describeRI(t, ro, DefaultInitiatingInterfaceID).Status)
}

func TestForbiddenForMainAccountKey(t *testing.T) {
	f := DefaultFixture()
	f.Alibaba.AccessKeys = append(f.Alibaba.AccessKeys, AccessKeyFixture{
		ID: "LTAI5tNoConnect", Secret: "no-connect-secret", AccountUID: DefaultAccountUID,
		DeniedActions: []string{"ConnectRouterInterface"},
	})
	e := newTestEnv(t, f)
	se := requireAliError(t, connectRI(e.vpcClient("LTAI5tNoConnect", "no-connect-secret"), DefaultInitiatingInterfaceID), "Forbidden", 403)
	assert.Equal(t, "User not authorized to operate on the specified resource.", se.Message())
}

func TestDescribeRouterInterfacesFiltersAndPaging(t *testing.T) {
	e := newTestEnv(t, GenerateFixture(12)) // 3 + 24 interfaces
	c := e.defaultVPC()
	describe := func(page, size int, filters ...vpc.DescribeRouterInterfacesFilter) (*vpc.DescribeRouterInterfacesResponse, error) {
		req := vpc.CreateDescribeRouterInterfacesRequest()
		if page > 0 {
			req.PageNumber = requests.NewInteger(page)
		}
		if size >= 0 {
			req.PageSize = requests.NewInteger(size)
		}
		if len(filters) > 0 {
			req.Filter = &filters
		}
		return c.DescribeRouterInterfaces(req)
	}
	filter := func(key string, values ...string) vpc.DescribeRouterInterfacesFilter {
		return vpc.DescribeRouterInterfacesFilter{Key: key, Value: &values}
	}

	all, err := describe(0, -1)
	require.NoError(t, err)
	assert.Equal(t, 27, all.TotalCount)
	assert.Equal(t, 1, all.PageNumber)
	assert.Equal(t, 10, all.PageSize)
	assert.Len(t, all.RouterInterfaceSet.RouterInterfaceType, 10)

	last, err := describe(6, 5)
	require.NoError(t, err)
	assert.Equal(t, 27, last.TotalCount)
	require.Len(t, last.RouterInterfaceSet.RouterInterfaceType, 2, "last partial page")
	ini11, acc11 := LoadRouterInterfaceIDs(11)
	assert.Equal(t, ini11, last.RouterInterfaceSet.RouterInterfaceType[0].RouterInterfaceId)
	assert.Equal(t, acc11, last.RouterInterfaceSet.RouterInterfaceType[1].RouterInterfaceId)

	beyond, err := describe(7, 5)
	require.NoError(t, err)
	assert.Equal(t, 27, beyond.TotalCount)
	assert.Empty(t, beyond.RouterInterfaceSet.RouterInterfaceType)

	max, err := describe(1, 50)
	require.NoError(t, err)
	assert.Len(t, max.RouterInterfaceSet.RouterInterfaceType, 27)

	for _, size := range []int{0, 51} {
		_, err = describe(1, size)
		se := requireAliError(t, err, "InvalidParameter", 400)
		assert.Contains(t, se.Message(), "PageSize")
	}
	_, err = describe(0, -1, filter("Status"))
	requireAliError(t, err, "MissingParameter", 400)

	// Values OR-ed.
	ini3, _ := LoadRouterInterfaceIDs(3)
	two, err := describe(0, -1, filter("RouterInterfaceId", DefaultInitiatingInterfaceID, ini3, "ri-nope"))
	require.NoError(t, err)
	assert.Equal(t, 2, two.TotalCount)
	_, err = describe(0, -1, filter("Role", "x"))
	se := requireAliError(t, err, "InvalidParameter", 400)
	assert.Contains(t, se.Message(), "filter key")
	// Keys AND-ed.
	and, err := describe(0, -1, filter("RouterId", DefaultRouterID, DefaultPeerRouterID), filter("OppositeRouterId", DefaultPeerRouterID))
	require.NoError(t, err)
	require.Equal(t, 1, and.TotalCount)
	assert.Equal(t, DefaultInitiatingInterfaceID, and.RouterInterfaceSet.RouterInterfaceType[0].RouterInterfaceId)

	accepting, err := describe(1, 50, filter("Status", RouterInterfaceIdle), filter("RouterType", RouterTypeVRouter),
		filter("OppositeInterfaceOwnerId", DefaultAccountUID), filter("RouterInterfaceOwnerId", DefaultAccountUID),
		filter("Name", "demo-acceptor", "demo-initiator"))
	require.NoError(t, err)
	assert.Equal(t, 2, accepting.TotalCount)

	six := []vpc.DescribeRouterInterfacesFilter{}
	for i := 0; i < 6; i++ {
		six = append(six, filter("Status", RouterInterfaceIdle))
	}
	_, err = describe(0, -1, six...)
	se = requireAliError(t, err, "InvalidParameter", 400)
	assert.Contains(t, se.Message(), "Filter")

	// Fields of one interface.
	ri := describeRI(t, c, DefaultInitiatingInterfaceID)
	assert.Equal(t, DefaultRouterID, ri.RouterId)
	assert.Equal(t, RouterTypeVRouter, ri.RouterType)
	assert.Equal(t, RoleInitiatingSide, ri.Role)
	assert.Equal(t, DefaultVpcID, ri.VpcInstanceId)
	assert.Equal(t, DefaultAcceptingInterfaceID, ri.OppositeInterfaceId)
	assert.Equal(t, DefaultPeerRouterID, ri.OppositeRouterId)
	assert.Equal(t, RouterTypeVRouter, ri.OppositeRouterType)
	assert.Equal(t, DefaultAccountUID, ri.OppositeInterfaceOwnerId)
	assert.Equal(t, DefaultRegionID, ri.OppositeRegionId)
	assert.Equal(t, DefaultPeerVpcID, ri.OppositeVpcInstanceId)
	assert.Equal(t, RouterInterfaceIdle, ri.OppositeInterfaceStatus)
	assert.Equal(t, "Large.2", ri.Spec)
	assert.Equal(t, 2048, ri.Bandwidth)
	assert.Equal(t, "demo-initiator", ri.Name)
	assert.Equal(t, "2026-11-21T08:00:00Z", ri.CreationTime)
}

func TestDescribeRouterInterfacesTags(t *testing.T) {
	f := DefaultFixture()
	riFixture(f, DefaultAcceptingInterfaceID).Tags = map[string]string{"env": "prod", "team": "net"}
	e := newTestEnv(t, f)
	req := vpc.CreateDescribeRouterInterfacesRequest()
	req.Tags = &[]vpc.DescribeRouterInterfacesTags{{Key: "env", Value: "prod"}}
	resp, err := e.defaultVPC().DescribeRouterInterfaces(req)
	require.NoError(t, err)
	require.Equal(t, 1, resp.TotalCount)
	got := resp.RouterInterfaceSet.RouterInterfaceType[0]
	assert.Equal(t, DefaultAcceptingInterfaceID, got.RouterInterfaceId)
	require.Len(t, got.Tags.TagsItem, 2)
	assert.Equal(t, "env", got.Tags.TagsItem[0].Key)
	assert.Equal(t, "prod", got.Tags.TagsItem[0].Value)

	req = vpc.CreateDescribeRouterInterfacesRequest()
	req.Tags = &[]vpc.DescribeRouterInterfacesTags{{Key: "env", Value: "dev"}}
	resp, err = e.defaultVPC().DescribeRouterInterfaces(req)
	require.NoError(t, err)
	assert.Equal(t, 0, resp.TotalCount)
}

func TestDescribeRouterInterfacesRawShape(t *testing.T) {
	e := newTestEnv(t, nil)
	req := vpc.CreateDescribeRouterInterfacesRequest()
	req.PageSize = requests.NewInteger(1)
	resp, err := e.defaultVPC().DescribeRouterInterfaces(req)
	require.NoError(t, err)
	body := resp.GetHttpContentString()
	assert.True(t, strings.HasPrefix(body, `{"RequestId":"`), body)
	assert.Contains(t, body, `"RouterInterfaceSet":{"RouterInterfaceType":[{`)
	assert.Contains(t, body, `"Tags":{"Tags":[]}`)
	assert.Contains(t, body, fmt.Sprintf(`"RouterInterfaceId":%q`, DefaultInitiatingInterfaceID))
}
