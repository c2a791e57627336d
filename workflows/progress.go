package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"

	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// historyChange is the workflow.GetVersion change ID of the shape of
// vpcflow's histories, one version per change of the commands a workflow
// emits; the ID keeps the name of its first version. Workflows that started
// before a version replay on the one they have: DefaultVersion is the shape
// before the first.
const historyChange = "lean-history"

const (
	// leanHistoryVersion: the short read-only calls run as local
	// activities, and VpcFlowStage is upserted only for the stages a search
	// can catch (the waits, completed and failed); docs/benchmarks.md has
	// what it saves.
	leanHistoryVersion workflow.Version = 1
	// publishConfirmedVersion: a publish is followed until its routes are
	// Published, not only submitted. PublishVpcRoutes waits in a step of its
	// own (wait-routes-published); NetworkChange confirms it within its
	// verify-vpn-routes wait, which looks for the routes on the VPN
	// connection, where they arrive only once Published.
	publishConfirmedVersion workflow.Version = 2
	// recoveryVersion: a cancelled change waits for the answer of a
	// connect or publish in flight (WaitForCancellation), so it knows what
	// it changed; it ends cancelled with that as details, VpcFlowStage
	// cancelled, and, as OnCancel and OnFailure ask, rolls it back.
	recoveryVersion workflow.Version = 3
	// trustedRollbackVersion: a Rollback undoes what its change's own record
	// says (read through Temporal: contract.ChangeOf), refusing a change that
	// does not exist, is not a change or still runs, and a Changed in its
	// input that is not that record; it runs only as rollback/<change>.
	trustedRollbackVersion workflow.Version = 4
)

// upsertedStages are the stages VpcFlowStage is upserted for in a lean
// history: where a change can sit for minutes (contract.WaitingStages) and
// where it ends. The short steps in between still show in the progress
// query and the Web UI's current details; upserting each would cost a
// history event, a visibility write and a billable action, for a value no
// search would see.
func upsertedStage(stage string) bool {
	return slices.Contains(contract.WaitingStages, stage) || slices.Contains(contract.EndStages, stage)
}

// changeLog records a workflow's steps as they run: the progress query reads
// it, and the result is built from it.
type changeLog struct {
	progress contract.Progress
	// upsertStage is set when the workflow was started with VpcFlowStage,
	// which proves the namespace has vpcflow's search attributes.
	upsertStage bool
	// version is the workflow's historyChange version.
	version workflow.Version
}

// lean tells whether the workflow runs its reads as local activities.
func (l *changeLog) lean() bool { return l.version >= leanHistoryVersion }

// confirmsPublish tells whether the workflow waits for its routes to be
// Published.
func (l *changeLog) confirmsPublish() bool { return l.version >= publishConfirmedVersion }

// recovers tells whether the workflow knows what it changed when it is
// cancelled, and recovers as its input asks.
func (l *changeLog) recovers() bool { return l.version >= recoveryVersion }

// trustsOnlyTheChange tells whether a Rollback reads what to undo from the
// change itself.
func (l *changeLog) trustsOnlyTheChange() bool { return l.version >= trustedRollbackVersion }

// newChangeLog starts the log and answers the progress query from it.
func newChangeLog(ctx workflow.Context) (*changeLog, error) {
	_, started := workflow.GetTypedSearchAttributes(ctx).GetKeyword(contract.VpcFlowStageKey)
	l := &changeLog{progress: contract.Progress{Stage: contract.StageValidate, StartedAt: workflow.Now(ctx), Steps: []contract.Step{}}, upsertStage: started,
		version: workflow.GetVersion(ctx, historyChange, workflow.DefaultVersion, trustedRollbackVersion)}
	err := workflow.SetQueryHandler(ctx, contract.ProgressQuery, func() (contract.Progress, error) {
		p := l.progress
		p.Steps = append([]contract.Step(nil), p.Steps...)
		p.RequestIds = append([]string(nil), p.RequestIds...)
		p.ChangeRequestIds = append([]string(nil), p.ChangeRequestIds...)
		p.Plan = append([]contract.PlannedStep(nil), p.Plan...)
		if p.Changed != nil {
			c := *p.Changed
			c.Published = append([]contract.RouteEntry(nil), c.Published...)
			c.RequestIds = append([]string(nil), c.RequestIds...)
			p.Changed = &c
		}
		if p.Rollback != nil {
			r := *p.Rollback
			p.Rollback = &r
		}
		return p, nil
	})
	return l, err
}

// step runs one step: the stage shows in the progress query while fn runs,
// then the step is recorded with its timing, attempts, cloud state and
// RequestIds, failed or done.
func (l *changeLog) step(ctx workflow.Context, name string, fn func() (activities.CallTrace, error)) error {
	l.setStage(ctx, name)
	started := workflow.Now(ctx)
	trace, err := fn()
	if err != nil {
		trace = failedTrace(err)
	}
	return l.finish(ctx, contract.Step{Name: name, StartedAt: started, Attempts: trace.Attempt, RetriedReads: trace.RetriedReads,
		CloudState: trace.CloudState, RequestIds: trace.RequestIds}, err)
}

// readOnly starts a short call that changes nothing in the cloud (a read, a
// DryRun). In a lean history it is a local activity: it runs in the worker
// that runs the workflow, without an activity task's round trips through the
// server, and is recorded as one marker; it retries as an activity does, with
// the same NextRetryDelay for throttling. A worker lost before the workflow
// task completes runs it again, which a read can afford.
func (l *changeLog) readOnly(ctx workflow.Context, summary string, activity, arg any) workflow.Future {
	if l.lean() {
		return workflow.ExecuteLocalActivity(withLocalCall(ctx, summary), activity, arg)
	}
	return workflow.ExecuteActivity(withCall(ctx, summary), activity, arg)
}

// failedTrace is what a failed activity's error tells of its calls: the
// details CloudError attaches (the cloud's RequestId and code), or those of
// a wait that ended without its target (its reads and last state).
func failedTrace(err error) activities.CallTrace {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.HasDetails() {
		return activities.CallTrace{}
	}
	switch appErr.Type() {
	case contract.CrossAccountMissingType:
		// Its details are the authorizations read, not a trace; made by
		// the workflow itself, they are Go values that decoding into
		// another type would panic on.
		return activities.CallTrace{}
	case contract.WaitTimeoutType, contract.UnreachableStateType:
		var wait activities.PollProgress
		if appErr.Details(&wait) == nil {
			return activities.CallTrace{RequestIds: wait.RequestIds, CloudState: wait.LastState, RetriedReads: wait.RetriedReads}
		}
	default:
		var cloud contract.CloudErrorDetails
		if appErr.Details(&cloud) == nil && cloud.RequestId != "" {
			return activities.CallTrace{RequestIds: []string{cloud.RequestId}, CloudState: cloud.Code}
		}
	}
	return activities.CallTrace{}
}

// check records a check the workflow makes itself (no cloud call): done when
// err is nil, else failed, and err stops the change.
func (l *changeLog) check(ctx workflow.Context, name string, err error) error {
	return l.finish(ctx, contract.Step{Name: name, StartedAt: workflow.Now(ctx)}, err)
}

// skip records a step that had nothing to do, and why.
func (l *changeLog) skip(ctx workflow.Context, name, why string) {
	now := workflow.Now(ctx)
	l.record(contract.Step{Name: name, Outcome: contract.OutcomeSkipped, StartedAt: now, CompletedAt: now, Note: why})
}

// finish completes a step's record with its end, outcome and error, and
// moves the workflow to the failed stage when err stops it.
func (l *changeLog) finish(ctx workflow.Context, s contract.Step, err error) error {
	s.CompletedAt = workflow.Now(ctx)
	s.DurationMillis = s.CompletedAt.Sub(s.StartedAt).Milliseconds()
	s.Outcome = contract.OutcomeDone
	if err != nil {
		s.Outcome, s.Note = contract.OutcomeFailed, err.Error()
	}
	l.record(s)
	if err != nil {
		l.setStage(ctx, contract.StageFailed)
	}
	return err
}

func (l *changeLog) record(s contract.Step) {
	l.progress.Steps = append(l.progress.Steps, s)
	l.progress.Attempts += s.Attempts
	if s.CloudState != "" {
		l.progress.LastCloudState = s.CloudState
	}
	l.progress.RequestIds = append(l.progress.RequestIds, s.RequestIds...)
}

// changed notes the RequestId of a call that changed something.
func (l *changeLog) changed(requestID string) {
	if requestID != "" {
		l.progress.ChangeRequestIds = append(l.progress.ChangeRequestIds, requestID)
	}
}

// connected records that the change connected an interface. requestID
// is "" when the connect's answer never came (cancelled while retried):
// it counts as made, since a rollback reads before it undoes.
func (l *changeLog) connected(regionID, routerInterfaceID, requestID string) {
	c := l.changes(regionID)
	c.RouterInterfaceId = routerInterfaceID
	if requestID != "" {
		c.RequestIds = append(c.RequestIds, requestID)
	}
}

// published records routes the change published to a target, requestID
// as for connected.
func (l *changeLog) published(call contract.RouteSet, entries []contract.RouteEntry, requestID string) {
	if len(entries) == 0 {
		return
	}
	c := l.changes(call.RegionId)
	c.TargetType, c.TargetInstanceId = call.TargetType, call.TargetInstanceId
	c.Published = append(c.Published, entries...)
	if requestID != "" {
		c.RequestIds = append(c.RequestIds, requestID)
	}
}

// changes is the record of what the change changed, started on first use.
func (l *changeLog) changes(regionID string) *contract.ChangeRecord {
	if l.progress.Changed == nil {
		l.progress.Changed = &contract.ChangeRecord{RegionId: regionID}
	}
	return l.progress.Changed
}

// changeRecord is what the change changed so far (empty if nothing).
func (l *changeLog) changeRecord() contract.ChangeRecord {
	if l.progress.Changed == nil {
		return contract.ChangeRecord{}
	}
	return *l.progress.Changed
}

// completed marks the workflow completed and returns its steps for the
// result. A failed workflow returns no result (Temporal keeps only the
// error); its steps and changes stay readable through the progress query.
func (l *changeLog) completed(ctx workflow.Context) []contract.Step {
	l.setStage(ctx, contract.StageCompleted)
	return l.progress.Steps
}

// setStage moves the workflow to a stage: the progress query and the Web
// UI's current details show it, and so does the VpcFlowStage search attribute
// when the namespace has it and the stage is one a search can catch.
func (l *changeLog) setStage(ctx workflow.Context, stage string) {
	l.progress.Stage = stage
	if l.upsertStage && (!l.lean() || upsertedStage(stage)) {
		// The attribute exists (it was set at start), so this cannot fail
		// but for a cancelled context, which ends the workflow anyway.
		_ = workflow.UpsertTypedSearchAttributes(ctx, contract.VpcFlowStageKey.ValueSet(stage))
	}
	workflow.SetCurrentDetails(ctx, l.details())
}

// details renders the steps so far as Markdown for the Web UI, and the
// plan while it waits for a decision.
func (l *changeLog) details() string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Stage:** %s\n\n", l.progress.Stage)
	if l.progress.Stage == contract.StageAwaitingApproval {
		fmt.Fprintf(&b, "**Waiting for a decision** on this plan: send the Update `%s` with "+
			"`{\"Approve\": true, \"By\": \"<you>\", \"Comment\": \"...\"}` (More Actions, Send an Update), "+
			"or `starter approve` / `starter reject`.\n\n| stage | action | what |\n|---|---|---|\n", contract.DecideUpdate)
		for _, st := range l.progress.Plan {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", st.Stage, st.Action, st.What)
		}
		b.WriteString("\n")
	}
	b.WriteString("| step | outcome | ms | cloud state | RequestIds |\n|---|---|---|---|---|\n")
	for _, s := range l.progress.Steps {
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s |\n", s.Name, s.Outcome, s.DurationMillis, s.CloudState, strings.Join(s.RequestIds, " "))
	}
	return b.String()
}

// showPlan shows a plan waiting for a decision: in the progress query, the
// Web UI's current details and VpcFlowStage.
func (l *changeLog) showPlan(ctx workflow.Context, plan []contract.PlannedStep) {
	l.progress.Plan = plan
	l.setStage(ctx, contract.StageAwaitingApproval)
}
