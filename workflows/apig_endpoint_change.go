package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// ApigEndpointChangeWorkflow accepts (or rejects) VPC endpoint connections
// of a Huawei Cloud APIG gateway: with Approval required, it plans and
// waits for a person's decision first; it reads the connections, accepts
// those waiting (or rejected before) in one call, and waits until each is
// accepted. A connection that cannot be accepted (failed, deleting, not the
// gateway's) stops it before any call. Cancelled or failed after changing
// something, it leaves it or rolls it back (a Rollback rejects what it
// accepted), as OnCancel and OnFailure ask: the NetworkChange's recovery.
func ApigEndpointChangeWorkflow(ctx workflow.Context, in contract.ApigEndpointChangeInput) (contract.ApigEndpointChangeResult, error) {
	run, in, err := startChange(ctx, in)
	if err != nil {
		return contract.ApigEndpointChangeResult{}, err
	}
	res, err := makeEndpointChange(ctx, run, in)
	if err != nil {
		err = stopChange(ctx, run, recovery{onCancel: in.OnCancel, onFailure: in.OnFailure, waitTimeout: in.WaitTimeout}, err)
	}
	run.notes.ended(ctx, run, err)
	return res, err
}

// ApigEndpointChangePlanWorkflow plans the ApigEndpointChange of the same
// input and changes nothing: it reads the connections and says which it
// would accept (or reject), which are so already, and which would fail.
func ApigEndpointChangePlanWorkflow(ctx workflow.Context, in contract.ApigEndpointChangeInput) (contract.PlanResult, error) {
	run, in, err := startChange(ctx, in)
	if err != nil {
		return contract.PlanResult{}, err
	}
	plan, _, err := planEndpointChange(ctx, run, in)
	if err != nil {
		return contract.PlanResult{}, err
	}
	plan.Steps = run.steps.completed(ctx)
	return plan, nil
}

// endpointChange is what a change does to its connections: the action,
// its stages and activities.
type endpointChange struct {
	in                  contract.ApigEndpointChangeInput
	ref                 activities.EndpointsRef
	actStage, waitStage string
}

func newEndpointChange(in contract.ApigEndpointChangeInput) endpointChange {
	c := endpointChange{in: in, ref: activities.EndpointsRef{
		APIGScope:  activities.APIGScope{Region: in.Region, ProjectId: in.ProjectId},
		InstanceId: in.InstanceId, EndpointIds: in.EndpointIds,
	}}
	c.actStage, c.waitStage = endpointStages(in.Action)
	return c
}

// endpointStages are the stages of an accept (or a reject).
func endpointStages(action string) (act, wait string) {
	if action == contract.EndpointActionReject {
		return contract.StageRejectEndpoints, contract.StageWaitEndpointsRejected
	}
	return contract.StageAcceptEndpoints, contract.StageWaitEndpoints
}

// record is what the change records it did.
func (c endpointChange) record() contract.EndpointChangeRecord {
	return contract.EndpointChangeRecord{ProjectId: c.in.ProjectId, Region: c.in.Region, InstanceId: c.in.InstanceId, Action: c.in.Action}
}

// makeEndpointChange makes the change, step by step.
func makeEndpointChange(ctx workflow.Context, run *changeRun, in contract.ApigEndpointChangeInput) (contract.ApigEndpointChangeResult, error) {
	var a *activities.CloudActivities
	change := newEndpointChange(in)
	timeout := in.WaitTimeout.OrDefault()

	var decisions []contract.DecisionRecord
	need, err := approvalRequirement(ctx, run, []string{in.Region}, in.Approval)
	if err != nil {
		return contract.ApigEndpointChangeResult{}, err
	}
	if need.Required {
		planChange := func() (contract.PlanResult, error) {
			plan, _, err := planEndpointChange(ctx, run, in)
			return plan, err
		}
		if decisions, err = awaitApproval(ctx, run, need, planChange); err != nil {
			return contract.ApigEndpointChangeResult{}, err
		}
	}

	read, err := readEndpoints(ctx, run, change.ref)
	if err != nil {
		return contract.ApigEndpointChangeResult{}, err
	}
	sorted := sortEndpoints(in, read)
	if sorted.cannot != "" {
		return contract.ApigEndpointChangeResult{}, run.steps.check(ctx, change.actStage,
			temporal.NewNonRetryableApplicationError(sorted.cannot+"; nothing was changed", contract.UnreachableStateType, nil))
	}

	res := contract.ApigEndpointChangeResult{Action: in.Action, Changed: []string{}, AlreadyDone: sorted.already}
	var actedAt time.Time
	if len(sorted.move) == 0 {
		run.steps.skip(ctx, change.actStage, fmt.Sprintf("all %d are %s already", len(in.EndpointIds), in.Target()))
	} else {
		act := activities.EndpointActionInput{EndpointsRef: change.ref, Action: in.Action}
		act.EndpointIds = sorted.move
		var acted activities.EndpointActionResult
		err := run.steps.step(ctx, change.actStage, func() (activities.CallTrace, error) {
			summary := "AcceptOrRejectEndpointConnections: " + contract.ApigEndpointChangeInput{
				Action: in.Action, EndpointIds: sorted.move, InstanceId: in.InstanceId}.Describe()
			err := workflow.ExecuteActivity(withChangeCall(ctx, run.shape, summary), a.AcceptOrRejectEndpointConnections, act).Get(ctx, &acted)
			return acted.CallTrace, err
		})
		if err != nil {
			if temporal.IsCanceledError(err) || ctx.Err() != nil {
				// Cancelled while the call was made or retried: it counts as
				// made (the rollback reads before it undoes, and moves back
				// only what it finds moved).
				run.made.endpoints(change.record(), sorted.move, "")
			}
			return contract.ApigEndpointChangeResult{}, err
		}
		res.Changed = append(res.Changed, acted.Acted...)
		if acted.Attempt > 1 {
			// An earlier attempt whose answer was lost moved what this one
			// found moved: they were not so when the change read them.
			res.Changed = append(res.Changed, acted.Already...)
		} else {
			res.AlreadyDone = append(res.AlreadyDone, acted.Already...)
		}
		run.made.endpoints(change.record(), res.Changed, acted.RequestId)
		run.made.changed(acted.RequestId)
		if acted.RequestId != "" {
			actedAt = workflow.Now(ctx)
		}
	}

	waited, err := waitEndpoints(ctx, run, change, actedAt, timeout)
	if err != nil {
		return contract.ApigEndpointChangeResult{}, err
	}
	res.Connections = waited.Connections
	res.ChangeRequestIds = run.made.requestIDs()
	res.StartedAt = run.steps.startedAt()
	res.CompletedAt = workflow.Now(ctx)
	res.DurationMillis = res.CompletedAt.Sub(res.StartedAt).Milliseconds()
	res.Decisions = decisions
	res.Steps = run.steps.completed(ctx)
	return res, nil
}

// readEndpoints is the step that reads the connections.
func readEndpoints(ctx workflow.Context, run *changeRun, ref activities.EndpointsRef) (activities.EndpointConnections, error) {
	var a *activities.CloudActivities
	var read activities.EndpointConnections
	err := run.steps.step(ctx, contract.StageListEndpoints, func() (activities.CallTrace, error) {
		err := run.shape.read(ctx, fmt.Sprintf("Read endpoint connections %s of gateway %s", strings.Join(ref.EndpointIds, ", "), ref.InstanceId),
			a.ReadEndpointConnections, ref).Get(ctx, &read)
		return read.CallTrace, err
	})
	return read, err
}

// waitEndpoints is the step that waits until every connection of the
// change is in its target status.
func waitEndpoints(ctx workflow.Context, run *changeRun, change endpointChange, actedAt time.Time, timeout time.Duration) (activities.EndpointConnections, error) {
	var a *activities.CloudActivities
	wait := activities.WaitEndpointsInput{APIGScope: change.ref.APIGScope, InstanceId: change.ref.InstanceId,
		EndpointIds: change.ref.EndpointIds, ActedAt: actedAt, Deadline: workflow.Now(ctx).Add(timeout)}
	waitFor := a.WaitEndpointsAccepted
	if change.in.Action == contract.EndpointActionReject {
		waitFor = a.WaitEndpointsRejected
	}
	var waited activities.EndpointConnections
	err := run.steps.step(ctx, change.waitStage, func() (activities.CallTrace, error) {
		err := workflow.ExecuteActivity(withWait(ctx, timeout, fmt.Sprintf("Wait until endpoint connections %s are %s",
			strings.Join(wait.EndpointIds, ", "), change.in.Target())), waitFor, wait).Get(ctx, &waited)
		return waited.CallTrace, err
	})
	return waited, err
}

// sortedEndpoints are a change's connections as read: those to move,
// those so already, and, when one cannot move, why.
type sortedEndpoints struct {
	move, already []string
	cannot        string
	// states are the statuses of the connections to move, by ID.
	states map[string]string
}

func sortEndpoints(in contract.ApigEndpointChangeInput, read activities.EndpointConnections) sortedEndpoints {
	out := sortedEndpoints{states: map[string]string{}}
	from := activities.EndpointMoves[in.Action]
	for _, id := range in.EndpointIds {
		i := slices.IndexFunc(read.Connections, func(c contract.EndpointConnection) bool { return c.Id == id })
		switch {
		case i < 0:
			out.cannot = fmt.Sprintf("endpoint connection %s is not a connection of gateway %s", id, in.InstanceId)
			return out
		case read.Connections[i].Status == in.Target():
			out.already = append(out.already, id)
		case slices.Contains(from, read.Connections[i].Status):
			out.move = append(out.move, id)
			out.states[id] = read.Connections[i].Status
		default:
			out.cannot = fmt.Sprintf("endpoint connection %s is %s: only a connection %s can be %sed", id,
				read.Connections[i].Status, strings.Join(from, " or "), in.Action)
			return out
		}
	}
	return out
}

// planEndpointChange plans the change of a validated, canonical input:
// the plan workflow's, and a change's that waits for approval.
func planEndpointChange(ctx workflow.Context, run *changeRun, in contract.ApigEndpointChangeInput) (contract.PlanResult, sortedEndpoints, error) {
	var plan networkChangePlan
	change := newEndpointChange(in)
	read, err := readEndpoints(ctx, run, change.ref)
	if err != nil {
		return plan.result, sortedEndpoints{}, err
	}
	sorted := sortEndpoints(in, read)
	readBy := read.LastRequestId()
	what := in.Describe()
	switch {
	case sorted.cannot != "":
		plan.add(contract.PlannedStep{Stage: change.actStage, Action: contract.PlanWouldFail, What: what,
			Code: contract.UnreachableStateType, Reason: sorted.cannot, RequestId: readBy})
	case len(sorted.move) == 0:
		plan.add(contract.PlannedStep{Stage: change.actStage, Action: contract.PlanAlreadyDone,
			What: fmt.Sprintf("%s: all are %s", what, in.Target()), RequestId: readBy})
		plan.add(contract.PlannedStep{Stage: change.waitStage, Action: contract.PlanAlreadyDone,
			What: "wait until they are " + in.Target(), RequestId: readBy})
	default:
		moves := make([]string, 0, len(sorted.move))
		for _, id := range sorted.move {
			moves = append(moves, id+" ("+sorted.states[id]+")")
		}
		if len(sorted.already) > 0 {
			plan.add(contract.PlannedStep{Stage: change.actStage, Action: contract.PlanAlreadyDone,
				What: fmt.Sprintf("%s: %s already", strings.Join(sorted.already, ", "), in.Target()), RequestId: readBy})
		}
		moving := contract.ApigEndpointChangeInput{Action: in.Action, EndpointIds: sorted.move, InstanceId: in.InstanceId}
		plan.add(contract.PlannedStep{Stage: change.actStage, Action: contract.PlanWillDo,
			What: moving.Describe() + ": " + strings.Join(moves, ", "), RequestId: readBy})
		plan.add(contract.PlannedStep{Stage: change.waitStage, Action: contract.PlanWillDo,
			What: "wait until they are " + in.Target()})
	}
	plan.result.PlannedAt = workflow.Now(ctx)
	return plan.result, sorted, nil
}
