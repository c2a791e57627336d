package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"go.temporal.io/sdk/activity"

	"github.com/vpcflow/vpcflow/contract"
)

// EndpointsRef names endpoint connections of a gateway.
type EndpointsRef struct {
	APIGScope
	InstanceId  string   `json:"InstanceId"`
	EndpointIds []string `json:"EndpointIds"`
}

// EndpointActionInput asks to accept or reject (Action, contract's
// EndpointActionAccept or EndpointActionReject) endpoint connections.
// With From, only the connections in status From are moved and the
// others left: a rollback rejects what its change accepted, and leaves a
// connection that was never accepted as it is.
type EndpointActionInput struct {
	EndpointsRef
	Action string `json:"Action"`
	From   string `json:"From,omitempty"`
}

// EndpointActionResult reports an accept or reject: Acted are the
// connections the call moved, Already those the read found so already
// (after a lost answer, moved by an earlier attempt: Attempt says), Left
// those a From left alone. No call is made, and RequestId is "", when
// none was to move.
type EndpointActionResult struct {
	RequestId string   `json:"RequestId,omitempty"`
	Acted     []string `json:"Acted"`
	Already   []string `json:"Already,omitempty"`
	Left      []string `json:"Left,omitempty"`
	CallTrace
}

// EndpointMoves are the statuses each action moves a connection from:
// accept takes a connection waiting for acceptance, or one rejected
// before; reject one waiting, or one accepted before. Any other status
// (failed, creating, deleting) cannot move.
var EndpointMoves = map[string][]string{
	contract.EndpointActionAccept: {contract.EndpointPendingAcceptance, contract.EndpointRejected},
	contract.EndpointActionReject: {contract.EndpointPendingAcceptance, contract.EndpointAccepted},
}

var endpointActionValue = map[string]model.ConnectionActionReqAction{
	contract.EndpointActionAccept: model.GetConnectionActionReqActionEnum().RECEIVE,
	contract.EndpointActionReject: model.GetConnectionActionReqActionEnum().REJECT,
}

// AcceptOrRejectEndpointConnections accepts or rejects the connections
// (APIG AcceptOrRejectEndpointConnections). The API takes no idempotency
// token, so the call is made safe by reading first: the connections
// already in the target status are left out (a retry after a lost answer
// finds them so), those that cannot move stop the change with their
// status named, and the call is made for the rest, if any.
func (a *CloudActivities) AcceptOrRejectEndpointConnections(ctx context.Context, in EndpointActionInput) (EndpointActionResult, error) {
	const operation = "AcceptOrRejectEndpointConnections"
	client, err := a.apigFor(in.APIGScope)
	if err != nil {
		return EndpointActionResult{}, err
	}
	read, err := a.readEndpointConnections(ctx, in.EndpointsRef)
	if err != nil {
		return EndpointActionResult{}, err
	}
	target := contract.EndpointStatusAfter(in.Action)
	res := EndpointActionResult{CallTrace: read.CallTrace}
	res.Attempt = activity.GetInfo(ctx).Attempt
	var move []string
	for _, id := range in.EndpointIds {
		c, ok := connectionOf(read.Connections, id)
		switch {
		case ok && c.Status == target:
			res.Already = append(res.Already, id)
		case in.From != "" && ok && c.Status == in.From:
			move = append(move, id)
		case in.From != "":
			res.Left = append(res.Left, id)
		case ok && slices.Contains(EndpointMoves[in.Action], c.Status):
			move = append(move, id)
		default:
			return EndpointActionResult{}, refusal(operation, in.InstanceId, "APIG.2012",
				fmt.Sprintf("endpoint connection %s %s: only a connection %s can be %sed", id, statusPhrase(c, ok),
					strings.Join(EndpointMoves[in.Action], " or "), in.Action), lastOf(read.RequestIds))
		}
	}
	if len(move) == 0 {
		res.CloudState = fmt.Sprintf("%d %s, %d left", len(res.Already), target, len(res.Left))
		return res, nil
	}
	req := &model.AcceptOrRejectEndpointConnectionsRequest{InstanceId: in.InstanceId,
		Body: &model.ConnectionActionReq{Action: endpointActionValue[in.Action], Endpoints: move}}
	resp, err := observed(ctx, a.Calls, operation, client.AcceptOrRejectEndpointConnections, req)
	if err != nil {
		return EndpointActionResult{}, CloudError(ctx, operation, in.InstanceId, err)
	}
	res.RequestId = deref(resp.XRequestId)
	res.Acted = move
	res.RequestIds = append(res.RequestIds, res.RequestId)
	res.CloudState = fmt.Sprintf("%d %sed, %d %s already, %d left", len(move), in.Action, len(res.Already), target, len(res.Left))
	return res, nil
}

// ReadEndpointConnections reads the named connections, one filtered call
// (id=) each; a connection the gateway does not list is left out.
func (a *CloudActivities) ReadEndpointConnections(ctx context.Context, in EndpointsRef) (EndpointConnections, error) {
	out, err := a.readEndpointConnections(ctx, in)
	return answered(ctx, out, err)
}

func (a *CloudActivities) readEndpointConnections(ctx context.Context, in EndpointsRef) (EndpointConnections, error) {
	var out EndpointConnections
	for _, id := range in.EndpointIds {
		listed, err := a.listEndpointConnections(ctx, ListEndpointConnectionsInput{APIGScope: in.APIGScope, InstanceId: in.InstanceId, Id: id})
		if err != nil {
			return EndpointConnections{}, err
		}
		out.RequestIds = append(out.RequestIds, listed.RequestIds...)
		if c, ok := connectionOf(listed.Connections, id); ok {
			out.Connections = append(out.Connections, c)
		}
	}
	out.Total = int64(len(out.Connections))
	return out, nil
}

// connectionOf finds connection id in a listing.
func connectionOf(list []contract.EndpointConnection, id string) (contract.EndpointConnection, bool) {
	i := slices.IndexFunc(list, func(c contract.EndpointConnection) bool { return c.Id == id })
	if i < 0 {
		return contract.EndpointConnection{}, false
	}
	return list[i], true
}

func statusPhrase(c contract.EndpointConnection, listed bool) string {
	if !listed {
		return "is not a connection of this gateway"
	}
	return "is " + c.Status
}
