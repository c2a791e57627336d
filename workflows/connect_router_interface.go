package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
)

// ConnectRouterInterfaceWorkflow connects an InitiatingSide router interface
// to its AcceptingSide peer and waits until the pair is Active.
func ConnectRouterInterfaceWorkflow(ctx workflow.Context, in ConnectRouterInterfaceInput) (ConnectRouterInterfaceResult, error) {
	log, err := newChangeLog(ctx)
	if err != nil {
		return ConnectRouterInterfaceResult{}, err
	}
	if err := log.check(ctx, StageValidate, asWorkflowError(in.Validate())); err != nil {
		return ConnectRouterInterfaceResult{}, err
	}
	ref := activities.RouterInterfaceRef{RegionId: in.RegionId, RouterInterfaceId: in.RouterInterfaceId}
	res, err := connectRouterInterface(ctx, log, ref, in.WaitTimeout.orDefault())
	if err != nil {
		return ConnectRouterInterfaceResult{}, err
	}
	res.Steps = log.completed(ctx)
	return res, nil
}

// connectRouterInterface reads the initiator, connects it unless it is already
// Connecting or Active, and waits until it is Active.
func connectRouterInterface(ctx workflow.Context, log *changeLog, ref activities.RouterInterfaceRef, timeout time.Duration) (ConnectRouterInterfaceResult, error) {
	var a *activities.CloudActivities
	res := ConnectRouterInterfaceResult{RouterInterfaceId: ref.RouterInterfaceId}

	var ri activities.RouterInterface
	err := log.step(ctx, StageDescribeRouterInterface, func() (activities.CallTrace, error) {
		err := log.readOnly(ctx, "Read router interface "+ref.RouterInterfaceId,
			a.DescribeRouterInterface, ref).Get(ctx, &ri)
		return ri.CallTrace, err
	})
	if err != nil {
		return res, err
	}
	res.OppositeInterfaceId = ri.OppositeInterfaceId
	res.Status = ri.Status
	if err := log.check(ctx, StageCheckRouterInterface, readyToConnect(ri)); err != nil {
		return res, err
	}

	var connectedAt time.Time
	if ri.Status != activities.RouterInterfaceIdle {
		log.skip(ctx, StageConnectRouterInterface, "already "+ri.Status+": nothing to connect")
	} else {
		var conn activities.ConnectRouterInterfaceResult
		err := log.step(ctx, StageConnectRouterInterface, func() (activities.CallTrace, error) {
			err := workflow.ExecuteActivity(withCall(ctx, "Connect "+ref.RouterInterfaceId+" to "+ri.OppositeInterfaceId),
				a.ConnectRouterInterface, ref).Get(ctx, &conn)
			return conn.CallTrace, err
		})
		if err != nil {
			return res, err
		}
		// The interface was Idle when read: a retry that finds it connecting
		// found what an earlier attempt, whose answer was lost, did.
		res.Connected = !conn.AlreadyConnecting || conn.Attempt > 1
		if res.Connected {
			res.ConnectRequestId = conn.RequestId
			log.changed(conn.RequestId)
			connectedAt = workflow.Now(ctx)
		}
	}

	if ri.Status == activities.RouterInterfaceActive {
		log.skip(ctx, StageWaitRouterInterface, "already Active")
		return res, nil
	}
	var active activities.RouterInterface
	wait := activities.WaitRouterInterfaceActiveInput{RouterInterfaceRef: ref, ConnectedAt: connectedAt, Deadline: workflow.Now(ctx).Add(timeout)}
	err = log.step(ctx, StageWaitRouterInterface, func() (activities.CallTrace, error) {
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

// connectableStates are the states in which a connect can still end Active:
// Idle is connected, the others are already on their way.
var connectableStates = map[string]bool{
	activities.RouterInterfaceIdle:                true,
	activities.RouterInterfaceConnecting:          true,
	activities.RouterInterfaceAcceptingConnecting: true,
	activities.RouterInterfaceActivating:          true,
	activities.RouterInterfaceActive:              true,
}

// readyToConnect checks what ConnectRouterInterface would refuse, before
// calling it: the role, the opposite fields, the state. The error types are
// the codes the cloud would answer; the messages end with the RequestId of
// the read that showed the problem.
func readyToConnect(ri activities.RouterInterface) error {
	seen := ""
	if len(ri.RequestIds) > 0 {
		seen = " (read with RequestId " + ri.RequestIds[0] + ")"
	}
	if ri.Role != activities.RoleInitiatingSide {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"router interface %s is %s: only the InitiatingSide interface of a pair can connect; connect from its peer %s%s",
			ri.RouterInterfaceId, ri.Role, ri.OppositeInterfaceId, seen), "IncorrectRole.NotInitiatingSide", nil)
	}
	if !ri.OppositeSet() {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"router interface %s has no complete opposite (OppositeInterfaceId %q, OppositeRouterId %q, OppositeRouterType %q, OppositeInterfaceOwnerId %q): set all four with ModifyRouterInterfaceAttribute%s",
			ri.RouterInterfaceId, ri.OppositeInterfaceId, ri.OppositeRouterId, ri.OppositeRouterType, ri.OppositeInterfaceOwnerId, seen),
			"IncorrectOppositeInterfaceInfo.NotSet", nil)
	}
	if !connectableStates[ri.Status] {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"router interface %s is %s: only an Idle interface can be connected; activate or recreate it first%s",
			ri.RouterInterfaceId, ri.Status, seen), activities.UnreachableStateType, nil)
	}
	return nil
}
