package workflows

import (
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// NetworkChangePlanWorkflow plans the NetworkChange of the same input and
// changes nothing: it reads the cross-account authorizations, the router
// interface and the published routes, and DryRuns the publish, then says of
// each step of the change whether it will do something, is already done, or
// would fail (with the code and the fix). A step that would fail does not
// stop the plan: the plan shows every step, as `terraform plan` does. Only
// a read that cannot be made (retries spent) fails the workflow.
func NetworkChangePlanWorkflow(ctx workflow.Context, in contract.NetworkChangeInput) (contract.NetworkChangePlanResult, error) {
	run, in, err := startChange(ctx, in)
	if err != nil {
		return contract.NetworkChangePlanResult{}, err
	}
	res, err := planNetworkChange(ctx, run, in)
	if err != nil {
		return contract.NetworkChangePlanResult{}, err
	}
	res.Steps = run.steps.completed(ctx)
	return res, nil
}

// planNetworkChange plans the change of a validated, canonical input: the
// plan workflow's, and a change's that waits for approval.
func planNetworkChange(ctx workflow.Context, run *changeRun, in contract.NetworkChangeInput) (contract.NetworkChangePlanResult, error) {
	var plan networkChangePlan
	if in.CrossAccount != nil {
		if err := plan.crossAccount(ctx, run, in.RegionId, in.VpnConnectionId, *in.CrossAccount); err != nil {
			return plan.result, err
		}
	}
	if err := plan.connect(ctx, run, activities.RouterInterfaceRef{RegionId: in.RegionId, RouterInterfaceId: in.RouterInterfaceId}); err != nil {
		return plan.result, err
	}
	if err := plan.publish(ctx, run, in.Routes()); err != nil {
		return plan.result, err
	}
	plan.add(contract.PlannedStep{Stage: contract.StageVerifyVpnRoutes, Action: contract.PlanWillDo,
		What: fmt.Sprintf("wait until %d routes reach VPN connection %s", len(in.ExpectedVpnRoutes()), in.VpnConnectionId)})
	plan.result.PlannedAt = workflow.Now(ctx)
	return plan.result, nil
}

// networkChangePlan collects the planned steps.
type networkChangePlan struct {
	result contract.NetworkChangePlanResult
}

func (p *networkChangePlan) add(s contract.PlannedStep) {
	p.result.Plan = append(p.result.Plan, s)
	p.result.WouldChange = p.result.WouldChange || s.Action == contract.PlanWillDo && slices.Contains(contract.ChangingStages, s.Stage)
	p.result.WouldFail = p.result.WouldFail || s.Action == contract.PlanWouldFail
}

// wouldFail plans a step as failing with err, when err is the change's
// refusal: a permanent cloud code, or a finding of vpcflow's own. Any other
// error (a read whose retries were spent) is the plan's own failure, and
// is returned.
func (p *networkChangePlan) wouldFail(stage, what string, err error) error {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.NonRetryable() {
		return err
	}
	step := contract.PlannedStep{Stage: stage, Action: contract.PlanWouldFail, What: what, Code: appErr.Type(), Reason: appErr.Message()}
	step.RequestId = failedTrace(err).LastRequestId()
	p.add(step)
	return nil
}

func (p *networkChangePlan) crossAccount(ctx workflow.Context, run *changeRun, regionID, vpnConnectionID string, want contract.ExpectedCrossAccount) error {
	what := fmt.Sprintf("check that VPN connection %s may join CEN %s of account %d", vpnConnectionID, want.BindInstance, want.BindUid)
	auths, err := readCrossAccount(ctx, run, regionID, vpnConnectionID)
	if err == nil {
		err = crossAccountMissing(vpnConnectionID, want, auths.Authorizations)
	}
	if err != nil {
		return p.wouldFail(contract.StageCheckCrossAccount, what, err)
	}
	p.add(contract.PlannedStep{Stage: contract.StageCheckCrossAccount, Action: contract.PlanAlreadyDone,
		What: what + ": authorized", RequestId: auths.LastRequestId()})
	return nil
}

func (p *networkChangePlan) connect(ctx workflow.Context, run *changeRun, ref activities.RouterInterfaceRef) error {
	what := "connect " + ref.RouterInterfaceId
	ri, err := readRouterInterface(ctx, run, ref)
	if err == nil && ri.Status == activities.RouterInterfaceInactive && run.shape.activates() {
		return p.activate(ctx, ref, ri)
	}
	if err == nil {
		err = ri.ReadyToConnect()
	}
	if err != nil {
		return p.wouldFail(contract.StageConnectRouterInterface, what, err)
	}
	what += " to " + ri.OppositeInterfaceId
	readBy := ri.LastRequestId()
	connect, wait := contract.PlanWillDo, contract.PlanWillDo
	switch ri.Status {
	case activities.RouterInterfaceActive:
		connect, wait = contract.PlanAlreadyDone, contract.PlanAlreadyDone
	case activities.RouterInterfaceIdle:
	default: // Connecting: a connect is under way
		connect = contract.PlanAlreadyDone
	}
	p.add(contract.PlannedStep{Stage: contract.StageConnectRouterInterface, Action: connect,
		What: what + " (it is " + ri.Status + ")", RequestId: readBy})
	p.add(contract.PlannedStep{Stage: contract.StageWaitRouterInterface, Action: wait,
		What: "wait until " + ref.RouterInterfaceId + " is Active", RequestId: readBy})
	return nil
}

// activate plans the activation of an interface found Inactive (a
// rollback deactivated it), and the wait for Active.
func (p *networkChangePlan) activate(ctx workflow.Context, ref activities.RouterInterfaceRef, ri activities.RouterInterface) error {
	what := "activate " + ref.RouterInterfaceId + " (it is Inactive; connected to " + ri.OppositeInterfaceId + ")"
	if err := ri.ReadyToActivate(); err != nil {
		return p.wouldFail(contract.StageActivateInterface, what, err)
	}
	p.add(contract.PlannedStep{Stage: contract.StageActivateInterface, Action: contract.PlanWillDo, What: what, RequestId: ri.LastRequestId()})
	p.add(contract.PlannedStep{Stage: contract.StageWaitRouterInterface, Action: contract.PlanWillDo,
		What: "wait until " + ref.RouterInterfaceId + " is Active", RequestId: ri.LastRequestId()})
	return nil
}

func (p *networkChangePlan) publish(ctx workflow.Context, run *changeRun, call contract.RouteSet) error {
	to := fmt.Sprintf("to %s %s", call.TargetType, call.TargetInstanceId)
	what := call.Describe("to")
	dry, err := dryRunPublish(ctx, run, call, what)
	if err != nil {
		return p.wouldFail(contract.StagePublishRoutes, "publish "+what, err)
	}
	already := make(map[contract.RouteEntry]bool, len(dry.AlreadyPublished))
	for _, e := range dry.AlreadyPublished {
		already[e] = true
	}
	pending := 0
	for _, e := range call.RouteEntries {
		step := contract.PlannedStep{Stage: contract.StagePublishRoutes, Action: contract.PlanWillDo,
			What: fmt.Sprintf("publish %s of %s %s", e.DestinationCidrBlock, e.RouteTableId, to), RequestId: dry.LastRequestId()}
		if already[e] {
			step.Action = contract.PlanAlreadyDone
		} else {
			pending++
		}
		p.add(step)
	}
	wait := contract.PlanAlreadyDone
	if pending > 0 {
		wait = contract.PlanWillDo
	}
	p.add(contract.PlannedStep{Stage: contract.StageWaitRoutesPublished, Action: wait,
		What: fmt.Sprintf("wait until %d routes are Published %s", len(call.RouteEntries), to)})
	return nil
}
