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
// Connecting or Active, and waits until it is Active.
func connectRouterInterface(ctx workflow.Context, run *changeRun, ref activities.RouterInterfaceRef, timeout time.Duration) (contract.ConnectRouterInterfaceResult, error) {
	var a *activities.CloudActivities
	res := contract.ConnectRouterInterfaceResult{RouterInterfaceId: ref.RouterInterfaceId}

	ri, err := readRouterInterface(ctx, run, ref)
	if err != nil {
		return res, err
	}
	res.OppositeInterfaceId = ri.OppositeInterfaceId
	res.Status = ri.Status
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
		}
	}

	if ri.Status == activities.RouterInterfaceActive {
		run.steps.skip(ctx, contract.StageWaitRouterInterface, "already Active")
		return res, nil
	}
	var active activities.RouterInterface
	wait := activities.WaitRouterInterfaceActiveInput{RouterInterfaceRef: ref, ConnectedAt: connectedAt, Deadline: workflow.Now(ctx).Add(timeout)}
	err = run.steps.step(ctx, contract.StageWaitRouterInterface, func() (activities.CallTrace, error) {
		err := workflow.ExecuteActivity(withWait(ctx, timeout, "Wait until "+ref.RouterInterfaceId+" is Active"),
			a.WaitRouterInterfaceActive, wait).Get(ctx, &active)
		return active.CallTrace, err
	})
	if err != nil {
		return res, err
	}
	res.Status = active.Status
	return res, nil
}
