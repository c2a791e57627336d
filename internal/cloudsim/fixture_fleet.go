package cloudsim

import "fmt"

// FleetFixtureSpec shapes the resources GenerateFleetFixture adds for a
// fleet of changes.
type FleetFixtureSpec struct {
	// Prefix starts every ID of the fleet: ri-<prefix>00000i, ...
	// (default "fleet"), so several fleets can be in one fixture.
	Prefix string
	// Changes is the number of changes: each an Idle interface pair on two
	// routers of its own VPCs, and one publishable route in its VPC's
	// system route table; every VPC is associated with DefaultECRID.
	Changes int
	// SharedTables of the changes, the first ones, publish two by two
	// from one route table: changes 0 and 1 from 0's table, 2 and 3 from
	// 2's, and so on.
	SharedTables int
	// HubChanges changes, the next ones, initiate on one router,
	// FleetHubRouterID (each to a peer router of its own).
	HubChanges int
}

// prefix is the spec's Prefix, or "fleet".
func (spec FleetFixtureSpec) prefix() string {
	if spec.Prefix == "" {
		return "fleet"
	}
	return spec.Prefix
}

// HubRouterID is the router the hub changes of the fleet initiate on.
func (spec FleetFixtureSpec) HubRouterID() string { return "vrt-" + spec.prefix() + "hub" }

// FleetChange names the resources of the i-th change of a fleet fixture:
// its InitiatingSide interface, the route table it publishes from and the
// route's destination.
func FleetChange(spec FleetFixtureSpec, i int) (initiating, routeTable, cidr string) {
	table := i
	if i < spec.SharedTables {
		table = i - i%2
	}
	p := spec.prefix()
	return fmt.Sprintf("ri-%s%05di", p, i), fmt.Sprintf("vtb-%s%05d", p, table), fmt.Sprintf("10.%d.%d.0/24", spec.firstOctet()+i/256, i%256)
}

// firstOctet is the second octet of the fleet's first route: fleets of
// different prefixes get different ranges (10.200.0.0/24 for "fleet").
func (spec FleetFixtureSpec) firstOctet() int {
	if spec.prefix() == "fleet" {
		return 200
	}
	return 160
}

// GenerateFleetFixture returns DefaultFixture plus the resources of each
// fleet as its spec shapes it (Changes clamped to 0..MaxFleetFixture; two
// fleets need different prefixes, and at most one may be "fleet").
func GenerateFleetFixture(specs ...FleetFixtureSpec) *Fixture {
	f := DefaultFixture()
	for _, spec := range specs {
		addFleet(&f.Alibaba, spec)
	}
	return f
}

// MaxFleetFixture bounds a fleet fixture's changes: their routes fill
// 10.200.0.0/13 (10.160.0.0/13 for other prefixes).
const MaxFleetFixture = 2048

func addFleet(a *AlibabaFixture, spec FleetFixtureSpec) {
	spec.Changes = max(0, min(spec.Changes, MaxFleetFixture))
	p := spec.prefix()
	acct, region := DefaultAccountUID, DefaultRegionID
	ecr := &a.ECRs[0]
	if spec.HubChanges > 0 {
		a.Routers = append(a.Routers, RouterFixture{ID: spec.HubRouterID(), RegionID: region, OwnerUID: acct, Type: RouterTypeVRouter, VpcID: "vpc-" + p + "hub"})
	}
	tableVPC := map[string]int{} // a route table's VPC, by its index in a.VPCs
	for i := range spec.Changes {
		ini, tableID, cidr := FleetChange(spec, i)
		acc := fmt.Sprintf("ri-%s%05da", p, i)
		vpcA, vpcB := fmt.Sprintf("vpc-%s%05da", p, i), fmt.Sprintf("vpc-%s%05db", p, i)
		rA, rB := fmt.Sprintf("vrt-%s%05da", p, i), fmt.Sprintf("vrt-%s%05db", p, i)
		a.Routers = append(a.Routers,
			RouterFixture{ID: rA, RegionID: region, OwnerUID: acct, Type: RouterTypeVRouter, VpcID: vpcA},
			RouterFixture{ID: rB, RegionID: region, OwnerUID: acct, Type: RouterTypeVRouter, VpcID: vpcB})
		if i >= spec.SharedTables && i < spec.SharedTables+spec.HubChanges {
			rA = spec.HubRouterID()
		}
		a.RouterInterfaces = append(a.RouterInterfaces,
			RouterInterfaceFixture{ID: ini, RegionID: region, OwnerUID: acct, RouterID: rA, Role: RoleInitiatingSide,
				Name: fmt.Sprintf("%s-%05d-initiator", p, i), OppositeInterfaceID: acc, OppositeRouterID: rB,
				OppositeRouterType: RouterTypeVRouter, OppositeInterfaceOwnerID: acct},
			RouterInterfaceFixture{ID: acc, RegionID: region, OwnerUID: acct, RouterID: rB, Role: RoleAcceptingSide,
				Name: fmt.Sprintf("%s-%05d-acceptor", p, i), OppositeInterfaceID: ini, OppositeRouterID: rA,
				OppositeRouterType: RouterTypeVRouter, OppositeInterfaceOwnerID: acct})
		if _, ok := tableVPC[tableID]; !ok {
			tableVPC[tableID] = len(a.VPCs)
			a.VPCs = append(a.VPCs, VPCFixture{ID: vpcA, RegionID: region, OwnerUID: acct,
				RouteTables: []RouteTableFixture{{ID: tableID, Type: RouteTableTypeSystem}}})
			ecr.AssociatedVPCs = append(ecr.AssociatedVPCs, vpcA)
		}
		t := &a.VPCs[tableVPC[tableID]].RouteTables[0]
		t.Entries = append(t.Entries, RouteEntryFixture{ID: fmt.Sprintf("rte-%s%05d", p, i), Destination: cidr,
			NextHopType: "Instance", NextHopID: fmt.Sprintf("i-%s%05d", p, i)})
	}
}

// DemoFleet is the fleet the dev stack adds to the default fixture, for
// docs/examples/fleet.yaml.
var DemoFleet = FleetFixtureSpec{Changes: 6, SharedTables: 2, HubChanges: 2}
