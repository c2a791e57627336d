package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
)

// A fleet starts each change as its child. A change already running under
// its ID (started by a person or a service before the fleet got to it)
// cannot be a child: the fleet then follows that run, if it is the same
// change (its input's digest is the fleet's), through the worker's own
// Temporal client.

// AttachInput names the run a fleet found running where it went to start a
// change, and the digest of the input the fleet would have started it with.
type AttachInput struct {
	WorkflowId  string `json:"WorkflowId"`
	InputDigest string `json:"InputDigest"`
}

// ChangeOutcome is how a change the fleet followed ended. Ended without a
// RunId means no run was running any more when the fleet looked: it starts
// the change itself.
type ChangeOutcome struct {
	RunId     string `json:"RunId,omitempty"`
	State     string `json:"State"` // contract.FleetCompleted, FleetFailed, FleetCancelled; "" if none ran
	ErrorType string `json:"ErrorType,omitempty"`
	Error     string `json:"Error,omitempty"`
}

// attachHeartbeat is how often AttachChange heartbeats while the change runs.
const attachHeartbeat = 10 * time.Second

// AttachChange follows the running change of in.WorkflowId until it ends,
// heartbeating. A run with another input fails it at once as
// ConflictingStart; no run running answers an empty outcome.
func (r *ChangeRecords) AttachChange(ctx context.Context, in AttachInput) (ChangeOutcome, error) {
	desc, err := r.Temporal.DescribeWorkflowExecution(ctx, in.WorkflowId, "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return ChangeOutcome{}, nil
	}
	if err != nil {
		return ChangeOutcome{}, err
	}
	info := desc.GetWorkflowExecutionInfo()
	if info.GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return ChangeOutcome{}, nil
	}
	runID := info.GetExecution().GetRunId()
	var have string
	if field := info.GetMemo().GetFields()[contract.InputDigestMemo]; field != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(field, &have)
	}
	if have != in.InputDigest {
		conflict := &contract.ConflictingStartError{WorkflowID: in.WorkflowId, RunID: runID}
		return ChangeOutcome{}, temporal.NewNonRetryableApplicationError(conflict.Error(), contract.ConflictingStartType, nil)
	}

	done := make(chan error, 1)
	go func() { done <- r.Temporal.GetWorkflow(ctx, in.WorkflowId, runID).Get(ctx, nil) }()
	tick := time.NewTicker(attachHeartbeat)
	defer tick.Stop()
	for {
		activity.RecordHeartbeat(ctx, runID)
		select {
		case err := <-done:
			return outcomeOf(runID, err), nil
		case <-tick.C:
		case <-ctx.Done():
			return ChangeOutcome{}, ctx.Err()
		}
	}
}

// outcomeOf is how a run ended, from the error its result came with.
func outcomeOf(runID string, err error) ChangeOutcome {
	state, errType, msg := contract.EndOf(err)
	return ChangeOutcome{RunId: runID, State: state, ErrorType: errType, Error: msg}
}
