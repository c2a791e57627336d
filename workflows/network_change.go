package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// NetworkChangeWorkflow makes the whole change: with Approval required,
// plan it and wait for a person's decision first; check that the VPN
// connection may join the cross-account CEN (when asked), connect the router
// interface and wait until it is Active, DryRun then publish the routes, and
// verify that they reach the VPN connection.
//
// Cancelled or failed after changing something, it leaves what it changed
// or rolls it back, as OnCancel and OnFailure ask (stopChange).
func NetworkChangeWorkflow(ctx workflow.Context, in contract.NetworkChangeInput) (contract.NetworkChangeResult, error) {
	run, in, err := startChange(ctx, in)
	if err != nil {
		return contract.NetworkChangeResult{}, err
	}
	res, err := makeNetworkChange(ctx, run, in)
	if err != nil {
		err = stopChange(ctx, run, recoveryOf(in), err)
	}
	run.notes.ended(ctx, run, err)
	return res, err
}

// makeNetworkChange makes the change, step by step.
func makeNetworkChange(ctx workflow.Context, run *changeRun, in contract.NetworkChangeInput) (contract.NetworkChangeResult, error) {
	timeout := in.WaitTimeout.OrDefault()
	var err error

	var decisions []contract.DecisionRecord
	need, err := approvalRequirement(ctx, run, []string{in.RegionId}, in.Approval)
	if err != nil {
		return contract.NetworkChangeResult{}, err
	}
	if need.Required {
		planChange := func() (contract.PlanResult, error) { return planNetworkChange(ctx, run, in) }
		if decisions, err = awaitApproval(ctx, run, need, planChange); err != nil {
			return contract.NetworkChangeResult{}, err
		}
	}

	if in.CrossAccount != nil {
		if err := checkCrossAccount(ctx, run, in.RegionId, in.VpnConnectionId, *in.CrossAccount); err != nil {
			return contract.NetworkChangeResult{}, err
		}
	} else {
		run.steps.skip(ctx, contract.StageCheckCrossAccount, "no CrossAccount in the input")
	}

	connected, err := connectRouterInterface(ctx, run,
		activities.RouterInterfaceRef{RegionId: in.RegionId, RouterInterfaceId: in.RouterInterfaceId}, timeout)
	if err != nil {
		return contract.NetworkChangeResult{}, err
	}
	if run.shape.tellsItsFleet() {
		tellFleetConnected(ctx)
	}

	published, publication, err := publishRoutes(ctx, run, in.Routes())
	if err != nil {
		return contract.NetworkChangeResult{}, err
	}

	// The routes reach the VPN connection only once they are Published: the
	// verify confirms both in one wait.
	var confirm *activities.Publication
	if run.shape.confirmsPublish() {
		confirm = &publication
	}
	verified, err := verifyVpnRoutes(ctx, run.steps, in.RegionId, in.VpnConnectionId, in.ExpectedVpnRoutes(), in.PageSize, confirm, timeout)
	if err != nil {
		return contract.NetworkChangeResult{}, err
	}

	res := contract.NetworkChangeResult{
		Connected:        connected.Connected,
		Activated:        connected.Activated,
		Published:        published.Published,
		AlreadyPublished: published.AlreadyPublished,
		PublishStatus:    verified.Published,
		Routes:           verified.Routes,
		ChangeRequestIds: run.made.requestIDs(),
		StartedAt:        run.steps.startedAt(),
		CompletedAt:      workflow.Now(ctx),
		Decisions:        decisions,
		Steps:            run.steps.completed(ctx),
	}
	res.DurationMillis = res.CompletedAt.Sub(res.StartedAt).Milliseconds()
	return res, nil
}

// stopChange ends a change that failed or was cancelled (err says which).
// With OnFailure or OnCancel rollback, and something changed, it first
// undoes it (a Rollback child workflow; a cancelled change runs it in a
// context the cancel does not reach). A cancelled change ends cancelled
// with a ChangeStopped as details: what it had changed and how the
// rollback went. A failed one ends with its own error, so callers keep
// telling failures apart by type; the progress query has what it changed
// and the rollback.
func stopChange(ctx workflow.Context, run *changeRun, rec recovery, err error) error {
	if !run.shape.recovers() {
		return err
	}
	cancelled := temporal.IsCanceledError(err) || ctx.Err() != nil
	policy := rec.onFailure
	if cancelled {
		ctx, _ = workflow.NewDisconnectedContext(ctx)
		policy = rec.onCancel
	}
	stopped := contract.ChangeStopped{Changed: run.made.record()}
	rollback := policy == contract.RecoveryRollback && !stopped.Changed.Empty()
	if rollback {
		outcome := rollBack(ctx, run, rec, stopped.Changed)
		stopped.Rollback, stopped.RollbackError = outcome.Result, outcome.Error
	}
	if !cancelled {
		if rollback { // the stage moved on to the rollback
			run.steps.setStage(ctx, contract.StageFailed)
		}
		return err
	}
	run.steps.setStage(ctx, contract.StageCancelled)
	return temporal.NewCanceledError(stopped)
}

// recovery is what a change does with what it has changed when it stops
// early: its OnCancel and OnFailure, and how its rollback undoes.
type recovery struct {
	onCancel, onFailure string
	deactivateInterface bool
	waitTimeout         contract.Duration
}

func recoveryOf(in contract.NetworkChangeInput) recovery {
	return recovery{onCancel: in.OnCancel, onFailure: in.OnFailure, deactivateInterface: in.DeactivateOnRollback, waitTimeout: in.WaitTimeout}
}

// tellFleetConnected tells the fleet that started this change, if one did,
// that its interface is Active: the fleet then lets the next change
// connect from the same router. The signal is not waited for: a fleet that
// has ended has nothing to let go.
func tellFleetConnected(ctx workflow.Context) {
	info := workflow.GetInfo(ctx)
	if parent := info.ParentWorkflowExecution; parent != nil && contract.IsFleetID(parent.ID) {
		workflow.SignalExternalWorkflow(ctx, parent.ID, parent.RunID, contract.FleetConnectedSignal, info.WorkflowExecution.ID)
	}
}
