package cloudsim

import "time"

// State is a snapshot of the simulated resources whose status changes,
// with every transition due by Now applied. GET /_cloudsim/state answers it
// as JSON.
type State struct {
	Now                 time.Time                 `json:"now"`
	RouterInterfaces    []RouterInterfaceState    `json:"routerInterfaces"`
	RouteEntries        []RouteEntryState         `json:"routeEntries"`
	VpnConnections      []VpnConnectionState      `json:"vpnConnections"`
	EndpointConnections []EndpointConnectionState `json:"endpointConnections"`
}

// RouterInterfaceState is one router interface.
type RouterInterfaceState struct {
	ID                  string    `json:"id"`
	RegionID            string    `json:"regionId"`
	OwnerUID            string    `json:"ownerUid"`
	RouterID            string    `json:"routerId"`
	Role                string    `json:"role"`
	Status              string    `json:"status"`
	OppositeInterfaceID string    `json:"oppositeInterfaceId,omitempty"`
	PendingStatus       string    `json:"pendingStatus,omitempty"`
	PendingAt           time.Time `json:"pendingAt,omitzero"`
	ConnectedTime       time.Time `json:"connectedTime,omitzero"`
}

// RouteEntryState is one route entry and its publish status per target.
type RouteEntryState struct {
	RouteTableID string `json:"routeTableId"`
	RouteEntryID string `json:"routeEntryId"`
	Destination  string `json:"destination"`
	Type         string `json:"type"`
	NextHopType  string `json:"nextHopType"`
	Status       string `json:"status"`
	// Publish maps an ECR ID to PublishStatus; absent means NonPublished.
	Publish map[string]string `json:"publish,omitempty"`
}

// VpnConnectionState is one VPN connection with its routes.
type VpnConnectionState struct {
	ID              string   `json:"id"`
	State           string   `json:"state"`
	TransitRouterID string   `json:"transitRouterId,omitempty"`
	CustomRoutes    []string `json:"customRoutes"`
	// BgpRoutes lists the destinations learned, from the data center and
	// from the transit router.
	BgpRoutes []string `json:"bgpRoutes"`
}

// EndpointConnectionState is one APIG VPC endpoint connection.
type EndpointConnectionState struct {
	GatewayID string `json:"gatewayId"`
	ID        string `json:"id"`
	MarkerID  int32  `json:"markerId"`
	Status    string `json:"status"`
}

// State returns a snapshot of the simulated resources at the clock's
// current time.
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	w := s.world
	w.settle(now)
	st := State{
		Now:                 now,
		RouterInterfaces:    []RouterInterfaceState{},
		RouteEntries:        []RouteEntryState{},
		VpnConnections:      []VpnConnectionState{},
		EndpointConnections: []EndpointConnectionState{},
	}
	for _, ri := range w.riOrder {
		rs := RouterInterfaceState{
			ID: ri.ID, RegionID: ri.RegionID, OwnerUID: ri.OwnerUID, RouterID: ri.RouterID, Role: ri.Role,
			Status: ri.Status, OppositeInterfaceID: ri.OppositeInterfaceID, ConnectedTime: ri.connected,
		}
		if ri.pending != nil {
			rs.PendingStatus, rs.PendingAt = ri.pending.to, ri.pending.at
		}
		st.RouterInterfaces = append(st.RouterInterfaces, rs)
	}
	for _, v := range w.vpcOrder {
		for _, t := range v.tables {
			for _, e := range t.entries {
				es := RouteEntryState{
					RouteTableID: t.id, RouteEntryID: e.id, Destination: e.destination, Type: e.entryType,
					NextHopType: e.nextHopType, Status: e.status,
				}
				for target, ps := range e.targets {
					if es.Publish == nil {
						es.Publish = map[string]string{}
					}
					es.Publish[target] = ps.status
				}
				st.RouteEntries = append(st.RouteEntries, es)
			}
		}
	}
	for _, c := range w.vcoOrder {
		vs := VpnConnectionState{ID: c.ID, State: c.State, TransitRouterID: c.TransitRouterID, CustomRoutes: []string{}, BgpRoutes: []string{}}
		for _, r := range w.vcoRoutes(c, vcoRouteCustom) {
			vs.CustomRoutes = append(vs.CustomRoutes, r.RouteDest)
		}
		for _, r := range w.vcoRoutes(c, vcoRouteBgp) {
			vs.BgpRoutes = append(vs.BgpRoutes, r.RouteDest)
		}
		st.VpnConnections = append(st.VpnConnections, vs)
	}
	for _, id := range sortedKeysOf(w.gateways) {
		for _, c := range w.gateways[id].connections {
			st.EndpointConnections = append(st.EndpointConnections, EndpointConnectionState{
				GatewayID: id, ID: c.id, MarkerID: c.markerID, Status: c.status,
			})
		}
	}
	return st
}
