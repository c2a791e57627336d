package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"go.temporal.io/sdk/activity"

	"github.com/vpcflow/vpcflow/contract"
)

// WithdrawRouteEntriesResult reports a withdraw. Withdrawn is what this call
// withdrew; AlreadyWithdrawn what it found NonPublished or Withdrawing,
// withdrawn by an earlier attempt whose answer was lost, or by someone else.
type WithdrawRouteEntriesResult struct {
	RequestId        string                `json:"RequestId,omitempty"`
	Withdrawn        []contract.RouteEntry `json:"Withdrawn,omitempty"`
	AlreadyWithdrawn []contract.RouteEntry `json:"AlreadyWithdrawn,omitempty"`
	CallTrace
}

// WithdrawVpcPublishedRouteEntries withdraws, of the input's entries, those
// still Published or Publishing to the target. It reads first
// (ListVpcPublishedRouteEntries), since the API takes no ClientToken: a
// retry after a lost response finds its entries Withdrawing or NonPublished
// and withdraws nothing twice. An entry still Publishing is refused by the
// cloud (IncorrectStatus.RouteEntryPublishStatus, busy) and the call is
// retried until the publish has ended.
func (a *CloudActivities) WithdrawVpcPublishedRouteEntries(ctx context.Context, in contract.RouteSet) (WithdrawRouteEntriesResult, error) {
	status, listIDs, err := a.publishStatus(ctx, in)
	if err != nil {
		return WithdrawRouteEntriesResult{}, err
	}
	result := WithdrawRouteEntriesResult{CallTrace: CallTrace{RequestIds: listIDs, Attempt: activity.GetInfo(ctx).Attempt}}
	var pending []contract.RouteEntry
	for _, e := range in.RouteEntries {
		switch statusOf(status, e) {
		case PublishStatusPublished, PublishStatusPublishing:
			pending = append(pending, e)
		default:
			result.AlreadyWithdrawn = append(result.AlreadyWithdrawn, e)
		}
	}
	if len(pending) == 0 {
		result.CloudState = "AlreadyWithdrawn"
		return result, nil
	}
	req := vpc.CreateWithdrawVpcPublishedRouteEntriesRequest()
	req.RegionId = in.RegionId
	req.TargetType = in.TargetType
	req.TargetInstanceId = in.TargetInstanceId
	list := make([]vpc.WithdrawVpcPublishedRouteEntriesRouteEntries, len(pending))
	for i, e := range pending {
		list[i] = vpc.WithdrawVpcPublishedRouteEntriesRouteEntries{RouteTableId: e.RouteTableId, DestinationCidrBlock: e.DestinationCidrBlock}
	}
	req.RouteEntries = &list
	resp, err := observed(ctx, a.Calls, "WithdrawVpcPublishedRouteEntries", a.VPC.WithdrawVpcPublishedRouteEntries, req)
	if err != nil {
		return WithdrawRouteEntriesResult{}, CloudError(ctx, "WithdrawVpcPublishedRouteEntries", in.TargetInstanceId, err)
	}
	result.RequestId = resp.RequestId
	result.RequestIds = append(result.RequestIds, resp.RequestId)
	result.Withdrawn = pending
	result.CloudState = PublishStatusWithdrawing
	return result, nil
}

// WaitRoutesWithdrawnInput asks to wait until route entries are no longer
// published to a target. WithdrawnAt is when this rollback's withdraw was
// answered (zero if it withdrew nothing): for ReadAfterWriteGrace after it,
// an entry read Published is taken as a read lagging behind the withdraw.
type WaitRoutesWithdrawnInput struct {
	contract.RouteSet
	WithdrawnAt time.Time `json:"WithdrawnAt,omitzero"`
	Deadline    time.Time `json:"Deadline"`
}

// WaitRoutesWithdrawn polls ListVpcPublishedRouteEntries until every entry
// is NonPublished to the target: WithdrawVpcPublishedRouteEntries answers
// once the withdraw is submitted, with the entries Withdrawing. An entry
// Published past the grace, or Publishing, is being published again by
// someone: the wait ends at once.
func (a *CloudActivities) WaitRoutesWithdrawn(ctx context.Context, in WaitRoutesWithdrawnInput) (WaitRoutesPublishedResult, error) {
	what := fmt.Sprintf("%d routes to be withdrawn from %s %s", len(in.RouteEntries), in.TargetType, in.TargetInstanceId)
	var last []contract.RoutePublishStatus
	p, err := a.poll(ctx, in.Deadline, in.WithdrawnAt, what, func(ctx context.Context, p *PollProgress) (bool, error) {
		routes, done, err := a.checkRouteStatus(ctx, in.RouteSet, PublishStatusNonPublished, what, p,
			func(e contract.RouteEntry, s string) string {
				if s == PublishStatusPublishing || s == PublishStatusPublished && !withinGrace(in.WithdrawnAt) {
					return "route " + e.DestinationCidrBlock + " of " + e.RouteTableId + " is being published to " + in.TargetInstanceId +
						" again; find out who publishes it before rolling back again"
				}
				return "" // Withdrawing, Published within the grace, or a status vpcflow does not know
			})
		last = routes
		return done, err
	})
	if err != nil {
		return WaitRoutesPublishedResult{}, err
	}
	return WaitRoutesPublishedResult{Routes: last, CallTrace: p.trace(ctx)}, nil
}
