package activities

import (
	"errors"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/activities/activitiestest"
	"github.com/vpcflow/vpcflow/contract"
)

func acceptAnswered(r *model.AcceptOrRejectEndpointConnectionsRequest) (*model.AcceptOrRejectEndpointConnectionsResponse, error) {
	id := "RID-action"
	return &model.AcceptOrRejectEndpointConnectionsResponse{XRequestId: &id}, nil
}

// The read leaves out what is accepted already; one call accepts the rest.
func TestAcceptMovesOnlyWhatIsNotAccepted(t *testing.T) {
	apig := &activitiestest.FakeAPIG{
		OnListEndpointConnections: apigConnections(func(int) map[string]string {
			return map[string]string{"ep-0": "accepted", "ep-1": "pendingAcceptance", "ep-2": "rejected"}
		}),
		OnAcceptOrRejectEndpointConnections: acceptAnswered,
	}
	acts := &CloudActivities{APIG: apig}
	res, err := runActivity[EndpointActionResult](acts, acts.AcceptOrRejectEndpointConnections, EndpointActionInput{
		EndpointsRef: EndpointsRef{InstanceId: "gw1", EndpointIds: []string{"ep-0", "ep-1", "ep-2"}}, Action: contract.EndpointActionAccept})
	require.NoError(t, err)
	assert.Equal(t, []string{"ep-1", "ep-2"}, res.Acted)
	assert.Equal(t, []string{"ep-0"}, res.Already)
	assert.Equal(t, "RID-action", res.RequestId)
	require.Len(t, apig.Actions(), 1)
	assert.Equal(t, "receive", apig.Actions()[0].Body.Action.Value())
	assert.Equal(t, []string{"ep-1", "ep-2"}, apig.Actions()[0].Body.Endpoints)
}

// Nothing to move, no call; a connection that cannot move stops the
// change before any call, naming it and its status.
func TestAcceptOrRejectReadsBeforeItCalls(t *testing.T) {
	apig := &activitiestest.FakeAPIG{
		OnListEndpointConnections: apigConnections(func(int) map[string]string {
			return map[string]string{"ep-0": "rejected", "ep-1": "failed"}
		}),
		OnAcceptOrRejectEndpointConnections: acceptAnswered,
	}
	acts := &CloudActivities{APIG: apig}
	res, err := runActivity[EndpointActionResult](acts, acts.AcceptOrRejectEndpointConnections, EndpointActionInput{
		EndpointsRef: EndpointsRef{InstanceId: "gw1", EndpointIds: []string{"ep-0"}}, Action: contract.EndpointActionReject})
	require.NoError(t, err)
	assert.Empty(t, res.Acted)
	assert.Equal(t, []string{"ep-0"}, res.Already)

	for _, ids := range [][]string{{"ep-0", "ep-1"}, {"ep-7"}} {
		err = activityError(acts, acts.AcceptOrRejectEndpointConnections, EndpointActionInput{
			EndpointsRef: EndpointsRef{InstanceId: "gw1", EndpointIds: ids}, Action: contract.EndpointActionAccept})
		var appErr *temporal.ApplicationError
		require.True(t, errors.As(err, &appErr), "%v", err)
		assert.True(t, appErr.NonRetryable())
		assert.Equal(t, "APIG.2012", appErr.Type())
	}
	assert.Contains(t, err.Error(), "ep-7 is not a connection of this gateway")
	assert.Empty(t, apig.Actions(), "no call for a change that cannot be made")
}

// Right after a reject, a read still showing accepted is lagging: the
// wait goes on; past the grace, accepted means someone accepted it again.
func TestWaitEndpointsRejectedWaitsOutALaggingRead(t *testing.T) {
	apig := &activitiestest.FakeAPIG{OnListEndpointConnections: apigConnections(func(n int) map[string]string {
		if n < 3 {
			return map[string]string{"ep-0": "accepted"}
		}
		return map[string]string{"ep-0": "rejected"}
	})}
	acts := &CloudActivities{APIG: apig, Poll: fastPoll}
	res, err := runActivity[EndpointConnections](acts, acts.WaitEndpointsRejected, WaitEndpointsInput{InstanceId: "gw1",
		EndpointIds: []string{"ep-0"}, ActedAt: time.Now(), Deadline: time.Now().Add(time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, "rejected", res.Connections[0].Status)

	apig = &activitiestest.FakeAPIG{OnListEndpointConnections: apigConnections(func(int) map[string]string {
		return map[string]string{"ep-0": "accepted"}
	})}
	acts = &CloudActivities{APIG: apig, Poll: fastPoll}
	err = activityError(acts, acts.WaitEndpointsRejected, WaitEndpointsInput{InstanceId: "gw1",
		EndpointIds: []string{"ep-0"}, Deadline: time.Now().Add(time.Minute)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ep-0 is accepted")
}
