package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/contract"
)

// changeRun is what a running workflow keeps while it makes its change:
// its history's shape, its steps, and what it changed. The progress query
// answers from the steps and the changes.
type changeRun struct {
	shape historyShape
	steps *stepRecorder
	made  *changeRecorder
	notes *notifications
}

// startChange begins every workflow: the progress query answers from the
// run, and the input is validated (the validate step) before anything
// else. It returns the canonical input, which every call and comparison
// uses.
func startChange[In contract.Input[In]](ctx workflow.Context, in In) (*changeRun, In, error) {
	run, err := newChangeRun(ctx)
	if err != nil {
		return nil, in, err
	}
	if err := run.steps.check(ctx, contract.StageValidate, asWorkflowError(in.Validate())); err != nil {
		return nil, in, err
	}
	return run, in.Canonical(), nil
}

// newChangeRun decides the run's shape and answers the progress query.
func newChangeRun(ctx workflow.Context) (*changeRun, error) {
	_, searchable := workflow.GetTypedSearchAttributes(ctx).GetKeyword(contract.VpcFlowStageKey)
	shape := newHistoryShape(ctx)
	progress := &contract.Progress{Stage: contract.StageValidate, StartedAt: workflow.Now(ctx), Steps: []contract.Step{}}
	run := &changeRun{
		shape: shape,
		steps: &stepRecorder{progress: progress, shape: shape, upsertStage: searchable},
		made:  &changeRecorder{progress: progress},
		notes: newNotifications(progress),
	}
	err := workflow.SetQueryHandler(ctx, contract.ProgressQuery, func() (contract.Progress, error) {
		return progressSnapshot(*progress), nil
	})
	return run, err
}

// progressSnapshot is a copy of p sharing nothing with it: the query's
// answer is encoded after the handler returns.
func progressSnapshot(p contract.Progress) contract.Progress {
	p.Steps = append([]contract.Step(nil), p.Steps...)
	p.RequestIds = append([]string(nil), p.RequestIds...)
	p.ChangeRequestIds = append([]string(nil), p.ChangeRequestIds...)
	p.Plan = append([]contract.PlannedStep(nil), p.Plan...)
	if p.Changed != nil {
		c := *p.Changed
		c.Published = append([]contract.RouteEntry(nil), c.Published...)
		c.RequestIds = append([]string(nil), c.RequestIds...)
		if c.Endpoints != nil {
			e := *c.Endpoints
			e.EndpointIds = append([]string(nil), e.EndpointIds...)
			c.Endpoints = &e
		}
		p.Changed = &c
	}
	if p.Rollback != nil {
		r := *p.Rollback
		p.Rollback = &r
	}
	if p.Approval != nil {
		a := *p.Approval
		a.Decisions = append([]contract.DecisionRecord(nil), a.Decisions...)
		a.Waiting = append([]string(nil), a.Waiting...)
		p.Approval = &a
	}
	if p.Notifications != nil {
		n := *p.Notifications
		p.Notifications = &n
	}
	return p
}

// asWorkflowError makes a validation failure the workflow's
// InvalidInputType error: non-retryable, with the problems as details.
func asWorkflowError(err error) error {
	if err == nil {
		return nil
	}
	var v *contract.ValidationError
	if errors.As(err, &v) {
		return temporal.NewNonRetryableApplicationError(v.Error(), contract.InvalidInputType, nil, v.Problems)
	}
	return temporal.NewNonRetryableApplicationError(err.Error(), contract.InvalidInputType, nil)
}
