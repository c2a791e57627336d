package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"

	"github.com/vpcflow/vpcflow/contract"
)

// Publish statuses of a route entry towards one target
// (ListVpcPublishedRouteEntries, RoutePublishTargets.PublishStatus).
const (
	PublishStatusPublished    = "Published"
	PublishStatusPublishing   = "Publishing"
	PublishStatusNonPublished = "NonPublished"
	PublishStatusWithdrawing  = "Withdrawing"
)

// publishedPageSize is the page size of ListVpcPublishedRouteEntries (its
// MaxResults: 1 to 500, default 50, in its document): the largest, so a
// table of up to 500 routes is one read.
const publishedPageSize = 500

// publishStatus reads, for every route table of the input, the publish status
// of its entries towards the input's target, to the end of the listing. Keys
// hold canonical CIDR blocks. Each table's listing is shared with the
// worker's other reads of it towards the same target (coalesced_reads.go).
func (a *CloudActivities) publishStatus(ctx context.Context, in contract.RouteSet) (map[contract.RouteEntry]string, []string, error) {
	status := make(map[contract.RouteEntry]string)
	var requestIDs []string
	seen := make(map[string]bool)
	for _, e := range in.RouteEntries {
		if seen[e.RouteTableId] {
			continue
		}
		seen[e.RouteTableId] = true
		table := publishedListing{RegionId: in.RegionId, RouteTableId: e.RouteTableId, TargetType: in.TargetType, TargetInstanceId: in.TargetInstanceId}
		read := a.readPublishedTable(ctx, table)
		requestIDs = append(requestIDs, read.requestIDs...)
		if read.err != nil {
			return nil, nil, read.err
		}
		for dest, s := range read.status {
			status[contract.RouteEntry{RouteTableId: e.RouteTableId, DestinationCidrBlock: dest}] = s
		}
	}
	return status, requestIDs, nil
}

// publishedListing is one route table's listing of published entries
// towards one target.
type publishedListing struct {
	RegionId, RouteTableId, TargetType, TargetInstanceId string
}

// publishedTable is what one listing of a route table found: each
// destination's (canonical CIDR) publish status towards the target.
type publishedTable struct {
	status     map[string]string
	requestIDs []string
	err        error
}

// listPublishedTable lists a route table's published entries towards a
// target, every page.
func (a *CloudActivities) listPublishedTable(ctx context.Context, t publishedListing) publishedTable {
	out := publishedTable{status: map[string]string{}}
	list := listing{Operation: "ListVpcPublishedRouteEntries", Resource: t.RouteTableId, PageSize: publishedPageSize, ByToken: true}
	out.requestIDs, out.err = list.read(func(c pageCursor) (pageAnswer, error) {
		req := vpc.CreateListVpcPublishedRouteEntriesRequest()
		req.RegionId = t.RegionId
		req.RouteTableId = t.RouteTableId
		req.TargetType = t.TargetType
		req.TargetInstanceId = t.TargetInstanceId
		req.MaxResults = requests.NewInteger(publishedPageSize)
		req.NextToken = c.Token
		resp, err := observed(ctx, a.Calls, "ListVpcPublishedRouteEntries", a.VPC.ListVpcPublishedRouteEntries, req)
		if err != nil {
			return pageAnswer{}, CloudError(ctx, "ListVpcPublishedRouteEntries", t.RouteTableId, err)
		}
		for _, entry := range resp.RouteEntries {
			if entry.RouteTableId != "" && entry.RouteTableId != t.RouteTableId {
				continue // not asked for: the table is the filter
			}
			for _, target := range entry.RoutePublishTargets {
				if target.PublishTargetInstanceId == t.TargetInstanceId {
					out.status[contract.CanonicalCIDR(entry.DestinationCidrBlock)] = target.PublishStatus
				}
			}
		}
		return pageAnswer{Entries: len(resp.RouteEntries), NextToken: resp.NextToken, RequestId: resp.RequestId}, nil
	})
	return out
}

// statusOf is an entry's publish status in what publishStatus read; an
// entry the listing does not show is NonPublished.
func statusOf(status map[contract.RouteEntry]string, e contract.RouteEntry) string {
	if s, ok := status[contract.RouteEntry{RouteTableId: e.RouteTableId, DestinationCidrBlock: contract.CanonicalCIDR(e.DestinationCidrBlock)}]; ok {
		return s
	}
	return PublishStatusNonPublished
}

// Publication is a publish a wait confirms: the entries and their target.
type Publication struct {
	contract.RouteSet
	// PublishedAt is when this change's publish call was answered; zero if
	// it published nothing. For ReadAfterWriteGrace after it, an entry read
	// NonPublished is taken as a read lagging behind the publish.
	PublishedAt time.Time `json:"PublishedAt,omitzero"`
}

// WaitRoutesPublishedInput asks to wait until route entries are Published
// to a target.
type WaitRoutesPublishedInput struct {
	Publication
	Deadline time.Time `json:"Deadline"`
}

// WaitRoutesPublishedResult lists the entries' publish status as last read.
type WaitRoutesPublishedResult struct {
	Routes []contract.RoutePublishStatus `json:"Routes"`
	CallTrace
}

// WaitRoutesPublished polls ListVpcPublishedRouteEntries until every entry
// is Published to the target: PublishVpcRouteEntries answers as soon as the
// publish is submitted, with the entries Publishing. An entry Withdrawing,
// or NonPublished past the grace after the publish, cannot get there: the
// wait ends at once.
func (a *CloudActivities) WaitRoutesPublished(ctx context.Context, in WaitRoutesPublishedInput) (WaitRoutesPublishedResult, error) {
	what := fmt.Sprintf("%d routes to be Published to %s %s", len(in.RouteEntries), in.TargetType, in.TargetInstanceId)
	var last []contract.RoutePublishStatus
	p, err := a.poll(ctx, in.Deadline, in.PublishedAt, what, func(ctx context.Context, p *PollProgress) (bool, error) {
		routes, done, err := a.checkPublished(ctx, in.Publication, what, p)
		last = routes
		return done, err
	})
	if err != nil {
		return WaitRoutesPublishedResult{}, err
	}
	return WaitRoutesPublishedResult{Routes: last,
		CallTrace: p.trace(ctx),
	}, nil
}

// checkPublished is one read of a wait for Published (WaitRoutesPublished,
// and WaitVpnRoutes when it confirms the publish first): it records what it
// saw in p and says whether every entry is Published.
func (a *CloudActivities) checkPublished(ctx context.Context, in Publication, what string, p *PollProgress) ([]contract.RoutePublishStatus, bool, error) {
	return a.checkRouteStatus(ctx, in.RouteSet, PublishStatusPublished, what, p, func(e contract.RouteEntry, s string) string {
		switch {
		case s == PublishStatusWithdrawing:
			return "route " + e.DestinationCidrBlock + " of " + e.RouteTableId + " is being withdrawn from " + in.TargetInstanceId +
				"; find out who withdraws it, then publish again"
		case s == PublishStatusNonPublished && !withinGrace(in.PublishedAt):
			return "route " + e.DestinationCidrBlock + " of " + e.RouteTableId + " is not published to " + in.TargetInstanceId +
				" (it was withdrawn, or the publish did not take); publish it again"
		}
		return "" // Publishing, NonPublished within the grace, or a status vpcflow does not know
	})
}

// checkRouteStatus is one read of a wait for the entries of in to reach
// target towards their target: it records what it saw in p and says
// whether every entry is there. unreachable says why an entry's status,
// not target, cannot lead there ("" when it can: the wait goes on); the
// first such entry ends the wait with UnreachableState.
func (a *CloudActivities) checkRouteStatus(ctx context.Context, in contract.RouteSet, target, what string, p *PollProgress,
	unreachable func(e contract.RouteEntry, status string) string) ([]contract.RoutePublishStatus, bool, error) {
	status, requestIDs, err := a.publishStatus(ctx, in)
	if err != nil {
		return nil, false, err
	}
	requestID := lastOf(requestIDs)
	routes := make([]contract.RoutePublishStatus, 0, len(in.RouteEntries))
	var waiting []string
	for _, e := range in.RouteEntries {
		s := statusOf(status, e)
		routes = append(routes, contract.RoutePublishStatus{RouteTableId: e.RouteTableId, DestinationCidrBlock: e.DestinationCidrBlock, PublishStatus: s})
		if s == target {
			continue
		}
		if why := unreachable(e, s); why != "" {
			p.observe(e.DestinationCidrBlock+" "+s, requestID)
			return routes, false, unreachableState(what, s, why, *p)
		}
		waiting = append(waiting, e.DestinationCidrBlock+" "+s)
	}
	state := "all " + target
	if len(waiting) > 0 {
		state = strings.Join(waiting, ", ")
	}
	p.observe(state, requestID)
	return routes, len(waiting) == 0, nil
}

// PublishStatuses are route entries' publish status towards a target, as
// read once.
type PublishStatuses struct {
	Routes []contract.RoutePublishStatus `json:"Routes"`
	CallTrace
}

// ReadPublishStatus reads, once, the publish status of in's entries
// towards in's target (one listing per route table): a drift check's read.
func (a *CloudActivities) ReadPublishStatus(ctx context.Context, in contract.RouteSet) (PublishStatuses, error) {
	status, requestIDs, err := a.publishStatus(ctx, in)
	if err != nil {
		return PublishStatuses{}, err
	}
	out := PublishStatuses{CallTrace: CallTrace{RequestIds: requestIDs}}
	for _, e := range in.RouteEntries {
		out.Routes = append(out.Routes, contract.RoutePublishStatus{RouteTableId: e.RouteTableId, DestinationCidrBlock: e.DestinationCidrBlock,
			PublishStatus: statusOf(status, e)})
	}
	return answered(ctx, out, nil)
}
