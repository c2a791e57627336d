package main

import (
	"fmt"
	"time"

	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/workflows"
)

// benchFixture is cloudsim.GenerateFixture(n) with, for each pair i, its own
// ECR, transit router and VPN connection (authorized for the default CEN), so
// that change i publishes route i to ECR i and verifies it on VPN connection
// i: every change is independent and its verify reads one page of its own
// routes. With the default fixture's single VPN connection shared by all, a
// verify read pages through every route published so far (up to n/50 pages),
// so the cost of a change would grow with the size of the run (-shared-vpn
// measures that).
//
// delays are the fixture's transition delays; cloudsim treats zero as its
// default (5 s), so "immediate" is 1 ns: done by the next request.
func benchFixture(n int, delays cloudsim.Delays) *cloudsim.Fixture {
	f := cloudsim.GenerateFixture(n)
	f.Delays = delays
	a := &f.Alibaba
	base := a.VpnConnections[0]
	for i := range n {
		ecr, tr, vco := loadECRID(i), fmt.Sprintf("tr-load%05d", i), loadVpnConnectionID(i)
		a.ECRs = append(a.ECRs, cloudsim.ECRFixture{
			ID: ecr, OwnerUID: cloudsim.DefaultAccountUID, TransitRouterID: tr, ASN: 45104,
			AssociatedVPCs: []string{cloudsim.DefaultVpcID},
		})
		a.VpnConnections = append(a.VpnConnections, cloudsim.VpnConnectionFixture{
			ID: vco, RegionID: cloudsim.DefaultRegionID, OwnerUID: cloudsim.DefaultAccountUID, State: "attached",
			Status: "ipsec_sa_established", TransitRouterID: tr, CenID: cloudsim.DefaultCenID,
			Authorizations: base.Authorizations,
		})
	}
	return f
}

func loadECRID(i int) string           { return fmt.Sprintf("ecr-load%05d", i) }
func loadVpnConnectionID(i int) string { return fmt.Sprintf("vco-load%05d", i) }

// immediate is a fixture's Delays for transitions that complete at once.
func immediate() cloudsim.Delays {
	d := cloudsim.D(time.Nanosecond)
	return cloudsim.Delays{RouterInterfaceConnect: d, RouterInterfaceActivate: d, RouterInterfaceDeactivate: d, RoutePublish: d, RouteWithdraw: d}
}

// withConnect is immediate but for the router interface connect.
func withConnect(d time.Duration) cloudsim.Delays {
	delays := immediate()
	delays.RouterInterfaceConnect = cloudsim.D(d)
	return delays
}

// networkChange is the change of pair i: the default fixture's shape
// (simclients.DefaultNetworkChange: cross-account check, connect, wait,
// DryRun, publish, verify) on the pair's own resources.
func networkChange(i int, sharedVpn bool) workflows.NetworkChangeInput {
	in := simclients.DefaultNetworkChange()
	in.RouterInterfaceId, _ = cloudsim.LoadRouterInterfaceIDs(i)
	in.RouteEntries = []workflows.RouteEntry{{RouteTableId: cloudsim.DefaultSystemRouteTableID, DestinationCidrBlock: cloudsim.LoadRouteCIDR(i)}}
	if !sharedVpn {
		in.TargetInstanceId = loadECRID(i)
		in.VpnConnectionId = loadVpnConnectionID(i)
	}
	return in
}

// connectInput is the ConnectRouterInterface change of pair i.
func connectInput(i int) workflows.ConnectRouterInterfaceInput {
	id, _ := cloudsim.LoadRouterInterfaceIDs(i)
	return workflows.ConnectRouterInterfaceInput{RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: id}
}
