package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// RollbackWorkflow undoes what one NetworkChange changed, in the reverse
// order: it withdraws the routes the change published and waits until
// they are NonPublished, then, when asked, deactivates the interface the
// change connected and waits until it is Inactive. Of an
// ApigEndpointChange, it rejects the connections the change accepted (or
// accepts those it rejected) and waits until they are. Each undo reads first
// and is skipped when the read finds it done, so a rollback run twice, or
// retried after a worker died, undoes nothing twice.
//
// What to undo is the change's own record, read from the change (its
// progress query) and never taken from the input: whoever can start a
// workflow in the namespace can make a Rollback undo what one of vpcflow's
// changes made, and nothing else.
func RollbackWorkflow(ctx workflow.Context, in contract.RollbackInput) (contract.RollbackResult, error) {
	run, in, err := startChange(ctx, in)
	if err != nil {
		return contract.RollbackResult{}, err
	}
	if contract.IsFleetID(in.Change) && run.shape.activates() {
		return rollBackFleet(ctx, run, in)
	}
	timeout := in.WaitTimeout.OrDefault()
	res := contract.RollbackResult{Change: in.Change}
	var c contract.ChangeRecord
	if run.shape.trustsOnlyTheChange() {
		if c, err = readChange(ctx, run.steps, in); err != nil {
			return contract.RollbackResult{}, err
		}
	} else if in.Changed != nil { // a history from before: the input was trusted
		c = *in.Changed
	}

	if c.Endpoints != nil && len(c.Endpoints.EndpointIds) > 0 {
		// An ApigEndpointChange's record: endpoint connections, nothing else.
		if res.Reverted, res.AlreadyReverted, err = revertEndpoints(ctx, run, *c.Endpoints, timeout); err != nil {
			return contract.RollbackResult{}, err
		}
		res.ChangeRequestIds = run.made.requestIDs()
		res.Steps = run.steps.completed(ctx)
		return res, nil
	}

	if len(c.Published) > 0 {
		if res.Withdrawn, res.AlreadyWithdrawn, err = withdrawRoutes(ctx, run, c, timeout); err != nil {
			return contract.RollbackResult{}, err
		}
	} else {
		run.steps.skip(ctx, contract.StageWithdrawRoutes, "the change published no route")
	}

	ref := activities.RouterInterfaceRef{RegionId: c.RegionId, RouterInterfaceId: c.RouterInterfaceId}
	switch {
	case c.RouterInterfaceId == "":
		run.steps.skip(ctx, contract.StageDeactivateInterface, "the change connected no interface")
	case !in.DeactivateInterface:
		run.steps.skip(ctx, contract.StageDeactivateInterface, c.RouterInterfaceId+" stays connected: DeactivateInterface was not asked")
	default:
		if res.Deactivated, res.InterfaceStatus, err = deactivateInterface(ctx, run, ref, timeout); err != nil {
			return contract.RollbackResult{}, err
		}
	}

	res.ChangeRequestIds = run.made.requestIDs()
	res.Steps = run.steps.completed(ctx)
	return res, nil
}

// readChange is the step that reads what the change changed, from the
// change itself: the record this Rollback undoes. The Rollback must run
// under its change's rollback ID (one at a time), and a Changed given in
// the input must be that record.
func readChange(ctx workflow.Context, steps *stepRecorder, in contract.RollbackInput) (contract.ChangeRecord, error) {
	if id := workflow.GetInfo(ctx).WorkflowExecution.ID; id != contract.RollbackID(in.Change) {
		return contract.ChangeRecord{}, steps.check(ctx, contract.StageReadChange, refuseRollback(
			"a rollback of %s runs as workflow %s, not %s (one rollback of a change at a time)", in.Change, contract.RollbackID(in.Change), id))
	}
	var r *activities.ChangeRecords
	read := activities.ReadChangeInput{Change: in.Change}
	if parent := workflow.GetInfo(ctx).ParentWorkflowExecution; parent != nil && parent.ID == in.Change {
		// Started by the change itself (OnCancel or OnFailure rollback),
		// which waits for this Rollback: it still runs, and may.
		read.RunningRun = parent.RunID
	}
	var record contract.ChangeRecord
	err := steps.step(ctx, contract.StageReadChange, func() (activities.CallTrace, error) {
		err := workflow.ExecuteActivity(withCall(ctx, "Read what "+in.Change+" changed"), r.ReadChangeRecord, read).Get(ctx, &record)
		return activities.CallTrace{}, err
	})
	if err != nil {
		return contract.ChangeRecord{}, err
	}
	if in.Changed != nil && !in.Changed.Same(record) {
		return contract.ChangeRecord{}, steps.check(ctx, contract.StageReadChange, refuseRollback(
			"the input's Changed (%s) is not what %s changed (%s); leave Changed out to undo what it changed", in.Changed, in.Change, record))
	}
	return record, nil
}

// refuseRollback is the error of a rollback that undoes nothing it cannot
// vouch for.
func refuseRollback(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError("nothing was undone: "+fmt.Sprintf(format, args...), contract.RollbackRefusedType, nil)
}

// withdrawRoutes withdraws the routes a change published, those still
// published, and waits until none is. It returns the routes it withdrew
// and those it found withdrawn already.
func withdrawRoutes(ctx workflow.Context, run *changeRun, c contract.ChangeRecord, timeout time.Duration) (withdrawn, already []contract.RouteEntry, err error) {
	var a *activities.CloudActivities
	call := c.Routes()
	what := call.Describe("from")

	var w activities.WithdrawRouteEntriesResult
	err = run.steps.step(ctx, contract.StageWithdrawRoutes, func() (activities.CallTrace, error) {
		err := workflow.ExecuteActivity(withCall(ctx, "Withdraw "+what), a.WithdrawVpcPublishedRouteEntries, call).Get(ctx, &w)
		return w.CallTrace, err
	})
	if err != nil {
		return nil, nil, err
	}
	withdrawn, already = w.Withdrawn, w.AlreadyWithdrawn
	if w.Attempt > 1 {
		// An earlier attempt whose answer was lost may have withdrawn what
		// this one found withdrawing: the routes are the change's own, so
		// no one else had reason to.
		withdrawn, already = append(withdrawn, already...), nil
	}
	var withdrawnAt time.Time
	if w.RequestId != "" {
		run.made.changed(w.RequestId)
		withdrawnAt = workflow.Now(ctx)
	}

	wait := activities.WaitRoutesWithdrawnInput{RouteSet: call, WithdrawnAt: withdrawnAt, Deadline: workflow.Now(ctx).Add(timeout)}
	var seen activities.WaitRoutesPublishedResult
	err = run.steps.step(ctx, contract.StageWaitRoutesWithdrawn, func() (activities.CallTrace, error) {
		err := workflow.ExecuteActivity(withWait(ctx, timeout, "Wait until "+what+" are withdrawn"),
			a.WaitRoutesWithdrawn, wait).Get(ctx, &seen)
		return seen.CallTrace, err
	})
	return withdrawn, already, err
}

// deactivateInterface deactivates an interface a change connected, unless
// the read finds it deactivated, deactivating or never connected, and
// waits until it is Inactive. It returns whether it deactivated it and the
// state it last read.
func deactivateInterface(ctx workflow.Context, run *changeRun, ref activities.RouterInterfaceRef, timeout time.Duration) (bool, string, error) {
	var a *activities.CloudActivities
	ri, err := readRouterInterface(ctx, run, ref)
	if err != nil {
		return false, "", err
	}
	switch ri.Status {
	case activities.RouterInterfaceInactive:
		run.steps.skip(ctx, contract.StageDeactivateInterface, "already Inactive")
		return false, ri.Status, nil
	case activities.RouterInterfaceIdle, activities.RouterInterfaceDeleting, activities.RouterInterfaceDeleted:
		run.steps.skip(ctx, contract.StageDeactivateInterface, "the interface is "+ri.Status+": no connection to deactivate, nothing to undo")
		return false, ri.Status, nil
	case activities.RouterInterfaceConnecting, activities.RouterInterfaceAcceptingConnecting, activities.RouterInterfaceActivating,
		activities.RouterInterfaceModifying:
		if run.shape.activates() {
			// Only an Active interface can be deactivated: wait for it, in a
			// heartbeating wait, rather than spend the deactivate's retries.
			wait := activities.WaitRouterInterfaceActiveInput{RouterInterfaceRef: ref, Deadline: workflow.Now(ctx).Add(timeout)}
			if _, err := waitRouterInterfaceActive(ctx, run.steps, wait, timeout); err != nil {
				return false, "", err
			}
		}
	}

	var deactivatedAt time.Time
	deactivated := false
	if ri.Status == activities.RouterInterfaceDeactivating {
		run.steps.skip(ctx, contract.StageDeactivateInterface, "already Deactivating")
	} else {
		var d activities.DeactivateRouterInterfaceResult
		err := run.steps.step(ctx, contract.StageDeactivateInterface, func() (activities.CallTrace, error) {
			err := workflow.ExecuteActivity(withCall(ctx, "Deactivate "+ref.RouterInterfaceId),
				a.DeactivateRouterInterface, ref).Get(ctx, &d)
			return d.CallTrace, err
		})
		if err != nil {
			return false, "", err
		}
		// The interface was not deactivating when read: a retry that finds
		// it deactivating found what an earlier attempt did.
		deactivated = !d.AlreadyDeactivating || d.Attempt > 1
		if d.RequestId != "" {
			run.made.changed(d.RequestId)
			deactivatedAt = workflow.Now(ctx)
		}
	}

	var inactive activities.RouterInterface
	wait := activities.WaitRouterInterfaceInactiveInput{RouterInterfaceRef: ref, DeactivatedAt: deactivatedAt, Deadline: workflow.Now(ctx).Add(timeout)}
	err = run.steps.step(ctx, contract.StageWaitInterfaceInactive, func() (activities.CallTrace, error) {
		err := workflow.ExecuteActivity(withWait(ctx, timeout, "Wait until "+ref.RouterInterfaceId+" is Inactive"),
			a.WaitRouterInterfaceInactive, wait).Get(ctx, &inactive)
		return inactive.CallTrace, err
	})
	return deactivated, inactive.Status, err
}

// revertEndpoints moves back the endpoint connections a change accepted
// (rejects them) or rejected (accepts them), those still as the change
// left them, and waits until they are back. A connection the change never
// got to move (its call was cancelled before the cloud took it), or that
// someone moved since, is left as it is.
func revertEndpoints(ctx workflow.Context, run *changeRun, e contract.EndpointChangeRecord, timeout time.Duration) (reverted, already []string, err error) {
	var a *activities.CloudActivities
	undo := contract.ApigEndpointChangeInput{ProjectId: e.ProjectId, Region: e.Region, InstanceId: e.InstanceId, Action: e.Undo(), EndpointIds: e.EndpointIds}
	change := newEndpointChange(undo)
	act := activities.EndpointActionInput{EndpointsRef: change.ref, Action: undo.Action, From: e.Status()}
	var acted activities.EndpointActionResult
	err = run.steps.step(ctx, change.actStage, func() (activities.CallTrace, error) {
		err := workflow.ExecuteActivity(withCall(ctx, "AcceptOrRejectEndpointConnections: "+undo.Describe()+" (those "+e.Status()+")"),
			a.AcceptOrRejectEndpointConnections, act).Get(ctx, &acted)
		return acted.CallTrace, err
	})
	if err != nil {
		return nil, nil, err
	}
	reverted, already = acted.Acted, acted.Already
	if acted.Attempt > 1 {
		// As for the change: what an attempt whose answer was lost moved.
		reverted, already = append(reverted, already...), nil
	}
	var actedAt time.Time
	if acted.RequestId != "" {
		run.made.changed(acted.RequestId)
		actedAt = workflow.Now(ctx)
	}
	back := append(append([]string(nil), reverted...), already...)
	if len(back) == 0 {
		run.steps.skip(ctx, change.waitStage, "nothing was moved back")
		return reverted, already, nil
	}
	change.ref.EndpointIds = back
	_, err = waitEndpoints(ctx, run, change, actedAt, timeout)
	return reverted, already, err
}

// rollBack runs a Rollback child workflow that undoes what the change
// recorded, and reports it in the progress query. The child is abandoned,
// not terminated, if this workflow is closed meanwhile: a rollback once
// begun should end, since half a rollback is a state no one planned.
func rollBack(ctx workflow.Context, run *changeRun, rec recovery, changed contract.ChangeRecord) *contract.RollbackOutcome {
	input := contract.RollbackInput{
		Change:              workflow.GetInfo(ctx).WorkflowExecution.ID,
		Changed:             &changed,
		DeactivateInterface: rec.deactivateInterface,
		WaitTimeout:         rec.waitTimeout,
	}
	opts := contract.Rollback.StartOptions(input)
	// The child runs on the change's own task queue (TaskQueue left
	// empty), wherever its workers are.
	child := workflow.ChildWorkflowOptions{
		WorkflowID:            opts.ID,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		StaticSummary:         opts.StaticSummary,
		StaticDetails:         opts.StaticDetails,
	}
	if run.steps.upsertStage {
		child.TypedSearchAttributes = opts.TypedSearchAttributes
	}
	outcome := &contract.RollbackOutcome{WorkflowId: opts.ID}
	run.made.rollingBack(outcome)
	var res contract.RollbackResult
	err := run.steps.step(ctx, contract.StageRollback, func() (activities.CallTrace, error) {
		err := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, child), contract.Rollback.Type, input).Get(ctx, &res)
		return activities.CallTrace{RequestIds: res.ChangeRequestIds}, err
	})
	if err != nil {
		outcome.Error = err.Error()
	} else {
		outcome.Result = &res
	}
	return outcome
}
