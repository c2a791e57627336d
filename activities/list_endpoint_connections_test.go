package activities

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/activities/activitiestest"
	"github.com/vpcflow/vpcflow/contract"
)

// apigConnections serves connections page by page (offset/limit), filtered
// by id as the API filters them, from the list that reads(n) gives for the
// n-th full read of the same filter.
func apigConnections(reads func(n int) map[string]string) func(*model.ListEndpointConnectionsRequest) (*model.ListEndpointConnectionsResponse, error) {
	read := map[string]int{}
	return func(r *model.ListEndpointConnectionsRequest) (*model.ListEndpointConnectionsResponse, error) {
		filter := ""
		if r.Id != nil {
			filter = *r.Id
		}
		if *r.Offset == 0 {
			read[filter]++
		}
		status := reads(read[filter])
		var all []model.EndpointConnection
		for i := 0; i < len(status); i++ {
			id := fmt.Sprintf("ep-%d", i)
			if filter != "" && id != filter {
				continue
			}
			var c model.EndpointConnection
			// The status type's value is unexported: build it as the SDK does, from JSON.
			data, _ := json.Marshal(map[string]any{"id": id, "marker_id": i, "status": status[id]})
			if err := json.Unmarshal(data, &c); err != nil {
				return nil, err
			}
			all = append(all, c)
		}
		from, to := min(int(*r.Offset), len(all)), min(int(*r.Offset)+int(*r.Limit), len(all))
		page := all[from:to]
		id := fmt.Sprintf("RID-%s%d-%d", filter, read[filter], *r.Offset)
		return &model.ListEndpointConnectionsResponse{Total: int64(len(all)), Size: int32(len(page)), Connections: &page, XRequestId: &id}, nil
	}
}

func TestListEndpointConnectionsPagesByOffset(t *testing.T) {
	apig := &activitiestest.FakeAPIG{OnListEndpointConnections: apigConnections(func(int) map[string]string {
		return map[string]string{"ep-0": "accepted", "ep-1": "pendingAcceptance", "ep-2": "rejected"}
	})}
	acts := &CloudActivities{APIG: apig}
	res, err := runActivity[EndpointConnections](acts, acts.ListEndpointConnections, ListEndpointConnectionsInput{InstanceId: "gw1", Limit: 2, Status: "accepted"})
	require.NoError(t, err)
	assert.Len(t, res.Connections, 3)
	assert.Equal(t, int64(3), res.Total)
	assert.Equal(t, "pendingAcceptance", res.Connections[1].Status)
	require.Len(t, apig.Requests(), 2, "3 connections at 2 a page, and no extra call for an empty page")
	assert.Equal(t, "accepted", apig.Requests()[0].Status.Value())
	assert.Equal(t, "gw1", apig.Requests()[1].InstanceId)
	assert.Equal(t, int64(2), *apig.Requests()[1].Offset)
}

func TestWaitEndpointsAccepted(t *testing.T) {
	apig := &activitiestest.FakeAPIG{OnListEndpointConnections: apigConnections(func(n int) map[string]string {
		if n < 3 {
			return map[string]string{"ep-0": "accepted", "ep-1": "pendingAcceptance"}
		}
		return map[string]string{"ep-0": "accepted", "ep-1": "accepted"}
	})}
	acts := &CloudActivities{APIG: apig, Poll: fastPoll}
	res, err := runActivity[EndpointConnections](acts, acts.WaitEndpointsAccepted, WaitEndpointsAcceptedInput{InstanceId: "gw1",
		EndpointIds: []string{"ep-0", "ep-1"}, Deadline: time.Now().Add(time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, "accepted", res.Connections[1].Status)
	// Each read asks for each endpoint not yet seen accepted, by id: ep-0
	// once, ep-1 until its third ask.
	require.Len(t, apig.Requests(), 4)
	asked := map[string]int{}
	for _, r := range apig.Requests() {
		require.NotNil(t, r.Id, "the wait filters by id")
		asked[*r.Id]++
	}
	assert.Equal(t, map[string]int{"ep-0": 1, "ep-1": 3}, asked)
}

// An input may name the gateway's project or region; a worker that cannot
// act there says so.
func TestEndpointConnectionsOfAnotherProject(t *testing.T) {
	own := &activitiestest.FakeAPIG{OnListEndpointConnections: apigConnections(func(int) map[string]string { return map[string]string{"ep-0": "accepted"} })}
	other := &activitiestest.FakeAPIG{OnListEndpointConnections: apigConnections(func(int) map[string]string { return map[string]string{"ep-0": "accepted", "ep-1": "accepted"} })}
	var scopes []APIGScope
	acts := &CloudActivities{APIG: own, APIGFor: func(s APIGScope) (APIGAPI, error) {
		scopes = append(scopes, s)
		return other, nil
	}}
	scope := APIGScope{ProjectId: "p2"}
	res, err := runActivity[EndpointConnections](acts, acts.ListEndpointConnections, ListEndpointConnectionsInput{APIGScope: scope, InstanceId: "gw2"})
	require.NoError(t, err)
	assert.Len(t, res.Connections, 2)
	assert.Equal(t, []APIGScope{scope}, scopes)
	assert.Empty(t, own.Requests())

	acts.APIGFor = nil
	err = activityError(acts, acts.ListEndpointConnections, ListEndpointConnectionsInput{APIGScope: scope, InstanceId: "gw2"})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, contract.HuaweiCloudNotConfiguredType, appErr.Type())
	assert.True(t, appErr.NonRetryable())
	assert.Contains(t, appErr.Error(), `project "p2"`)
}

func TestWaitEndpointsEndsAtOnceOnRejected(t *testing.T) {
	for _, status := range []string{"rejected", "failed", "deleting"} {
		apig := &activitiestest.FakeAPIG{OnListEndpointConnections: apigConnections(func(int) map[string]string {
			return map[string]string{"ep-0": "accepted", "ep-1": status}
		})}
		acts := &CloudActivities{APIG: apig, Poll: fastPoll}
		err := activityError(acts, acts.WaitEndpointsAccepted, WaitEndpointsAcceptedInput{InstanceId: "gw1",
			EndpointIds: []string{"ep-1"}, Deadline: time.Now().Add(time.Minute)})
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr, status)
		assert.Equal(t, contract.UnreachableStateType, appErr.Type())
		assert.True(t, appErr.NonRetryable())
		assert.Contains(t, appErr.Error(), "ep-1 is "+status)
		assert.Len(t, apig.Requests(), 1)
		assert.Equal(t, "ep-1", *apig.Requests()[0].Id)
	}
}

func TestWaitEndpointsKeepsWaitingForAnUnknownStatusUntilTheDeadline(t *testing.T) {
	apig := &activitiestest.FakeAPIG{OnListEndpointConnections: apigConnections(func(int) map[string]string {
		return map[string]string{"ep-0": "pending"} // not a documented status
	})}
	acts := &CloudActivities{APIG: apig, Poll: fastPoll}
	err := activityError(acts, acts.WaitEndpointsAccepted, WaitEndpointsAcceptedInput{InstanceId: "gw1",
		EndpointIds: []string{"ep-0", "ep-9"}, Deadline: time.Now().Add(100 * time.Millisecond)})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, contract.WaitTimeoutType, appErr.Type())
	assert.Contains(t, appErr.Error(), "ep-0 pending, ep-9 not listed")
}
