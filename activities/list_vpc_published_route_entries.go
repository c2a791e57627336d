package activities

import (
	"context"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
)

// Publish statuses of a route entry towards one target
// (ListVpcPublishedRouteEntries, RoutePublishTargets.PublishStatus).
const (
	PublishStatusPublished    = "Published"
	PublishStatusPublishing   = "Publishing"
	PublishStatusNonPublished = "NonPublished"
	PublishStatusWithdrawing  = "Withdrawing"
)

// publishStatus reads, for every route table of the input, the publish status
// of its entries towards the input's target, following NextToken to the end.
func (a *CloudActivities) publishStatus(ctx context.Context, in PublishRouteEntriesInput) (map[RouteEntry]string, []string, error) {
	status := make(map[RouteEntry]string)
	var requestIDs []string
	seen := make(map[string]bool)
	for _, e := range in.RouteEntries {
		if seen[e.RouteTableId] {
			continue
		}
		seen[e.RouteTableId] = true
		for token := ""; ; {
			req := vpc.CreateListVpcPublishedRouteEntriesRequest()
			req.RegionId = in.RegionId
			req.RouteTableId = e.RouteTableId
			req.TargetType = in.TargetType
			req.TargetInstanceId = in.TargetInstanceId
			req.MaxResults = requests.NewInteger(100)
			req.NextToken = token
			resp, err := a.VPC.ListVpcPublishedRouteEntries(req)
			if err != nil {
				return nil, nil, CloudError(ctx, "ListVpcPublishedRouteEntries", e.RouteTableId, err)
			}
			requestIDs = append(requestIDs, resp.RequestId)
			for _, entry := range resp.RouteEntries {
				key := RouteEntry{RouteTableId: entry.RouteTableId, DestinationCidrBlock: entry.DestinationCidrBlock}
				if key.RouteTableId == "" {
					key.RouteTableId = e.RouteTableId
				}
				for _, t := range entry.RoutePublishTargets {
					if t.PublishTargetInstanceId == in.TargetInstanceId {
						status[key] = t.PublishStatus
					}
				}
			}
			if resp.NextToken == "" || resp.NextToken == token {
				break
			}
			token = resp.NextToken
		}
	}
	return status, requestIDs, nil
}
