package workflows

import (
	"errors"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// stepRecorder records a workflow's steps as they run, and the stage it is
// in: the progress query answers from them, the Web UI's current details
// and the VpcFlowStage search attribute show the stage, and a result's
// Steps are them.
type stepRecorder struct {
	progress *contract.Progress // its Stage, Steps, Attempts, LastCloudState, RequestIds, Plan
	shape    historyShape
	// upsertStage is set when the workflow was started with VpcFlowStage,
	// which proves the namespace has vpcflow's search attributes.
	upsertStage bool
}

// upsertedStage tells the stages VpcFlowStage is upserted for in a lean
// history: where a change can sit for minutes (contract.WaitingStages) and
// where it ends. The short steps in between still show in the progress
// query and the Web UI's current details; upserting each would cost a
// history event, a visibility write and a billable action, for a value no
// search would see.
func upsertedStage(stage string) bool {
	return slices.Contains(contract.WaitingStages, stage) || slices.Contains(contract.EndStages, stage)
}

// step runs one step: the stage shows in the progress query while fn runs,
// then the step is recorded with its timing, attempts, cloud state and
// RequestIds, failed or done.
func (s *stepRecorder) step(ctx workflow.Context, name string, fn func() (activities.CallTrace, error)) error {
	s.setStage(ctx, name)
	started := workflow.Now(ctx)
	trace, err := fn()
	if err != nil {
		trace = failedTrace(err)
	}
	return s.finish(ctx, contract.Step{Name: name, StartedAt: started, Attempts: trace.Attempt, RetriedReads: trace.RetriedReads,
		CloudState: trace.CloudState, RequestIds: trace.RequestIds}, err)
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
func (s *stepRecorder) check(ctx workflow.Context, name string, err error) error {
	return s.finish(ctx, contract.Step{Name: name, StartedAt: workflow.Now(ctx)}, err)
}

// skip records a step that had nothing to do, and why.
func (s *stepRecorder) skip(ctx workflow.Context, name, why string) {
	now := workflow.Now(ctx)
	s.record(contract.Step{Name: name, Outcome: contract.OutcomeSkipped, StartedAt: now, CompletedAt: now, Note: why})
}

// finish completes a step's record with its end, outcome and error, and
// moves the workflow to the failed stage when err stops it.
func (s *stepRecorder) finish(ctx workflow.Context, step contract.Step, err error) error {
	step.CompletedAt = workflow.Now(ctx)
	step.DurationMillis = step.CompletedAt.Sub(step.StartedAt).Milliseconds()
	step.Outcome = contract.OutcomeDone
	if err != nil {
		step.Outcome, step.Note = contract.OutcomeFailed, err.Error()
	}
	s.record(step)
	if err != nil {
		s.setStage(ctx, contract.StageFailed)
	}
	return err
}

func (s *stepRecorder) record(step contract.Step) {
	p := s.progress
	p.Steps = append(p.Steps, step)
	p.Attempts += step.Attempts
	if step.CloudState != "" {
		p.LastCloudState = step.CloudState
	}
	p.RequestIds = append(p.RequestIds, step.RequestIds...)
}

// completed marks the workflow completed and returns its steps for the
// result. A failed workflow returns no result (Temporal keeps only the
// error); its steps and changes stay readable through the progress query.
func (s *stepRecorder) completed(ctx workflow.Context) []contract.Step {
	s.setStage(ctx, contract.StageCompleted)
	return s.progress.Steps
}

// setStage moves the workflow to a stage: the progress query and the Web
// UI's current details show it, and so does the VpcFlowStage search attribute
// when the namespace has it and the stage is one a search can catch.
func (s *stepRecorder) setStage(ctx workflow.Context, stage string) {
	s.progress.Stage = stage
	if s.upsertStage && (!s.shape.lean() || upsertedStage(stage)) {
		// The attribute exists (it was set at start), so this cannot fail
		// but for a cancelled context, which ends the workflow anyway.
		_ = workflow.UpsertTypedSearchAttributes(ctx, contract.VpcFlowStageKey.ValueSet(stage))
	}
	workflow.SetCurrentDetails(ctx, currentDetails(*s.progress))
}

// showPlan shows a plan waiting for a decision: in the progress query, the
// Web UI's current details and VpcFlowStage.
func (s *stepRecorder) showPlan(ctx workflow.Context, plan []contract.PlannedStep) {
	s.progress.Plan = plan
	s.setStage(ctx, contract.StageAwaitingApproval)
}

// startedAt is when the workflow started.
func (s *stepRecorder) startedAt() time.Time { return s.progress.StartedAt }
