package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/simclients"
)

// benchFixture is cloudsim.GenerateFixture(n), with each pair's route moved
// into a route table of its own (in the default VPC), and with its own ECR
// (associated with that VPC, on a transit router of its own) and VPN
// connection (attached to that transit router, authorized for the default
// CEN). Change i publishes route i to ECR i and verifies it on VPN
// connection i: every change is independent, and its reads see one route
// table and one VPN connection of normal size. (One VPC for all: cloudsim's
// ListVpcPublishedRouteEntries looks at every VPC for every ECR, which
// with a VPC per pair would make the emulator, not vpcflow, the cost.)
//
// GenerateFixture itself puts every route in the default system route
// table, and the default fixture has one ECR and one VPN connection: with
// shared set, every change uses those, as simclients.DefaultNetworkChange
// does. Then the publish-status reads page through the whole table (every
// route of the run, 100 a page) and the verify reads page through every
// route published so far (50 a page), so a change's cloud calls grow with
// the size of the run.
//
// delays are the fixture's transition delays; cloudsim treats zero as its
// default (5 s), so "immediate" is 1 ns: done by the next request.
func benchFixture(n int, delays cloudsim.Delays, shared bool) *cloudsim.Fixture {
	f := cloudsim.GenerateFixture(n)
	f.Delays = delays
	if shared {
		return f
	}
	a := &f.Alibaba
	defaultVpc := &a.VPCs[0]
	sys := &defaultVpc.RouteTables[0]
	moved := map[string]cloudsim.RouteEntryFixture{}
	kept := sys.Entries[:0]
	for _, e := range sys.Entries {
		if strings.HasPrefix(e.ID, "rte-load") {
			moved[e.Destination] = e
		} else {
			kept = append(kept, e)
		}
	}
	sys.Entries = kept
	auths := a.VpnConnections[0].Authorizations
	for i := range n {
		tr := fmt.Sprintf("tr-load%05d", i)
		defaultVpc.RouteTables = append(defaultVpc.RouteTables, cloudsim.RouteTableFixture{ID: loadRouteTableID(i), Type: "System",
			Entries: []cloudsim.RouteEntryFixture{moved[cloudsim.LoadRouteCIDR(i)]}})
		a.ECRs = append(a.ECRs, cloudsim.ECRFixture{
			ID: loadECRID(i), OwnerUID: cloudsim.DefaultAccountUID, TransitRouterID: tr, ASN: 45104,
			AssociatedVPCs: []string{defaultVpc.ID},
		})
		a.VpnConnections = append(a.VpnConnections, cloudsim.VpnConnectionFixture{
			ID: loadVpnConnectionID(i), RegionID: cloudsim.DefaultRegionID, OwnerUID: cloudsim.DefaultAccountUID,
			State: "attached", Status: "ipsec_sa_established", TransitRouterID: tr, CenID: cloudsim.DefaultCenID,
			Authorizations: auths,
		})
	}
	return f
}

func loadRouteTableID(i int) string    { return fmt.Sprintf("vtb-load%05d", i) }
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
// DryRun, publish, verify) on the pair's resources.
func networkChange(i int, shared bool) contract.NetworkChangeInput {
	in := simclients.DefaultNetworkChange()
	in.RouterInterfaceId, _ = cloudsim.LoadRouterInterfaceIDs(i)
	in.RouteEntries = []contract.RouteEntry{{RouteTableId: cloudsim.DefaultSystemRouteTableID, DestinationCidrBlock: cloudsim.LoadRouteCIDR(i)}}
	if !shared {
		in.RouteEntries[0].RouteTableId = loadRouteTableID(i)
		in.TargetInstanceId = loadECRID(i)
		in.VpnConnectionId = loadVpnConnectionID(i)
	}
	return in
}

// connectInput is the ConnectRouterInterface change of pair i.
func connectInput(i int) contract.ConnectRouterInterfaceInput {
	id, _ := cloudsim.LoadRouterInterfaceIDs(i)
	return contract.ConnectRouterInterfaceInput{RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: id}
}
