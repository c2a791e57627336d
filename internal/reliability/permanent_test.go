package reliability

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// Accounts, keys and resources the permanent-error fixture adds to the
// default one.
const (
	relBidUID      = "1260000000000001" // an account of another site (BID)
	relBillsUID    = "1270000000000001" // an account with bills outstanding
	relBillsAK     = "LTAI5tReliabilityBill01"
	relBillsSecret = "reliabilityBillsSecret0000000001"
	relHwDeniedAK  = "RELIABILITYHWDENIED01"
	relHwDeniedSK  = "reliabilityHuaweiDeniedSecretKey0000001"
	relUnknownAK   = "LTAI5tReliabilityNoKey1"
	relWrongSecret = "reliabilityWrongSecret0000000001"
	relUnknownHwAK = "RELIABILITYHWNOSUCH01"
	relWrongHwSK   = "reliabilityHuaweiWrongSecretKey00000001"
)

// pairIDs are the interfaces and routers of a named pair of the fixture.
func pairIDs(name string) (ini, acc, ra, rb string) {
	return "ri-rel" + name + "i", "ri-rel" + name + "a", "vrt-rel" + name + "a", "vrt-rel" + name + "b"
}

// addPair adds an Idle pair that connects, owned by owner, after mod has
// changed it: ri-rel<name>i (InitiatingSide, on vrt-rel<name>a) and
// ri-rel<name>a (AcceptingSide, on vrt-rel<name>b).
func addPair(a *cloudsim.AlibabaFixture, name, owner string, mod func(ini, acc *cloudsim.RouterInterfaceFixture, ra, rb *cloudsim.RouterFixture)) {
	iniID, accID, raID, rbID := pairIDs(name)
	region := cloudsim.DefaultRegionID
	ra := cloudsim.RouterFixture{ID: raID, RegionID: region, OwnerUID: owner, Type: cloudsim.RouterTypeVRouter, VpcID: "vpc-rel" + name + "a"}
	rb := cloudsim.RouterFixture{ID: rbID, RegionID: region, OwnerUID: owner, Type: cloudsim.RouterTypeVRouter, VpcID: "vpc-rel" + name + "b"}
	ini := cloudsim.RouterInterfaceFixture{ID: iniID, RegionID: region, OwnerUID: owner, RouterID: raID, Role: cloudsim.RoleInitiatingSide,
		OppositeInterfaceID: accID, OppositeRouterID: rbID, OppositeRouterType: cloudsim.RouterTypeVRouter, OppositeInterfaceOwnerID: owner}
	acc := cloudsim.RouterInterfaceFixture{ID: accID, RegionID: region, OwnerUID: owner, RouterID: rbID, Role: cloudsim.RoleAcceptingSide,
		OppositeInterfaceID: iniID, OppositeRouterID: raID, OppositeRouterType: cloudsim.RouterTypeVRouter, OppositeInterfaceOwnerID: owner}
	if mod != nil {
		mod(&ini, &acc, &ra, &rb)
	}
	a.Routers = append(a.Routers, ra, rb)
	a.RouterInterfaces = append(a.RouterInterfaces, ini, acc)
}

// connectPairs are the pairs whose connect the cloud refuses, by the code
// it answers (cloudsim/doc.go, "ConnectRouterInterface (in this order)").
var connectPairs = []struct {
	code string
	name string
	mod  func(ini, acc *cloudsim.RouterInterfaceFixture, ra, rb *cloudsim.RouterFixture)
}{
	{"IllegalParam.InstanceOwner", "owner", func(_, _ *cloudsim.RouterInterfaceFixture, ra, _ *cloudsim.RouterFixture) {
		ra.OwnerUID = cloudsim.DefaultPeerAccountUID
	}},
	{"ErrCode.Invalid", "errcode", func(ini, _ *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		ini.OppositeInterfaceOwnerID = "not-a-number"
	}},
	{"InvalidAccount.NotFound", "noaccount", func(ini, _ *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		ini.OppositeInterfaceOwnerID = "1999999999999999"
	}},
	{"IncorrectOppositeInterfaceInfo", "samerouter", func(ini, _ *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		ini.OppositeRouterID = ini.RouterID
	}},
	{"InvalidRegionId.NotFound", "oppregion", func(ini, _ *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		ini.OppositeRegionID = "cn-nowhere"
	}},
	{"AttrMismatching.AcceptingSideRole", "role", func(_, acc *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		acc.Role = ""
	}},
	{"AttrMismatching.AcceptingSideInstanceId", "vpcid", func(ini, _ *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		ini.OppositeVpcInstanceID = "vpc-relsomeotherone"
	}},
	{"AttrMismatching.AcceptingSideRegionNo", "regionno", func(ini, _ *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		ini.OppositeRegionID = "cn-shanghai"
	}},
	{"AttrMismatching.AcceptingSideRouterId", "routerid", func(ini, _ *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		ini.OppositeRouterID = cloudsim.DefaultThirdRouterID
	}},
	{"AttrMismatching.AcceptingSideRouterType", "routertype", func(ini, _ *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		ini.OppositeRouterType = cloudsim.RouterTypeVBR
	}},
	{"AttrMismatching.AcceptingSideAliUid", "aliuid", func(ini, _ *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		ini.OppositeInterfaceOwnerID = cloudsim.DefaultPeerAccountUID
	}},
	{"AttrMismatching.AcceptingSideOppositeInterfaceOwnerId", "oppowner", func(_, acc *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		acc.OppositeInterfaceOwnerID = cloudsim.DefaultPeerAccountUID
	}},
	{"AttrMismatching.AcceptingSideOppositeRegionNo", "oppregionno", func(_, acc *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		acc.OppositeRegionID = "cn-shanghai"
	}},
	{"AttrMismatching.AcceptingSideOppositeInterfaceId", "oppifid", func(_, acc *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		acc.OppositeInterfaceID = "ri-relsomeotherone"
	}},
	{"AttrMismatching.AcceptingSideOppositeRouterId", "opprouter", func(_, acc *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		acc.OppositeRouterID = cloudsim.DefaultThirdRouterID
	}},
	{"AttrMismatching.AcceptingSideOppositeRouterType", "opptype", func(_, acc *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		acc.OppositeRouterType = cloudsim.RouterTypeVBR
	}},
	{"CROSS_BID.FORBIDDEN", "crossbid", func(ini, acc *cloudsim.RouterInterfaceFixture, _, rb *cloudsim.RouterFixture) {
		rb.OwnerUID, acc.OwnerUID, ini.OppositeInterfaceOwnerID = relBidUID, relBidUID, relBidUID
		acc.OppositeInterfaceOwnerID = cloudsim.DefaultAccountUID
	}},
	{"Forbidden.OnlyOneConnection", "onlyone", nil}, // plus an Active pair between the same routers, below
}

// permanentFixture is the default fixture plus what produces each
// permanent code by state: the pairs above, accounts, keys, an ECR not
// associated with the VPC, another account's VPN connection.
func permanentFixture() *cloudsim.Fixture {
	f := cloudsim.DefaultFixture()
	a := &f.Alibaba
	def := cloudsim.DefaultAccountUID
	a.Accounts = append(a.Accounts,
		cloudsim.AccountFixture{UID: relBidUID, BID: "99999"},
		cloudsim.AccountFixture{UID: relBillsUID, BillsOutstanding: true})
	a.AccessKeys = append(a.AccessKeys, cloudsim.AccessKeyFixture{ID: relBillsAK, Secret: relBillsSecret, AccountUID: relBillsUID,
		DeniedActions: []string{"PublishVpcRouteEntries"}})
	for _, p := range connectPairs {
		addPair(a, p.name, def, p.mod)
	}
	// Forbidden.OnlyOneConnection: an Active pair already joins the routers.
	ini, acc, ra, rb := pairIDs("onlyone")
	a.RouterInterfaces = append(a.RouterInterfaces,
		cloudsim.RouterInterfaceFixture{ID: ini + "x", RegionID: cloudsim.DefaultRegionID, OwnerUID: def, RouterID: ra, Role: cloudsim.RoleInitiatingSide,
			Status: cloudsim.RouterInterfaceActive, OppositeInterfaceID: acc + "x", OppositeRouterID: rb, OppositeRouterType: cloudsim.RouterTypeVRouter, OppositeInterfaceOwnerID: def},
		cloudsim.RouterInterfaceFixture{ID: acc + "x", RegionID: cloudsim.DefaultRegionID, OwnerUID: def, RouterID: rb, Role: cloudsim.RoleAcceptingSide,
			Status: cloudsim.RouterInterfaceActive, OppositeInterfaceID: ini + "x", OppositeRouterID: ra, OppositeRouterType: cloudsim.RouterTypeVRouter, OppositeInterfaceOwnerID: def})
	// vpcflow's own checks.
	addPair(a, "notset", def, func(ini, _ *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		ini.OppositeRouterType = ""
	})
	addPair(a, "deleting", def, func(ini, _ *cloudsim.RouterInterfaceFixture, _, _ *cloudsim.RouterFixture) {
		ini.Status = cloudsim.RouterInterfaceDeleting
	})
	// Keys of other accounts and users.
	addPair(a, "bills", relBillsUID, nil)
	addPair(a, "subuser", def, nil)
	addPair(a, "badkey", def, nil)

	a.ECRs = append(a.ECRs, cloudsim.ECRFixture{ID: "ecr-relnotassociated", OwnerUID: def, TransitRouterID: "tr-relnotassociated"})
	a.VpnConnections = append(a.VpnConnections, cloudsim.VpnConnectionFixture{ID: "vco-relforeign", RegionID: cloudsim.DefaultRegionID,
		OwnerUID: cloudsim.DefaultPeerAccountUID})
	f.Huawei.Credentials = append(f.Huawei.Credentials, cloudsim.HuaweiCredentialFixture{AK: relHwDeniedAK, SK: relHwDeniedSK,
		ProjectID: cloudsim.DefaultHuaweiProjectID, Denied: true})
	return f
}

// permCase is one permanent error and how to produce it.
type permCase struct {
	name     string
	workflow string
	input    any
	code     string // the failure's type
	// action is the cloud call that answered code; "" when vpcflow refused
	// before calling the cloud.
	action string
	// key selects this case's calls (of action, of mustNotCall).
	key func(cloudsim.Call) bool
	// says is what vpcflow's own refusal says to fix.
	says string
	// mustNotCall is an action vpcflow must not call for this case.
	mustNotCall string
	// readOf, for vpcflow's own refusals after a read, is the interface
	// whose read (one DescribeRouterInterfaces call) the failure quotes.
	readOf string
}

func connectInput(ri string) contract.ConnectRouterInterfaceInput {
	return contract.ConnectRouterInterfaceInput{RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: ri, WaitTimeout: contract.Duration(time.Minute)}
}

func publishInput(target, table, cidr string) contract.PublishVpcRoutesInput {
	return contract.PublishVpcRoutesInput{RouteSet: contract.RouteSet{RegionId: cloudsim.DefaultRegionID, TargetType: "ECR", TargetInstanceId: target,
		RouteEntries: []contract.RouteEntry{{RouteTableId: table, DestinationCidrBlock: cidr}}}}
}

func verifyInput(vco string) contract.VerifyVpnRoutesInput {
	return contract.VerifyVpnRoutesInput{RegionId: cloudsim.DefaultRegionID, VpnConnectionId: vco, WaitTimeout: contract.Duration(time.Minute),
		ExpectedRoutes: []contract.ExpectedVpnRoute{{DestinationCidrBlock: cloudsim.DefaultVpnCustomRoute1, RouteEntryType: "custom"}}}
}

// realPublish selects the calls of key that are real publishes: a DryRun
// checks only the key, the RAM policy and the parameters (the
// PublishVpcRouteEntries document), so the state of the route, its table
// and the target is the real publish's to refuse.
func realPublish(key func(cloudsim.Call) bool) func(cloudsim.Call) bool {
	return func(c cloudsim.Call) bool { return c.Params["DryRun"] == "false" && key(c) }
}

// connectCase is a connect the cloud refuses with code.
func connectCase(name, code, ri string) permCase {
	return permCase{name: name, workflow: contract.ConnectRouterInterface.Type, input: connectInput(ri), code: code,
		action: "ConnectRouterInterface", key: param("RouterInterfaceId", ri)}
}

// stateCases are the permanent codes the cloud answers because of its
// state or the input, and vpcflow's own refusals, all with the default key.
func stateCases() []permCase {
	cases := []permCase{
		{name: "InvalidRouterInterfaceId.NotFound (vpcflow's read)", workflow: contract.ConnectRouterInterface.Type,
			input: connectInput("ri-relnosuchinterface"), code: "InvalidRouterInterfaceId.NotFound",
			says: "holds no router interface with this ID. Fix: no router interface has this ID in this region; check RouterInterfaceId and RegionId. RequestId: ",
			key:  param("RouterInterfaceId", "ri-relnosuchinterface"), mustNotCall: "ConnectRouterInterface", readOf: "ri-relnosuchinterface"},
		{name: "InvalidRegionId.NotFound (input region)", workflow: contract.ConnectRouterInterface.Type,
			input: contract.ConnectRouterInterfaceInput{RegionId: "cn-nowhere", RouterInterfaceId: cloudsim.DefaultInitiatingInterfaceID},
			code:  "InvalidRegionId.NotFound", action: "DescribeRouterInterfaces", key: param("RegionId", "cn-nowhere")},
		{name: "IncorrectRole.NotInitiatingSide (vpcflow's check)", workflow: contract.ConnectRouterInterface.Type,
			input: connectInput(cloudsim.DefaultSecondAcceptingInterfaceID), code: "IncorrectRole.NotInitiatingSide",
			says: "the interface is the AcceptingSide of its pair. Fix: connect from the InitiatingSide router interface of the pair", key: param("RouterInterfaceId", cloudsim.DefaultSecondAcceptingInterfaceID),
			mustNotCall: "ConnectRouterInterface", readOf: cloudsim.DefaultSecondAcceptingInterfaceID},
		{name: "IncorrectOppositeInterfaceInfo.NotSet (vpcflow's check)", workflow: contract.ConnectRouterInterface.Type,
			input: connectInput("ri-relnotseti"), code: "IncorrectOppositeInterfaceInfo.NotSet",
			says: "its opposite is not complete: OppositeInterfaceId \"ri-relnotseta\", OppositeRouterId \"vrt-relnotsetb\", OppositeRouterType \"\"", key: param("RouterInterfaceId", "ri-relnotseti"), mustNotCall: "ConnectRouterInterface", readOf: "ri-relnotseti"},
		{name: "IncorrectRIStatus Deleting (vpcflow's check)", workflow: contract.ConnectRouterInterface.Type,
			input: connectInput("ri-reldeletingi"), code: contract.UnreachableStateType,
			says: "only an Idle interface can be connected (an Inactive one is activated); create a new interface pair", key: param("RouterInterfaceId", "ri-reldeletingi"),
			mustNotCall: "ConnectRouterInterface", readOf: "ri-reldeletingi"},

		{name: "ResourceNotAssociated.TargetInstance (no such ECR)", workflow: contract.PublishVpcRoutes.Type,
			input: publishInput("ecr-relnosuchecr", cloudsim.DefaultSystemRouteTableID, cloudsim.DefaultRouteCIDR1),
			code:  "ResourceNotAssociated.TargetInstance", action: "PublishVpcRouteEntries", key: realPublish(param("TargetInstanceId", "ecr-relnosuchecr"))},
		{name: "ResourceNotAssociated.TargetInstance (not associated)", workflow: contract.PublishVpcRoutes.Type,
			input: publishInput("ecr-relnotassociated", cloudsim.DefaultSystemRouteTableID, cloudsim.DefaultRouteCIDR1),
			code:  "ResourceNotAssociated.TargetInstance", action: "PublishVpcRouteEntries", key: realPublish(param("TargetInstanceId", "ecr-relnotassociated"))},
		{name: "ResourceNotFound.RouteEntry (no such table)", workflow: contract.PublishVpcRoutes.Type,
			input: publishInput(cloudsim.DefaultECRID, "vtb-relnosuchtable", cloudsim.DefaultRouteCIDR1),
			code:  "ResourceNotFound.RouteEntry", action: "PublishVpcRouteEntries", key: realPublish(param("RouteEntries.1.RouteTableId", "vtb-relnosuchtable"))},
		{name: "ResourceNotFound.RouteEntry (no such route)", workflow: contract.PublishVpcRoutes.Type,
			input: publishInput(cloudsim.DefaultECRID, cloudsim.DefaultSystemRouteTableID, "10.99.99.0/24"),
			code:  "ResourceNotFound.RouteEntry", action: "PublishVpcRouteEntries", key: realPublish(param("RouteEntries.1.DestinationCidrBlock", "10.99.99.0/24"))},
		{name: "Forbidden.OperateCustomRouteTable", workflow: contract.PublishVpcRoutes.Type,
			input: publishInput(cloudsim.DefaultECRID, cloudsim.DefaultCustomRouteTableID, cloudsim.DefaultCustomTableRouteCIDR),
			code:  "Forbidden.OperateCustomRouteTable", action: "PublishVpcRouteEntries", key: realPublish(param("RouteEntries.1.RouteTableId", cloudsim.DefaultCustomRouteTableID))},
		{name: "OperationUnsupported.PublishSystemRouteEntry", workflow: contract.PublishVpcRoutes.Type,
			input: publishInput(cloudsim.DefaultECRID, cloudsim.DefaultSystemRouteTableID, cloudsim.DefaultSystemRouteCIDR),
			code:  "OperationUnsupported.PublishSystemRouteEntry", action: "PublishVpcRouteEntries",
			key: realPublish(param("RouteEntries.1.DestinationCidrBlock", cloudsim.DefaultSystemRouteCIDR))},
		{name: "OperationUnsupported.UnsupportedNextHop", workflow: contract.PublishVpcRoutes.Type,
			input: publishInput(cloudsim.DefaultECRID, cloudsim.DefaultSystemRouteTableID, cloudsim.DefaultVpnNextHopRouteCIDR),
			code:  "OperationUnsupported.UnsupportedNextHop", action: "PublishVpcRouteEntries",
			key: realPublish(param("RouteEntries.1.DestinationCidrBlock", cloudsim.DefaultVpnNextHopRouteCIDR))},
		{name: "OperationUnsupported.PublishPrefixListRouteEntry (vpcflow's validation)", workflow: contract.PublishVpcRoutes.Type,
			input: publishInput(cloudsim.DefaultECRID, cloudsim.DefaultSystemRouteTableID, cloudsim.DefaultPrefixListRouteDest),
			code:  contract.InvalidInputType, says: `"` + cloudsim.DefaultPrefixListRouteDest + `" is not a CIDR block`,
			key: param("RouteEntries.1.DestinationCidrBlock", cloudsim.DefaultPrefixListRouteDest), mustNotCall: "PublishVpcRouteEntries"},
		{name: "OperationDenied.UnsupportedTargetType (vpcflow's validation)", workflow: contract.PublishVpcRoutes.Type,
			input: contract.PublishVpcRoutesInput{RouteSet: contract.RouteSet{RegionId: cloudsim.DefaultRegionID, TargetType: "TR", TargetInstanceId: "ecr-reltargettype",
				RouteEntries: []contract.RouteEntry{{RouteTableId: cloudsim.DefaultSystemRouteTableID, DestinationCidrBlock: cloudsim.DefaultRouteCIDR1}}}},
			code: contract.InvalidInputType, says: `TargetType "TR" is not supported`,
			key: param("TargetInstanceId", "ecr-reltargettype"), mustNotCall: "PublishVpcRouteEntries"},

		{name: "MissingParameter (vpcflow's validation)", workflow: contract.PublishVpcRoutes.Type,
			input: contract.PublishVpcRoutesInput{RouteSet: contract.RouteSet{RegionId: cloudsim.DefaultRegionID, TargetType: "ECR",
				RouteEntries: []contract.RouteEntry{{RouteTableId: "vtb-relmissing", DestinationCidrBlock: cloudsim.DefaultRouteCIDR1}}}},
			code: contract.InvalidInputType, says: "TargetInstanceId is required",
			key: param("RouteEntries.1.RouteTableId", "vtb-relmissing"), mustNotCall: "PublishVpcRouteEntries"},
		{name: "InvalidParameter (vpcflow's validation)", workflow: contract.VerifyVpnRoutes.Type,
			input: func() contract.VerifyVpnRoutesInput {
				in := verifyInput("vco-relpagesize")
				size := 51
				in.PageSize = &size
				return in
			}(),
			code: contract.InvalidInputType, says: "PageSize 51 is out of range 1..50",
			key: param("VpnConnectionId", "vco-relpagesize"), mustNotCall: "DescribeVcoRouteEntries"},

		{name: "InvalidVpnConnectionInstanceId.NotFound", workflow: contract.VerifyVpnRoutes.Type, input: verifyInput("vco-relnosuchvco"),
			code: "InvalidVpnConnectionInstanceId.NotFound", action: "DescribeVcoRouteEntries", key: param("VpnConnectionId", "vco-relnosuchvco")},
		{name: "Forbidden (another account's VPN connection)", workflow: contract.VerifyVpnRoutes.Type, input: verifyInput("vco-relforeign"),
			code: "Forbidden", action: "DescribeVcoRouteEntries", key: param("VpnConnectionId", "vco-relforeign")},
		{name: "InvalidVpnConnectionInstanceId.NotFound (cross-account check)", workflow: contract.VerifyVpnRoutes.Type,
			input: func() contract.VerifyVpnRoutesInput {
				in := verifyInput("vco-relnosuchvcotoo")
				in.CrossAccount = &contract.ExpectedCrossAccount{BindInstance: cloudsim.DefaultCenID, BindUid: 1210123456123456}
				return in
			}(),
			code: "InvalidVpnConnectionInstanceId.NotFound", action: "DescribeVpnCrossAccountAuthorizations", key: param("VpnConnectionId", "vco-relnosuchvcotoo")},
		{name: "IllegalParam.RouteEntryType (vpcflow's validation)", workflow: contract.VerifyVpnRoutes.Type,
			input: func() contract.VerifyVpnRoutesInput {
				in := verifyInput("vco-relroutetype")
				in.ExpectedRoutes[0].RouteEntryType = "static"
				return in
			}(),
			code: contract.InvalidInputType, says: `RouteEntryType "static" is not one of custom, bgp`,
			key: param("VpnConnectionId", "vco-relroutetype"), mustNotCall: "DescribeVcoRouteEntries"},

		{name: "APIC.7314", workflow: contract.ApigEndpointConnections.Type,
			input: contract.ApigEndpointConnectionsInput{InstanceId: cloudsim.DefaultAPIGNoEndpointServiceInstanceID},
			code:  "APIC.7314", action: "ListEndpointConnections", key: param("instance_id", cloudsim.DefaultAPIGNoEndpointServiceInstanceID)},
		{name: "APIG.3030 (a code without a row: 4xx)", workflow: contract.ApigEndpointConnections.Type,
			input: contract.ApigEndpointConnectionsInput{InstanceId: "0123456789abcdef0123456789abcdef"},
			code:  "APIG.3030", action: "ListEndpointConnections", key: param("instance_id", "0123456789abcdef0123456789abcdef")},
		{name: "APIG.2012 (vpcflow's validation)", workflow: contract.ApigEndpointConnections.Type,
			input: contract.ApigEndpointConnectionsInput{InstanceId: "0123456789abcdef0123456789abcde0", Status: "bogus"},
			code:  contract.InvalidInputType, says: `Status "bogus" is not one of`,
			key: param("instance_id", "0123456789abcdef0123456789abcde0"), mustNotCall: "ListEndpointConnections"},
	}
	for _, p := range connectPairs {
		ini, _, _, _ := pairIDs(p.name)
		cases = append(cases, connectCase(p.code+" ("+p.name+")", p.code, ini))
	}
	return cases
}

// fixOf is the Fix vpcflow gives for a cloud code.
func fixOf(code string) string {
	if row, ok := activities.LookupErrorCode(code); ok {
		return row.Fix
	}
	return "the cloud answered an error code vpcflow does not know"
}

// runPermCase runs one case and checks that the workflow failed on the
// first attempt of its first failing call, naming the code, the RequestId
// and the fix (or, for vpcflow's own refusals, what to fix, before the
// call).
func runPermCase(t *testing.T, cloud *simCloud, c permCase) {
	t.Helper()
	ctx := stacktest.Ctx(t, 2*time.Minute)
	run := startWorkflow(ctx, t, tc, stacktest.ID(t, "case"), c.workflow, temporal.SearchAttributes{}, c.input)
	err := run.Get(ctx, nil)
	require.Error(t, err, "the workflow must fail")
	require.Equal(t, c.code, stacktest.FailureType(err), "%v", err)
	msg := err.Error()

	if c.action != "" {
		calls := cloud.callsOf(c.action, c.key)
		require.Len(t, calls, 1, "%s called %d times: want one call, no retry", c.action, len(calls))
		call := calls[0]
		require.Equal(t, c.code, call.Code)
		assert.Contains(t, msg, c.code)
		assert.Contains(t, msg, "RequestId: "+call.RequestID, "the failure names the RequestId")
		assert.Contains(t, msg, "Fix: "+fixOf(c.code), "the failure says what to fix")
		var appErr *temporal.ApplicationError
		require.True(t, errors.As(err, &appErr))
		var d contract.CloudErrorDetails
		require.NoError(t, appErr.Details(&d))
		assert.Equal(t, c.code, d.Code)
		assert.Equal(t, call.RequestID, d.RequestId)
		assert.Equal(t, contract.Permanent, d.Class)
		assert.True(t, appErr.NonRetryable())
	} else {
		assert.Contains(t, msg, c.says, "vpcflow's refusal says what to fix")
	}
	if c.readOf != "" {
		reads := cloud.callsOf("DescribeRouterInterfaces", param("Filter.1.Value.1", c.readOf))
		require.Len(t, reads, 1, "one read, no retry")
		assert.Contains(t, msg, reads[0].RequestID, "the refusal quotes the RequestId of the read that showed the problem")
	}
	if c.mustNotCall != "" {
		assert.Empty(t, cloud.callsOf(c.mustNotCall, c.key), "vpcflow refused before calling %s", c.mustNotCall)
	}
	// First attempt: no activity was retried, no workflow task failed.
	events, err := fullHistory(ctx, tc, run.GetID(), run.GetRunID())
	require.NoError(t, err)
	for _, a := range activityRuns(events) {
		assert.EqualValues(t, 1, a.attempt, "%s closed on attempt %d", a.activityType, a.attempt)
	}
	assert.Zero(t, countEvents(events, enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED))
}

// TestPermanentErrors: for each permanent code cloudsim produces by state,
// input or credentials, the workflow fails on its first attempt (one call
// of the action, no retry storm) and its failure names the code, the
// RequestId and what to fix; where vpcflow's own checks refuse first, that
// refusal is what is asserted. Then every permanent row of the error-code
// table, injected once, fails its workflow on the first call.
func TestPermanentErrors(t *testing.T) {
	needStack(t)
	cloud := startCloud(t, permanentFixture(), 20)
	w := startWorker(t, "worker", workerConfig{cloud: cloud})

	t.Run("state", func(t *testing.T) {
		for _, c := range stateCases() {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				runPermCase(t, cloud, c)
			})
		}
	})
	t.Run("every permanent row", func(t *testing.T) { permanentRowsInjected(t, cloud) })
	require.True(t, w.alive(), "the worker survived every refusal")
	w.stop()

	// Credentials: each set needs its own worker process.
	billsIni, _, _, _ := pairIDs("bills")
	subIni, _, _, _ := pairIDs("subuser")
	badIni, _, _, _ := pairIDs("badkey")
	apig := contract.ApigEndpointConnectionsInput{InstanceId: cloudsim.DefaultAPIGInstanceID}
	byKey := func(key string) func(cloudsim.Call) bool {
		return func(c cloudsim.Call) bool { return c.AccessKeyID == key }
	}
	phases := []struct {
		name  string
		env   map[string]string
		cases []permCase
	}{
		{"account with bills outstanding, denied publish, denied Huawei credential", map[string]string{
			"ALIBABA_CLOUD_ACCESS_KEY_ID": relBillsAK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": relBillsSecret,
			"HUAWEICLOUD_SDK_AK": relHwDeniedAK, "HUAWEICLOUD_SDK_SK": relHwDeniedSK,
		}, []permCase{
			{name: "Forbidden.BillsOutstanding", workflow: contract.ConnectRouterInterface.Type, input: connectInput(billsIni),
				code: "Forbidden.BillsOutstanding", action: "ConnectRouterInterface", key: byKey(relBillsAK)},
			{name: "Forbidden (denied action)", workflow: contract.PublishVpcRoutes.Type,
				input: publishInput(cloudsim.DefaultECRID, cloudsim.DefaultSystemRouteTableID, cloudsim.DefaultRouteCIDR1),
				code:  "Forbidden", action: "PublishVpcRouteEntries", key: byKey(relBillsAK)},
			{name: "APIC.7106", workflow: contract.ApigEndpointConnections.Type, input: apig,
				code: "APIC.7106", action: "ListEndpointConnections", key: byKey(relHwDeniedAK)},
		}},
		{"RAM user that may only read", map[string]string{
			"ALIBABA_CLOUD_ACCESS_KEY_ID": cloudsim.DefaultReadOnlyAccessKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": cloudsim.DefaultReadOnlyAccessKeySecret,
		}, []permCase{
			{name: "Forbbiden.SubUser", workflow: contract.ConnectRouterInterface.Type, input: connectInput(subIni),
				code: "Forbbiden.SubUser", action: "ConnectRouterInterface", key: byKey(cloudsim.DefaultReadOnlyAccessKeyID)},
		}},
		{"unknown AccessKey ID and Huawei AK", map[string]string{
			"ALIBABA_CLOUD_ACCESS_KEY_ID": relUnknownAK, "HUAWEICLOUD_SDK_AK": relUnknownHwAK,
		}, []permCase{
			{name: "InvalidAccessKeyId.NotFound", workflow: contract.ConnectRouterInterface.Type, input: connectInput(badIni),
				code: "InvalidAccessKeyId.NotFound", action: "DescribeRouterInterfaces", key: byKey(relUnknownAK)},
			{name: "APIG.0301 (unknown AK)", workflow: contract.ApigEndpointConnections.Type, input: apig,
				code: "APIG.0301", action: "ListEndpointConnections", key: byKey(relUnknownHwAK)},
		}},
		{"wrong AccessKey secret and Huawei SK", map[string]string{
			"ALIBABA_CLOUD_ACCESS_KEY_SECRET": relWrongSecret, "HUAWEICLOUD_SDK_SK": relWrongHwSK,
		}, []permCase{
			{name: "SignatureDoesNotMatch", workflow: contract.ConnectRouterInterface.Type, input: connectInput(badIni),
				code: "SignatureDoesNotMatch", action: "DescribeRouterInterfaces", key: func(c cloudsim.Call) bool {
					return c.AccessKeyID == cloudsim.DefaultAccessKeyID && c.Code == "SignatureDoesNotMatch" && !c.Injected
				}},
			{name: "APIG.0301 (wrong SK)", workflow: contract.ApigEndpointConnections.Type, input: apig,
				code: "APIG.0301", action: "ListEndpointConnections", key: func(c cloudsim.Call) bool {
					return c.AccessKeyID == cloudsim.DefaultHuaweiAK && c.Code == "APIG.0301" && !c.Injected
				}},
		}},
	}
	for _, s := range []string{relBillsSecret, relHwDeniedSK, relWrongSecret, relWrongHwSK} {
		addSecret(s) // TestSecrets checks that these leak nowhere either
	}
	for i, ph := range phases {
		t.Run(ph.name, func(t *testing.T) {
			pw := startWorker(t, fmt.Sprintf("worker-%d", i+2), workerConfig{cloud: cloud, env: ph.env})
			for _, c := range ph.cases {
				t.Run(c.name, func(t *testing.T) { runPermCase(t, cloud, c) })
			}
			require.True(t, pw.alive())
			pw.stop()
		})
	}
}

// permanentRowsInjected injects, once each, every code the error-code
// table classifies as permanent, into the first read of as many workflows
// run at once (ConnectRouterInterface for Alibaba codes,
// ApigEndpointConnections for Huawei's). Each workflow must fail with the
// code it was given, after that one call: a retried code would show as an
// extra read and a workflow that goes on.
func permanentRowsInjected(t *testing.T, cloud *simCloud) {
	ctx := stacktest.Ctx(t, 2*time.Minute)
	var aliCodes, hwCodes []string
	for _, row := range activities.ErrorCodes() {
		if row.Class != contract.Permanent {
			continue
		}
		if strings.HasPrefix(row.Code, "APIC.") || strings.HasPrefix(row.Code, "APIG") {
			hwCodes = append(hwCodes, row.Code)
		} else {
			aliCodes = append(aliCodes, row.Code)
		}
	}
	var scripted []cloudsim.ScriptedFault
	for _, code := range aliCodes {
		scripted = append(scripted, cloudsim.ScriptedFault{Action: "DescribeRouterInterfaces", Count: 1, Code: code, Status: 400})
	}
	for _, code := range hwCodes {
		scripted = append(scripted, cloudsim.ScriptedFault{Action: "ListEndpointConnections", Count: 1, Code: code, Status: 400})
	}
	reads, lists := cloud.CallCount("DescribeRouterInterfaces"), cloud.CallCount("ListEndpointConnections")
	require.NoError(t, cloud.AddFaults(cloudsim.Faults{Scripted: scripted}))

	type started struct {
		want string // "alibaba" or "huawei"
		run  client.WorkflowRun
	}
	var runs []started
	for i := range aliCodes {
		runs = append(runs, started{"alibaba", startWorkflow(ctx, t, tc, stacktest.ID(t, fmt.Sprintf("connect-%02d", i)),
			contract.ConnectRouterInterface.Type, temporal.SearchAttributes{}, connectInput(cloudsim.DefaultInitiatingInterfaceID))})
	}
	for i := range hwCodes {
		runs = append(runs, started{"huawei", startWorkflow(ctx, t, tc, stacktest.ID(t, fmt.Sprintf("apig-%02d", i)),
			contract.ApigEndpointConnections.Type, temporal.SearchAttributes{},
			contract.ApigEndpointConnectionsInput{InstanceId: cloudsim.DefaultAPIGInstanceID})})
	}
	errs := make([]error, len(runs))
	for i, s := range runs {
		errs[i] = s.run.Get(ctx, nil)
	}
	byRequestID := map[string]cloudsim.Call{}
	for _, c := range cloud.Calls("") {
		byRequestID[c.RequestID] = c
	}
	var gotAli, gotHw []string
	for i, s := range runs {
		err := errs[i]
		if err == nil {
			t.Errorf("%s completed: its injected code was retried", s.run.GetID())
			continue
		}
		code := stacktest.FailureType(err)
		if s.want == "alibaba" {
			gotAli = append(gotAli, code)
		} else {
			gotHw = append(gotHw, code)
		}
		assert.Contains(t, err.Error(), "Fix: "+fixOf(code), "%s", s.run.GetID())
		var appErr *temporal.ApplicationError
		var d contract.CloudErrorDetails
		if assert.True(t, errors.As(err, &appErr)) && assert.NoError(t, appErr.Details(&d)) {
			assert.Contains(t, err.Error(), "RequestId: "+d.RequestId)
			assert.Equal(t, code, byRequestID[d.RequestId].Code, "%s: the RequestId is that of the call that answered %s", s.run.GetID(), code)
		}
	}
	slices.Sort(aliCodes)
	slices.Sort(gotAli)
	slices.Sort(hwCodes)
	slices.Sort(gotHw)
	assert.Equal(t, aliCodes, gotAli, "each workflow failed with the code it was given")
	assert.Equal(t, hwCodes, gotHw)
	assert.Equal(t, len(aliCodes), cloud.CallCount("DescribeRouterInterfaces")-reads, "one read per workflow: no code was retried")
	assert.Equal(t, len(hwCodes), cloud.CallCount("ListEndpointConnections")-lists)
	assert.Empty(t, cloud.callsOf("ConnectRouterInterface", succeeded), "nothing went on to connect")
	measured(t, "%d permanent Alibaba codes and %d Huawei codes, injected once each: every workflow failed on its one call", len(aliCodes), len(hwCodes))
}
