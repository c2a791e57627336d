package activities

import (
	"context"
	"slices"
	"sync"
	"time"
)

// The waits of one worker for router interfaces share their reads: a wait
// asks for its interface, and the asks of one region that arrive within the
// worker's ReadWindow of each other are answered by one
// DescribeRouterInterfaces call per MaxInterfacesPerRead interfaces (the
// IDs as the values of one RouterInterfaceId filter). A thousand waits
// polling every few seconds then cost tens of calls a round, not a
// thousand. Each wait still keeps its own pace, deadline and heartbeat, and
// resumes on another worker as before: only the call is shared.

// DefaultReadWindow is how long a read waits for others to share its call:
// short beside a wait's pace (a second at the least), long enough that
// waits polling at the same moment meet.
const DefaultReadWindow = 100 * time.Millisecond

// interfaceReads gathers the waits' asks, per region.
type interfaceReads struct {
	mu      sync.Mutex
	pending map[string]*interfaceBatch // by region: the batch still taking asks
}

// interfaceBatch is one shared read: the interfaces asked for, then what
// the calls answered.
type interfaceBatch struct {
	ids  []string
	done chan struct{}
	// Set before done is closed: what the calls found, and the error of
	// the call that asked for an interface, for each one whose call failed.
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
	b := a.interfaces.join(ctx, a, ref)
	select {
	case <-b.done:
	case <-ctx.Done():
		return RouterInterface{}, ctx.Err()
	}
	if err := b.failed[ref.RouterInterfaceId]; err != nil {
		return RouterInterface{}, err
	}
	ri, ok := b.found[ref.RouterInterfaceId]
	if !ok {
		return RouterInterface{}, refusal("DescribeRouterInterfaces", ref.RouterInterfaceId, RouterInterfaceNotFoundCode,
			"the listing of region "+ref.RegionId+" holds no router interface with this ID", lastOf(b.requestIDs))
	}
	return ri, nil
}

// join adds ref to the region's batch taking asks, starting one (whose
// calls run after the window, with the first ask's context for their
// metrics and spans) if there is none.
func (r *interfaceReads) join(ctx context.Context, a *CloudActivities, ref RouterInterfaceRef) *interfaceBatch {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending == nil {
		r.pending = map[string]*interfaceBatch{}
	}
	b := r.pending[ref.RegionId]
	if b == nil {
		b = &interfaceBatch{done: make(chan struct{})}
		r.pending[ref.RegionId] = b
		go r.read(context.WithoutCancel(ctx), a, ref.RegionId, b)
	}
	if !slices.Contains(b.ids, ref.RouterInterfaceId) {
		b.ids = append(b.ids, ref.RouterInterfaceId)
	}
	return b
}

// read waits for the window, closes the batch to new asks, and reads its
// interfaces, MaxInterfacesPerRead a call. A call that fails fails the
// reads of the interfaces it asked for: each of those waits takes it as its
// own failed read (a throttle paces them all); the other calls answer
// theirs.
func (r *interfaceReads) read(ctx context.Context, a *CloudActivities, region string, b *interfaceBatch) {
	time.Sleep(a.ReadWindow)
	r.mu.Lock()
	if r.pending[region] == b {
		delete(r.pending, region)
	}
	ids := b.ids
	r.mu.Unlock()

	b.found = make(map[string]RouterInterface, len(ids))
	b.failed = map[string]error{}
	for start := 0; start < len(ids); start += MaxInterfacesPerRead {
		chunk := ids[start:min(start+MaxInterfacesPerRead, len(ids))]
		found, requestIDs, err := a.describeRouterInterfaces(ctx, region, chunk)
		b.requestIDs = append(b.requestIDs, requestIDs...)
		for _, id := range chunk {
			if err != nil {
				b.failed[id] = err
			}
		}
		for _, ri := range found {
			b.found[ri.RouterInterfaceId] = ri
		}
	}
	close(b.done)
}
