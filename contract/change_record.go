package contract

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/client"
)

// changeTypes are the workflows that change something a Rollback undoes.
var changeTypes = []string{NetworkChange.Type, PublishVpcRoutes.Type, ConnectRouterInterface.Type, ApigEndpointChange.Type}

// NotUndoableError says why a workflow's changes cannot be rolled back.
type NotUndoableError struct {
	Change string // the workflow ID asked for
	Reason string
}

func (e *NotUndoableError) Error() string { return e.Change + ": " + e.Reason }

// ChangeOf reads what the change whose workflow ID is id changed, from the
// change itself: its latest run must be a NetworkChange, PublishVpcRoutes,
// ConnectRouterInterface or ApigEndpointChange that has ended, and its progress query (which
// a worker answers by replaying the run's history) says what it changed.
// A run still running is refused, unless it is runningRun: the run of a
// change that rolls itself back, as its OnCancel or OnFailure ask, and
// waits for its Rollback.
//
// This is the authority on what a Rollback may undo: the Rollback workflow
// reads it before it undoes anything, and `starter rollback` reads it to
// say what will be undone. A refusal is a *NotUndoableError; any other
// error (Temporal unreachable, no worker to answer the query) may pass.
func ChangeOf(ctx context.Context, c client.Client, id, runningRun string) (ChangeRecord, error) {
	info, err := latestRunOf(ctx, c, id)
	if err != nil {
		return ChangeRecord{}, err
	}
	if t := info.GetType().GetName(); !slices.Contains(changeTypes, t) {
		return ChangeRecord{}, &NotUndoableError{Change: id, Reason: fmt.Sprintf("it is a %s: only a %s or %s changes something to roll back",
			t, strings.Join(changeTypes[:len(changeTypes)-1], ", "), changeTypes[len(changeTypes)-1])}
	}
	runID := info.GetExecution().GetRunId()
	if info.GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING && runID != runningRun {
		return ChangeRecord{}, &NotUndoableError{Change: id, Reason: fmt.Sprintf(
			"the change is still running: cancel it first (starter cancel %s --wait), then roll back; or start changes with OnCancel rollback", id)}
	}
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	value, err := c.QueryWorkflow(qctx, id, runID, ProgressQuery)
	if err != nil {
		return ChangeRecord{}, fmt.Errorf("reading what %s changed (its %s query; is a worker running?): %w", id, ProgressQuery, err)
	}
	var p Progress
	if err := value.Get(&p); err != nil {
		return ChangeRecord{}, fmt.Errorf("reading what %s changed: %w", id, err)
	}
	if p.Changed == nil {
		return ChangeRecord{}, nil
	}
	return p.Changed.Canonical(), nil
}

// FleetOf reads what the fleet whose workflow ID is id did, from the fleet
// itself (its FleetProgressQuery): its latest run must be a NetworkFleet
// that has ended. A fleet's rollback rolls back the changes it lists, each
// by a Rollback that reads the change's own record. A refusal is a
// *NotUndoableError.
func FleetOf(ctx context.Context, c client.Client, id string) (FleetProgress, error) {
	info, err := latestRunOf(ctx, c, id)
	if err != nil {
		return FleetProgress{}, err
	}
	if t := info.GetType().GetName(); t != NetworkFleet.Type {
		return FleetProgress{}, &NotUndoableError{Change: id, Reason: fmt.Sprintf("it is a %s, not a %s", t, NetworkFleet.Type)}
	}
	if info.GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return FleetProgress{}, &NotUndoableError{Change: id, Reason: fmt.Sprintf(
			"the fleet is still running: cancel it first (starter cancel %s --wait), then roll it back", id)}
	}
	p, err := QueryFleet(ctx, c, id, info.GetExecution().GetRunId())
	if err != nil {
		return FleetProgress{}, fmt.Errorf("reading what %s did (its %s query; is a worker running?): %w", id, FleetProgressQuery, err)
	}
	return p, nil
}

// latestRunOf describes the latest run of the workflow id; no such
// workflow is a *NotUndoableError.
func latestRunOf(ctx context.Context, c client.Client, id string) (*workflowpb.WorkflowExecutionInfo, error) {
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil, &NotUndoableError{Change: id, Reason: "no workflow has this ID in the namespace: nothing to roll back"}
	}
	if err != nil {
		return nil, err
	}
	return desc.GetWorkflowExecutionInfo(), nil
}

// QueryFleet asks a fleet for its FleetProgress: runID "" asks its latest
// run (a fleet continues as new every RunLength changes).
func QueryFleet(ctx context.Context, c client.Client, id, runID string) (FleetProgress, error) {
	qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	value, err := c.QueryWorkflow(qctx, id, runID, FleetProgressQuery)
	if err != nil {
		return FleetProgress{}, err
	}
	var p FleetProgress
	return p, value.Get(&p)
}
