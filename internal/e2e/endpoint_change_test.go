package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// shippedHuaweiPolicy is deploy/policies' IAM custom policy.
func shippedHuaweiPolicy(t *testing.T) cloudsim.IAMPolicy {
	p := readPolicy[cloudsim.IAMPolicy](t, "huawei-iam-policy.json")
	require.Len(t, p.Statement, 1)
	return p
}

// bindHuaweiKey binds the workers' AK to p until the test ends.
func bindHuaweiKey(t *testing.T, p cloudsim.IAMPolicy) {
	t.Helper()
	require.NoError(t, stack.Cloudsim.BindHuaweiPolicy(cloudsim.DefaultHuaweiAK, &p))
	t.Cleanup(func() { _ = stack.Cloudsim.BindHuaweiPolicy(cloudsim.DefaultHuaweiAK, nil) })
}

// endpointStatus is a connection's status as cloudsim holds it.
func endpointStatus(t *testing.T, id string) string {
	t.Helper()
	for _, c := range stack.Cloudsim.State().EndpointConnections {
		if c.ID == id {
			return c.Status
		}
	}
	t.Fatalf("no endpoint connection %s in cloudsim", id)
	return ""
}

// acceptInput accepts the change gateway's two waiting connections and
// the one rejected before.
func acceptInput() contract.ApigEndpointChangeInput {
	return contract.ApigEndpointChangeInput{InstanceId: cloudsim.DefaultAPIGChangeInstanceID, WaitTimeout: contract.Duration(2 * time.Minute),
		EndpointIds: []string{cloudsim.DefaultEndpointConnectionAwaitingID, cloudsim.DefaultEndpointConnectionAwaiting2ID, cloudsim.DefaultEndpointConnectionWasRejectedID}}
}

// The Huawei side as a change: asked with approval, it plans and waits,
// approved it accepts the three connections in one call, with the IAM
// policy deploy/ ships and reads lagging behind the accept; its rollback
// rejects them in one call. Nothing is accepted or rejected twice.
func TestAnEndpointAcceptIsApprovedThenRolledBack(t *testing.T) {
	resetCloud(t)
	waitWorkerIdle(t)
	bindHuaweiKey(t, shippedHuaweiPolicy(t))
	quirks(t, cloudsim.Quirks{EndpointReadsAfterAction: 2})
	in := acceptInput()
	in.Approval = &contract.Approval{Required: true}
	ctx := stacktest.Ctx(t, 3*time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "apig-accept/approved"), contract.ApigEndpointChange.Type, in)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tc.TerminateWorkflow(ctx, run.GetID(), "", "test over") })
	require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageAwaitingApproval, run.GetID()))
	p, err := stacktest.Progress(ctx, tc, run.GetID())
	require.NoError(t, err)
	require.Len(t, p.Plan, 2)
	assert.Equal(t, contract.PlanWillDo, p.Plan[0].Action)
	assert.Contains(t, p.Plan[0].What, cloudsim.DefaultEndpointConnectionWasRejectedID+" (rejected)")
	assert.Zero(t, stack.Cloudsim.CallCount("AcceptOrRejectEndpointConnections"), "nothing changed while waiting")

	handle, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: contract.DecideUpdate,
		Args: []any{contract.Decision{Approve: true, By: "bob", Comment: "CHG-7"}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	require.NoError(t, err)
	require.NoError(t, handle.Get(ctx, nil))
	var res contract.ApigEndpointChangeResult
	require.NoError(t, run.Get(ctx, &res))
	assert.ElementsMatch(t, in.EndpointIds, res.Changed)
	require.Len(t, res.Connections, 3)
	for _, id := range in.EndpointIds {
		assert.Equal(t, cloudsim.EndpointAccepted, endpointStatus(t, id), id)
	}
	assert.Equal(t, 1, applied("AcceptOrRejectEndpointConnections"), "accepted in one call")
	recordHistory(t, "apig_endpoint_change_approved", run.GetID())

	rb, err := rollbackOf(ctx, t, run.GetID())
	require.NoError(t, err)
	var undone contract.RollbackResult
	require.NoError(t, rb.Get(ctx, &undone))
	assert.ElementsMatch(t, in.EndpointIds, undone.Reverted)
	for _, id := range in.EndpointIds {
		assert.Equal(t, cloudsim.EndpointRejected, endpointStatus(t, id), id)
	}
	assert.Equal(t, 2, applied("AcceptOrRejectEndpointConnections"), "rejected in one call")
	assert.Equal(t, cloudsim.EndpointFailed, endpointStatus(t, cloudsim.DefaultEndpointConnectionFailedID), "nothing else moved")
	recordHistory(t, "apig_endpoint_change_rollback", rb.GetID())
}

// The accept's answer is lost: the retry reads the connections accepted,
// makes no second call, and the change counts them as its own.
func TestAnEndpointAcceptWhoseAnswerIsLostIsMadeOnce(t *testing.T) {
	resetCloud(t)
	quirks(t, cloudsim.Quirks{LostResponses: map[string]int{"AcceptOrRejectEndpointConnections": 1}})
	in := acceptInput()
	ctx := stacktest.Ctx(t, 3*time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "apig-accept/lost"), contract.ApigEndpointChange.Type, in)
	require.NoError(t, err)
	var res contract.ApigEndpointChangeResult
	require.NoError(t, run.Get(ctx, &res))
	assert.ElementsMatch(t, in.EndpointIds, res.Changed, "what the lost call moved is the change's")
	assert.Empty(t, res.AlreadyDone)
	calls := stack.Cloudsim.Calls("AcceptOrRejectEndpointConnections")
	require.Len(t, calls, 1, "one call, lost; the retry read them accepted")
	assert.True(t, calls[0].Lost)
}

// A connection that cannot be accepted stops the change before any call,
// and one run of a gateway's change at a time: a second start with other
// endpoints is refused, naming the difference.
func TestAnEndpointChangeThatCannotBeMadeChangesNothing(t *testing.T) {
	resetCloud(t)
	in := acceptInput()
	in.EndpointIds = append(in.EndpointIds, cloudsim.DefaultEndpointConnectionFailedID)
	ctx := stacktest.Ctx(t, 2*time.Minute)
	run, err := contract.ApigEndpointChange.Start(ctx, tc, in)
	require.NoError(t, err)
	err = run.Get(ctx, nil)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	assert.Equal(t, contract.UnreachableStateType, appErr.Type())
	assert.Contains(t, appErr.Message(), cloudsim.DefaultEndpointConnectionFailedID+" is failed")
	assert.Zero(t, stack.Cloudsim.CallCount("AcceptOrRejectEndpointConnections"))

	// The gateway's change, approval pending, and a second one.
	first := acceptInput()
	first.Approval = &contract.Approval{Required: true}
	run, err = contract.ApigEndpointChange.Start(ctx, tc, first)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tc.TerminateWorkflow(ctx, run.GetID(), "", "test over") })
	second := first
	second.EndpointIds = first.EndpointIds[:1]
	_, err = contract.ApigEndpointChange.Start(ctx, tc, second)
	var conflict *contract.ConflictingStartError
	require.True(t, errors.As(err, &conflict), "%v", err)
	assert.True(t, slices.ContainsFunc(conflict.Differences, func(d string) bool { return strings.Contains(d, "EndpointIds") }), "%v", conflict)
}

// The IAM policy deploy/ ships is exactly what the Huawei side needs: with
// any one action taken out, the workflow that needs it fails at once on
// APIC.7106.
func TestTheShippedHuaweiPolicyIsExactlyEnough(t *testing.T) {
	policy := shippedHuaweiPolicy(t)
	for _, action := range policy.Statement[0].Action {
		t.Run("without "+action, func(t *testing.T) {
			waitWorkerIdle(t)
			resetCloud(t)
			less := policy
			less.Statement = []cloudsim.IAMStatement{{Effect: "Allow",
				Action: slices.DeleteFunc(slices.Clone(policy.Statement[0].Action), func(a string) bool { return a == action })}}
			bindHuaweiKey(t, less)
			ctx := stacktest.Ctx(t, 2*time.Minute)
			run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "huawei-least-privilege"), contract.ApigEndpointChange.Type, acceptInput())
			require.NoError(t, err)
			err = run.Get(ctx, nil)
			var appErr *temporal.ApplicationError
			require.True(t, errors.As(err, &appErr), "%v", err)
			assert.Equal(t, "APIC.7106", appErr.Type())
			assert.Contains(t, appErr.Message(), "huawei-iam-policy.json")
			assert.Equal(t, cloudsim.EndpointPendingAcceptance, endpointStatus(t, cloudsim.DefaultEndpointConnectionAwaitingID))
		})
	}
}

// The starter plans the change of the documented example, and starts it.
func TestTheStarterPlansAndAcceptsEndpoints(t *testing.T) {
	resetCloud(t)
	ctx := stacktest.Ctx(t, 2*time.Minute)
	var out, errOut bytes.Buffer
	code := starterApp(&out, &errOut).Run(ctx, []string{"apig-plan", "-f", "../../docs/examples/apig-accept.json", "--wait", "-o", "json"})
	require.Equal(t, 0, code, "stderr: %s", errOut.String())
	var answer struct{ Result contract.PlanResult }
	require.NoError(t, json.Unmarshal(out.Bytes(), &answer), out.String())
	plan := answer.Result
	assert.True(t, plan.WouldChange)
	require.NotEmpty(t, plan.Plan)
	assert.Contains(t, plan.Plan[0].What, "accept 2 endpoint connections of gateway "+cloudsim.DefaultAPIGChangeInstanceID)
	assert.Zero(t, stack.Cloudsim.CallCount("AcceptOrRejectEndpointConnections"), "a plan changes nothing")

	out.Reset()
	code = starterApp(&out, &errOut).Run(ctx, []string{"apig-accept", "-f", "../../docs/examples/apig-accept.json", "--wait"})
	require.Equal(t, 0, code, "stderr: %s", errOut.String())
	assert.Equal(t, cloudsim.EndpointAccepted, endpointStatus(t, cloudsim.DefaultEndpointConnectionAwaitingID))
	assert.Equal(t, cloudsim.EndpointAccepted, endpointStatus(t, cloudsim.DefaultEndpointConnectionAwaiting2ID))
	assert.Equal(t, cloudsim.EndpointRejected, endpointStatus(t, cloudsim.DefaultEndpointConnectionWasRejectedID), "only the named ones")
}
