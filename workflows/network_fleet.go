package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// NetworkFleetWorkflow makes a fleet's changes, each an ordinary
// NetworkChange workflow started as its child. It reads the router
// interfaces of the changes to learn what each one must not share with a
// running one; with Approval it plans every change (NetworkChangePlan
// children), shows one plan and waits for one decision; then it runs the
// changes, at most Concurrency at once, those sharing a route table or a
// router one after another in the spec's order, and stops starting new ones
// after MaxErrors failures or a cancel (running changes finish, or are
// cancelled with their own OnCancel). Every RunLength changes it continues
// as new, carrying what it did, so its history stays bounded.
//
// Two changes are serialised when the documents give a refusal for their
// writes in flight together: a publish or withdraw on one route table
// (IncorrectStatus.RouteTable, IncorrectStatus.RouteEntryPublishStatus)
// and connects initiated on one router (Forbidden.OnlyOneConnection:
// "You cannot initiate a connection on the same router"), the router until
// the change's interface is Active (it signals). A shared target
// (many VPCs publishing to one ECR) is not: no document gives a refusal
// for it, and serialising on it would make the usual fleet sequential.
func NetworkFleetWorkflow(ctx workflow.Context, in contract.NetworkFleetInput) (contract.NetworkFleetResult, error) {
	run, in, err := startChange(ctx, in)
	if err != nil {
		return contract.NetworkFleetResult{}, err
	}
	if in.Carried != nil && workflow.GetInfo(ctx).ContinuedExecutionRunID == "" {
		return contract.NetworkFleetResult{}, run.steps.check(ctx, contract.StageValidate, temporal.NewNonRetryableApplicationError(
			"Carried is the fleet's own (set when it continues as new): start a fleet without it", contract.InvalidInputType, nil))
	}
	f := newFleet(ctx, run, in)
	if err := workflow.SetQueryHandler(ctx, contract.FleetProgressQuery, func() (contract.FleetProgress, error) {
		return f.progress(), nil
	}); err != nil {
		return contract.NetworkFleetResult{}, err
	}

	f.listenForConnects(ctx)

	if in.Carried == nil {
		if err := f.readKeys(ctx); err != nil {
			return contract.NetworkFleetResult{}, f.end(ctx, err)
		}
		need, err := approvalRequirement(ctx, run, f.regions(), in.Approval)
		if err != nil {
			return contract.NetworkFleetResult{}, f.end(ctx, err)
		}
		if need.Required {
			planFleet := func() (contract.PlanResult, error) { return f.plan(ctx) }
			if f.decisions, err = awaitApproval(ctx, run, need, planFleet); err != nil {
				return contract.NetworkFleetResult{}, f.end(ctx, err)
			}
		}
	}

	run.steps.setStage(ctx, contract.StageRunChanges)
	f.showDetails(ctx)
	if err := f.runChanges(ctx); err != nil {
		return contract.NetworkFleetResult{}, f.end(ctx, err)
	}
	if f.sched.pending() && f.sched.stopped == "" {
		// This run started its share: the next run starts the rest.
		return contract.NetworkFleetResult{}, workflow.NewContinueAsNewError(ctx, contract.NetworkFleet.Type, f.carry())
	}
	return f.progress(), f.end(ctx, nil)
}

// fleet is a running fleet: its input, its changes' inputs, and their
// schedule.
type fleet struct {
	run       *changeRun
	in        contract.NetworkFleetInput
	inputs    []contract.NetworkChangeInput
	sched     *fleetSchedule
	decisions []contract.DecisionRecord
	planned   map[string]int
	startedAt time.Time
	runs      int
	// runLength is how many changes this run starts before it continues
	// as new; started counts them.
	runLength, started int
}

func newFleet(ctx workflow.Context, run *changeRun, in contract.NetworkFleetInput) *fleet {
	f := &fleet{run: run, in: in, inputs: in.ChangeInputs(), startedAt: workflow.Now(ctx), runs: 1, runLength: in.RunLengthOrDefault()}
	changes := make([]contract.FleetChange, len(f.inputs))
	if c := in.Carried; c != nil {
		copy(changes, c.Changes)
		f.decisions, f.startedAt, f.runs = c.Decisions, c.StartedAt, c.Runs+1
		run.steps.progress.Approval = c.Approval
	} else {
		for i, c := range f.inputs {
			changes[i] = contract.FleetChange{Index: i, WorkflowId: contract.NetworkChange.ID(c), State: contract.FleetPending, Keys: routeTableKeys(c)}
		}
	}
	f.sched = newFleetSchedule(changes, in.ConcurrencyOrDefault(), in.MaxErrors)
	return f
}

// listenForConnects lets a change's router go once the change says its
// interface is Active (contract.FleetConnectedSignal): connects from one
// router run one after another, but the rest of each change (its publish,
// its wait for the routes) runs beside the next one's connect. A signal
// naming no change of the fleet that holds a router is ignored.
func (f *fleet) listenForConnects(ctx workflow.Context) {
	connected := workflow.GetSignalChannel(ctx, contract.FleetConnectedSignal)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var id string
			if more := connected.Receive(ctx, &id); !more {
				return
			}
			f.sched.release(id, routerKeyPrefix)
		}
	})
}

// routerKeyPrefix starts the key of a router a change connects from.
const routerKeyPrefix = "router/"

// routeTableKeys are the route tables a change publishes from.
func routeTableKeys(c contract.NetworkChangeInput) []string {
	var keys []string
	for _, e := range c.RouteEntries {
		k := "route-table/" + e.RouteTableId
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// regions are the regions of the fleet's changes, in their order.
func (f *fleet) regions() []string {
	var regions []string
	for _, c := range f.inputs {
		if !slices.Contains(regions, c.RegionId) {
			regions = append(regions, c.RegionId)
		}
	}
	return regions
}

// readKeys reads the changes' router interfaces, MaxInterfacesPerRead a
// call, and adds to each change that will connect (its interface is Idle
// or Inactive) the router it initiates on. An interface not found adds
// nothing: its change fails on its own read, naming it.
func (f *fleet) readKeys(ctx workflow.Context) error {
	byRegion := map[string][]string{}
	var regions []string
	for _, c := range f.inputs {
		if _, ok := byRegion[c.RegionId]; !ok {
			regions = append(regions, c.RegionId)
		}
		byRegion[c.RegionId] = append(byRegion[c.RegionId], c.RouterInterfaceId)
	}
	var a *activities.CloudActivities
	found := map[string]activities.RouterInterface{}
	return f.run.steps.step(ctx, contract.StageFleetReadInterfaces, func() (activities.CallTrace, error) {
		var trace activities.CallTrace
		for _, region := range regions {
			ids := byRegion[region]
			for start := 0; start < len(ids); start += activities.MaxInterfacesPerRead {
				ref := activities.RouterInterfacesRef{RegionId: region, RouterInterfaceIds: ids[start:min(start+activities.MaxInterfacesPerRead, len(ids))]}
				var read activities.RouterInterfaces
				if err := f.run.shape.read(ctx, fmt.Sprintf("Read %d router interfaces", len(ref.RouterInterfaceIds)),
					a.DescribeRouterInterfaces, ref).Get(ctx, &read); err != nil {
					return trace, err
				}
				trace.Attempt += read.Attempt
				trace.RequestIds = append(trace.RequestIds, read.RequestIds...)
				for _, ri := range read.Found {
					found[ri.RouterInterfaceId] = ri
				}
			}
		}
		for i, c := range f.inputs {
			ri, ok := found[c.RouterInterfaceId]
			if ok && (ri.Status == activities.RouterInterfaceIdle || ri.Status == activities.RouterInterfaceInactive) && ri.RouterId != "" {
				f.sched.changes[i].Keys = append(f.sched.changes[i].Keys, routerKeyPrefix+ri.RouterId)
			}
		}
		return trace, nil
	})
}

// plan plans every change (NetworkChangePlan children, Concurrency at a
// time) and makes of them one plan: each change's steps under its index
// and interface. It would fail when more changes would fail than
// MaxErrors allows.
func (f *fleet) plan(ctx workflow.Context) (contract.PlanResult, error) {
	f.run.steps.setStage(ctx, contract.StagePlanChanges)
	plans := make([]contract.PlanResult, len(f.inputs))
	errs := make([]error, len(f.inputs))
	round := len(f.decisions) + 1
	running, next := 0, 0
	for next < len(f.inputs) || running > 0 {
		for ; next < len(f.inputs) && running < f.sched.concurrency; next++ {
			i := next
			running++
			opts := childOptions(contract.NetworkChangePlan.StartOptions(f.inputs[i]), f.run.steps.upsertStage)
			// A fleet's plans are its own: another plan of the same change
			// running must not make this one fail to start.
			opts.WorkflowID = fmt.Sprintf("%s/%s/plan-%d/%d", opts.WorkflowID, workflow.GetInfo(ctx).WorkflowExecution.RunID, round, i)
			workflow.Go(ctx, func(gctx workflow.Context) {
				defer func() { running-- }()
				errs[i] = workflow.ExecuteChildWorkflow(workflow.WithChildOptions(gctx, opts), contract.NetworkChangePlan.Type, f.inputs[i]).Get(gctx, &plans[i])
			})
		}
		if err := workflow.Await(ctx, func() bool {
			if next < len(f.inputs) {
				return running < f.sched.concurrency
			}
			return running == 0
		}); err != nil {
			return contract.PlanResult{}, err
		}
	}
	var fleetPlan contract.PlanResult
	f.planned = map[string]int{}
	for i, p := range plans {
		what := fmt.Sprintf("[%d] %s: ", i, f.inputs[i].RouterInterfaceId)
		if errs[i] != nil {
			_, errType, msg := contract.EndOf(errs[i])
			p = contract.PlanResult{WouldFail: true, Plan: []contract.PlannedStep{{Stage: contract.StagePlanChanges, Action: contract.PlanWouldFail,
				What: "plan the change", Code: errType, Reason: msg}}}
		}
		switch {
		case p.WouldFail:
			f.planned[contract.PlanWouldFail]++
		case p.WouldChange:
			f.planned[contract.PlanWillDo]++
		default:
			f.planned[contract.PlanAlreadyDone]++
		}
		fleetPlan.WouldChange = fleetPlan.WouldChange || p.WouldChange
		for _, st := range p.Plan {
			st.What = what + st.What
			fleetPlan.Plan = append(fleetPlan.Plan, st)
		}
	}
	// A fleet whose plan has more failures than it may have is not put to
	// anyone; one within MaxErrors is, its failures shown.
	if failing := f.planned[contract.PlanWouldFail]; f.in.MaxErrors >= 0 && failing > f.in.MaxErrors {
		fleetPlan.WouldFail = true
	}
	fleetPlan.PlannedAt = workflow.Now(ctx)
	return fleetPlan, nil
}

// runChanges starts the changes as the schedule lets them, until every
// change has ended, the fleet stopped starting, or this run started its
// share (RunLength, or the server suggests continuing as new).
func (f *fleet) runChanges(ctx workflow.Context) error {
	budget := func() int {
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return 0
		}
		return f.runLength - f.started
	}
	launch := func(gctx workflow.Context, i int) {
		f.started++
		f.runChange(gctx, i)
	}
	return drive(ctx, f.sched, budget, launch, func() { f.showDetails(ctx) })
}

// drive starts what the schedule lets start, at most budget() more, each
// run by launch in a coroutine of its own (launch calls sched.finish),
// until nothing runs; shown is called whenever something moved. A cancel
// stops it starting; the running ones are cancelled with the workflow
// (each a child, which decides what becomes of what it changed), and it
// waits for them before it returns the cancel, the rest skipped.
func drive(ctx workflow.Context, sched *fleetSchedule, budget func() int, launch func(workflow.Context, int), shown func()) error {
	var cancelled error
	waitCtx := ctx
	for {
		if cancelled == nil {
			if n := budget(); n > 0 {
				for _, i := range sched.next(n) {
					sched.start(i)
					workflow.Go(ctx, func(gctx workflow.Context) { launch(gctx, i) })
				}
			}
		}
		shown()
		if sched.running == 0 {
			break
		}
		if err := workflow.Await(waitCtx, func() bool { return sched.moved }); err != nil {
			cancelled = err
			sched.stop("cancelled: no new change starts, running ones are cancelled")
			waitCtx, _ = workflow.NewDisconnectedContext(ctx)
		}
		sched.moved = false
	}
	if cancelled != nil {
		sched.skipRest()
	}
	return cancelled
}

// runChange runs change i as a child NetworkChange.
func (f *fleet) runChange(ctx workflow.Context, i int) {
	in := f.inputs[i]
	opts := childOptions(contract.NetworkChange.StartOptions(in), f.run.steps.upsertStage)
	if f.run.steps.upsertStage {
		opts.TypedSearchAttributes = withFleet(opts.TypedSearchAttributes, workflow.GetInfo(ctx).WorkflowExecution.ID)
	}
	runItem(ctx, f.sched, i, contract.NetworkChange.Type, in, opts, nil)
}

// childEnd is how a child ended: its fleet state, and for a failure its
// error's type and message.
type childEnd struct{ state, errorType, message string }

// runChild runs c's workflow as a child of type workflowType (input in, a
// canonical input, and options opts), keeping c's RunId and Attached up to
// date for the progress query, decodes its result into result (nil: not
// needed) and returns how it ended. A run of its ID already running
// (started outside the fleet) is followed if its input is the same
// (AttachChange; the result is then not read), and refused as a
// ConflictingStart if not; one that ends while the fleet looks is started
// again.
func runChild(ctx workflow.Context, c *contract.FleetChange, workflowType string, in any, opts workflow.ChildWorkflowOptions, result any) childEnd {
	ended := func(err error) childEnd {
		state, errType, msg := contract.EndOf(err)
		return childEnd{state, errType, msg}
	}
	for range 3 {
		child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), workflowType, in)
		var exec workflow.Execution
		err := child.GetChildWorkflowExecution().Get(ctx, &exec)
		if temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			c.Attached = true
			out, err := attach(ctx, contract.InputDigest(in), opts.WorkflowID)
			if err != nil {
				return ended(err)
			}
			if out.State == "" {
				c.Attached = false
				continue // it ended meanwhile: start it
			}
			c.RunId = out.RunId
			return childEnd{out.State, out.ErrorType, out.Error}
		}
		if err == nil {
			c.RunId = exec.RunID
			err = child.Get(ctx, result)
		}
		return ended(err)
	}
	return childEnd{contract.FleetFailed, "", opts.WorkflowID + ": its runs kept ending and starting while the fleet started it"}
}

// runItem runs item i of sched as runChild does and records how it ended.
func runItem(ctx workflow.Context, sched *fleetSchedule, i int, workflowType string, in any, opts workflow.ChildWorkflowOptions, result any) {
	end := runChild(ctx, &sched.changes[i], workflowType, in, opts, result)
	sched.finish(i, end.state, end.errorType, end.message)
}

// attach follows the run of id already running, if its input's digest is
// digest.
func attach(ctx workflow.Context, digest, id string) (activities.ChangeOutcome, error) {
	var r *activities.ChangeRecords
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: attachTimeout, HeartbeatTimeout: waitHeartbeat, RetryPolicy: retryPolicy, Summary: "Follow " + id})
	var out activities.ChangeOutcome
	err := workflow.ExecuteActivity(actx, r.AttachChange, activities.AttachInput{WorkflowId: id, InputDigest: digest}).Get(ctx, &out)
	return out, err
}

// attachTimeout bounds following a change the fleet did not start: longer
// than any change's waits, shorter than forever.
const attachTimeout = 48 * time.Hour

// childOptions are the options of a child started with a workflow's
// StartOptions, on the parent's task queue: its ID, memo (the input's digest, so a service starting
// the same change attaches to it), summary, details and, when the fleet
// may set them, search attributes. A closed fleet asks its running
// children to cancel, never terminates them mid-call.
func childOptions(o client.StartWorkflowOptions, searchable bool) workflow.ChildWorkflowOptions {
	opts := workflow.ChildWorkflowOptions{
		WorkflowID: o.ID,
		// TaskQueue is left to the parent's: a fleet's changes run on the
		// queue its workers poll.
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
		WaitForCancellation:   true,
		Memo:                  o.Memo,
		StaticSummary:         o.StaticSummary,
		StaticDetails:         o.StaticDetails,
	}
	if searchable {
		opts.TypedSearchAttributes = o.TypedSearchAttributes
	}
	return opts
}

// withFleet adds VpcFlowFleet to a change's search attributes.
func withFleet(sa temporal.SearchAttributes, fleetID string) temporal.SearchAttributes {
	updates := []temporal.SearchAttributeUpdate{contract.VpcFlowFleetKey.ValueSet(fleetID)}
	for key, value := range sa.GetUntypedValues() {
		if k, ok := key.(temporal.SearchAttributeKeyKeyword); ok {
			updates = append(updates, k.ValueSet(value.(string)))
		}
	}
	return temporal.NewSearchAttributes(updates...)
}

// carry is the input of the fleet's next run.
func (f *fleet) carry() contract.NetworkFleetInput {
	next := f.in
	next.Carried = &contract.FleetCarried{Changes: f.sched.changes, Decisions: f.decisions, StartedAt: f.startedAt, Runs: f.runs,
		Approval: f.run.steps.progress.Approval}
	return next
}

// progress is the fleet's progress: a copy sharing nothing with the fleet.
func (f *fleet) progress() contract.FleetProgress {
	return contract.FleetProgress{
		Fleet:     contract.FleetID(f.in.Name),
		Stage:     f.run.steps.progress.Stage,
		Total:     len(f.sched.changes),
		Counts:    f.sched.counts(),
		Planned:   f.planned,
		Stopped:   f.sched.stopped,
		Changes:   slices.Clone(f.sched.changes),
		Decisions: slices.Clone(f.decisions),
		StartedAt: f.startedAt,
		Runs:      f.runs,
	}
}

// end ends the fleet: err as it is when the fleet stopped before running
// its changes (or was cancelled), else FleetChangesFailed when a change
// failed or never started.
func (f *fleet) end(ctx workflow.Context, err error) (ended error) {
	defer func() { f.run.notes.ended(ctx, f.run, ended) }()
	if err != nil {
		f.sched.skipRest()
		f.showDetails(ctx)
		if temporal.IsCanceledError(err) || ctx.Err() != nil {
			ctx, _ = workflow.NewDisconnectedContext(ctx)
			f.run.steps.setStage(ctx, contract.StageCancelled)
			f.showDetails(ctx)
			return temporal.NewCanceledError(f.progress())
		}
		return err
	}
	f.sched.skipRest()
	counts := f.sched.counts()
	if counts[contract.FleetFailed]+counts[contract.FleetSkipped]+counts[contract.FleetCancelled] == 0 {
		f.run.steps.completed(ctx)
		f.showDetails(ctx)
		return nil
	}
	f.run.steps.setStage(ctx, contract.StageFailed)
	f.showDetails(ctx)
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s of %d failed, %d not started: %s", plural(counts[contract.FleetFailed], "change"),
		len(f.sched.changes), counts[contract.FleetSkipped], firstFailure(f.sched.changes)), contract.FleetChangesFailedType, nil, f.progress())
}

// firstFailure names the first failed change and why.
func firstFailure(changes []contract.FleetChange) string {
	for _, c := range changes {
		if c.State == contract.FleetFailed {
			return fmt.Sprintf("the first, %s: %s", c.WorkflowId, c.Error)
		}
	}
	return "none failed"
}

// showDetails shows the fleet's table in the Web UI's current details.
func (f *fleet) showDetails(ctx workflow.Context) {
	workflow.SetCurrentDetails(ctx, fleetDetails(f.progress(), f.run.steps.progress))
}

// maxDetailRows bounds the changes the Web UI's details list: the counts
// cover the rest.
const maxDetailRows = 200

// fleetDetails renders a fleet's progress as Markdown: counts by state,
// the plan while it waits for a decision, then its changes, those running
// or failed first.
func fleetDetails(p contract.FleetProgress, own *contract.Progress) string {
	var b strings.Builder
	if own.Stage == contract.StageAwaitingApproval {
		b.WriteString(currentDetails(*own))
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "**Fleet** %s: **%s**, %d changes (run %d)\n\n| state | changes |\n|---|---|\n", p.Fleet, p.Stage, p.Total, p.Runs)
	for _, s := range contract.FleetStates {
		if n := p.Counts[s]; n > 0 {
			fmt.Fprintf(&b, "| %s | %d |\n", s, n)
		}
	}
	if p.Stopped != "" {
		fmt.Fprintf(&b, "\n**Stopped starting:** %s\n", p.Stopped)
	}
	b.WriteString("\n| # | change | state | error |\n|---|---|---|---|\n")
	rows := 0
	for _, first := range []bool{true, false} {
		for _, c := range p.Changes {
			shownFirst := c.State == contract.FleetRunning || c.State == contract.FleetFailed
			if shownFirst != first || rows >= maxDetailRows {
				continue
			}
			rows++
			fmt.Fprintf(&b, "| %d | %s | %s | %s |\n", c.Index, c.WorkflowId, c.State, markdownCell(c.Error))
		}
	}
	if rows < len(p.Changes) {
		fmt.Fprintf(&b, "\n%d more changes: `starter status %s` lists them all.\n", len(p.Changes)-rows, p.Fleet)
	}
	return b.String()
}

// markdownCell keeps a message to one table cell.
func markdownCell(s string) string {
	s = strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ").Replace(s)
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "..."
	}
	return s
}
