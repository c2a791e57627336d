package cloudsim

import (
	"maps"
	"slices"
	"strconv"
	"time"
)

// Enumerated values used on the wire and in fixtures.
const (
	RoleInitiatingSide = "InitiatingSide"
	RoleAcceptingSide  = "AcceptingSide"

	RouterTypeVRouter = "VRouter"
	RouterTypeVBR     = "VBR"

	RouterInterfaceIdle                = "Idle"
	RouterInterfaceConnecting          = "Connecting"
	RouterInterfaceAcceptingConnecting = "AcceptingConnecting"
	RouterInterfaceActivating          = "Activating"
	RouterInterfaceActive              = "Active"
	RouterInterfaceModifying           = "Modifying"
	RouterInterfaceDeactivating        = "Deactivating"
	RouterInterfaceInactive            = "Inactive"
	RouterInterfaceDeleting            = "Deleting"
	RouterInterfaceDeleted             = "Deleted"

	RouteTableTypeSystem = "System"
	RouteTableTypeCustom = "Custom"

	RouteEntryTypeSystem = "System"
	RouteEntryTypeCustom = "Custom"

	ResourceAvailable = "Available"

	PublishStatusPublished    = "Published"
	PublishStatusPublishing   = "Publishing"
	PublishStatusNonPublished = "NonPublished"
	PublishStatusWithdrawing  = "Withdrawing"

	PublishTargetECR = "ECR"

	EndpointPendingAcceptance = "pendingAcceptance"
	EndpointCreating          = "creating"
	EndpointAccepted          = "accepted"
	EndpointRejected          = "rejected"
	EndpointFailed            = "failed"
	EndpointDeleting          = "deleting"
)

var knownRouterInterfaceStatus = map[string]bool{
	RouterInterfaceIdle: true, RouterInterfaceConnecting: true, RouterInterfaceAcceptingConnecting: true,
	RouterInterfaceActivating: true, RouterInterfaceActive: true, RouterInterfaceModifying: true,
	RouterInterfaceDeactivating: true, RouterInterfaceInactive: true, RouterInterfaceDeleting: true,
	RouterInterfaceDeleted: true,
}

var knownEndpointConnectionStatus = map[string]bool{
	EndpointPendingAcceptance: true, EndpointCreating: true, EndpointAccepted: true,
	EndpointRejected: true, EndpointFailed: true, EndpointDeleting: true,
}

// publishableNextHops are the next-hop types a route may have to be
// published to an ECR; every other type answers
// OperationUnsupported.UnsupportedNextHop.
var publishableNextHops = map[string]bool{
	"Instance": true, "NetworkInterface": true, "HaVip": true, "RouterInterface": true, "Ipv6Gateway": true,
}

// pendingTransition is a status change that completes at a simulated time.
type pendingTransition struct {
	to string
	at time.Time
}

type account struct {
	uid              string
	bid              string
	billsOutstanding bool
	financialLocked  bool
}

type accessKey struct {
	id, secret    string
	accountUID    string
	ramUser       bool
	deniedActions map[string]bool
	// policy, when set, is the RAM policy the key is bound to.
	policy *RAMPolicy
}

type router struct {
	RouterFixture
}

type routerInterface struct {
	RouterInterfaceFixture
	routerType    string
	vpcInstanceID string
	created       time.Time
	connected     time.Time // zero until first Active after a connect
	activeSince   time.Time
	pending       *pendingTransition
}

type vpcInstance struct {
	id, regionID, ownerUID, status string
	tables                         []*routeTable
}

type routeTable struct {
	id, tableType, status string
	vpc                   *vpcInstance
	entries               []*routeEntry
}

type routeEntry struct {
	id, destination, entryType, nextHopType, nextHopID, status string
	table                                                      *routeTable
	targets                                                    map[string]*publishState // ECR ID -> state
}

type publishState struct {
	status  string
	since   time.Time // when status was reached
	pending *pendingTransition
}

type ecr struct {
	ECRFixture
	associated map[string]bool
}

type vpnConnection struct {
	VpnConnectionFixture
	created        time.Time
	authorizations []crossAccountAuthorization
}

type huaweiCredential struct {
	secret   string          // SK; empty for tokens
	projects map[string]bool // the projects it may act in
	denied   bool
	policy   *IAMPolicy // when set, the APIs it may call
}

// mayUse reports whether the credential may act in the project of a path.
func (c *huaweiCredential) mayUse(projectID string) bool { return c.projects[projectID] }

// mayCall reports whether the credential may call the APIG API api in
// the project of a path.
func (c *huaweiCredential) mayCall(api, projectID string) bool {
	return !c.denied && c.mayUse(projectID) && (c.policy == nil || c.policy.Allows(api))
}

type gateway struct {
	GatewayFixture
	connections []*endpointConnection
}

type endpointConnection struct {
	id        string
	markerID  int32
	domainID  string
	status    string
	created   time.Time
	updated   time.Time
	pending   *pendingTransition
	gatewayID string
}

// world is the whole simulated cloud. It is only touched with Server.mu
// held, and settle(now) is called before every read or write so that
// transitions due by now have happened.
type world struct {
	start  time.Time
	delays Delays

	regions    map[string]bool
	accounts   map[string]*account
	accessKeys map[string]*accessKey
	routers    map[string]*router
	interfaces map[string]*routerInterface
	riOrder    []*routerInterface
	vpcs       map[string]*vpcInstance
	vpcOrder   []*vpcInstance
	tables     map[string]*routeTable
	ecrs       map[string]*ecr
	ecrOrder   []*ecr
	vcos       map[string]*vpnConnection
	vcoOrder   []*vpnConnection

	huaweiAKs    map[string]*huaweiCredential
	huaweiTokens map[string]*huaweiCredential
	gateways     map[string]*gateway

	// fallInactive holds router interfaces that drop to Inactive a while
	// after being Active (scripted fault); stuck holds resource IDs whose
	// transitions do not complete.
	fallInactive map[string]fallInactiveRule
	stuck        map[string]bool

	// The resources with a transition still to come: settle, which runs on
	// every request, looks only at them rather than at every resource of
	// a fixture of thousands.
	unsettledInterfaces map[*routerInterface]bool
	unsettledRoutes     map[*routeEntry]bool
	// heldInterfaces are those whose due transition a stuck fault holds:
	// settle leaves them alone until the stuck faults are replaced
	// (releaseHeld), so 10,000 held interfaces cost a request nothing.
	heldInterfaces       map[*routerInterface]bool
	unsettledConnections map[*endpointConnection]bool
}

type fallInactiveRule struct {
	after time.Duration
	setAt time.Time
}

// newWorld builds the runtime state from a validated fixture. start is the
// simulated time the fixture describes; fixture-relative delays count from
// it.
func newWorld(f *Fixture, start time.Time) *world {
	w := &world{
		start:        start,
		delays:       f.Delays.withDefaults(),
		regions:      map[string]bool{},
		accounts:     map[string]*account{},
		accessKeys:   map[string]*accessKey{},
		routers:      map[string]*router{},
		interfaces:   map[string]*routerInterface{},
		vpcs:         map[string]*vpcInstance{},
		tables:       map[string]*routeTable{},
		ecrs:         map[string]*ecr{},
		vcos:         map[string]*vpnConnection{},
		huaweiAKs:    map[string]*huaweiCredential{},
		huaweiTokens: map[string]*huaweiCredential{},
		gateways:     map[string]*gateway{},
		fallInactive: map[string]fallInactiveRule{},
		stuck:        map[string]bool{},

		unsettledInterfaces:  map[*routerInterface]bool{},
		heldInterfaces:       map[*routerInterface]bool{},
		unsettledRoutes:      map[*routeEntry]bool{},
		unsettledConnections: map[*endpointConnection]bool{},
	}
	// Resources "exist" since a day before the start so creation times
	// look like the past.
	created := start.Add(-24 * time.Hour)

	a := f.Alibaba
	for _, r := range a.Regions {
		w.regions[r] = true
	}
	for _, acc := range a.Accounts {
		bid := acc.BID
		if bid == "" {
			bid = "26842"
		}
		w.accounts[acc.UID] = &account{uid: acc.UID, bid: bid, billsOutstanding: acc.BillsOutstanding, financialLocked: acc.FinancialLocked}
	}
	for _, k := range a.AccessKeys {
		denied := map[string]bool{}
		for _, d := range k.DeniedActions {
			denied[d] = true
		}
		w.accessKeys[k.ID] = &accessKey{id: k.ID, secret: k.Secret, accountUID: k.AccountUID, ramUser: k.RAMUser, deniedActions: denied, policy: k.Policy}
	}
	for _, r := range a.Routers {
		w.routers[r.ID] = &router{RouterFixture: r}
	}
	for _, fri := range a.RouterInterfaces {
		ri := &routerInterface{RouterInterfaceFixture: fri, created: created}
		if ri.Status == "" {
			ri.Status = RouterInterfaceIdle
		}
		if ri.Spec == "" {
			ri.Spec = "Large.2"
		}
		if ri.Bandwidth == 0 {
			ri.Bandwidth = 2048
		}
		if r := w.routers[ri.RouterID]; r != nil {
			ri.routerType = r.Type
			ri.vpcInstanceID = r.VpcID
		}
		if ri.Status == RouterInterfaceActive {
			ri.connected = created
			ri.activeSince = created
		}
		w.interfaces[ri.ID] = ri
		w.riOrder = append(w.riOrder, ri)
	}
	for _, fv := range a.VPCs {
		v := &vpcInstance{id: fv.ID, regionID: fv.RegionID, ownerUID: fv.OwnerUID, status: defaultString(fv.Status, ResourceAvailable)}
		for _, ft := range fv.RouteTables {
			t := &routeTable{id: ft.ID, tableType: ft.Type, status: defaultString(ft.Status, ResourceAvailable), vpc: v}
			for _, fe := range ft.Entries {
				e := &routeEntry{
					id: fe.ID, destination: fe.Destination, entryType: defaultString(fe.Type, RouteEntryTypeCustom),
					nextHopType: fe.NextHopType, nextHopID: fe.NextHopID, status: defaultString(fe.Status, ResourceAvailable),
					table: t, targets: map[string]*publishState{},
				}
				for _, target := range fe.PublishedTo {
					e.targets[target] = &publishState{status: PublishStatusPublished, since: created}
				}
				t.entries = append(t.entries, e)
			}
			v.tables = append(v.tables, t)
			w.tables[t.id] = t
		}
		w.vpcs[v.id] = v
		w.vpcOrder = append(w.vpcOrder, v)
	}
	for _, fe := range a.ECRs {
		e := &ecr{ECRFixture: fe, associated: map[string]bool{}}
		if e.ASN == 0 {
			e.ASN = 45104
		}
		for _, v := range fe.AssociatedVPCs {
			e.associated[v] = true
		}
		w.ecrs[e.ID] = e
		w.ecrOrder = append(w.ecrOrder, e)
	}
	for _, fc := range a.VpnConnections {
		c := &vpnConnection{VpnConnectionFixture: fc, created: created}
		c.State = defaultString(c.State, "attached")
		c.Status = defaultString(c.Status, "ipsec_sa_established")
		for _, a := range fc.Authorizations {
			c.authorizations = append(c.authorizations, newCrossAccountAuthorization(a, start.Add(-a.CreatedBefore.Std())))
		}
		// authorizations replaces the seed's list, which would otherwise
		// be a second, stale copy once AddCrossAccountAuthorization adds.
		c.Authorizations = nil
		w.vcos[c.ID] = c
		w.vcoOrder = append(w.vcoOrder, c)
	}

	h := f.Huawei
	for _, c := range h.Credentials {
		projects := map[string]bool{c.ProjectID: true}
		for _, p := range c.Projects {
			projects[p] = true
		}
		w.huaweiAKs[c.AK] = &huaweiCredential{secret: c.SK, projects: projects, denied: c.Denied, policy: c.Policy}
	}
	for _, t := range h.Tokens {
		// An IAM token is scoped to one project.
		w.huaweiTokens[t.Token] = &huaweiCredential{projects: map[string]bool{t.ProjectID: true}, denied: t.Denied}
	}
	for _, fg := range h.Gateways {
		g := &gateway{GatewayFixture: fg}
		for _, fc := range fg.Connections {
			c := &endpointConnection{
				id: fc.ID, markerID: fc.MarkerID, domainID: fc.DomainID,
				status:    defaultString(fc.Status, EndpointPendingAcceptance),
				created:   start.Add(-fc.CreatedBefore.Std()),
				gatewayID: fg.ID,
			}
			if fc.CreatedBefore == 0 {
				c.created = created
			}
			c.updated = c.created
			if fc.Becomes != "" {
				c.pending = &pendingTransition{to: fc.Becomes, at: start.Add(fc.After.Std())}
				w.unsettledConnections[c] = true
			}
			g.connections = append(g.connections, c)
		}
		w.gateways[g.ID] = g
	}
	return w
}

func defaultString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// settle applies every transition due at or before now, so that lazily
// evaluated state equals what a background process would have produced.
// Each resource's transitions depend on its own state only, so the order in
// which resources are settled does not matter.
func (w *world) settle(now time.Time) {
	for ri := range w.unsettledInterfaces {
		if p := ri.pending; p != nil && !p.at.After(now) && w.holds(ri) {
			delete(w.unsettledInterfaces, ri)
			w.heldInterfaces[ri] = true
			continue
		}
		w.settleRouterInterface(ri, now)
		if ri.pending == nil {
			delete(w.unsettledInterfaces, ri)
		}
	}
	for id := range w.fallInactive {
		if ri := w.interfaces[id]; ri != nil {
			w.settleRouterInterface(ri, now)
		}
	}
	for e := range w.unsettledRoutes {
		waiting := false
		for _, st := range e.targets {
			if st.pending != nil && !st.pending.at.After(now) && !w.stuck[e.id] {
				st.status = st.pending.to
				st.since = st.pending.at
				st.pending = nil
			}
			waiting = waiting || st.pending != nil
		}
		if !waiting {
			delete(w.unsettledRoutes, e)
		}
	}
	for c := range w.unsettledConnections {
		if c.pending != nil && !c.pending.at.After(now) && !w.stuck[c.id] {
			c.status = c.pending.to
			c.updated = c.pending.at
			c.pending = nil
		}
		if c.pending == nil {
			delete(w.unsettledConnections, c)
		}
	}
}

// holds tells whether a stuck fault holds ri's transitions (its own, or
// its opposite's: the connection is one).
func (w *world) holds(ri *routerInterface) bool {
	return w.stuck[ri.ID] || w.stuck[ri.OppositeInterfaceID]
}

// releaseHeld gives the held interfaces back to settle, after the stuck
// faults changed.
func (w *world) releaseHeld() {
	for ri := range w.heldInterfaces {
		w.unsettledInterfaces[ri] = true
	}
	clear(w.heldInterfaces)
}

func (w *world) settleRouterInterface(ri *routerInterface, now time.Time) {
	if p := ri.pending; p != nil && !p.at.After(now) && !w.holds(ri) {
		ri.Status = p.to
		ri.pending = nil
		if ri.Status == RouterInterfaceActive {
			ri.activeSince = p.at
			if ri.connected.IsZero() {
				ri.connected = p.at
			}
		}
	}
	if rule, ok := w.fallInactive[ri.ID]; ok && ri.Status == RouterInterfaceActive && ri.pending == nil {
		from := ri.activeSince
		if rule.setAt.After(from) {
			from = rule.setAt
		}
		if fallAt := from.Add(rule.after); !fallAt.After(now) {
			ri.Status = RouterInterfaceInactive
			delete(w.fallInactive, ri.ID) // one-shot: a later Activate sticks
		}
	}
}

// regionKnown reports whether a RegionId exists.
func (w *world) regionKnown(id string) bool { return w.regions[id] }

// interfaceOf finds a router interface visible to the caller's account in
// the region.
func (w *world) interfaceOf(regionID, accountUID, id string) *routerInterface {
	ri := w.interfaces[id]
	if ri == nil || ri.RegionID != regionID || ri.OwnerUID != accountUID {
		return nil
	}
	return ri
}

// publishedRoutesVia lists the route entries currently Published to ECRs
// attached to the transit router, which a VPN connection attached to the
// same transit router learns as BGP routes. Order is stable: by ECR, then
// by VPC and table order.
func (w *world) publishedRoutesVia(transitRouterID string) []learnedRoute {
	if transitRouterID == "" {
		return nil
	}
	var out []learnedRoute
	for _, e := range w.ecrOrder {
		if e.TransitRouterID != transitRouterID {
			continue
		}
		for _, v := range w.vpcOrder {
			if !e.associated[v.id] {
				continue
			}
			for _, t := range v.tables {
				for _, re := range t.entries {
					if st := re.targets[e.ID]; st != nil && st.status == PublishStatusPublished {
						out = append(out, learnedRoute{dest: re.destination, since: st.since, ecr: e})
					}
				}
			}
		}
	}
	// A destination learned through two ECRs is one BGP route; keep the
	// earliest.
	slices.SortStableFunc(out, func(a, b learnedRoute) int { return a.since.Compare(b.since) })
	seen := map[string]bool{}
	dedup := out[:0]
	for _, r := range out {
		if !seen[r.dest] {
			seen[r.dest] = true
			dedup = append(dedup, r)
		}
	}
	return dedup
}

type learnedRoute struct {
	dest  string
	since time.Time
	ecr   *ecr
}

func (r learnedRoute) asPath() string { return "[" + strconv.FormatInt(r.ecr.ASN, 10) + "]" }

func sortedKeys(m map[string]string) []string { return sortedKeysOf(m) }

func sortedKeysOf[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
