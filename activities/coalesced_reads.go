package activities

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/vpcflow/vpcflow/contract"
)

// The waits of one worker share their reads: a wait asks for what it reads,
// and the asks of the same listing that arrive within the worker's
// ReadWindow of each other (up to busyReadWindow when the listing is asked
// for often) are answered by one read. Router interfaces of
// a region: one DescribeRouterInterfaces call per MaxInterfacesPerRead
// interfaces (the IDs as the values of one RouterInterfaceId filter). A VPN
// connection's routes: one listing of the route types asked for, kept for
// every destination asked for. A thousand waits polling every few seconds
// then cost tens of calls a round, not a thousand. Each wait still keeps its
// own pace, deadline and heartbeat, and resumes on another worker as
// before: only the call is shared.

// DefaultReadWindow is how long a read waits for others to share its call:
// short beside a wait's pace (a second at the least), long enough that
// waits polling at the same moment meet.
const DefaultReadWindow = 100 * time.Millisecond

// A read waits for others only when others ask: asked for fewer than
// sharedAsksPerSecond times in the last second, it is made at once (one
// change at a time pays no window). busyReadWindow is how long a read
// waits when the waits ask for the same listing so often that it fills
// soon: a read of up to MaxInterfacesPerRead interfaces asked for twice
// that many times a second (made as soon as it is full, within half a
// second), any other read asked for busyAsksPerSecond times a second.
// Beside a wait's pace it is little; at a thousand waits it makes the
// reads full.
const (
	sharedAsksPerSecond = 2
	busyReadWindow      = time.Second
	busyAsksPerSecond   = 20
)

// sharedReads gathers asks by key (what one read answers) into batches,
// each read once its window is over, or at once when it is full.
type sharedReads[K comparable, Ask, Answer any] struct {
	mu      sync.Mutex
	pending map[K]*sharedRead[Ask, Answer] // the batch still taking asks, by key
	rates   map[K]*askRate
}

// sharedRead is one read: the asks it answers, then its answer.
type sharedRead[Ask, Answer any] struct {
	asks   []Ask
	full   chan struct{} // closed when the batch is full: read it now
	done   chan struct{}
	answer Answer // set before done is closed
}

// maxAskRates is how many keys' rates are kept before those not asked
// for in the last minute are forgotten.
const maxAskRates = 1024

// askRate counts a key's asks in the current second and the one before.
type askRate struct {
	second      time.Time
	now, before int
}

// add counts an ask at t and returns the asks of the last full second.
func (r *askRate) add(t time.Time) int {
	sec := t.Truncate(time.Second)
	switch {
	case sec.Equal(r.second):
	case sec.Sub(r.second) == time.Second:
		r.second, r.before, r.now = sec, r.now, 0
	default:
		r.second, r.before, r.now = sec, 0, 0
	}
	r.now++
	return max(r.before, r.now)
}

// ask adds ask to key's batch, starting one if there is none, and waits
// for its answer. A batch holds at most capacity asks (0: no bound) and is
// read when full, or after window (busyReadWindow when the key is asked
// for often enough to fill it), with the first ask's context for its
// metrics and spans.
func (s *sharedReads[K, Ask, Answer]) ask(ctx context.Context, key K, ask Ask, window time.Duration, capacity int,
	read func(ctx context.Context, key K, asks []Ask) Answer) (Answer, error) {
	s.mu.Lock()
	if s.pending == nil {
		s.pending = map[K]*sharedRead[Ask, Answer]{}
		s.rates = map[K]*askRate{}
	}
	now := time.Now()
	rate := s.rates[key]
	if rate == nil {
		if len(s.rates) >= maxAskRates { // keys asked for long ago go: a worker runs for months
			for k, r := range s.rates {
				if now.Sub(r.second) > time.Minute {
					delete(s.rates, k)
				}
			}
		}
		rate = &askRate{}
		s.rates[key] = rate
	}
	perSecond := rate.add(now)
	b := s.pending[key]
	if b == nil {
		b = &sharedRead[Ask, Answer]{full: make(chan struct{}), done: make(chan struct{})}
		s.pending[key] = b
		switch {
		case perSecond < sharedAsksPerSecond:
			window = 0 // nobody asks with it: no reason to wait
		case (capacity > 0 && perSecond >= 2*capacity) || (capacity == 0 && perSecond >= busyAsksPerSecond):
			window = max(window, busyReadWindow)
		}
		readCtx := context.WithoutCancel(ctx)
		go func() {
			t := time.NewTimer(window)
			select {
			case <-t.C:
			case <-b.full:
				t.Stop()
			}
			s.mu.Lock()
			if s.pending[key] == b {
				delete(s.pending, key)
			}
			asks := b.asks
			s.mu.Unlock()
			b.answer = read(readCtx, key, asks)
			close(b.done)
		}()
	}
	b.asks = append(b.asks, ask)
	if capacity > 0 && len(b.asks) == capacity {
		delete(s.pending, key) // the next ask starts another
		close(b.full)
	}
	s.mu.Unlock()
	select {
	case <-b.done:
		return b.answer, nil
	case <-ctx.Done():
		var zero Answer
		return zero, ctx.Err()
	}
}

// interfacesRead is what a shared read of router interfaces found, and
// the error of the call that asked for an interface, for each one whose
// call failed.
type interfacesRead struct {
	found      map[string]RouterInterface
	failed     map[string]error
	requestIDs []string
}

// readRouterInterface reads one interface for a wait: through a read
// shared with the worker's other waits when the worker has a ReadWindow,
// alone otherwise.
func (a *CloudActivities) readRouterInterface(ctx context.Context, ref RouterInterfaceRef) (RouterInterface, error) {
	if a.ReadWindow <= 0 {
		return a.describeRouterInterface(ctx, ref)
	}
	read, err := a.interfaces.ask(ctx, ref.RegionId, ref.RouterInterfaceId, a.ReadWindow, MaxInterfacesPerRead, a.readInterfacesTogether)
	if err != nil {
		return RouterInterface{}, err
	}
	if err := read.failed[ref.RouterInterfaceId]; err != nil {
		return RouterInterface{}, err
	}
	ri, ok := read.found[ref.RouterInterfaceId]
	if !ok {
		return RouterInterface{}, refusal("DescribeRouterInterfaces", ref.RouterInterfaceId, RouterInterfaceNotFoundCode,
			"the listing of region "+ref.RegionId+" holds no router interface with this ID", lastOf(read.requestIDs))
	}
	return ri, nil
}

// readInterfacesTogether reads the interfaces asked for in a region,
// MaxInterfacesPerRead a call. A call that fails fails the reads of the
// interfaces it asked for: each of those waits takes it as its own failed
// read (a throttle paces them all); the other calls answer theirs.
func (a *CloudActivities) readInterfacesTogether(ctx context.Context, region string, asked []string) interfacesRead {
	var ids []string
	for _, id := range asked {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	read := interfacesRead{found: make(map[string]RouterInterface, len(ids)), failed: map[string]error{}}
	for start := 0; start < len(ids); start += MaxInterfacesPerRead {
		chunk := ids[start:min(start+MaxInterfacesPerRead, len(ids))]
		found, requestIDs, err := a.describeRouterInterfaces(ctx, region, chunk)
		read.requestIDs = append(read.requestIDs, requestIDs...)
		for _, id := range chunk {
			if err != nil {
				read.failed[id] = err
			}
		}
		for _, ri := range found {
			read.found[ri.RouterInterfaceId] = ri
		}
	}
	return read
}

// vpnListing is what one shared read of a VPN connection's routes lists:
// the connection and the page size.
type vpnListing struct {
	RegionId, VpnConnectionId string
	PageSize                  int
}

// vpnRoutesRead is what a shared read of a VPN connection's routes found,
// for every destination asked for.
type vpnRoutesRead struct {
	routes     []contract.VpnRoute
	requestIDs []string
	err        error
}

// readVpnRoutes reads a VPN connection's routes for a wait: through a read
// shared with the worker's other waits on the connection when the worker
// has a ReadWindow, alone otherwise. It returns the routes of the wait's
// own expected destinations.
func (a *CloudActivities) readVpnRoutes(ctx context.Context, in WaitVpnRoutesInput) ([]contract.VpnRoute, []string, error) {
	if a.ReadWindow <= 0 {
		return a.vpnRoutes(ctx, in)
	}
	key := vpnListing{RegionId: in.RegionId, VpnConnectionId: in.VpnConnectionId, PageSize: in.PageSize}
	read, err := a.vpnReads.ask(ctx, key, in.ExpectedRoutes, a.ReadWindow, 0, a.readVpnRoutesTogether)
	if err == nil {
		err = read.err
	}
	if err != nil {
		return nil, read.requestIDs, err
	}
	// The wait's own routes: its destinations, of the types it expects
	// them as (another wait may have asked for another type).
	wanted := make(map[[2]string]bool, len(in.ExpectedRoutes))
	for _, w := range in.ExpectedRoutes {
		wanted[[2]string{contract.CanonicalCIDR(w.DestinationCidrBlock), w.RouteEntryType}] = true
	}
	var mine []contract.VpnRoute
	for _, r := range read.routes {
		if wanted[[2]string{contract.CanonicalCIDR(r.RouteDest), r.RouteEntryType}] {
			mine = append(mine, r)
		}
	}
	return mine, read.requestIDs, nil
}

// readVpnRoutesTogether lists the connection's routes once for every wait
// that asked: every route type and destination any of them expects.
func (a *CloudActivities) readVpnRoutesTogether(ctx context.Context, key vpnListing, asks [][]contract.ExpectedVpnRoute) vpnRoutesRead {
	in := WaitVpnRoutesInput{RegionId: key.RegionId, VpnConnectionId: key.VpnConnectionId, PageSize: key.PageSize}
	for _, expected := range asks {
		in.ExpectedRoutes = append(in.ExpectedRoutes, expected...)
	}
	routes, requestIDs, err := a.vpnRoutes(ctx, in)
	return vpnRoutesRead{routes: routes, requestIDs: requestIDs, err: err}
}

// readPublishedTable lists a route table's entries published towards a
// target: through a listing shared with the worker's other reads of the
// same table and target when the worker has a ReadWindow, alone otherwise.
func (a *CloudActivities) readPublishedTable(ctx context.Context, t publishedListing) publishedTable {
	if a.ReadWindow <= 0 {
		return a.listPublishedTable(ctx, t)
	}
	read, err := a.publishedReads.ask(ctx, t, struct{}{}, a.ReadWindow, 0,
		func(ctx context.Context, t publishedListing, _ []struct{}) publishedTable {
			return a.listPublishedTable(ctx, t)
		})
	if err != nil {
		return publishedTable{err: err}
	}
	return read
}

// gateway is the APIG instance whose connections one shared read lists.
type gateway struct {
	APIGScope
	InstanceId string
}

// endpointsRead is what a shared read of a gateway's connections found,
// and the error of the call that asked for a connection, for each one
// whose call failed.
type endpointsRead struct {
	found      map[string]contract.EndpointConnection
	failed     map[string]error
	requestIDs []string
}

// readWaitedEndpoints reads the named connections of a gateway for a wait:
// through a read shared with the worker's other waits on the gateway when
// the worker has a ReadWindow, alone (one filtered call each) otherwise. A
// connection the gateway does not list is left out.
func (a *CloudActivities) readWaitedEndpoints(ctx context.Context, in EndpointsRef) (EndpointConnections, error) {
	if a.ReadWindow <= 0 {
		return a.readEndpointConnections(ctx, in)
	}
	read, err := a.endpointReads.ask(ctx, gateway{in.APIGScope, in.InstanceId}, in.EndpointIds, a.ReadWindow, 0, a.readEndpointsTogether)
	if err != nil {
		return EndpointConnections{}, err
	}
	out := EndpointConnections{CallTrace: CallTrace{RequestIds: read.requestIDs}}
	for _, id := range in.EndpointIds {
		if err := read.failed[id]; err != nil {
			return EndpointConnections{}, err
		}
		if c, ok := read.found[id]; ok {
			out.Connections = append(out.Connections, c)
		}
	}
	out.Total = int64(len(out.Connections))
	return out, nil
}

// readEndpointsTogether reads the connections the waits asked for on a
// gateway in the fewest calls: one filtered call (id=) each, or the whole
// listing when it takes fewer pages than that. A gateway may hold
// thousands of connections, so its size is learned from its last whole
// listing (unknown: one page). A filtered call that fails fails the read of
// its connection; a whole listing that fails fails them all.
func (a *CloudActivities) readEndpointsTogether(ctx context.Context, g gateway, asks [][]string) endpointsRead {
	var ids []string
	for _, asked := range asks {
		for _, id := range asked {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	read := endpointsRead{found: make(map[string]contract.EndpointConnection, len(ids)), failed: map[string]error{}}
	pages := 1
	if n, ok := a.gatewaySizes.Load(g); ok {
		pages = (n.(int) + contract.MaxEndpointConnectionsPage - 1) / contract.MaxEndpointConnectionsPage
	}
	if len(ids) > pages {
		listed, err := a.listEndpointConnections(ctx, ListEndpointConnectionsInput{APIGScope: g.APIGScope, InstanceId: g.InstanceId})
		read.requestIDs = listed.RequestIds
		for _, id := range ids {
			if err != nil {
				read.failed[id] = err
			} else if c, ok := connectionOf(listed.Connections, id); ok {
				read.found[id] = c
			}
		}
		if err == nil {
			a.gatewaySizes.Store(g, len(listed.Connections))
		}
		return read
	}
	for _, id := range ids {
		listed, err := a.listEndpointConnections(ctx, ListEndpointConnectionsInput{APIGScope: g.APIGScope, InstanceId: g.InstanceId, Id: id})
		read.requestIDs = append(read.requestIDs, listed.RequestIds...)
		if err != nil {
			read.failed[id] = err
		} else if c, ok := connectionOf(listed.Connections, id); ok {
			read.found[id] = c
		}
	}
	return read
}
