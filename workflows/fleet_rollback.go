package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// rollBackFleet rolls back every change a fleet ran, each by a Rollback
// child of its own (rollback/<change>), which reads that change's own
// record and undoes only it: a change that changed nothing has nothing to
// undo. The changes are read from the fleet (contract.FleetOf), and rolled
// back as the fleet ran them: at most DefaultFleetConcurrency at once,
// those sharing a route table or a router one after another. A failed
// rollback does not stop the others; the fleet's rollback then fails
// FleetChangesFailed, its result in the details.
func rollBackFleet(ctx workflow.Context, run *changeRun, in contract.RollbackInput) (contract.RollbackResult, error) {
	if id := workflow.GetInfo(ctx).WorkflowExecution.ID; id != contract.RollbackID(in.Change) {
		return contract.RollbackResult{}, run.steps.check(ctx, contract.StageReadChange, refuseRollback(
			"a rollback of %s runs as workflow %s, not %s (one rollback of a fleet at a time)", in.Change, contract.RollbackID(in.Change), id))
	}
	var r *activities.ChangeRecords
	var fleet contract.FleetProgress
	err := run.steps.step(ctx, contract.StageReadChange, func() (activities.CallTrace, error) {
		err := workflow.ExecuteActivity(withCall(ctx, "Read what "+in.Change+" did"), r.ReadFleet, in.Change).Get(ctx, &fleet)
		return activities.CallTrace{}, err
	})
	if err != nil {
		return contract.RollbackResult{}, err
	}

	// The changes that ran, newest state of each as the fleet knew it.
	var items []contract.FleetChange
	for _, c := range fleet.Changes {
		if c.State == contract.FleetCompleted || c.State == contract.FleetFailed || c.State == contract.FleetCancelled {
			items = append(items, contract.FleetChange{Index: len(items), WorkflowId: c.WorkflowId, State: contract.FleetPending, Keys: c.Keys})
		}
	}
	sched := newFleetSchedule(items, contract.DefaultFleetConcurrency, -1)
	results := make([]contract.RollbackResult, len(items))
	run.steps.setStage(ctx, contract.StageRollback)
	launch := func(gctx workflow.Context, i int) {
		rb := contract.RollbackInput{Change: items[i].WorkflowId, DeactivateInterface: in.DeactivateInterface, WaitTimeout: in.WaitTimeout}.Canonical()
		runItem(gctx, sched, i, contract.Rollback.Type, rb, childOptions(contract.Rollback.StartOptions(rb), run.steps.upsertStage), &results[i])
	}
	unlimited := func() int { return len(items) }
	err = drive(ctx, sched, unlimited, launch, func() {})

	res := contract.RollbackResult{Change: in.Change}
	failed := 0
	for i, c := range sched.changes {
		entry := contract.FleetChangeRollback{WorkflowId: c.WorkflowId}
		switch c.State {
		case contract.FleetCompleted:
			entry.Outcome = contract.FleetNothingToUndo
			if r := results[i]; len(r.Withdrawn) > 0 || r.Deactivated || len(r.Reverted) > 0 || c.Attached {
				entry.Outcome = contract.FleetRolledBack
			}
			if !c.Attached {
				entry.Result = &results[i]
			}
		case contract.FleetSkipped, contract.FleetPending:
			entry.Outcome = contract.FleetRollbackSkipped
		default:
			entry.Outcome, entry.Error = contract.FleetRollbackFailed, c.Error
			failed++
		}
		res.Fleet = append(res.Fleet, entry)
	}
	if err != nil {
		return res, err
	}
	res.Steps = run.steps.completed(ctx)
	if failed > 0 {
		run.steps.setStage(ctx, contract.StageFailed)
		return contract.RollbackResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s of %s could not be rolled back: %s",
			plural(failed, "change"), in.Change, firstFailure(sched.changes)), contract.FleetChangesFailedType, nil, res)
	}
	return res, nil
}
