package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"

	"github.com/vpcflow/vpcflow/contract"
)

// Route entry types and the states DescribeVcoRouteEntries reports.
const (
	VcoStatePublished = "published" // a custom route advertised to the transit router
	VcoStateActive    = "Active"    // a BGP route in use
	VcoSourceCloud    = "CLOUD"     // a BGP route learned from the transit router
)

// WaitVpnRoutesInput asks to wait until every expected route is on the VPN
// connection in its expected state.
type WaitVpnRoutesInput struct {
	RegionId        string                      `json:"RegionId"`
	VpnConnectionId string                      `json:"VpnConnectionId"`
	ExpectedRoutes  []contract.ExpectedVpnRoute `json:"ExpectedRoutes"`
	PageSize        int                         `json:"PageSize"`
	// ConsecutiveReads is how many reads in a row must show every route, so a
	// route that flaps is not reported as settled. Zero means 2.
	ConsecutiveReads int `json:"ConsecutiveReads"`
	// Publication, when set, is the publish whose routes these are: each
	// read first confirms that its entries are Published to the target
	// (as WaitRoutesPublished does) until it has seen them all Published,
	// so one wait covers the publish and the routes' way to the VPN
	// connection, which only starts once they are Published.
	Publication *Publication `json:"Publication,omitempty"`
	Deadline    time.Time    `json:"Deadline"`
}

// WaitVpnRoutesResult lists the expected routes as last seen, and the
// Publication's entries as last read.
type WaitVpnRoutesResult struct {
	Routes    []contract.VpnRoute           `json:"Routes"`
	Published []contract.RoutePublishStatus `json:"Published,omitempty"`
	Reads     int                           `json:"Reads"`
	CallTrace
}

// satisfies tells whether route r, as read, is the expected route in its
// expected state.
func satisfies(r contract.VpnRoute, want contract.ExpectedVpnRoute) bool {
	if r.RouteEntryType != want.RouteEntryType {
		return false
	}
	if want.RouteEntryType == contract.VcoRouteBgp {
		return r.State == VcoStateActive && r.Source == VcoSourceCloud
	}
	return r.State == VcoStatePublished
}

// WaitVpnRoutes polls DescribeVcoRouteEntries, over all pages of each route
// type it needs, until every expected route is present in its expected state
// on ConsecutiveReads reads in a row.
func (a *CloudActivities) WaitVpnRoutes(ctx context.Context, in WaitVpnRoutesInput) (WaitVpnRoutesResult, error) {
	need := in.ConsecutiveReads
	if need <= 0 {
		need = 2
	}
	what := fmt.Sprintf("%d routes to reach VPN connection %s", len(in.ExpectedRoutes), in.VpnConnectionId)
	var seen []contract.VpnRoute
	var published []contract.RoutePublishStatus
	confirmed := in.Publication == nil // in this attempt: a retry confirms once more
	var publishedAt time.Time
	if in.Publication != nil {
		publishedAt = in.Publication.PublishedAt
	}
	p, err := a.poll(ctx, in.Deadline, publishedAt, what, func(ctx context.Context, p *PollProgress) (bool, error) {
		if !confirmed {
			routes, done, err := a.checkPublished(ctx, *in.Publication, what, p)
			if err != nil || !done {
				return false, err
			}
			published, confirmed = routes, true
		}
		routes, requestIDs, err := a.readVpnRoutes(ctx, in)
		if err != nil {
			return false, err
		}
		requestID := lastOf(requestIDs)
		seen = routes
		missing := missingRoutes(in.ExpectedRoutes, routes)
		state := "all present"
		if len(missing) > 0 {
			state = "missing " + strings.Join(missing, ", ")
			p.ConsecutiveMatches = 0
		} else {
			p.ConsecutiveMatches++
		}
		p.observe(state, requestID)
		return p.ConsecutiveMatches >= need, nil
	})
	if err != nil {
		return WaitVpnRoutesResult{}, err
	}
	return WaitVpnRoutesResult{
		Routes:    seen,
		Published: published,
		Reads:     p.Polls,
		CallTrace: p.trace(ctx),
	}, nil
}

// missingRoutes names the expected routes not (yet) in their expected state.
func missingRoutes(want []contract.ExpectedVpnRoute, have []contract.VpnRoute) []string {
	var missing []string
	for _, w := range want {
		dest := contract.CanonicalCIDR(w.DestinationCidrBlock)
		if !slices.ContainsFunc(have, func(r contract.VpnRoute) bool { return contract.CanonicalCIDR(r.RouteDest) == dest && satisfies(r, w) }) {
			missing = append(missing, w.RouteEntryType+" "+w.DestinationCidrBlock)
		}
	}
	return missing
}

// vpnRoutes reads every page of every route type the input expects and
// returns the routes whose destination is expected (the rest is not kept),
// and the RequestIds of the pages read.
func (a *CloudActivities) vpnRoutes(ctx context.Context, in WaitVpnRoutesInput) ([]contract.VpnRoute, []string, error) {
	wanted := make(map[string]bool)
	var types []string
	for _, w := range in.ExpectedRoutes {
		wanted[contract.CanonicalCIDR(w.DestinationCidrBlock)] = true
		if !slices.Contains(types, w.RouteEntryType) {
			types = append(types, w.RouteEntryType)
		}
	}
	pageSize := in.PageSize
	if pageSize <= 0 {
		pageSize = maxDescribePageSize
	}
	var routes []contract.VpnRoute
	var read []string
	for _, routeType := range types {
		list := listing{Operation: "DescribeVcoRouteEntries", Resource: in.VpnConnectionId, PageSize: pageSize}
		requestIDs, err := list.read(func(c pageCursor) (pageAnswer, error) {
			req := vpc.CreateDescribeVcoRouteEntriesRequest()
			req.RegionId = in.RegionId
			req.VpnConnectionId = in.VpnConnectionId
			req.RouteEntryType = routeType
			req.PageNumber = requests.NewInteger(c.Number)
			req.PageSize = requests.NewInteger(pageSize)
			// No ClientToken: the document makes it optional for this read
			// (without one the RequestId serves), and a token only makes the
			// cloud answer its first call again. A change run again under the
			// same workflow ID would send the first run's tokens and read the
			// first run's routes, or fail with IdempotentParameterMismatch if
			// a parameter changed.
			resp, err := observed(ctx, a.Calls, "DescribeVcoRouteEntries", a.VPC.DescribeVcoRouteEntries, req)
			if err != nil {
				return pageAnswer{}, CloudError(ctx, "DescribeVcoRouteEntries", in.VpnConnectionId, err)
			}
			for _, e := range resp.VcoRouteEntries {
				if wanted[contract.CanonicalCIDR(e.RouteDest)] {
					routes = append(routes, contract.VpnRoute{RouteDest: e.RouteDest, RouteEntryType: e.RouteEntryType,
						State: e.State, Source: e.Source, NextHop: e.NextHop})
				}
			}
			return pageAnswer{Entries: len(resp.VcoRouteEntries), PageSize: resp.PageSize, RequestId: resp.RequestId}, nil
		})
		read = append(read, requestIDs...)
		if err != nil {
			return nil, read, err
		}
	}
	return routes, read, nil
}

// VpnRoutes are a VPN connection's routes as read once: those of the
// expected destinations.
type VpnRoutes struct {
	Routes []contract.VpnRoute `json:"Routes"`
	CallTrace
}

// ReadVpnRoutes reads, once, every page of the route types in.ExpectedRoutes
// names, keeping the routes of their destinations: a drift check's read
// (Deadline, ConsecutiveReads and Publication are not used).
func (a *CloudActivities) ReadVpnRoutes(ctx context.Context, in WaitVpnRoutesInput) (VpnRoutes, error) {
	routes, requestIDs, err := a.vpnRoutes(ctx, in)
	if err != nil {
		return VpnRoutes{}, err
	}
	return answered(ctx, VpnRoutes{Routes: routes, CallTrace: CallTrace{RequestIds: requestIDs}}, nil)
}

// Satisfies tells whether routes, as read, hold the expected route in its
// expected state.
func Satisfies(routes []contract.VpnRoute, want contract.ExpectedVpnRoute) bool {
	cidr := contract.CanonicalCIDR(want.DestinationCidrBlock)
	return slices.ContainsFunc(routes, func(r contract.VpnRoute) bool {
		return contract.CanonicalCIDR(r.RouteDest) == cidr && satisfies(r, want)
	})
}
