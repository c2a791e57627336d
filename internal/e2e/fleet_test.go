package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// e2eFleet is the fleet in the stack's fixture: 200 changes, the first 20
// publishing two by two from one route table, the next 10 connecting from
// one hub router, every one publishing to the default ECR.
var e2eFleet = cloudsim.FleetFixtureSpec{Prefix: "fl", Changes: 200, SharedTables: 20, HubChanges: 10}

// conflictCodes are the answers the documents give for writes in flight
// together on one route table or router.
var conflictCodes = []string{"IncorrectStatus.RouteTable", "IncorrectStatus.RouteEntryPublishStatus", "Forbidden.OnlyOneConnection"}

// fleetChange is the NetworkChange of e2eFleet's i-th change, beyond the
// fleet's defaults.
func fleetChange(i int) contract.NetworkChangeInput {
	ri, table, cidr := cloudsim.FleetChange(e2eFleet, i)
	return contract.NetworkChangeInput{RouterInterfaceId: ri, RouteEntries: []contract.RouteEntry{{RouteTableId: table, DestinationCidrBlock: cidr}}}
}

// fleetDefaults are what every change of a test fleet shares.
func fleetDefaults() *contract.NetworkChangeInput {
	return &contract.NetworkChangeInput{RegionId: cloudsim.DefaultRegionID, TargetType: "ECR", TargetInstanceId: cloudsim.DefaultECRID,
		VpnConnectionId: cloudsim.DefaultVpnConnectionID, WaitTimeout: contract.Duration(3 * time.Minute)}
}

// fleetOf is a fleet named name of e2eFleet's changes indices.
func fleetOf(name string, indices ...int) contract.NetworkFleetInput {
	in := contract.NetworkFleetInput{Name: name, Defaults: fleetDefaults()}
	for _, i := range indices {
		in.Changes = append(in.Changes, fleetChange(i))
	}
	return in
}

func indices(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// conflictAnswers counts cloudsim's answers that are write conflicts.
func conflictAnswers() int {
	n := 0
	for _, code := range conflictCodes {
		n += stack.Cloudsim.CodeCount(code)
	}
	return n
}

// startFleet starts a fleet, terminating it when the test ends.
func startFleet(ctx context.Context, t *testing.T, in contract.NetworkFleetInput) client.WorkflowRun {
	t.Helper()
	run, err := contract.NetworkFleet.Start(ctx, tc, in)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tc.TerminateWorkflow(context.Background(), run.GetID(), "", "test over") })
	return run
}

// fleetProgress is the fleet's progress, from its latest run.
func fleetProgress(ctx context.Context, t *testing.T, id string) contract.FleetProgress {
	t.Helper()
	p, err := contract.QueryFleet(ctx, tc, id, "")
	require.NoError(t, err)
	return p
}

// A fleet of 200 changes, 20 of them sharing route tables two by two and
// 10 connecting from one router, all publishing to one ECR, completes with
// cloudsim answering no conflict, though it refuses writes in flight
// together on a table or a router (its quirks). Each interface is
// connected once and each change publishes once. The same changes started
// as independent workflows meet the conflicts the fleet avoided.
func TestAFleetOf200ChangesMeetsNoConflict(t *testing.T) {
	resetCloud(t)
	waitWorkerIdle(t)
	quirks(t, cloudsim.Quirks{OneConnectPerRouter: true, OneWritePerRouteTable: true})
	ctx := stacktest.Ctx(t, 15*time.Minute)
	in := fleetOf("two-hundred", indices(0, e2eFleet.Changes)...)
	in.Concurrency = 25
	started := time.Now()
	run := startFleet(ctx, t, in)
	var res contract.NetworkFleetResult
	require.NoError(t, run.Get(ctx, &res))
	t.Logf("200 changes in %s, %d cloud calls", time.Since(started).Round(time.Second), stack.Cloudsim.CallCount(""))
	assert.Equal(t, 200, res.Counts[contract.FleetCompleted], "%+v", res.Counts)
	assert.Zero(t, conflictAnswers(), "no write met another in flight")
	assert.Len(t, callsOf("ConnectRouterInterface", nil), 200, "each interface connected once")
	assert.Len(t, callsOf("PublishVpcRouteEntries", realPublish), 200, "each change published once")
	for _, c := range res.Changes {
		if c.Index < e2eFleet.SharedTables+e2eFleet.HubChanges {
			assert.Len(t, c.Keys, 2, "%s: its table and its router", c.WorkflowId)
		}
	}

	// Listed in the Web UI by VpcFlowFleet.
	found := waitVisible(ctx, t, fmt.Sprintf("VpcFlowFleet = '%s'", run.GetID()), 200)
	assert.Len(t, found, 200)

	// Without the fleet: the 30 changes that share something, started at
	// once, meet the conflicts.
	stack.Cloudsim.Reset()
	quirks(t, cloudsim.Quirks{OneConnectPerRouter: true, OneWritePerRouteTable: true})
	var wg sync.WaitGroup
	for i := range e2eFleet.SharedTables + e2eFleet.HubChanges {
		c := fleetChange(i)
		d := fleetDefaults()
		c.RegionId, c.TargetType, c.TargetInstanceId, c.VpnConnectionId, c.WaitTimeout = d.RegionId, d.TargetType, d.TargetInstanceId, d.VpnConnectionId, d.WaitTimeout
		alone, err := contract.NetworkChange.Start(ctx, tc, c)
		require.NoError(t, err)
		wg.Go(func() { _ = alone.Get(ctx, nil) })
	}
	wg.Wait()
	t.Logf("the same 30 changes without the fleet: %d conflict answers", conflictAnswers())
	assert.Positive(t, conflictAnswers(), "independent workflows conflict where the fleet did not")
}

// MaxErrors 0 stops the fleet at its first failure: the change that
// cannot be made fails, nothing more starts, and the fleet fails naming
// it; -1 keeps going.
func TestAFleetStopsAtMaxErrors(t *testing.T) {
	resetCloud(t)
	waitWorkerIdle(t)
	ctx := stacktest.Ctx(t, 5*time.Minute)
	in := fleetOf("max-errors", 40, 41, 42, 43, 44)
	in.Concurrency = 1
	in.Changes[1].RouterInterfaceId = "ri-nosuchinterface" // fails at its first read
	run := startFleet(ctx, t, in)
	err := run.Get(ctx, nil)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	assert.Equal(t, contract.FleetChangesFailedType, appErr.Type())
	assert.Contains(t, appErr.Error(), "network-change/ri-nosuchinterface")
	p := fleetProgress(ctx, t, run.GetID())
	assert.Equal(t, map[string]int{contract.FleetCompleted: 1, contract.FleetFailed: 1, contract.FleetSkipped: 3}, p.Counts)
	assert.Contains(t, p.Stopped, "MaxErrors is 0")
	assert.Len(t, callsOf("ConnectRouterInterface", nil), 1, "nothing started after the failure")

	in.Name, in.MaxErrors = "keep-going", -1
	in.Concurrency = 5
	run = startFleet(ctx, t, in)
	require.Error(t, run.Get(ctx, nil))
	p = fleetProgress(ctx, t, run.GetID())
	assert.Equal(t, map[string]int{contract.FleetCompleted: 4, contract.FleetFailed: 1}, p.Counts)
}

// A cancelled fleet starts no new change; its running changes are
// cancelled (with their own OnCancel), and it ends cancelled.
func TestACancelledFleetStartsNothingNew(t *testing.T) {
	resetCloud(t)
	waitWorkerIdle(t)
	ctx := stacktest.Ctx(t, 5*time.Minute)
	ids := indices(50, 56)
	var stuck []string
	for _, i := range ids {
		ri, _, _ := cloudsim.FleetChange(e2eFleet, i)
		stuck = append(stuck, ri)
	}
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Stuck: stuck}))
	in := fleetOf("cancelled", ids...)
	in.Concurrency = 2
	run := startFleet(ctx, t, in)
	require.Eventually(t, func() bool { return stack.Cloudsim.CallCount("ConnectRouterInterface") == 2 }, time.Minute, 100*time.Millisecond)
	require.NoError(t, tc.CancelWorkflow(ctx, run.GetID(), ""))
	err := run.Get(ctx, nil)
	require.True(t, temporal.IsCanceledError(err), "%v", err)
	p := fleetProgress(ctx, t, run.GetID())
	assert.Equal(t, map[string]int{contract.FleetCancelled: 2, contract.FleetSkipped: 4}, p.Counts)
	assert.Equal(t, contract.StageCancelled, p.Stage)
	assert.Equal(t, 2, stack.Cloudsim.CallCount("ConnectRouterInterface"), "nothing started after the cancel")
	for _, c := range p.Changes[:2] {
		desc, err := tc.DescribeWorkflowExecution(ctx, c.WorkflowId, "")
		require.NoError(t, err)
		assert.Equal(t, enums.WORKFLOW_EXECUTION_STATUS_CANCELED, desc.GetWorkflowExecutionInfo().GetStatus(), c.WorkflowId)
	}
}

// A fleet continues as new every RunLength changes and loses and doubles
// nothing across the boundary; its rollback then undoes each change once,
// and a second rollback finds nothing left to undo.
func TestAFleetContinuesAsNewThenRollsBackEachChangeOnce(t *testing.T) {
	resetCloud(t)
	waitWorkerIdle(t)
	ctx := stacktest.Ctx(t, 8*time.Minute)
	ids := append(indices(0, 4), indices(60, 64)...) // two tables shared two by two, four alone
	in := fleetOf("continued", ids...)
	in.RunLength, in.Concurrency = 3, 3
	run := startFleet(ctx, t, in)
	var res contract.NetworkFleetResult
	require.NoError(t, run.Get(ctx, &res))
	assert.Equal(t, 3, res.Runs, "8 changes, 3 a run")
	assert.Equal(t, 8, res.Counts[contract.FleetCompleted])
	assert.Len(t, callsOf("ConnectRouterInterface", nil), 8, "no change started twice across the boundaries")
	assert.Len(t, callsOf("PublishVpcRouteEntries", realPublish), 8)
	recordHistory(t, "network_fleet_continued", run.GetID())
	recordHistory(t, "network_change_in_fleet", res.Changes[0].WorkflowId)

	var out, errOut bytes.Buffer
	code := starterApp(&out, &errOut).Run(ctx, []string{"rollback", run.GetID(), "--wait", "-o", "json"})
	require.Equal(t, 0, code, "%s\n%s", out.String(), errOut.String())
	assert.Equal(t, 8, applied("WithdrawVpcPublishedRouteEntries"), "each change's routes withdrawn once")
	assert.Equal(t, 8, strings.Count(out.String(), `"rolled back"`), out.String())
	recordHistory(t, "fleet_rollback", contract.RollbackID(run.GetID()))

	// The rollback's own ID is taken while it runs, not after: a second
	// rollback reads each change again and finds nothing to undo.
	out.Reset()
	code = starterApp(&out, &errOut).Run(ctx, []string{"rollback", run.GetID(), "--wait", "-o", "json"})
	require.Equal(t, 0, code, "%s\n%s", out.String(), errOut.String())
	assert.Equal(t, 8, applied("WithdrawVpcPublishedRouteEntries"), "nothing withdrawn twice")
	assert.Equal(t, 8, strings.Count(out.String(), `"nothing to undo"`), out.String())
}

// A change already running with the same input when the fleet gets to it
// is followed, not started twice; one running with another input is
// refused as a conflicting start, and the fleet fails naming it.
func TestAFleetAttachesToTheSameChangeAndRefusesAnother(t *testing.T) {
	resetCloud(t)
	waitWorkerIdle(t)
	ctx := stacktest.Ctx(t, 5*time.Minute)
	in := fleetOf("attached", 70, 71)
	in.MaxErrors = -1
	changes := in.ChangeInputs()
	stuck, _, _ := cloudsim.FleetChange(e2eFleet, 70)
	stuck2, _, _ := cloudsim.FleetChange(e2eFleet, 71)
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Stuck: []string{stuck, stuck2}}))
	same, err := contract.NetworkChange.Start(ctx, tc, changes[0])
	require.NoError(t, err)
	other := changes[1] // the same interface, another wait
	other.WaitTimeout = contract.Duration(4 * time.Minute)
	otherRun, err := contract.NetworkChange.Start(ctx, tc, other)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tc.TerminateWorkflow(context.Background(), otherRun.GetID(), "", "test over") })
	require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageWaitRouterInterface, same.GetID(), otherRun.GetID()))

	run := startFleet(ctx, t, in)
	require.Eventually(t, func() bool {
		p := fleetProgress(ctx, t, run.GetID())
		return p.Counts[contract.FleetFailed] == 1
	}, time.Minute, 200*time.Millisecond)
	p := fleetProgress(ctx, t, run.GetID())
	assert.True(t, p.Changes[0].Attached, "the fleet follows the run already there")
	assert.Equal(t, contract.ConflictingStartType, p.Changes[1].ErrorType)
	assert.Contains(t, p.Changes[1].Error, "is already running")

	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{}))
	err = run.Get(ctx, nil)
	require.Error(t, err)
	p = fleetProgress(ctx, t, run.GetID())
	assert.Equal(t, contract.FleetCompleted, p.Changes[0].State)
	assert.Equal(t, same.GetRunID(), p.Changes[0].RunId)
	assert.Len(t, callsOf("ConnectRouterInterface", func(c cloudsim.Call) bool { return c.Params["RouterInterfaceId"] == stuck }), 1,
		"connected once, by the run the fleet followed")
}

// The starter runs the documented example fleet on the demo fleet every
// dev stack has, following it to the end.
func TestTheStarterRunsTheExampleFleet(t *testing.T) {
	resetCloud(t)
	waitWorkerIdle(t)
	ctx := stacktest.Ctx(t, 5*time.Minute)
	var out, errOut bytes.Buffer
	code := starterApp(&out, &errOut).Run(ctx, []string{"fleet", "-f", "../../docs/examples/fleet.yaml", "--name", "example", "--wait"})
	require.Equal(t, 0, code, "%s\n%s", out.String(), errOut.String())
	assert.Contains(t, out.String(), "run-changes:")
	assert.Contains(t, out.String(), "6 completed")
	t.Cleanup(func() { _ = tc.TerminateWorkflow(context.Background(), contract.FleetID("example"), "", "test over") })
}

// A fleet with Approval plans every change and waits for one decision,
// sent from the Web UI as for one change; its current details show the
// fleet's plan and counts; approved, every change runs and asks no one.
func TestAFleetIsApprovedFromTheWebUI(t *testing.T) {
	b := newBrowser(t)
	resetCloud(t)
	waitWorkerIdle(t)
	ctx := stacktest.Ctx(t, 5*time.Minute)
	in := fleetOf("approved", 80, 81, 82, 83)
	in.Approval = &contract.Approval{Required: true}
	run := startFleet(ctx, t, in)
	require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageAwaitingApproval, run.GetID()))
	p := fleetProgress(ctx, t, run.GetID())
	assert.Equal(t, map[string]int{contract.PlanWillDo: 4}, p.Planned)
	assert.Zero(t, stack.Cloudsim.CallCount("ConnectRouterInterface"), "nothing changed while waiting")
	own, err := stacktest.Progress(ctx, tc, run.GetID())
	require.NoError(t, err)
	assert.Contains(t, own.Plan[0].What, "[0] ri-fl00080i: ")

	said := b.sendUpdate(run.GetID(), run.GetRunID(), contract.DecideUpdate, `{"Approve": true, "By": "erin", "Comment": "CHG-9 fleet"}`)
	assert.Equal(t, "Update successful", said)
	var res contract.NetworkFleetResult
	require.NoError(t, run.Get(ctx, &res))
	assert.Equal(t, 4, res.Counts[contract.FleetCompleted])
	require.Len(t, res.Decisions, 1)
	assert.Equal(t, "erin", res.Decisions[0].By)
	assert.Len(t, callsOf("ConnectRouterInterface", nil), 4)
	recordHistory(t, "network_fleet_approved", run.GetID())
}
