package activities

import (
	"context"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
)

// PublishRouteEntriesResult reports a publish. Published is what this call
// published; AlreadyPublished what an earlier attempt (or someone else) had.
type PublishRouteEntriesResult struct {
	RequestId        string                `json:"RequestId,omitempty"`
	Published        []contract.RouteEntry `json:"Published,omitempty"`
	AlreadyPublished []contract.RouteEntry `json:"AlreadyPublished,omitempty"`
	CallTrace
}

// publishRequest is the PublishVpcRouteEntriesRequest of entries of in.
func publishRequest(in contract.RouteSet, entries []contract.RouteEntry, dryRun bool) *vpc.PublishVpcRouteEntriesRequest {
	req := vpc.CreatePublishVpcRouteEntriesRequest()
	req.RegionId = in.RegionId
	req.TargetType = in.TargetType
	req.TargetInstanceId = in.TargetInstanceId
	req.DryRun = requests.NewBoolean(dryRun)
	list := make([]vpc.PublishVpcRouteEntriesRouteEntries, len(entries))
	for i, e := range entries {
		list[i] = vpc.PublishVpcRouteEntriesRouteEntries{RouteTableId: e.RouteTableId, DestinationCidrBlock: e.DestinationCidrBlock}
	}
	req.RouteEntries = &list
	return req
}

// DryRunPublishVpcRouteEntries asks the cloud to check the publish of the
// entries not yet published, without making it. A passed check is the error
// DryRunOperation; any other error (permanent, or retried until it is) keeps
// the real publish from starting. When every entry is already published
// there is nothing to check: a re-run of a finished change makes no call
// that could refuse it.
func (a *CloudActivities) DryRunPublishVpcRouteEntries(ctx context.Context, in contract.RouteSet) (PublishRouteEntriesResult, error) {
	result, pending, err := a.pendingEntries(ctx, in)
	if err != nil || len(pending) == 0 {
		return result, err
	}
	_, err = observed(ctx, a.Calls, "PublishVpcRouteEntries", a.VPC.PublishVpcRouteEntries, publishRequest(in, pending, true))
	if err == nil {
		return PublishRouteEntriesResult{}, temporal.NewNonRetryableApplicationError(
			"PublishVpcRouteEntries DryRun to "+in.TargetInstanceId+" answered success instead of DryRunOperation: "+
				"the endpoint ignored DryRun and may have published; check the route table before going on",
			contract.DryRunIgnoredType, nil)
	}
	if row, _ := LookupErrorCode(errorCode(err)); row.Class != contract.DryRunPassed {
		return PublishRouteEntriesResult{}, CloudError(ctx, "PublishVpcRouteEntries (DryRun)", in.TargetInstanceId, err)
	}
	result.RequestId = requestIDOf(err)
	result.RequestIds = append(result.RequestIds, result.RequestId)
	result.CloudState = errorCode(err)
	return result, nil
}

// PublishVpcRouteEntries publishes the entries that are not yet published to
// the target. It reads first (ListVpcPublishedRouteEntries), since the API
// takes no ClientToken: a retry after a lost response finds its entries
// Publishing or Published and does not publish them again.
func (a *CloudActivities) PublishVpcRouteEntries(ctx context.Context, in contract.RouteSet) (PublishRouteEntriesResult, error) {
	result, pending, err := a.pendingEntries(ctx, in)
	if err != nil || len(pending) == 0 {
		return result, err
	}
	resp, err := observed(ctx, a.Calls, "PublishVpcRouteEntries", a.VPC.PublishVpcRouteEntries, publishRequest(in, pending, false))
	if err != nil {
		return PublishRouteEntriesResult{}, CloudError(ctx, "PublishVpcRouteEntries", in.TargetInstanceId, err)
	}
	result.RequestId = resp.RequestId
	result.RequestIds = append(result.RequestIds, resp.RequestId)
	result.Published = pending
	result.CloudState = PublishStatusPublishing
	return result, nil
}

// pendingEntries reads the publish status of the input's entries and splits
// them: the result lists those already Published or Publishing to the
// target, pending the rest.
func (a *CloudActivities) pendingEntries(ctx context.Context, in contract.RouteSet) (PublishRouteEntriesResult, []contract.RouteEntry, error) {
	status, listIDs, err := a.publishStatus(ctx, in)
	if err != nil {
		return PublishRouteEntriesResult{}, nil, err
	}
	result := PublishRouteEntriesResult{CallTrace: CallTrace{RequestIds: listIDs, Attempt: activity.GetInfo(ctx).Attempt}}
	var pending []contract.RouteEntry
	for _, e := range in.RouteEntries {
		switch statusOf(status, e) {
		case PublishStatusPublished, PublishStatusPublishing:
			result.AlreadyPublished = append(result.AlreadyPublished, e)
		default:
			pending = append(pending, e)
		}
	}
	if len(pending) == 0 {
		result.CloudState = "AlreadyPublished"
	}
	return result, pending, nil
}
