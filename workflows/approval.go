package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/contract"
)

// awaitApproval plans the change, shows the plan and waits for a person's
// decision (the DecideUpdate), before anything is changed. Approved, it
// plans again: if the cloud moved meanwhile (the plan differs), it asks
// again about the new plan; if not, the change goes on. It returns the
// decisions taken. Rejected, timed out, or with a step that would fail, the
// change stops with nothing changed.
//
// planChange plans the change (reads only), each time it is called.
func awaitApproval(ctx workflow.Context, run *changeRun, approval contract.Approval,
	planChange func() (contract.PlanResult, error)) ([]contract.DecisionRecord, error) {
	gate := &approvalGate{}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.DecideUpdate, gate.decide,
		workflow.UpdateHandlerOptions{Validator: gate.validate}); err != nil {
		return nil, err
	}
	var decisions []contract.DecisionRecord
	plan, err := planChange()
	for round := 1; ; round++ {
		if err != nil {
			return decisions, err
		}
		if plan.WouldFail {
			return decisions, run.steps.check(ctx, contract.StageAwaitingApproval, planWouldFail(plan))
		}
		run.steps.showPlan(ctx, plan.Plan)
		gate.asked = round
		decided, err := workflow.AwaitWithTimeout(ctx, approval.TimeoutOrDefault(), func() bool { return gate.decision != nil })
		gate.asked = 0
		if err != nil {
			return decisions, err // cancelled
		}
		if !decided {
			return decisions, run.steps.check(ctx, contract.StageAwaitingApproval, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("no decision within %s: nothing was changed; start the change again to ask again", approval.TimeoutOrDefault()),
				contract.ApprovalTimeoutType, nil))
		}
		d := *gate.decision
		gate.decision = nil
		decisions = append(decisions, d)
		if !d.Approve {
			return decisions, run.steps.check(ctx, contract.StageAwaitingApproval, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("rejected by %q (%q): nothing was changed", d.By, d.Comment), contract.ChangeRejectedType, nil, d))
		}
		if err := run.steps.check(ctx, contract.StageAwaitingApproval, nil); err != nil {
			return decisions, err
		}
		// What was approved is the plan shown: the cloud may have moved
		// while the change waited.
		var again contract.PlanResult
		again, err = planChange()
		if err == nil && samePlan(plan.Plan, again.Plan) {
			return decisions, nil
		}
		plan = again
	}
}

// approvalGate holds the decision the DecideUpdate brings while the change
// waits for one.
type approvalGate struct {
	asked    int // the plan waiting for a decision (1, 2, ...); 0: none
	decision *contract.DecisionRecord
}

// validate refuses, before it reaches the history, a decision the change
// is not waiting for and one without an approver.
func (g *approvalGate) validate(ctx workflow.Context, d contract.Decision) error {
	switch {
	case g.asked == 0:
		return fmt.Errorf("the change is not waiting for a decision")
	case g.decision != nil:
		return fmt.Errorf("plan %d is already decided by %q", g.asked, g.decision.By)
	}
	if problem := d.Problem(); problem != "" {
		return fmt.Errorf("%s", problem)
	}
	return nil
}

// decide takes the decision. Two updates can pass the validator before
// either handler runs: the first handler takes the decision, the second
// fails (after it was accepted, so it shows in the history as refused).
func (g *approvalGate) decide(ctx workflow.Context, d contract.Decision) (contract.DecisionRecord, error) {
	if err := g.validate(ctx, d); err != nil {
		return contract.DecisionRecord{}, err
	}
	rec := contract.DecisionRecord{Decision: d, At: workflow.Now(ctx), Plan: g.asked}
	g.decision = &rec
	return rec, nil
}

// planWouldFail is the error of a plan with a step that would fail: no one
// is asked to approve a change that cannot be made.
func planWouldFail(plan contract.PlanResult) error {
	for _, st := range plan.Plan {
		if st.Action == contract.PlanWouldFail {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("the plan would fail at %s (%s): %s: %s; nothing was changed",
				st.Stage, st.What, st.Code, st.Reason), contract.PlanWouldFailType, nil, plan.Plan)
		}
	}
	return nil
}

// samePlan tells whether two plans do the same steps to the same things.
func samePlan(a, b []contract.PlannedStep) bool {
	return slices.EqualFunc(a, b, func(x, y contract.PlannedStep) bool {
		return x.Stage == y.Stage && x.Action == y.Action && x.What == y.What && x.Code == y.Code
	})
}
