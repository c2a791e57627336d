package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"

	"github.com/vpcflow/vpcflow/contract"
)

// ListEndpointConnectionsInput filters a gateway's VPC endpoint connections.
type ListEndpointConnectionsInput struct {
	APIGScope
	InstanceId string `json:"InstanceId"`
	Id         string `json:"Id,omitempty"`
	MarkerId   *int32 `json:"MarkerId,omitempty"`
	Status     string `json:"Status,omitempty"`
	Limit      int32  `json:"Limit,omitempty"` // page size, 1..500; zero means 500
}

// EndpointConnections is every connection that matched.
type EndpointConnections struct {
	Connections []contract.EndpointConnection `json:"Connections"`
	Total       int64                         `json:"Total"`
	CallTrace
}

var endpointStatusFilter = map[string]model.ListEndpointConnectionsRequestStatus{
	contract.EndpointPendingAcceptance: model.GetListEndpointConnectionsRequestStatusEnum().PENDING_ACCEPTANCE,
	contract.EndpointAccepted:          model.GetListEndpointConnectionsRequestStatusEnum().ACCEPTED,
	contract.EndpointRejected:          model.GetListEndpointConnectionsRequestStatusEnum().REJECTED,
	contract.EndpointFailed:            model.GetListEndpointConnectionsRequestStatusEnum().FAILED,
}

// ListEndpointConnections reads every page (offset/limit) of a gateway's VPC
// endpoint connections that match the filters.
func (a *CloudActivities) ListEndpointConnections(ctx context.Context, in ListEndpointConnectionsInput) (EndpointConnections, error) {
	out, err := a.listEndpointConnections(ctx, in)
	return answered(ctx, out, err)
}

func (a *CloudActivities) listEndpointConnections(ctx context.Context, in ListEndpointConnectionsInput) (EndpointConnections, error) {
	client, err := a.apigFor(in.APIGScope)
	if err != nil {
		return EndpointConnections{}, err
	}
	limit := in.Limit
	if limit <= 0 || limit > contract.MaxEndpointConnectionsPage {
		limit = contract.MaxEndpointConnectionsPage
	}
	var out EndpointConnections
	list := listing{Operation: "ListEndpointConnections", Resource: in.InstanceId, PageSize: int(limit)}
	requestIDs, err := list.read(func(c pageCursor) (pageAnswer, error) {
		offset := c.Offset // the request keeps a pointer: give each its own
		req := &model.ListEndpointConnectionsRequest{InstanceId: in.InstanceId, Offset: &offset, Limit: &limit, MarkerId: in.MarkerId}
		if in.Id != "" {
			req.Id = &in.Id
		}
		if status, ok := endpointStatusFilter[in.Status]; ok {
			req.Status = &status
		}
		resp, err := observed(ctx, a.Calls, "ListEndpointConnections", client.ListEndpointConnections, req)
		if err != nil {
			return pageAnswer{}, CloudError(ctx, "ListEndpointConnections", in.InstanceId, err)
		}
		var page []model.EndpointConnection
		if resp.Connections != nil {
			page = *resp.Connections
		}
		for _, c := range page {
			out.Connections = append(out.Connections, contract.EndpointConnection{
				Id: c.Id, MarkerId: c.MarkerId, Status: c.Status.Value(), DomainId: c.DomainId,
				CreatedAt: sdkTimeString(c.CreatedAt), UpdatedAt: sdkTimeString(c.UpdatedAt),
			})
		}
		// total is documented as the number of connections that match, but
		// it ends nothing here: listing.read stops on a short page.
		out.Total = max(out.Total, resp.Total)
		return pageAnswer{Entries: len(page), RequestId: deref(resp.XRequestId)}, nil
	})
	if err != nil {
		return EndpointConnections{}, err
	}
	out.RequestIds = requestIDs
	out.Total = max(out.Total, int64(len(out.Connections)))
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func sdkTimeString[T fmt.Stringer](t *T) string {
	if t == nil {
		return ""
	}
	return (*t).String()
}

// WaitEndpointsInput asks to wait until the given endpoint connections of
// a gateway are accepted (or, for WaitEndpointsRejected, rejected).
// ActedAt is when this change's accept or reject was answered (zero if it
// made none): for ReadAfterWriteGrace after it, a read showing the status
// the call moved the connection from is taken as lagging behind it.
type WaitEndpointsInput struct {
	APIGScope
	InstanceId  string    `json:"InstanceId"`
	EndpointIds []string  `json:"EndpointIds"`
	ActedAt     time.Time `json:"ActedAt,omitzero"`
	Deadline    time.Time `json:"Deadline"`
}

// WaitEndpointsAcceptedInput is the input of WaitEndpointsAccepted, as
// histories recorded before WaitEndpointsInput name it.
type WaitEndpointsAcceptedInput = WaitEndpointsInput

// WaitEndpointsAccepted polls the gateway's connections until every given
// endpoint is accepted; rejected, failed or deleting ends the wait at once
// (rejected only past the grace of the change's own accept).
// An endpoint not listed yet, or in a status vpcflow does not know, is waited
// for (a new status must not break the wait; the deadline bounds it).
//
// Each read asks for the endpoints not yet seen accepted, with the other
// waits of the worker on the gateway: one filtered call (id=) each, or the
// gateway's whole listing when it takes fewer calls (readEndpointsTogether).
// Accepted is where a connection stays, so an endpoint seen accepted is not
// read again.
func (a *CloudActivities) WaitEndpointsAccepted(ctx context.Context, in WaitEndpointsInput) (EndpointConnections, error) {
	return a.waitEndpoints(ctx, in, contract.EndpointAccepted, contract.EndpointRejected)
}

// WaitEndpointsRejected is WaitEndpointsAccepted for a reject: it waits
// until every given endpoint is rejected; accepted past the grace of the
// change's own reject (someone accepted it again), failed or deleting ends
// it at once.
func (a *CloudActivities) WaitEndpointsRejected(ctx context.Context, in WaitEndpointsInput) (EndpointConnections, error) {
	return a.waitEndpoints(ctx, in, contract.EndpointRejected, contract.EndpointAccepted)
}

// waitEndpoints waits until every endpoint of in is target; opposite is
// the status that, past the grace, means someone moved it the other way.
func (a *CloudActivities) waitEndpoints(ctx context.Context, in WaitEndpointsInput, target, opposite string) (EndpointConnections, error) {
	what := fmt.Sprintf("endpoint connections %s of gateway %s to be %s", strings.Join(in.EndpointIds, ", "), in.InstanceId, target)
	reached := make(map[string]contract.EndpointConnection, len(in.EndpointIds))
	p, err := a.poll(ctx, in.Deadline, in.ActedAt, what, func(ctx context.Context, p *PollProgress) (bool, error) {
		var waiting, pending []string
		for _, id := range in.EndpointIds {
			if _, done := reached[id]; !done {
				pending = append(pending, id)
			}
		}
		listed, err := a.readWaitedEndpoints(ctx, EndpointsRef{APIGScope: in.APIGScope, InstanceId: in.InstanceId, EndpointIds: pending})
		if err != nil {
			return false, err
		}
		requestID := lastOf(listed.RequestIds)
		for _, id := range pending {
			c, ok := connectionOf(listed.Connections, id)
			switch {
			case !ok:
				waiting = append(waiting, id+" not listed")
			case c.Status == target:
				reached[id] = c
			case c.Status == opposite && withinGrace(in.ActedAt):
				waiting = append(waiting, id+" "+c.Status+" (read lagging behind the "+verbOf(target)+")")
			case c.Status == opposite || c.Status == contract.EndpointFailed || c.Status == contract.EndpointDeleting:
				p.observe(id+" "+c.Status, requestID)
				return false, unreachableState(what, c.Status, "endpoint connection "+id+" is "+c.Status+
					"; "+verbOf(target)+" it on the gateway (or recreate the endpoint) and start again", *p)
			default:
				waiting = append(waiting, id+" "+c.Status)
			}
		}
		state := "all " + target
		if len(waiting) > 0 {
			state = strings.Join(waiting, ", ")
		}
		p.observe(state, requestID)
		return len(waiting) == 0, nil
	})
	if err != nil {
		return EndpointConnections{}, err
	}
	var out EndpointConnections
	for _, id := range in.EndpointIds {
		out.Connections = append(out.Connections, reached[id])
	}
	out.CallTrace = p.trace(ctx)
	return out, nil
}

// verbOf is the action that moves a connection to status.
func verbOf(status string) string {
	if status == contract.EndpointRejected {
		return contract.EndpointActionReject
	}
	return contract.EndpointActionAccept
}

func lastOf(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[len(ids)-1]
}
