package e2e

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// The route entries of DefaultNetworkChange's two routes.
const (
	routeEntry1 = "rte-bp1cloudsim00000001"
	routeEntry2 = "rte-bp1cloudsim00000002"
)

// interfaceState is a router interface's status as cloudsim holds it.
func interfaceState(t *testing.T, id string) string {
	t.Helper()
	for _, ri := range stack.Cloudsim.State().RouterInterfaces {
		if ri.ID == id {
			return ri.Status
		}
	}
	t.Fatalf("no router interface %s in cloudsim", id)
	return ""
}

// applied counts the calls of action the cloud carried out (answered
// without an error code).
func applied(action string) int {
	return len(callsOf(action, func(c cloudsim.Call) bool { return c.Code == "" }))
}

// startChangeTo starts a NetworkChange and returns once it is in stage.
func startChangeTo(t *testing.T, name string, in contract.NetworkChangeInput, stage string) client.WorkflowRun {
	t.Helper()
	ctx := stacktest.Ctx(t, 2*time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, name), contract.NetworkChange.Type, in)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tc.TerminateWorkflow(ctx, run.GetID(), "", "test over") })
	require.NoError(t, stacktest.WaitStage(ctx, tc, stage, run.GetID()))
	return run
}

// stoppedBy is the ChangeStopped a cancelled change ended with.
func stoppedBy(t *testing.T, err error) contract.ChangeStopped {
	t.Helper()
	var canceled *temporal.CanceledError
	require.True(t, errors.As(err, &canceled), "want a cancelled workflow, got %v", err)
	var stopped contract.ChangeStopped
	require.NoError(t, canceled.Details(&stopped))
	return stopped
}

// Cancelled from the starter while it verifies, a change (OnCancel keep)
// stops, says what it changed and keeps it; `starter rollback` then undoes
// it, each route withdrawn once, and a second rollback finds nothing left.
func TestACancelledChangeIsKeptThenRolledBackByTheStarter(t *testing.T) {
	resetCloud(t)
	// The routes stay Publishing: the verify waits.
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Stuck: []string{routeEntry1, routeEntry2}}))
	run := startChangeTo(t, "network-change/cancel-keep", simclients.DefaultNetworkChange(), contract.StageVerifyVpnRoutes)

	var out, errOut bytes.Buffer
	ctx := stacktest.Ctx(t, 2*time.Minute)
	code := starterApp(&out, &errOut).Run(ctx, []string{"cancel", run.GetID(), "--wait"})
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", out.String(), errOut.String())
	assert.Contains(t, out.String(), "Cancelled "+run.GetID()+": connected "+cloudsim.DefaultInitiatingInterfaceID+
		" and published 2 routes to "+cloudsim.DefaultECRID)
	assert.Contains(t, out.String(), "starter rollback "+run.GetID())

	stopped := stoppedBy(t, run.Get(ctx, nil))
	assert.Equal(t, cloudsim.DefaultInitiatingInterfaceID, stopped.Changed.RouterInterfaceId)
	assert.Len(t, stopped.Changed.Published, 2)
	assert.Len(t, stopped.Changed.RequestIds, 2, "the connect's and the publish's")
	assert.Nil(t, stopped.Rollback, "OnCancel keep: nothing undone")
	assert.Zero(t, applied("WithdrawVpcPublishedRouteEntries"))
	recordHistory(t, "network_change_cancelled", run.GetID())

	// The cloud finishes the publish; the person rolls back.
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{}))
	out.Reset()
	code = starterApp(&out, &errOut).Run(ctx, []string{"rollback", run.GetID(), "--wait"})
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", out.String(), errOut.String())
	assert.Contains(t, out.String(), "Rolling back "+run.GetID())
	assert.Contains(t, out.String(), "withdraw-routes")
	assert.Equal(t, "NonPublished", stateOf(t, cloudsim.DefaultRouteCIDR1))
	assert.Equal(t, "NonPublished", stateOf(t, cloudsim.DefaultRouteCIDR2))
	assert.Equal(t, "Active", interfaceState(t, cloudsim.DefaultInitiatingInterfaceID), "the interface stays: not asked")
	assert.Equal(t, 1, applied("WithdrawVpcPublishedRouteEntries"))
	recordHistory(t, "rollback", contract.RollbackID(run.GetID()))

	out.Reset()
	code = starterApp(&out, &errOut).Run(ctx, []string{"rollback", run.GetID(), "--wait", "-o", "json"})
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", out.String(), errOut.String())
	assert.Contains(t, out.String(), `"AlreadyWithdrawn"`)
	assert.Equal(t, 1, applied("WithdrawVpcPublishedRouteEntries"), "a second rollback withdraws nothing again")
}

// Cancelled while it waits for the interface, a change with OnCancel
// rollback and DeactivateOnRollback deactivates the interface it connected
// (it published nothing yet) and ends cancelled, saying so.
func TestACancelDuringTheInterfaceWaitRollsTheInterfaceBack(t *testing.T) {
	resetCloud(t)
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Stuck: []string{cloudsim.DefaultInitiatingInterfaceID}}))
	in := simclients.DefaultNetworkChange()
	in.OnCancel, in.DeactivateOnRollback = contract.RecoveryRollback, true
	run := startChangeTo(t, "network-change/cancel-rollback", in, contract.StageWaitRouterInterface)

	ctx := stacktest.Ctx(t, 2*time.Minute)
	require.NoError(t, tc.CancelWorkflow(ctx, run.GetID(), ""))
	// The rollback waits, busy, for the interface to be Active before it
	// can deactivate it: let the cloud finish the connect.
	require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageRollback, run.GetID()))
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{}))

	stopped := stoppedBy(t, run.Get(ctx, nil))
	assert.Equal(t, cloudsim.DefaultInitiatingInterfaceID, stopped.Changed.RouterInterfaceId)
	assert.Empty(t, stopped.Changed.Published)
	require.NotNil(t, stopped.Rollback, "rollback error: %s", stopped.RollbackError)
	assert.True(t, stopped.Rollback.Deactivated)
	assert.Equal(t, "Inactive", stopped.Rollback.InterfaceStatus)
	assert.Equal(t, "Inactive", interfaceState(t, cloudsim.DefaultInitiatingInterfaceID))
	assert.Equal(t, 1, applied("DeactivateRouterInterface"))
	assert.Empty(t, callsOf("PublishVpcRouteEntries", nil), "cancelled before the DryRun")
	assert.Zero(t, stack.Cloudsim.CallCount("WithdrawVpcPublishedRouteEntries"), "nothing published, nothing withdrawn")

	p, err := stacktest.Progress(ctx, tc, run.GetID())
	require.NoError(t, err)
	assert.Equal(t, contract.StageCancelled, p.Stage)
	require.NotNil(t, p.Rollback)
	assert.Equal(t, contract.RollbackID(run.GetID()), p.Rollback.WorkflowId)
}

// Cancelled while its connect call is in flight, a change waits for the
// call's answer (WaitForCancellation): it knows it connected, by which
// RequestId, instead of leaving the call behind unknown.
func TestACancelWaitsForTheConnectInFlight(t *testing.T) {
	resetCloud(t)
	slow := cloudsim.ActionFaults{LatencyMin: cloudsim.D(2 * time.Second), LatencyMax: cloudsim.D(2 * time.Second)}
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Actions: map[string]cloudsim.ActionFaults{"ConnectRouterInterface": slow}}))
	run := startChangeTo(t, "network-change/cancel-connect", simclients.DefaultNetworkChange(), contract.StageConnectRouterInterface)
	ctx := stacktest.Ctx(t, time.Minute)
	require.NoError(t, tc.CancelWorkflow(ctx, run.GetID(), ""))

	stopped := stoppedBy(t, run.Get(ctx, nil))
	connects := callsOf("ConnectRouterInterface", nil)
	require.Len(t, connects, 1)
	assert.Equal(t, cloudsim.DefaultInitiatingInterfaceID, stopped.Changed.RouterInterfaceId)
	assert.Equal(t, []string{connects[0].RequestID}, stopped.Changed.RequestIds, "the connect's answer was waited for")
	assert.Empty(t, callsOf("PublishVpcRouteEntries", nil))
}

// A change whose verify fails after it connected and published rolls its
// routes back (OnFailure rollback) and fails with the verify's error.
func TestAFailedVerifyIsRolledBackOnFailure(t *testing.T) {
	resetCloud(t)
	in := simclients.DefaultNetworkChange()
	// A route no one publishes: the verify cannot see it.
	in.ExpectedRoutes = []contract.ExpectedVpnRoute{{DestinationCidrBlock: "10.99.0.0/24", RouteEntryType: contract.VcoRouteCustom}}
	in.WaitTimeout = contract.Duration(3 * time.Second)
	in.OnFailure = contract.RecoveryRollback
	ctx := stacktest.Ctx(t, 2*time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "network-change/verify-fails"), contract.NetworkChange.Type, in)
	require.NoError(t, err)

	err = run.Get(ctx, nil)
	require.Error(t, err)
	assert.Equal(t, contract.WaitTimeoutType, stacktest.FailureType(err), "the change fails with its own error: %v", err)
	p, err := stacktest.Progress(ctx, tc, run.GetID())
	require.NoError(t, err)
	assert.Equal(t, contract.StageFailed, p.Stage)
	require.NotNil(t, p.Rollback)
	require.NotNil(t, p.Rollback.Result, "rollback error: %s", p.Rollback.Error)
	assert.Len(t, p.Rollback.Result.Withdrawn, 2)
	assert.False(t, p.Rollback.Result.Deactivated)
	assert.Equal(t, "NonPublished", stateOf(t, cloudsim.DefaultRouteCIDR1))
	assert.Equal(t, "NonPublished", stateOf(t, cloudsim.DefaultRouteCIDR2))
	assert.Equal(t, 1, applied("WithdrawVpcPublishedRouteEntries"))
	recordHistory(t, "network_change_failed_rolled_back", run.GetID())
}

// After a change that succeeded, `starter rollback --deactivate-interface`
// undoes all of it; routes someone else had published stay.
func TestAChangeThatSucceededIsRolledBackWhole(t *testing.T) {
	resetCloud(t)
	in := simclients.DefaultNetworkChange()
	in.RouteEntries = append(in.RouteEntries, routeEntry(cloudsim.DefaultRouteCIDR3))
	// Someone published the third route before the change.
	require.NoError(t, publishAsSomeoneElse(t, cloudsim.DefaultRouteCIDR3))
	ctx := stacktest.Ctx(t, 2*time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "network-change/rolled-back"), contract.NetworkChange.Type, in)
	require.NoError(t, err)
	var res contract.NetworkChangeResult
	require.NoError(t, run.Get(ctx, &res))
	require.Len(t, res.Published, 2)
	require.Len(t, res.AlreadyPublished, 1)

	var out, errOut bytes.Buffer
	code := starterApp(&out, &errOut).Run(ctx, []string{"rollback", run.GetID(), "--deactivate-interface", "--wait"})
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", out.String(), errOut.String())
	assert.Equal(t, "NonPublished", stateOf(t, cloudsim.DefaultRouteCIDR1))
	assert.Equal(t, "NonPublished", stateOf(t, cloudsim.DefaultRouteCIDR2))
	assert.Equal(t, "Published", stateOf(t, cloudsim.DefaultRouteCIDR3), "only what the change published is withdrawn")
	assert.Equal(t, "Inactive", interfaceState(t, cloudsim.DefaultInitiatingInterfaceID))
	assert.Equal(t, 1, applied("DeactivateRouterInterface"))

	// A running change is not rolled back, nor a workflow that changes nothing.
	out.Reset()
	errOut.Reset()
	code = starterApp(&out, &errOut).Run(ctx, []string{"rollback", contract.RollbackID(run.GetID())})
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), "it is a Rollback")
}

// publishAsSomeoneElse publishes a route of the default system route table
// to the default ECR, as someone outside vpcflow would, and waits until it
// is Published.
func publishAsSomeoneElse(t *testing.T, cidr string) error {
	t.Helper()
	publish := vpc.CreatePublishVpcRouteEntriesRequest()
	publish.RegionId, publish.TargetType, publish.TargetInstanceId = cloudsim.DefaultRegionID, "ECR", cloudsim.DefaultECRID
	publish.RouteEntries = &[]vpc.PublishVpcRouteEntriesRouteEntries{{RouteTableId: cloudsim.DefaultSystemRouteTableID, DestinationCidrBlock: cidr}}
	if _, err := simVPC(t).PublishVpcRouteEntries(publish); err != nil {
		return err
	}
	require.Eventually(t, func() bool { return stateOf(t, cidr) == "Published" }, 10*time.Second, 20*time.Millisecond)
	return nil
}

// A person cancels a change from the Web UI (Request Cancellation) while
// it verifies: with OnCancel rollback it withdraws what it published and
// ends cancelled.
func TestACancelFromTheWebUIRollsTheChangeBack(t *testing.T) {
	b := newBrowser(t)
	resetCloud(t)
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Stuck: []string{routeEntry1, routeEntry2}}))
	in := simclients.DefaultNetworkChange()
	in.OnCancel = contract.RecoveryRollback
	run := startChangeTo(t, "network-change/web-ui-cancel", in, contract.StageVerifyVpnRoutes)

	b.do("open the change", chromedp.Navigate(workflowPage(run.GetID(), run.GetRunID())),
		chromedp.WaitVisible(shown("button", "Request Cancellation")))
	b.do("Request Cancellation", chromedp.Click(shown("button", "Request Cancellation")))
	b.do("confirm", chromedp.WaitVisible(shown("dialog[open] button", "Confirm")), chromedp.Click(shown("dialog[open] button", "Confirm")))
	// The rollback waits for the publish to end before it can withdraw.
	ctx := stacktest.Ctx(t, 2*time.Minute)
	require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageRollback, run.GetID()))
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{}))

	stopped := stoppedBy(t, run.Get(ctx, nil))
	require.NotNil(t, stopped.Rollback, "rollback error: %s", stopped.RollbackError)
	assert.Len(t, stopped.Rollback.Withdrawn, 2)
	assert.Equal(t, "NonPublished", stateOf(t, cloudsim.DefaultRouteCIDR1))
	assert.Equal(t, "NonPublished", stateOf(t, cloudsim.DefaultRouteCIDR2))
	assert.Equal(t, 1, applied("WithdrawVpcPublishedRouteEntries"))
}

// Cancelled while it waits for the interface, a change (OnCancel keep)
// says it connected the interface and keeps it: nothing is deactivated.
func TestACancelDuringTheInterfaceWaitKeepsTheInterface(t *testing.T) {
	resetCloud(t)
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Stuck: []string{cloudsim.DefaultInitiatingInterfaceID}}))
	run := startChangeTo(t, "network-change/cancel-interface-keep", simclients.DefaultNetworkChange(), contract.StageWaitRouterInterface)
	var out, errOut bytes.Buffer
	code := starterApp(&out, &errOut).Run(stacktest.Ctx(t, time.Minute), []string{"cancel", run.GetID(), "--wait"})
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", out.String(), errOut.String())
	assert.Contains(t, out.String(), "Cancelled "+run.GetID()+": connected "+cloudsim.DefaultInitiatingInterfaceID+"\n")
	assert.Contains(t, out.String(), "Kept (OnCancel keep)")
	assert.Zero(t, stack.Cloudsim.CallCount("DeactivateRouterInterface"))
	assert.Empty(t, callsOf("PublishVpcRouteEntries", nil), "cancelled before the DryRun")
}

// A change rolled back with its interface (Inactive, still paired) runs
// again: it activates the interface once, waits until it is Active, and
// publishes again what the rollback withdrew.
func TestAChangeRunsAgainAfterARollbackWithItsInterface(t *testing.T) {
	resetCloud(t)
	ctx := stacktest.Ctx(t, 3*time.Minute)
	in := simclients.DefaultNetworkChange()
	id := startOptions(t, "network-change/again")
	run, err := tc.ExecuteWorkflow(ctx, id, contract.NetworkChange.Type, in)
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))

	var out, errOut bytes.Buffer
	code := starterApp(&out, &errOut).Run(ctx, []string{"rollback", run.GetID(), "--deactivate-interface", "--wait"})
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", out.String(), errOut.String())
	require.Equal(t, "Inactive", interfaceState(t, cloudsim.DefaultInitiatingInterfaceID))

	again, err := tc.ExecuteWorkflow(ctx, id, contract.NetworkChange.Type, in)
	require.NoError(t, err)
	var res contract.NetworkChangeResult
	require.NoError(t, again.Get(ctx, &res))
	assert.True(t, res.Activated, "the interface was activated")
	assert.False(t, res.Connected, "not connected: it was still paired")
	assert.Len(t, res.Published, 2, "the withdrawn routes are published again")
	assert.Equal(t, "Active", interfaceState(t, cloudsim.DefaultInitiatingInterfaceID))
	assert.Equal(t, 1, applied("ActivateRouterInterface"), "activated once")
	assert.Equal(t, 1, applied("ConnectRouterInterface"), "connected once, by the first run")

	// Its own rollback deactivates what it activated.
	out.Reset()
	code = starterApp(&out, &errOut).Run(ctx, []string{"rollback", again.GetID(), "--deactivate-interface", "--wait"})
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", out.String(), errOut.String())
	assert.Contains(t, out.String(), "activated "+cloudsim.DefaultInitiatingInterfaceID)
	assert.Equal(t, "Inactive", interfaceState(t, cloudsim.DefaultInitiatingInterfaceID))
}

// A rollback that finds the interface still Connecting (the change was
// cancelled while it waited) waits until it is Active, then deactivates it
// with one call: the deactivate's retries are not spent on Connecting.
func TestARollbackWaitsForAConnectingInterface(t *testing.T) {
	resetCloud(t)
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Stuck: []string{cloudsim.DefaultInitiatingInterfaceID}}))
	run := startChangeTo(t, "network-change/rollback-connecting", simclients.DefaultNetworkChange(), contract.StageWaitRouterInterface)
	ctx := stacktest.Ctx(t, 2*time.Minute)
	require.NoError(t, tc.CancelWorkflow(ctx, run.GetID(), ""))
	stoppedBy(t, run.Get(ctx, nil))
	require.Equal(t, "Connecting", interfaceState(t, cloudsim.DefaultInitiatingInterfaceID))

	rollback, err := tc.ExecuteWorkflow(ctx, contract.Rollback.StartOptions(contract.RollbackInput{Change: run.GetID(), DeactivateInterface: true}),
		contract.Rollback.Type, contract.RollbackInput{Change: run.GetID(), DeactivateInterface: true})
	require.NoError(t, err)
	require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageWaitRouterInterface, rollback.GetID()))
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{}))
	var res contract.RollbackResult
	require.NoError(t, rollback.Get(ctx, &res))
	assert.True(t, res.Deactivated)
	assert.Equal(t, "Inactive", interfaceState(t, cloudsim.DefaultInitiatingInterfaceID))
	assert.Equal(t, 1, stack.Cloudsim.CallCount("DeactivateRouterInterface"), "one call: none refused while Connecting")
}
