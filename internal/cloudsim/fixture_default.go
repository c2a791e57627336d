package cloudsim

import (
	"fmt"
	"time"
)

// Credentials of the default fixture. They are fake and only valid
// against cloudsim.
const (
	DefaultRegionID        = "cn-hangzhou"
	DefaultAccountUID      = "1250123456123456"
	DefaultAccessKeyID     = "LTAI5tCloudsimDemoKey001"
	DefaultAccessKeySecret = "cloudsimDemoSecret0000000000000001"
	// DefaultReadOnlyAccessKeyID is a RAM sub-user of the default account
	// that may only read: mutating actions answer Forbbiden.SubUser.
	DefaultReadOnlyAccessKeyID     = "LTAI5tCloudsimReadOnly01"
	DefaultReadOnlyAccessKeySecret = "cloudsimReadOnlySecret00000000001"
	// DefaultPeerAccountUID owns the CEN the VPN connection is authorized
	// to attach to.
	DefaultPeerAccountUID = "1210123456123456"

	DefaultHuaweiAK        = "CLOUDSIMHWAK00000001"
	DefaultHuaweiSK        = "cloudsimHuaweiSecretKey00000000000000001"
	DefaultHuaweiProjectID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	DefaultHuaweiDomainID  = "b70fde8e849b4e76a61dd8aa0ec05c81"
	DefaultHuaweiToken     = "cloudsim-huawei-iam-token-0001"

	// DefaultHuaweiSecondProjectID is another project (region) of the
	// same account; DefaultHuaweiAK may act in it too, the token may not.
	DefaultHuaweiSecondProjectID = "7c6d5e4f3a2b19080f1e2d3c4b5a6978"
)

// Resource IDs of the default fixture.
const (
	DefaultVpcID         = "vpc-bp1cloudsimlocal01"
	DefaultRouterID      = "vrt-bp1cloudsimlocal01"
	DefaultPeerVpcID     = "vpc-bp1cloudsimpeer001"
	DefaultPeerRouterID  = "vrt-bp1cloudsimpeer001"
	DefaultThirdRouterID = "vrt-bp1cloudsimthird01"

	// DefaultInitiatingInterfaceID is Idle, InitiatingSide, with its
	// opposite fields pointing at DefaultAcceptingInterfaceID: connecting
	// it succeeds.
	DefaultInitiatingInterfaceID = "ri-bp1cloudsiminit0001"
	// DefaultAcceptingInterfaceID is its AcceptingSide peer.
	DefaultAcceptingInterfaceID = "ri-bp1cloudsimacpt0001"
	// DefaultSecondAcceptingInterfaceID is an unrelated AcceptingSide
	// interface: connecting it answers IncorrectRole.NotInitiatingSide.
	DefaultSecondAcceptingInterfaceID = "ri-bp1cloudsimacpt0002"

	DefaultSystemRouteTableID = "vtb-bp1cloudsimsys0001"
	DefaultCustomRouteTableID = "vtb-bp1cloudsimcus0001"
	// Publishable routes of the system route table (next hops Instance,
	// NetworkInterface, HaVip).
	DefaultRouteCIDR1 = "10.10.1.0/24"
	DefaultRouteCIDR2 = "10.10.2.0/24"
	DefaultRouteCIDR3 = "10.10.3.0/24"
	// DefaultIPv6RouteCIDR is a publishable IPv6 route (next hop an IPv6
	// gateway), in the lower-case form the cloud stores; cloudsim compares
	// destinations as strings, as a cloud may.
	DefaultIPv6RouteCIDR = "2001:db8:10::/48"
	// DefaultSystemRouteCIDR is a System route (PublishSystemRouteEntry).
	DefaultSystemRouteCIDR = "192.168.0.0/24"
	// DefaultVpnNextHopRouteCIDR has a VpnGateway next hop (UnsupportedNextHop).
	DefaultVpnNextHopRouteCIDR = "10.20.0.0/16"
	// DefaultPrefixListRouteDest is a prefix-list route (PublishPrefixListRouteEntry).
	DefaultPrefixListRouteDest = "pl-bp1cloudsim000001"
	// DefaultCustomTableRouteCIDR lives in the custom route table
	// (Forbidden.OperateCustomRouteTable).
	DefaultCustomTableRouteCIDR = "10.30.0.0/16"

	DefaultECRID           = "ecr-cloudsimdemo0001"
	DefaultTransitRouterID = "tr-bp1cloudsimdemo0001"
	DefaultCenID           = "cen-cloudsimdemo0001"
	// DefaultVpnConnectionID is attached to DefaultTransitRouterID: routes
	// published to DefaultECRID appear among its bgp routes.
	DefaultVpnConnectionID = "vco-bp1cloudsimdemo0001"
	DefaultVpnCustomRoute1 = "172.16.1.0/24"
	DefaultVpnCustomRoute2 = "172.16.2.0/24"
	// DefaultVpnLearnedRoute is a bgp route learned from the data center.
	DefaultVpnLearnedRoute = "192.168.100.0/24"

	DefaultAPIGInstanceID = "eddc4d25480b4cd6b512f270a1b8b341"
	// DefaultAPIGNoEndpointServiceInstanceID answers 404 APIC.7314.
	DefaultAPIGNoEndpointServiceInstanceID = "a0a0a0a0b1b1b1b1c2c2c2c2d3d3d3d3"
	// DefaultAPIGVpcepFailureInstanceID answers 500 APIC.9007.
	DefaultAPIGVpcepFailureInstanceID = "f9f9f9f9e8e8e8e8d7d7d7d7c6c6c6c6"
	// DefaultAPIGSecondProjectInstanceID is a gateway of
	// DefaultHuaweiSecondProjectID with one accepted connection,
	// DefaultEndpointConnectionSecondProjectID.
	DefaultAPIGSecondProjectInstanceID       = "3b4c5d6e7f8091a2b3c4d5e6f708192a"
	DefaultEndpointConnectionSecondProjectID = "2d3e4f50-6172-4839-a4b5-c6d7e8f90a1b"

	// Endpoint connections of DefaultAPIGInstanceID.
	DefaultEndpointConnectionAcceptedID = "76ad893c-6a1e-4055-8019-fe9c9bd3204d"
	// DefaultEndpointConnectionPendingID becomes accepted 10 s after start.
	DefaultEndpointConnectionPendingID = "1c2f1d4e-3c55-4b6a-9f3e-0a8d2c6b7e11"
	// DefaultEndpointConnectionSlowID becomes accepted 30 s after start.
	DefaultEndpointConnectionSlowID     = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
	DefaultEndpointConnectionRejectedID = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"

	// DefaultAPIGChangeInstanceID is a gateway whose connections change
	// only when someone accepts or rejects them: two pendingAcceptance
	// (DefaultEndpointConnectionAwaitingID, ...Awaiting2ID), one rejected
	// (DefaultEndpointConnectionWasRejectedID) and one failed
	// (DefaultEndpointConnectionFailedID), which cannot be accepted.
	DefaultAPIGChangeInstanceID            = "c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6"
	DefaultEndpointConnectionAwaitingID    = "0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f"
	DefaultEndpointConnectionAwaiting2ID   = "1b2c3d4e-5f60-4718-9930-4b5c6d7e8f90"
	DefaultEndpointConnectionWasRejectedID = "2c3d4e5f-6071-4829-8a41-5c6d7e8f90a1"
	DefaultEndpointConnectionFailedID      = "3d4e5f60-7182-493a-9b52-6d7e8f90a1b2"
)

// Delays after start of the default endpoint connections.
const (
	DefaultEndpointPendingDelay = 10 * time.Second
	DefaultEndpointSlowDelay    = 30 * time.Second
)

var mutatingAlibabaActions = []string{
	"ConnectRouterInterface", "ActivateRouterInterface", "DeactivateRouterInterface",
	"PublishVpcRouteEntries", "WithdrawVpcPublishedRouteEntries",
}

// DefaultFixture returns a fresh copy of the demo and integration-test
// fixture described in the package documentation.
func DefaultFixture() *Fixture {
	acct := DefaultAccountUID
	region := DefaultRegionID
	return &Fixture{
		Delays: DefaultDelays,
		Alibaba: AlibabaFixture{
			Regions: []string{DefaultRegionID, "cn-shanghai", "cn-beijing"},
			Accounts: []AccountFixture{
				{UID: DefaultAccountUID, BID: "26842"},
				{UID: DefaultPeerAccountUID, BID: "26842"},
			},
			AccessKeys: []AccessKeyFixture{
				{ID: DefaultAccessKeyID, Secret: DefaultAccessKeySecret, AccountUID: acct},
				{ID: DefaultReadOnlyAccessKeyID, Secret: DefaultReadOnlyAccessKeySecret, AccountUID: acct,
					RAMUser: true, DeniedActions: append([]string{}, mutatingAlibabaActions...)},
			},
			Routers: []RouterFixture{
				{ID: DefaultRouterID, RegionID: region, OwnerUID: acct, Type: RouterTypeVRouter, VpcID: DefaultVpcID},
				{ID: DefaultPeerRouterID, RegionID: region, OwnerUID: acct, Type: RouterTypeVRouter, VpcID: DefaultPeerVpcID},
				{ID: DefaultThirdRouterID, RegionID: region, OwnerUID: acct, Type: RouterTypeVRouter, VpcID: "vpc-bp1cloudsimthird01"},
			},
			RouterInterfaces: []RouterInterfaceFixture{
				{
					ID: DefaultInitiatingInterfaceID, RegionID: region, OwnerUID: acct, RouterID: DefaultRouterID,
					Role: RoleInitiatingSide, Name: "demo-initiator", Description: "connect me",
					OppositeInterfaceID: DefaultAcceptingInterfaceID, OppositeRouterID: DefaultPeerRouterID,
					OppositeRouterType: RouterTypeVRouter, OppositeInterfaceOwnerID: acct, OppositeRegionID: region,
				},
				{
					ID: DefaultAcceptingInterfaceID, RegionID: region, OwnerUID: acct, RouterID: DefaultPeerRouterID,
					Role: RoleAcceptingSide, Name: "demo-acceptor",
					OppositeInterfaceID: DefaultInitiatingInterfaceID, OppositeRouterID: DefaultRouterID,
					OppositeRouterType: RouterTypeVRouter, OppositeInterfaceOwnerID: acct, OppositeRegionID: region,
				},
				{
					ID: DefaultSecondAcceptingInterfaceID, RegionID: region, OwnerUID: acct, RouterID: DefaultThirdRouterID,
					Role: RoleAcceptingSide, Name: "demo-second-acceptor",
				},
			},
			VPCs: []VPCFixture{{
				ID: DefaultVpcID, RegionID: region, OwnerUID: acct,
				RouteTables: []RouteTableFixture{
					{
						ID: DefaultSystemRouteTableID, Type: RouteTableTypeSystem,
						Entries: []RouteEntryFixture{
							{ID: "rte-bp1cloudsim00000001", Destination: DefaultRouteCIDR1, NextHopType: "Instance", NextHopID: "i-bp1cloudsimecs00001"},
							{ID: "rte-bp1cloudsim00000002", Destination: DefaultRouteCIDR2, NextHopType: "NetworkInterface", NextHopID: "eni-bp1cloudsim000001"},
							{ID: "rte-bp1cloudsim00000003", Destination: DefaultRouteCIDR3, NextHopType: "HaVip", NextHopID: "havip-bp1cloudsim0001"},
							{ID: "rte-bp1cloudsim00000004", Destination: DefaultSystemRouteCIDR, Type: RouteEntryTypeSystem, NextHopType: "local"},
							{ID: "rte-bp1cloudsim00000005", Destination: DefaultVpnNextHopRouteCIDR, NextHopType: "VpnGateway", NextHopID: "vpn-bp1cloudsim00001"},
							{ID: "rte-bp1cloudsim00000006", Destination: DefaultPrefixListRouteDest, NextHopType: "Instance", NextHopID: "i-bp1cloudsimecs00001"},
							{ID: "rte-bp1cloudsim00000008", Destination: DefaultIPv6RouteCIDR, NextHopType: "Ipv6Gateway", NextHopID: "ipv6gw-bp1cloudsim0001"},
						},
					},
					{
						ID: DefaultCustomRouteTableID, Type: RouteTableTypeCustom,
						Entries: []RouteEntryFixture{
							{ID: "rte-bp1cloudsim00000007", Destination: DefaultCustomTableRouteCIDR, NextHopType: "Instance", NextHopID: "i-bp1cloudsimecs00001"},
						},
					},
				},
			}},
			ECRs: []ECRFixture{{
				ID: DefaultECRID, OwnerUID: acct, TransitRouterID: DefaultTransitRouterID, ASN: 45104,
				AssociatedVPCs: []string{DefaultVpcID},
			}},
			VpnConnections: []VpnConnectionFixture{{
				ID: DefaultVpnConnectionID, RegionID: region, OwnerUID: acct, State: "attached",
				Status: "ipsec_sa_established", TransitRouterID: DefaultTransitRouterID, CenID: DefaultCenID,
				CustomRoutes: []VcoRouteFixture{
					{Dest: DefaultVpnCustomRoute1, Weight: 100, State: "published"},
					{Dest: DefaultVpnCustomRoute2, Weight: 0, State: "published"},
				},
				BgpRoutes: []VcoRouteFixture{
					{Dest: DefaultVpnLearnedRoute, NextHop: "10.0.0.1", State: "Active", AsPath: "[65001]", Community: "65001:100"},
				},
				Authorizations: []CrossAccountAuthorizationSeed{
					{BindUID: DefaultPeerAccountUID, BindProduct: "CEN", BindInstance: DefaultCenID, CreatedBefore: D(48 * time.Hour)},
				},
			}},
		},
		Huawei: HuaweiFixture{
			Credentials: []HuaweiCredentialFixture{
				{AK: DefaultHuaweiAK, SK: DefaultHuaweiSK, ProjectID: DefaultHuaweiProjectID, Projects: []string{DefaultHuaweiSecondProjectID}},
			},
			Tokens: []HuaweiTokenFixture{
				{Token: DefaultHuaweiToken, ProjectID: DefaultHuaweiProjectID},
			},
			Gateways: []GatewayFixture{
				{
					ID: DefaultAPIGInstanceID, ProjectID: DefaultHuaweiProjectID,
					Connections: []EndpointConnectionFixture{
						{ID: DefaultEndpointConnectionAcceptedID, MarkerID: 167960098, DomainID: DefaultHuaweiDomainID, Status: EndpointAccepted, CreatedBefore: D(72 * time.Hour)},
						{ID: DefaultEndpointConnectionPendingID, MarkerID: 167960099, DomainID: DefaultHuaweiDomainID, Status: EndpointPendingAcceptance, Becomes: EndpointAccepted, After: D(DefaultEndpointPendingDelay), CreatedBefore: D(time.Hour)},
						{ID: DefaultEndpointConnectionSlowID, MarkerID: 167960100, DomainID: DefaultHuaweiDomainID, Status: EndpointPendingAcceptance, Becomes: EndpointAccepted, After: D(DefaultEndpointSlowDelay), CreatedBefore: D(time.Hour)},
						{ID: DefaultEndpointConnectionRejectedID, MarkerID: 167960101, DomainID: DefaultHuaweiDomainID, Status: EndpointRejected, CreatedBefore: D(24 * time.Hour)},
					},
				},
				{
					ID: DefaultAPIGChangeInstanceID, ProjectID: DefaultHuaweiProjectID,
					Connections: []EndpointConnectionFixture{
						{ID: DefaultEndpointConnectionAwaitingID, MarkerID: 167960110, DomainID: DefaultHuaweiDomainID, Status: EndpointPendingAcceptance, CreatedBefore: D(time.Hour)},
						{ID: DefaultEndpointConnectionAwaiting2ID, MarkerID: 167960111, DomainID: DefaultHuaweiDomainID, Status: EndpointPendingAcceptance, CreatedBefore: D(time.Hour)},
						{ID: DefaultEndpointConnectionWasRejectedID, MarkerID: 167960112, DomainID: DefaultHuaweiDomainID, Status: EndpointRejected, CreatedBefore: D(24 * time.Hour)},
						{ID: DefaultEndpointConnectionFailedID, MarkerID: 167960113, DomainID: DefaultHuaweiDomainID, Status: EndpointFailed, CreatedBefore: D(24 * time.Hour)},
					},
				},
				{ID: DefaultAPIGNoEndpointServiceInstanceID, ProjectID: DefaultHuaweiProjectID, NoEndpointService: true},
				{ID: DefaultAPIGVpcepFailureInstanceID, ProjectID: DefaultHuaweiProjectID, VpcepFailure: true},
				{
					ID: DefaultAPIGSecondProjectInstanceID, ProjectID: DefaultHuaweiSecondProjectID,
					Connections: []EndpointConnectionFixture{
						{ID: DefaultEndpointConnectionSecondProjectID, MarkerID: 167960102, DomainID: DefaultHuaweiDomainID, Status: EndpointAccepted, CreatedBefore: D(48 * time.Hour)},
					},
				},
			},
		},
	}
}

// MaxGeneratedPairs bounds GenerateFixture: past it the route CIDRs
// (10.100.0.0/24 to 10.255.255.0/24) run out.
const MaxGeneratedPairs = 156 * 256

// GenerateFixture returns DefaultFixture plus n independent load-test
// resources, for many parallel workflows that must not interfere:
// n Idle InitiatingSide/AcceptingSide interface pairs, each pair on its
// own two routers (LoadRouterInterfaceIDs), and n publishable routes in
// the default system route table (LoadRouteCIDR). n is clamped to
// 0..MaxGeneratedPairs.
func GenerateFixture(n int) *Fixture {
	n = max(0, min(n, MaxGeneratedPairs))
	f := DefaultFixture()
	a := &f.Alibaba
	acct, region := DefaultAccountUID, DefaultRegionID
	sys := &a.VPCs[0].RouteTables[0]
	for i := range n {
		ini, acc := LoadRouterInterfaceIDs(i)
		rA, rB := fmt.Sprintf("vrt-load%05da", i), fmt.Sprintf("vrt-load%05db", i)
		a.Routers = append(a.Routers,
			RouterFixture{ID: rA, RegionID: region, OwnerUID: acct, Type: RouterTypeVRouter, VpcID: fmt.Sprintf("vpc-load%05da", i)},
			RouterFixture{ID: rB, RegionID: region, OwnerUID: acct, Type: RouterTypeVRouter, VpcID: fmt.Sprintf("vpc-load%05db", i)},
		)
		a.RouterInterfaces = append(a.RouterInterfaces,
			RouterInterfaceFixture{
				ID: ini, RegionID: region, OwnerUID: acct, RouterID: rA, Role: RoleInitiatingSide,
				Name: fmt.Sprintf("load-%05d-initiator", i), OppositeInterfaceID: acc, OppositeRouterID: rB,
				OppositeRouterType: RouterTypeVRouter, OppositeInterfaceOwnerID: acct,
			},
			RouterInterfaceFixture{
				ID: acc, RegionID: region, OwnerUID: acct, RouterID: rB, Role: RoleAcceptingSide,
				Name: fmt.Sprintf("load-%05d-acceptor", i), OppositeInterfaceID: ini, OppositeRouterID: rA,
				OppositeRouterType: RouterTypeVRouter, OppositeInterfaceOwnerID: acct,
			},
		)
		sys.Entries = append(sys.Entries, RouteEntryFixture{
			ID: fmt.Sprintf("rte-load%05d", i), Destination: LoadRouteCIDR(i), NextHopType: "Instance",
			NextHopID: fmt.Sprintf("i-load%05d", i),
		})
	}
	return f
}

// LoadRouterInterfaceIDs returns the IDs of the i-th generated pair.
func LoadRouterInterfaceIDs(i int) (initiating, accepting string) {
	return fmt.Sprintf("ri-load%05di", i), fmt.Sprintf("ri-load%05da", i)
}

// LoadRouteCIDR returns the destination of the i-th generated route,
// 10.100.0.0/24, 10.100.1.0/24, ... in the default system route table.
func LoadRouteCIDR(i int) string {
	return fmt.Sprintf("10.%d.%d.0/24", 100+i/256, i%256)
}
