package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// ConnectRouterInterfaceWorkflow connects an InitiatingSide router interface
// to its AcceptingSide peer and waits until the pair is Active.
func ConnectRouterInterfaceWorkflow(ctx workflow.Context, in contract.ConnectRouterInterfaceInput) (contract.ConnectRouterInterfaceResult, error) {
	run, in, err := startChange(ctx, in)
	if err != nil {
		return contract.ConnectRouterInterfaceResult{}, err
	}
	ref := activities.RouterInterfaceRef{RegionId: in.RegionId, RouterInterfaceId: in.RouterInterfaceId}
	res, err := connectRouterInterface(ctx, run, ref, in.WaitTimeout.OrDefault())
	if err != nil {
		return contract.ConnectRouterInterfaceResult{}, err
	}
	res.Steps = run.steps.completed(ctx)
	return res, nil
}

// readRouterInterface is the step that reads a router interface.
func readRouterInterface(ctx workflow.Context, run *changeRun, ref activities.RouterInterfaceRef) (activities.RouterInterface, error) {
	var a *activities.CloudActivities
	var ri activities.RouterInterface
	err := run.steps.step(ctx, contract.StageDescribeRouterInterface, func() (activities.CallTrace, error) {
		err := run.shape.read(ctx, "Read router interface "+ref.RouterInterfaceId,
			a.DescribeRouterInterface, ref).Get(ctx, &ri)
		return ri.CallTrace, err
	})
	return ri, err
}

// connectRouterInterface reads the initiator, connects it unless it is already
// Connecting or Active (or activates it if it is Inactive), and waits until
// it is Active.
func connectRouterInterface(ctx workflow.Context, run *changeRun, ref activities.RouterInterfaceRef, timeout time.Duration) (contract.ConnectRouterInterfaceResult, error) {
	var a *activities.CloudActivities
	res := contract.ConnectRouterInterfaceResult{RouterInterfaceId: ref.RouterInterfaceId}

	ri, err := readRouterInterface(ctx, run, ref)
	if err != nil {
		return res, err
	}
	res.OppositeInterfaceId = ri.OppositeInterfaceId
	res.Status = ri.Status
	if ri.Status == activities.RouterInterfaceInactive && run.shape.activates() {
		return activateRouterInterface(ctx, run, ref, ri, res, timeout)
	}
	if err := run.steps.check(ctx, contract.StageCheckRouterInterface, ri.ReadyToConnect()); err != nil {
		return res, err
	}

	var connectedAt time.Time
	if ri.Status != activities.RouterInterfaceIdle {
		run.steps.skip(ctx, contract.StageConnectRouterInterface, "already "+ri.Status+": nothing to connect")
	} else {
		var conn activities.ConnectRouterInterfaceResult
		err := run.steps.step(ctx, contract.StageConnectRouterInterface, func() (activities.CallTrace, error) {
			err := workflow.ExecuteActivity(withChangeCall(ctx, run.shape, "Connect "+ref.RouterInterfaceId+" to "+ri.OppositeInterfaceId),
				a.ConnectRouterInterface, ref).Get(ctx, &conn)
			return conn.CallTrace, err
		})
		if temporal.IsCanceledError(err) {
			// Cancelled between attempts: an earlier one may have connected.
			run.made.connected(ref.RegionId, ref.RouterInterfaceId, "")
		}
		if err != nil {
			return res, err
		}
		// The interface was Idle when read: a retry that finds it connecting
		// found what an earlier attempt, whose answer was lost, did.
		res.Connected = !conn.AlreadyConnecting || conn.Attempt > 1
		if res.Connected {
			res.ConnectRequestId = conn.RequestId
			run.made.changed(conn.RequestId)
			run.made.connected(ref.RegionId, ref.RouterInterfaceId, conn.RequestId)
			connectedAt = workflow.Now(ctx)
			if !conn.AnsweredAt.IsZero() { // zero in histories of the connects before it was kept
				connectedAt = conn.AnsweredAt
			}
		}
	}

	if ri.Status == activities.RouterInterfaceActive {
		run.steps.skip(ctx, contract.StageWaitRouterInterface, "already Active")
		return res, nil
	}
	wait := activities.WaitRouterInterfaceActiveInput{RouterInterfaceRef: ref, ConnectedAt: connectedAt, Deadline: workflow.Now(ctx).Add(timeout)}
	active, err := waitRouterInterfaceActive(ctx, run.steps, wait, timeout)
	if err != nil {
		return res, err
	}
	res.Status = active.Status
	return res, nil
}

// activateRouterInterface activates an initiator found Inactive (a rollback
// deactivated it: the pair is still connected) and waits until it is Active.
func activateRouterInterface(ctx workflow.Context, run *changeRun, ref activities.RouterInterfaceRef, ri activities.RouterInterface,
	res contract.ConnectRouterInterfaceResult, timeout time.Duration) (contract.ConnectRouterInterfaceResult, error) {
	var a *activities.CloudActivities
	if err := run.steps.check(ctx, contract.StageCheckRouterInterface, ri.ReadyToActivate()); err != nil {
		return res, err
	}
	var act activities.ActivateRouterInterfaceResult
	err := run.steps.step(ctx, contract.StageActivateInterface, func() (activities.CallTrace, error) {
		err := workflow.ExecuteActivity(withChangeCall(ctx, run.shape, "Activate "+ref.RouterInterfaceId),
			a.ActivateRouterInterface, ref).Get(ctx, &act)
		return act.CallTrace, err
	})
	if temporal.IsCanceledError(err) {
		run.made.activated(ref.RegionId, ref.RouterInterfaceId, "")
	}
	if err != nil {
		return res, err
	}
	// The interface was Inactive when read: a retry that finds it
	// activating found what an earlier attempt did.
	res.Activated = !act.AlreadyActivating || act.Attempt > 1
	var activatedAt time.Time
	if res.Activated {
		res.ActivateRequestId = act.RequestId
		run.made.changed(act.RequestId)
		run.made.activated(ref.RegionId, ref.RouterInterfaceId, act.RequestId)
		activatedAt = workflow.Now(ctx)
	}
	wait := activities.WaitRouterInterfaceActiveInput{RouterInterfaceRef: ref, ActivatedAt: activatedAt, Deadline: workflow.Now(ctx).Add(timeout)}
	active, err := waitRouterInterfaceActive(ctx, run.steps, wait, timeout)
	if err != nil {
		return res, err
	}
	res.Status = active.Status
	return res, nil
}

// waitRouterInterfaceActive is the step that waits until an interface is
// Active.
func waitRouterInterfaceActive(ctx workflow.Context, steps *stepRecorder, wait activities.WaitRouterInterfaceActiveInput,
	timeout time.Duration) (activities.RouterInterface, error) {
	var a *activities.CloudActivities
	var active activities.RouterInterface
	err := steps.step(ctx, contract.StageWaitRouterInterface, func() (activities.CallTrace, error) {
		err := workflow.ExecuteActivity(withWait(ctx, timeout, "Wait until "+wait.RouterInterfaceId+" is Active"),
			a.WaitRouterInterfaceActive, wait).Get(ctx, &active)
		return active.CallTrace, err
	})
	return active, err
}
