package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"go.temporal.io/sdk/activity"
)

// VPC endpoint connection statuses (Huawei Cloud APIG).
const (
	EndpointPendingAcceptance = "pendingAcceptance"
	EndpointCreating          = "creating"
	EndpointAccepted          = "accepted"
	EndpointRejected          = "rejected"
	EndpointFailed            = "failed"
	EndpointDeleting          = "deleting"
)

// MaxEndpointConnectionsPage is the largest page the API serves.
const MaxEndpointConnectionsPage = 500

// ListEndpointConnectionsInput filters a gateway's VPC endpoint connections.
type ListEndpointConnectionsInput struct {
	InstanceId string `json:"InstanceId"`
	Id         string `json:"Id,omitempty"`
	MarkerId   *int32 `json:"MarkerId,omitempty"`
	Status     string `json:"Status,omitempty"`
	Limit      int32  `json:"Limit,omitempty"` // page size, 1..500; zero means 500
}

// EndpointConnection is one VPC endpoint connection of a gateway.
type EndpointConnection struct {
	Id        string `json:"Id"`
	MarkerId  int32  `json:"MarkerId"`
	Status    string `json:"Status"`
	DomainId  string `json:"DomainId,omitempty"`
	CreatedAt string `json:"CreatedAt,omitempty"`
	UpdatedAt string `json:"UpdatedAt,omitempty"`
}

// EndpointConnections is every connection that matched.
type EndpointConnections struct {
	Connections []EndpointConnection `json:"Connections"`
	Total       int64                `json:"Total"`
	CallTrace
}

var endpointStatusFilter = map[string]model.ListEndpointConnectionsRequestStatus{
	EndpointPendingAcceptance: model.GetListEndpointConnectionsRequestStatusEnum().PENDING_ACCEPTANCE,
	EndpointAccepted:          model.GetListEndpointConnectionsRequestStatusEnum().ACCEPTED,
	EndpointRejected:          model.GetListEndpointConnectionsRequestStatusEnum().REJECTED,
	EndpointFailed:            model.GetListEndpointConnectionsRequestStatusEnum().FAILED,
}

// ListEndpointConnections reads every page (offset/limit) of a gateway's VPC
// endpoint connections that match the filters.
func (a *CloudActivities) ListEndpointConnections(ctx context.Context, in ListEndpointConnectionsInput) (EndpointConnections, error) {
	out, err := a.listEndpointConnections(ctx, in)
	if err != nil {
		return EndpointConnections{}, err
	}
	out.Attempt = activity.GetInfo(ctx).Attempt
	return out, nil
}

func (a *CloudActivities) listEndpointConnections(ctx context.Context, in ListEndpointConnectionsInput) (EndpointConnections, error) {
	limit := in.Limit
	if limit <= 0 || limit > MaxEndpointConnectionsPage {
		limit = MaxEndpointConnectionsPage
	}
	var out EndpointConnections
	for offset := int64(0); ; {
		pageOffset := offset // the request keeps a pointer: give each its own
		req := &model.ListEndpointConnectionsRequest{InstanceId: in.InstanceId, Offset: &pageOffset, Limit: &limit, MarkerId: in.MarkerId}
		if in.Id != "" {
			req.Id = &in.Id
		}
		if status, ok := endpointStatusFilter[in.Status]; ok {
			req.Status = &status
		}
		resp, err := a.APIG.ListEndpointConnections(req)
		if err != nil {
			return EndpointConnections{}, CloudError(ctx, "ListEndpointConnections", in.InstanceId, err)
		}
		if resp.XRequestId != nil {
			out.RequestIds = append(out.RequestIds, *resp.XRequestId)
		}
		page := 0
		if resp.Connections != nil {
			page = len(*resp.Connections)
			for _, c := range *resp.Connections {
				out.Connections = append(out.Connections, EndpointConnection{
					Id: c.Id, MarkerId: c.MarkerId, Status: c.Status.Value(), DomainId: c.DomainId,
					CreatedAt: sdkTimeString(c.CreatedAt), UpdatedAt: sdkTimeString(c.UpdatedAt),
				})
			}
		}
		out.Total = resp.Total
		offset += int64(page)
		// The total says when to stop, so no extra call for an empty page.
		if page == 0 || offset >= resp.Total {
			return out, nil
		}
	}
}

func sdkTimeString[T fmt.Stringer](t *T) string {
	if t == nil {
		return ""
	}
	return (*t).String()
}

// WaitEndpointsAcceptedInput asks to wait until the given endpoint
// connections of a gateway are accepted.
type WaitEndpointsAcceptedInput struct {
	InstanceId  string    `json:"InstanceId"`
	EndpointIds []string  `json:"EndpointIds"`
	Deadline    time.Time `json:"Deadline"`
}

// WaitEndpointsAccepted polls the gateway's connections until every given
// endpoint is accepted; rejected, failed or deleting ends the wait at once.
// An endpoint not listed yet, or in a status vpcflow does not know, is waited
// for (a new status must not break the wait; the deadline bounds it).
func (a *CloudActivities) WaitEndpointsAccepted(ctx context.Context, in WaitEndpointsAcceptedInput) (EndpointConnections, error) {
	what := fmt.Sprintf("endpoint connections %s of gateway %s to be accepted", strings.Join(in.EndpointIds, ", "), in.InstanceId)
	var last EndpointConnections
	p, err := a.poll(ctx, in.Deadline, what, func(ctx context.Context, p *PollProgress) (bool, error) {
		all, err := a.listEndpointConnections(ctx, ListEndpointConnectionsInput{InstanceId: in.InstanceId})
		if err != nil {
			return false, err
		}
		byID := make(map[string]EndpointConnection, len(all.Connections))
		for _, c := range all.Connections {
			byID[c.Id] = c
		}
		last = EndpointConnections{Total: all.Total}
		var waiting []string
		for _, id := range in.EndpointIds {
			c, listed := byID[id]
			if !listed {
				waiting = append(waiting, id+" not listed")
				continue
			}
			last.Connections = append(last.Connections, c)
			switch c.Status {
			case EndpointAccepted:
			case EndpointRejected, EndpointFailed, EndpointDeleting:
				p.observe(id+" "+c.Status, lastOf(all.RequestIds))
				return false, unreachableState(what, c.Status, "endpoint connection "+id+" is "+c.Status+
					"; accept it on the gateway (or recreate the endpoint) and start again", *p)
			default:
				waiting = append(waiting, id+" "+c.Status)
			}
		}
		state := "all accepted"
		if len(waiting) > 0 {
			state = strings.Join(waiting, ", ")
		}
		p.observe(state, lastOf(all.RequestIds))
		return len(waiting) == 0, nil
	})
	if err != nil {
		return EndpointConnections{}, err
	}
	last.CallTrace = CallTrace{RequestIds: p.RequestIds, Attempt: activity.GetInfo(ctx).Attempt, CloudState: p.LastState, RetriedReads: p.RetriedReads}
	return last, nil
}

func lastOf(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[len(ids)-1]
}
