package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/contract"
)

// startChange begins every workflow: the progress query answers from the
// change log, and the input is validated (the validate step) before
// anything else. It returns the canonical input, which every call and
// comparison uses.
func startChange[In contract.Input[In]](ctx workflow.Context, in In) (*changeLog, In, error) {
	log, err := newChangeLog(ctx)
	if err != nil {
		return nil, in, err
	}
	if err := log.check(ctx, contract.StageValidate, asWorkflowError(in.Validate())); err != nil {
		return nil, in, err
	}
	return log, in.Canonical(), nil
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
