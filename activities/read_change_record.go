package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
)

// ChangeRecords reads, through Temporal, what a change workflow changed:
// the authority a Rollback undoes from, so that whoever starts a Rollback
// can make it undo what one change of vpcflow made, and nothing else. It is
// registered beside CloudActivities, with the worker's own client.
type ChangeRecords struct {
	Temporal client.Client
}

// ReadChangeInput names the change a Rollback undoes; RunningRun is the
// run of the change that started the Rollback as its child (it is still
// running, waiting for it), "" otherwise.
type ReadChangeInput struct {
	Change     string `json:"Change"`
	RunningRun string `json:"RunningRun,omitempty"`
}

// ReadChangeRecord returns what the change changed (contract.ChangeOf). A
// change that does not exist, is not a change, or is still running fails it
// at once as RollbackRefused; Temporal unreachable, or no worker to answer
// the query yet, is retried.
func (r *ChangeRecords) ReadChangeRecord(ctx context.Context, in ReadChangeInput) (contract.ChangeRecord, error) {
	record, err := contract.ChangeOf(ctx, r.Temporal, in.Change, in.RunningRun)
	var refused *contract.NotUndoableError
	if errors.As(err, &refused) {
		return contract.ChangeRecord{}, temporal.NewNonRetryableApplicationError(
			"nothing was undone: "+refused.Error(), contract.RollbackRefusedType, nil)
	}
	return record, err
}

// ReadFleet returns what the fleet of workflow ID fleet did
// (contract.FleetOf): the changes its rollback rolls back. A fleet that
// does not exist, is not a fleet or still runs fails it at once as
// RollbackRefused.
func (r *ChangeRecords) ReadFleet(ctx context.Context, fleet string) (contract.FleetProgress, error) {
	p, err := contract.FleetOf(ctx, r.Temporal, fleet)
	var refused *contract.NotUndoableError
	if errors.As(err, &refused) {
		return contract.FleetProgress{}, temporal.NewNonRetryableApplicationError(
			"nothing was undone: "+refused.Error(), contract.RollbackRefusedType, nil)
	}
	return p, err
}
