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
	"github.com/vpcflow/vpcflow/internal/approval"
)

// approvalRequirement asks the worker's approval policy what the change
// needs before it changes anything: whether a person must approve, how
// many of which groups, signed or not. The answer is recorded (a local
// activity's marker), so every worker decides the change's decisions by the
// same requirement, whatever policy it has loaded since. A run older than
// the policy asks its input alone, as it did when it started.
func approvalRequirement(ctx workflow.Context, run *changeRun, regions []string, asked *contract.Approval) (contract.ApprovalRequirement, error) {
	if !run.shape.asksThePolicy() {
		if asked == nil || !asked.Required {
			return contract.ApprovalRequirement{}, nil
		}
		return contract.ApprovalRequirement{Required: true, Approvals: 1, Rejects: 1, SelfApproval: true,
			AllowUnsigned: true, Timeout: asked.Timeout}, nil
	}
	info := workflow.GetInfo(ctx)
	ask := contract.ApprovalAsk{Workflow: info.WorkflowType.Name, Approval: asked}
	if len(regions) == 1 {
		ask.RegionId = regions[0]
	} else {
		ask.Regions = regions
	}
	if asked != nil {
		ask.RequestedBy = asked.RequestedBy
	}
	if p := info.ParentWorkflowExecution; p != nil {
		ask.ParentWorkflowId, ask.ParentRunId = p.ID, p.RunID
	}
	var approvals *activities.Approvals
	var req contract.ApprovalRequirement
	err := workflow.ExecuteLocalActivity(withLocalCall(ctx, "approval policy"), approvals.ApprovalRequirement, ask).Get(ctx, &req)
	if err != nil {
		return req, run.steps.check(ctx, contract.StageAwaitingApproval, err)
	}
	run.notes.enabled = req.Notify
	return req, nil
}

// awaitApproval plans the change, shows the plan and waits until the
// requirement's approvals are all in, before anything is changed: each
// decision by a different principal, signed where the policy asks, on the
// plan shown. Approved, it plans again: if the cloud moved meanwhile (the
// plan differs), it asks everyone again about the new plan; if not, the
// change goes on. The policy's rejects stop it, as does no quorum within
// the timeout; a reminder and an escalation come on the way (durable
// timers). It returns every decision taken.
//
// planChange plans the change (reads only), each time it is called.
func awaitApproval(ctx workflow.Context, run *changeRun, req contract.ApprovalRequirement,
	planChange func() (contract.PlanResult, error)) ([]contract.DecisionRecord, error) {
	info := workflow.GetInfo(ctx)
	gate := &approvalGate{req: req, workflowID: info.WorkflowExecution.ID, runID: info.WorkflowExecution.RunID,
		seen: map[string]time.Time{}}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.DecideUpdate, gate.decide,
		workflow.UpdateHandlerOptions{Validator: gate.validate}); err != nil {
		return nil, err
	}
	state := &contract.ApprovalProgress{Requirement: req}
	if run.shape.asksThePolicy() {
		run.steps.progress.Approval = state
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
		gate.open(round, contract.PlanDigest(plan.Plan))
		state.Plan, state.PlanDigest, state.Decisions, state.Waiting = round, gate.digest, nil, gate.waiting()
		state.Reminded, state.Escalated = false, false // a new plan: its own reminder and escalation
		run.steps.showPlan(ctx, plan.Plan)
		run.notes.send(ctx, run, contract.ApprovalEvent{Event: contract.EventAwaitingApproval, PlanDigest: gate.digest,
			RequestedBy: req.RequestedBy, Waiting: state.Waiting,
			Summary: fmt.Sprintf("%s waits for approval of plan %d (%s): %s", info.WorkflowExecution.ID, round, gate.digest, strings.Join(state.Waiting, "; "))})

		var taken []contract.DecisionRecord
		taken, err = gate.await(ctx, run, state)
		decisions = append(decisions, taken...)
		if temporal.IsCanceledError(err) {
			return decisions, err
		}
		if err != nil {
			return decisions, run.steps.check(ctx, contract.StageAwaitingApproval, err)
		}
		state.Approved = true
		run.notes.send(ctx, run, contract.ApprovalEvent{Event: contract.EventApproved, PlanDigest: gate.digest,
			By: names(taken), Summary: fmt.Sprintf("%s: plan %d approved by %s", info.WorkflowExecution.ID, state.Plan, principals(taken))})
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
		state.Approved = false
		plan = again
	}
}

// approvalGate holds what the DecideUpdate checks a decision against, and
// the decisions of the plan shown.
type approvalGate struct {
	req               contract.ApprovalRequirement
	workflowID, runID string

	asked     int    // the plan waiting for decisions (1, 2, ...); 0: none
	digest    string // its digest
	escalated bool
	// taken are the plan's decisions in the order they came; pending the
	// ones await has not counted yet.
	taken   []contract.DecisionRecord
	pending []contract.DecisionRecord
	// seen are the signatures taken, whichever plan they were for: a
	// signed decision is taken once.
	seen map[string]time.Time
}

// open starts asking about a plan.
func (g *approvalGate) open(round int, digest string) {
	g.asked, g.digest, g.taken, g.pending, g.escalated = round, digest, nil, nil, false
}

// await waits for the plan's decisions until the requirement's approvals
// are in (nil), its rejects stop the change, or its timeout passes; it
// reminds and escalates on the way. It returns the plan's decisions.
func (g *approvalGate) await(ctx workflow.Context, run *changeRun, state *contract.ApprovalProgress) ([]contract.DecisionRecord, error) {
	defer func() { g.asked = 0 }()
	id := g.workflowID
	shown := workflow.Now(ctx)
	timeout := g.req.TimeoutOrDefault()
	deadline := shown.Add(timeout)
	remindAt, escalateAt := shown.Add(time.Duration(g.req.RemindAfter)), shown.Add(time.Duration(g.req.EscalateAfter))
	for {
		next, event := deadline, ""
		if g.req.RemindAfter > 0 && !state.Reminded && remindAt.Before(next) {
			next, event = remindAt, contract.EventReminded
		}
		if g.req.EscalateAfter > 0 && !state.Escalated && escalateAt.Before(next) {
			next, event = escalateAt, contract.EventEscalated
		}
		decided, err := workflow.AwaitWithTimeout(ctx, next.Sub(workflow.Now(ctx)), func() bool { return len(g.pending) > 0 })
		if err != nil {
			return g.taken, err // cancelled
		}
		switch {
		case !decided && event == contract.EventReminded:
			state.Reminded = true
			run.notes.send(ctx, run, contract.ApprovalEvent{Event: event, PlanDigest: g.digest, Waiting: state.Waiting,
				Summary: fmt.Sprintf("reminder: %s still waits for approval: %s", id, strings.Join(state.Waiting, "; "))})
			continue
		case !decided && event == contract.EventEscalated:
			state.Escalated, g.escalated = true, true
			state.Waiting = g.waiting()
			to := "the escalation group"
			if g.req.EscalateTo != nil {
				to = g.req.EscalateTo.Group
			}
			run.notes.send(ctx, run, contract.ApprovalEvent{Event: event, PlanDigest: g.digest, By: to,
				Waiting: state.Waiting, Summary: fmt.Sprintf("escalated to %s: %s waits for approval since %s",
					to, id, shown.Format(time.RFC3339))})
			continue
		case !decided && len(g.taken) == 0:
			return g.taken, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("no decision within %s: nothing was changed; start the change again to ask again", timeout),
				contract.ApprovalTimeoutType, nil)
		case !decided:
			return g.taken, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("no quorum within %s (still %s): nothing was changed; start the change again to ask again",
					timeout, strings.Join(g.waiting(), "; ")), contract.ApprovalTimeoutType, nil)
		}
		g.pending = nil
		state.Decisions = append([]contract.DecisionRecord(nil), g.taken...)
		state.Waiting = g.waiting()
		last := g.taken[len(g.taken)-1]
		if rejects := g.rejects(); len(rejects) >= max(1, g.req.Rejects) {
			run.notes.send(ctx, run, contract.ApprovalEvent{Event: contract.EventRejected, PlanDigest: g.digest, By: names(rejects),
				Summary: fmt.Sprintf("%s rejected by %s (%q)", id, principals(rejects), last.Comment)})
			return g.taken, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("rejected by %s (%q): nothing was changed", principals(rejects), last.Comment),
				contract.ChangeRejectedType, nil, last)
		}
		if len(state.Waiting) == 0 {
			return g.taken, nil
		}
	}
}

// validate refuses, before it reaches the history, a decision the change
// cannot take: none is asked, the decision is not well formed, names
// another change or plan, is unsigned where the policy wants a signature,
// is signed by a key the policy does not list for its principal, repeats a
// principal or a signature, approves the requester's own change (four
// eyes), or comes from no one the change waits for.
func (g *approvalGate) validate(ctx workflow.Context, d contract.Decision) error {
	_, err := g.check(ctx, d)
	return err
}

// decide takes the decision. Two updates can pass the validator before
// either handler runs: the handler checks again, and the second fails
// (after it was accepted, so it shows in the history as refused).
func (g *approvalGate) decide(ctx workflow.Context, d contract.Decision) (contract.DecisionRecord, error) {
	rec, err := g.check(ctx, d)
	if err != nil {
		return contract.DecisionRecord{}, err
	}
	if d.Signed() {
		g.seen[d.Signature] = rec.At
	}
	g.taken = append(g.taken, rec)
	g.pending = append(g.pending, rec)
	return rec, nil
}

// check is what validate and decide both check; it returns the decision
// as the change would record it.
func (g *approvalGate) check(ctx workflow.Context, d contract.Decision) (contract.DecisionRecord, error) {
	if g.asked == 0 {
		return contract.DecisionRecord{}, fmt.Errorf("the change is not waiting for a decision")
	}
	if problem := d.Problem(); problem != "" {
		return contract.DecisionRecord{}, fmt.Errorf("%s", problem)
	}
	if g.decided() {
		return contract.DecisionRecord{}, fmt.Errorf("plan %d is already decided by %s", g.asked, principals(g.taken))
	}
	rec := contract.DecisionRecord{Decision: d, At: workflow.Now(ctx), Plan: g.asked, PlanShown: g.digest}
	if d.Signed() {
		switch {
		case d.WorkflowId != g.workflowID:
			return rec, fmt.Errorf("the decision is for change %q; this is %q", d.WorkflowId, g.workflowID)
		case d.RunId != g.runID:
			return rec, fmt.Errorf("the decision is for run %s of %s; this is run %s (a decision does not carry over to a new run)", d.RunId, g.workflowID, g.runID)
		case d.PlanDigest != g.digest:
			return rec, fmt.Errorf("the decision is on plan %s, but the plan shown is %s: the plan moved, review it again (starter show %s)", d.PlanDigest, g.digest, g.workflowID)
		}
		if at, ok := g.seen[d.Signature]; ok {
			return rec, fmt.Errorf("this signed decision was already taken at %s: a signature counts once", at.Format(time.RFC3339))
		}
		fp, err := approval.Verify(d, g.req.Signers, rec.At)
		if err != nil {
			return rec, fmt.Errorf("the signature is refused: %w", err)
		}
		rec.KeyFingerprint, rec.Verified = fp, true
	} else if !g.req.AllowUnsigned {
		return rec, fmt.Errorf("the approval policy takes only signed decisions: sign it with `starter approve` (or `starter approve --print` to send it yourself)")
	}
	who := strings.TrimSpace(d.By)
	for _, t := range g.taken {
		if strings.TrimSpace(t.By) == who {
			return rec, fmt.Errorf("%s has already decided on plan %d (at %s): each decision is by a different person", who, g.asked, t.At.Format(time.RFC3339))
		}
	}
	if d.Approve && !g.req.SelfApproval && g.req.RequestedBy != "" && who == strings.TrimSpace(g.req.RequestedBy) {
		return rec, fmt.Errorf("%s asked for this change and may not approve it: the approval policy wants four eyes", who)
	}
	if len(g.req.Needs) > 0 && !g.counts(who, d.Approve) {
		return rec, fmt.Errorf("%s is not someone this change waits for: %s", who, strings.Join(g.waiting(), "; "))
	}
	return rec, nil
}

// decided tells whether the plan shown has its quorum or its rejects.
func (g *approvalGate) decided() bool {
	return len(g.rejects()) >= max(1, g.req.Rejects) || len(g.waiting()) == 0
}

// counts tells whether who's decision counts towards a need still open
// (an approval), or comes from a member of a needed group (a reject); after
// an escalation, the escalation group's members count for any need.
func (g *approvalGate) counts(who string, approve bool) bool {
	_, open := g.assign(who)
	if approve {
		return open
	}
	for _, n := range g.needs() {
		if slices.Contains(n.Members, who) {
			return true
		}
	}
	return false
}

// needs are the requirement's needs, with the escalation group's members
// added to each once the change has escalated.
//
// An input that asks for more approvals than the needs add up to gets the
// rest from any member of the needed groups.
func (g *approvalGate) needs() []contract.ApprovalNeed {
	needs := slices.Clone(g.req.Needs)
	total := 0
	var anyone []string
	for _, n := range needs {
		total += n.Count
		for _, m := range n.Members {
			if !slices.Contains(anyone, m) {
				anyone = append(anyone, m)
			}
		}
	}
	if extra := g.req.Approvals - total; extra > 0 && len(needs) > 0 {
		needs = append(needs, contract.ApprovalNeed{Group: "any group above", Members: anyone, Count: extra})
	}
	if g.escalated && g.req.EscalateTo != nil {
		for i := range needs {
			needs[i].Members = append(slices.Clone(needs[i].Members), g.req.EscalateTo.Members...)
		}
	}
	return needs
}

// assign counts the approvals taken towards the needs, in the order they
// came, each to the first need it can fill, and tells which need who's
// approval would fill next (or false).
func (g *approvalGate) assign(who string) (filled []int, open bool) {
	needs := g.needs()
	filled = make([]int, len(needs))
	fill := func(principal string) bool {
		for i, n := range needs {
			if filled[i] < n.Count && slices.Contains(n.Members, principal) {
				filled[i]++
				return true
			}
		}
		return false
	}
	for _, t := range g.taken {
		if t.Approve {
			fill(strings.TrimSpace(t.By))
		}
	}
	if who != "" {
		open = fill(who)
	}
	return filled, open
}

// waiting says what the plan still waits for; empty when its approvals
// are all in.
func (g *approvalGate) waiting() []string {
	if len(g.req.Needs) == 0 {
		approved := 0
		for _, t := range g.taken {
			if t.Approve {
				approved++
			}
		}
		if n := max(1, g.req.Approvals) - approved; n > 0 {
			return []string{fmt.Sprintf("%d more approval(s)", n)}
		}
		return nil
	}
	var out []string
	filled, _ := g.assign("")
	for i, n := range g.needs() {
		if more := n.Count - filled[i]; more > 0 {
			out = append(out, fmt.Sprintf("%s: %d more of %s", n.Group, more, strings.Join(n.Members, ", ")))
		}
	}
	return out
}

// rejects are the plan's rejects.
func (g *approvalGate) rejects() []contract.DecisionRecord {
	var out []contract.DecisionRecord
	for _, t := range g.taken {
		if !t.Approve {
			out = append(out, t)
		}
	}
	return out
}

// principals names who took the decisions.
func principals(ds []contract.DecisionRecord) string {
	var names []string
	for _, d := range ds {
		names = append(names, fmt.Sprintf("%q", d.By))
	}
	return strings.Join(names, ", ")
}

// names lists who took the decisions, for an event's By: a receiver reads
// the names as they are (principals quotes them for a line of text).
func names(ds []contract.DecisionRecord) string {
	var out []string
	for _, d := range ds {
		out = append(out, strings.TrimSpace(d.By))
	}
	return strings.Join(out, ", ")
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
