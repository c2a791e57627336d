package e2e

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// startAwaitingApproval starts a NetworkChange that needs approval and
// returns once it shows its plan, having changed nothing.
func startAwaitingApproval(t *testing.T, name string) client.WorkflowRun {
	t.Helper()
	in := simclients.DefaultNetworkChange()
	in.Approval = &contract.Approval{Required: true}
	ctx := stacktest.Ctx(t, 3*time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, name), contract.NetworkChange.Type, in)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tc.TerminateWorkflow(context.Background(), run.GetID(), "", "test over") })
	require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageAwaitingApproval, run.GetID()))
	p, err := stacktest.Progress(ctx, tc, run.GetID())
	require.NoError(t, err)
	assert.NotEmpty(t, p.Plan, "the progress shows the plan")
	assert.Zero(t, stack.Cloudsim.CallCount("ConnectRouterInterface"), "nothing changed while waiting")
	assert.Empty(t, callsOf("PublishVpcRouteEntries", realPublish))
	return run
}

// A person approves with `starter approve`; a service's Update without an
// approver was refused before it; the change then runs, and its result
// says who approved which plan.
func TestAChangeWaitsForApprovalAndGoesOnWhenApproved(t *testing.T) {
	resetCloud(t)
	run := startAwaitingApproval(t, "network-change/approved")

	ctx := stacktest.Ctx(t, time.Minute)
	handle, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: contract.DecideUpdate,
		Args: []any{contract.Decision{Approve: true}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = handle.Get(ctx, nil)
	}
	require.Error(t, err, "a decision without an approver is refused")
	assert.Contains(t, err.Error(), "names no approver")

	var out, errOut bytes.Buffer
	require.Equal(t, 0, starterApp(&out, &errOut).Run(ctx, []string{"status", run.GetID()}), "stderr: %s", errOut.String())
	assert.Contains(t, out.String(), "stage: awaiting-approval")
	assert.Contains(t, out.String(), "+ will do: connect ")
	out.Reset()
	code := starterApp(&out, &errOut).Run(ctx, []string{"approve", run.GetID(), "--by", "alice", "--comment", "CHG-42"})
	require.Equal(t, 0, code, "stderr: %s", errOut.String())
	assert.Contains(t, out.String(), "Approved plan 1 (sha256:")
	assert.Contains(t, out.String(), ") of "+run.GetID()+", by alice (unsigned)", "the dev stack's worker has no policy: unsigned decisions, said so")

	var res contract.NetworkChangeResult
	require.NoError(t, run.Get(stacktest.Ctx(t, 2*time.Minute), &res))
	require.Len(t, res.Decisions, 1)
	assert.Equal(t, "alice", res.Decisions[0].By)
	assert.Equal(t, "CHG-42", res.Decisions[0].Comment)
	assert.True(t, res.Connected)
	assert.Len(t, res.Published, 2)
	assert.Equal(t, 1, stack.Cloudsim.CallCount("ConnectRouterInterface"))
	recordHistory(t, "network_change_approved", run.GetID())

	out.Reset()
	errOut.Reset()
	code = starterApp(&out, &errOut).Run(stacktest.Ctx(t, time.Minute), []string{"approve", run.GetID(), "--by", "alice"})
	assert.Equal(t, 1, code, "a change that waits for no decision takes none")
}

// A person rejects with `starter reject`: the change stops, nothing
// changed, and says who rejected it and why.
func TestARejectedChangeChangesNothing(t *testing.T) {
	resetCloud(t)
	run := startAwaitingApproval(t, "network-change/rejected")

	var out, errOut bytes.Buffer
	code := starterApp(&out, &errOut).Run(stacktest.Ctx(t, time.Minute), []string{"reject", run.GetID(), "--by", "bob", "--comment", "change freeze"})
	require.Equal(t, 0, code, "stderr: %s", errOut.String())

	err := run.Get(stacktest.Ctx(t, time.Minute), nil)
	require.Error(t, err)
	assert.Equal(t, contract.ChangeRejectedType, stacktest.FailureType(err))
	assert.Contains(t, err.Error(), "change freeze")
	assert.Zero(t, stack.Cloudsim.CallCount("ConnectRouterInterface"))
	assert.Empty(t, callsOf("PublishVpcRouteEntries", realPublish))

	code = starterApp(&out, &errOut).Run(stacktest.Ctx(t, time.Minute), []string{"approve", run.GetID(), "--by", ""})
	assert.Equal(t, 2, code, "no approver: refused before dialing")
}

// While a change waits, someone publishes one of its routes: the plan
// approved is not what the change would do any more, so it shows the new
// plan and asks again, and goes on only with that decision.
func TestACloudThatMovedWhileWaitingIsAskedAboutAgain(t *testing.T) {
	resetCloud(t)
	run := startAwaitingApproval(t, "network-change/moved")

	require.NoError(t, publishAsSomeoneElse(t, cloudsim.DefaultRouteCIDR1))

	ctx := stacktest.Ctx(t, 2*time.Minute)
	decide := func(by string) contract.DecisionRecord {
		handle, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: contract.DecideUpdate,
			Args: []any{contract.Decision{Approve: true, By: by}}, WaitForStage: client.WorkflowUpdateStageCompleted})
		require.NoError(t, err)
		var rec contract.DecisionRecord
		require.NoError(t, handle.Get(ctx, &rec))
		return rec
	}
	assert.Equal(t, 1, decide("alice").Plan)
	// The new plan: asked about while the first decision is on record.
	require.Eventually(t, func() bool {
		p, err := stacktest.Progress(ctx, tc, run.GetID())
		if err != nil || p.Stage != contract.StageAwaitingApproval {
			return false
		}
		// The first decision is a step of its own; the plan after it ends
		// with its DryRun.
		decided := slices.IndexFunc(p.Steps, func(s contract.Step) bool { return s.Name == contract.StageAwaitingApproval })
		return decided >= 0 && p.Steps[len(p.Steps)-1].Name == contract.StageDryRunPublish && len(p.Steps)-1 > decided
	}, time.Minute, 50*time.Millisecond, "it plans again and waits")
	assert.Equal(t, 2, decide("carol").Plan)

	var res contract.NetworkChangeResult
	require.NoError(t, run.Get(ctx, &res))
	require.Len(t, res.Decisions, 2)
	assert.Equal(t, "carol", res.Decisions[1].By)
	assert.Len(t, res.Published, 1, "the route published meanwhile is not published again")
	assert.Len(t, res.AlreadyPublished, 1)
}

// No decision within the Approval's Timeout: the change ends
// ApprovalTimeout, nothing changed.
func TestAnUndecidedChangeTimesOutChangingNothing(t *testing.T) {
	resetCloud(t)
	in := simclients.DefaultNetworkChange()
	in.Approval = &contract.Approval{Required: true, Timeout: contract.Duration(2 * time.Second)}
	ctx := stacktest.Ctx(t, time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "network-change/undecided"), contract.NetworkChange.Type, in)
	require.NoError(t, err)
	err = run.Get(ctx, nil)
	require.Error(t, err)
	assert.Equal(t, contract.ApprovalTimeoutType, stacktest.FailureType(err))
	assert.Contains(t, err.Error(), "nothing was changed")
	assert.Zero(t, stack.Cloudsim.CallCount("ConnectRouterInterface"))
	assert.Empty(t, callsOf("PublishVpcRouteEntries", realPublish))
}

// Cancelled from the starter while it waits for a decision, a change stops
// at once and says that nothing was changed: there is nothing to undo.
func TestAChangeCancelledWhileWaitingForApprovalChangedNothing(t *testing.T) {
	resetCloud(t)
	run := startAwaitingApproval(t, "network-change/cancelled-waiting")
	var out, errOut bytes.Buffer
	code := starterApp(&out, &errOut).Run(stacktest.Ctx(t, time.Minute), []string{"cancel", run.GetID(), "--wait"})
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", out.String(), errOut.String())
	assert.Contains(t, out.String(), "Cancelled "+run.GetID()+": nothing was changed")
	assert.NotContains(t, out.String(), "starter rollback")
	assert.Zero(t, stack.Cloudsim.CallCount("ConnectRouterInterface"))
	assert.Zero(t, stack.Cloudsim.CallCount("WithdrawVpcPublishedRouteEntries"))

	code = starterApp(&out, &errOut).Run(stacktest.Ctx(t, time.Minute), []string{"cancel", run.GetID()})
	assert.Equal(t, 1, code, "a change that has ended is not cancelled again")
	assert.Contains(t, errOut.String(), "is not running (Canceled)")
}

// A person decides in the Web UI (More Actions, Send an Update, decide):
// a decision without an approver is refused in the dialog with the
// validator's words, and the change stays waiting; then the person's
// decision is taken and the change goes on.
func TestAChangeIsApprovedFromTheWebUI(t *testing.T) {
	b := newBrowser(t)
	resetCloud(t)
	run := startAwaitingApproval(t, "network-change/web-ui")

	said := b.sendUpdate(run.GetID(), run.GetRunID(), contract.DecideUpdate, `{"Approve": true, "Comment": "looks right"}`)
	assert.Equal(t, "the decision names no approver: set By", said, "the validator's refusal shows in the dialog")
	p, err := stacktest.Progress(stacktest.Ctx(t, time.Minute), tc, run.GetID())
	require.NoError(t, err)
	assert.Equal(t, contract.StageAwaitingApproval, p.Stage, "a refused decision changes nothing")

	said = b.sendUpdate(run.GetID(), run.GetRunID(), contract.DecideUpdate, `{"Approve": true, "By": "dana", "Comment": "CHG-7 from the UI"}`)
	assert.Equal(t, "Update successful", said)
	var res contract.NetworkChangeResult
	require.NoError(t, run.Get(stacktest.Ctx(t, 2*time.Minute), &res))
	require.Len(t, res.Decisions, 1)
	assert.Equal(t, "dana", res.Decisions[0].By)
	assert.Equal(t, "CHG-7 from the UI", res.Decisions[0].Comment)
	assert.True(t, res.Connected)
}
