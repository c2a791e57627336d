package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// ApigEndpointConnectionsWorkflow lists a Huawei Cloud APIG gateway's VPC
// endpoint connections and, when asked, waits until the given ones are
// accepted. A rejected or failed connection ends it with an error.
func ApigEndpointConnectionsWorkflow(ctx workflow.Context, in contract.ApigEndpointConnectionsInput) (contract.ApigEndpointConnectionsResult, error) {
	var a *activities.CloudActivities
	run, in, err := startChange(ctx, in)
	if err != nil {
		return contract.ApigEndpointConnectionsResult{}, err
	}

	scope := activities.APIGScope{Region: in.Region, ProjectId: in.ProjectId}
	list := activities.ListEndpointConnectionsInput{APIGScope: scope, InstanceId: in.InstanceId, Id: in.Id, MarkerId: in.MarkerId, Status: in.Status}
	if in.Limit != nil {
		list.Limit = *in.Limit
	}
	var listed activities.EndpointConnections
	err = run.steps.step(ctx, contract.StageListEndpoints, func() (activities.CallTrace, error) {
		err := run.shape.read(ctx, "List VPC endpoint connections of gateway "+in.InstanceId,
			a.ListEndpointConnections, list).Get(ctx, &listed)
		return listed.CallTrace, err
	})
	if err != nil {
		return contract.ApigEndpointConnectionsResult{}, err
	}
	res := contract.ApigEndpointConnectionsResult{Connections: listed.Connections, Total: listed.Total}

	if len(in.WaitForAccepted) == 0 {
		run.steps.skip(ctx, contract.StageWaitEndpoints, "no WaitForAccepted in the input")
		res.Steps = run.steps.completed(ctx)
		return res, nil
	}
	timeout := in.WaitTimeout.OrDefault()
	wait := activities.WaitEndpointsAcceptedInput{APIGScope: scope, InstanceId: in.InstanceId, EndpointIds: in.WaitForAccepted, Deadline: workflow.Now(ctx).Add(timeout)}
	var accepted activities.EndpointConnections
	err = run.steps.step(ctx, contract.StageWaitEndpoints, func() (activities.CallTrace, error) {
		err := workflow.ExecuteActivity(withWait(ctx, timeout, fmt.Sprintf("Wait until %d endpoint connections are accepted", len(in.WaitForAccepted))),
			a.WaitEndpointsAccepted, wait).Get(ctx, &accepted)
		return accepted.CallTrace, err
	})
	if err != nil {
		return contract.ApigEndpointConnectionsResult{}, err
	}
	// The listing was taken before the wait; report the waited-for
	// connections as last seen, accepted.
	for i, c := range res.Connections {
		for _, seen := range accepted.Connections {
			if seen.Id == c.Id {
				res.Connections[i] = seen
			}
		}
	}
	res.Steps = run.steps.completed(ctx)
	return res, nil
}
