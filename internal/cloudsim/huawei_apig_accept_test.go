package cloudsim

import (
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func endpointAction(e *testEnv, action string, ids ...string) (*model.AcceptOrRejectEndpointConnectionsResponse, error) {
	act := model.GetConnectionActionReqActionEnum().RECEIVE
	if action == endpointActionReject {
		act = model.GetConnectionActionReqActionEnum().REJECT
	}
	return e.defaultAPIG().AcceptOrRejectEndpointConnections(&model.AcceptOrRejectEndpointConnectionsRequest{
		InstanceId: DefaultAPIGChangeInstanceID, Body: &model.ConnectionActionReq{Action: act, Endpoints: ids}})
}

func changeGatewayStatus(t *testing.T, e *testEnv, id string) string {
	t.Helper()
	resp, err := e.defaultAPIG().ListEndpointConnections(&model.ListEndpointConnectionsRequest{InstanceId: DefaultAPIGChangeInstanceID, Id: &id})
	require.NoError(t, err)
	return statusOf(t, resp, id)
}

// Accepting moves pendingAcceptance and rejected connections to accepted,
// rejecting moves them back; the same action again changes nothing.
func TestAcceptOrRejectEndpointConnections(t *testing.T) {
	e := newTestEnv(t, nil)
	resp, err := endpointAction(e, endpointActionReceive, DefaultEndpointConnectionAwaitingID, DefaultEndpointConnectionWasRejectedID)
	require.NoError(t, err)
	require.NotNil(t, resp.XRequestId)
	assert.Equal(t, int32(2), resp.Size)
	require.Len(t, *resp.Connections, 2)
	for _, c := range *resp.Connections {
		assert.Equal(t, EndpointAccepted, c.Status.Value())
	}
	assert.Equal(t, EndpointAccepted, changeGatewayStatus(t, e, DefaultEndpointConnectionAwaitingID))
	assert.Equal(t, EndpointAccepted, changeGatewayStatus(t, e, DefaultEndpointConnectionWasRejectedID))
	assert.Equal(t, EndpointPendingAcceptance, changeGatewayStatus(t, e, DefaultEndpointConnectionAwaiting2ID), "only the named ones")

	_, err = endpointAction(e, endpointActionReceive, DefaultEndpointConnectionAwaitingID)
	require.NoError(t, err, "accepting an accepted connection succeeds")

	_, err = endpointAction(e, endpointActionReject, DefaultEndpointConnectionAwaitingID)
	require.NoError(t, err)
	assert.Equal(t, EndpointRejected, changeGatewayStatus(t, e, DefaultEndpointConnectionAwaitingID))
	assert.Equal(t, 3, e.srv.CallCount(huaweiActionAcceptOrRejectConnections))
}

// A refused call changes nothing: an unknown endpoint, or a failed one,
// among others refuses the whole call.
func TestAcceptOrRejectRefusals(t *testing.T) {
	e := newTestEnv(t, nil)
	_, err := endpointAction(e, endpointActionReceive, DefaultEndpointConnectionAwaitingID, "no-such-endpoint")
	requireHuaweiError(t, err, "APIG.2012", 400)
	_, err = endpointAction(e, endpointActionReceive, DefaultEndpointConnectionAwaitingID, DefaultEndpointConnectionFailedID)
	requireHuaweiError(t, err, "APIG.2012", 400)
	assert.Equal(t, EndpointPendingAcceptance, changeGatewayStatus(t, e, DefaultEndpointConnectionAwaitingID))

	_, err = endpointAction(e, endpointActionReceive)
	requireHuaweiError(t, err, "APIG.2012", 400)
	many := make([]string, maxEndpointsPerAction+1)
	for i := range many {
		many[i] = DefaultEndpointConnectionAwaitingID
	}
	_, err = endpointAction(e, endpointActionReceive, many...)
	requireHuaweiError(t, err, "APIG.2012", 400)

	status, _, body, _ := rawAPIG(t, e, "POST", "/v2/"+DefaultHuaweiProjectID+"/apigw/instances/"+DefaultAPIGChangeInstanceID+"/vpc-endpoint/connections/action", nil, DefaultHuaweiToken)
	assert.Equal(t, 400, status, "an empty body is no action")
	assert.Equal(t, "APIG.0201", body.ErrorCode)
}

// An IAM policy bound to the AK allows an API only with its action and
// the actions it depends on.
func TestHuaweiIAMPolicy(t *testing.T) {
	e := newTestEnv(t, nil)
	listOnly := &IAMPolicy{Version: "1.1", Statement: []IAMStatement{{Effect: "Allow", Action: policyStrings{"apig:instance:listVpcEndpoint", "apig:instance:get"}}}}
	require.NoError(t, e.srv.BindHuaweiPolicy(DefaultHuaweiAK, listOnly))
	changeGatewayStatus(t, e, DefaultEndpointConnectionAwaitingID)
	_, err := endpointAction(e, endpointActionReceive, DefaultEndpointConnectionAwaitingID)
	requireHuaweiError(t, err, "APIC.7106", 403)

	withoutGet := &IAMPolicy{Version: "1.1", Statement: []IAMStatement{{Effect: "Allow", Action: policyStrings{"apig:instance:listVpcEndpoint", "apig:instance:acceptOrRejectVpcEndpointConnection"}}}}
	require.NoError(t, e.srv.BindHuaweiPolicy(DefaultHuaweiAK, withoutGet))
	_, err = endpointAction(e, endpointActionReceive, DefaultEndpointConnectionAwaitingID)
	requireHuaweiError(t, err, "APIC.7106", 403)

	all := &IAMPolicy{Version: "1.1", Statement: []IAMStatement{
		{Effect: "Allow", Action: policyStrings{"apig:instance:*"}},
		{Effect: "Deny", Action: policyStrings{"apig:instance:listVpcEndpoint"}},
	}}
	require.NoError(t, e.srv.BindHuaweiPolicy(DefaultHuaweiAK, all))
	_, err = endpointAction(e, endpointActionReceive, DefaultEndpointConnectionAwaitingID)
	require.NoError(t, err, "apig:instance:* allows it")
	_, err = e.defaultAPIG().ListEndpointConnections(&model.ListEndpointConnectionsRequest{InstanceId: DefaultAPIGChangeInstanceID})
	requireHuaweiError(t, err, "APIC.7106", 403)

	require.NoError(t, e.srv.BindHuaweiPolicy(DefaultHuaweiAK, nil))
	changeGatewayStatus(t, e, DefaultEndpointConnectionAwaitingID)
	assert.Error(t, e.srv.BindHuaweiPolicy(DefaultHuaweiAK, &IAMPolicy{Version: "1"}), "a policy IAM would refuse")
	assert.Error(t, e.srv.BindHuaweiPolicy("no-such-ak", nil))
}

// Under EndpointReadsAfterAction, reads right after an accept show the
// status before it.
func TestEndpointReadsAfterAction(t *testing.T) {
	e := newTestEnv(t, nil)
	e.srv.SetQuirks(Quirks{EndpointReadsAfterAction: 2})
	_, err := endpointAction(e, endpointActionReceive, DefaultEndpointConnectionAwaitingID)
	require.NoError(t, err)
	assert.Equal(t, EndpointPendingAcceptance, changeGatewayStatus(t, e, DefaultEndpointConnectionAwaitingID))
	assert.Equal(t, EndpointPendingAcceptance, changeGatewayStatus(t, e, DefaultEndpointConnectionAwaitingID))
	assert.Equal(t, EndpointAccepted, changeGatewayStatus(t, e, DefaultEndpointConnectionAwaitingID))
}
