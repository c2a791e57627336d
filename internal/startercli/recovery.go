package startercli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
)

// cancelCommand cancels a running workflow, as the Web UI's Request
// Cancellation does. A NetworkChange stops cleanly: it waits for a call
// in flight, then keeps or rolls back what it changed (its OnCancel).
func (a *App) cancelCommand() *cobra.Command {
	var wait bool
	cmd := a.inspectCommand("cancel", "cancel a running workflow: a NetworkChange says what it had changed and keeps or rolls it back (its OnCancel)",
		"starter cancel network-change/ri-bp1cloudsiminit0001 --wait",
		func(ctx context.Context, c client.Client, id string) error {
			return a.cancel(ctx, c, id, wait)
		})
	cmd.GroupID = "decide"
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until the workflow has stopped, and say what it had changed")
	return cmd
}

func (a *App) cancel(ctx context.Context, c client.Client, id string, wait bool) error {
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return failed("starter cancel: %s: %v", id, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	runID := info.GetExecution().GetRunId()
	if info.GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return failed("starter cancel: %s is not running (%s): nothing to cancel", id,
			strings.TrimPrefix(info.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_"))
	}
	if err := c.CancelWorkflow(ctx, id, runID); err != nil {
		return failed("starter cancel: %s: %v", id, err)
	}
	if !wait {
		if a.machine() {
			a.printJSON(map[string]any{"WorkflowId": id, "RunId": runID, "CancelRequested": true})
		} else {
			say(a.Stdout, "Cancel requested for %s (run %s); 'starter status %s' follows it\n", id, runID, id)
		}
		return nil
	}
	err = c.GetWorkflow(ctx, id, runID).Get(ctx, nil)
	var stopped contract.ChangeStopped
	var canceled *temporal.CanceledError
	isCanceled := errors.As(err, &canceled)
	if isCanceled && canceled.HasDetails() {
		_ = canceled.Details(&stopped)
	}
	if a.machine() {
		out := map[string]any{"WorkflowId": id, "RunId": runID, "Cancelled": isCanceled, "Stopped": stopped}
		if err != nil && !isCanceled {
			out["Error"] = failureOf(err)
		}
		a.printJSON(out)
	} else {
		switch {
		case err == nil:
			say(a.Stdout, "%s completed before the cancel reached it\n", id)
		case !isCanceled:
			say(a.Stdout, "%s ended before the cancel reached it: %v\n", id, err)
		default:
			say(a.Stdout, "Cancelled %s: %s\n", id, stopped.Changed)
			printRollback(a.Stdout, stopped.Rollback, stopped.RollbackError)
			if stopped.Rollback == nil && stopped.RollbackError == "" && !stopped.Changed.Empty() {
				say(a.Stdout, "Kept (OnCancel keep); undo it with: starter rollback %s\n", id)
			}
		}
	}
	if stopped.RollbackError != "" {
		return exitWith(exitFailed)
	}
	return nil
}

// printRollback says how a rollback run by a change went.
func printRollback(w io.Writer, r *contract.RollbackResult, rollbackErr string) {
	switch {
	case rollbackErr != "":
		say(w, "Rollback FAILED: %s\n", rollbackErr)
	case r != nil:
		say(w, "Rolled back: withdrew %d routes (%d found withdrawn already)", len(r.Withdrawn), len(r.AlreadyWithdrawn))
		if r.Deactivated {
			say(w, ", deactivated the interface (%s)", r.InterfaceStatus)
		}
		sayln(w)
	}
}

// rollbackCommand starts the Rollback of a change (a NetworkChange, or a
// PublishVpcRoutes or ConnectRouterInterface) by its workflow ID: what to
// undo is what the change's progress query says it changed.
func (a *App) rollbackCommand() *cobra.Command {
	var ff followFlags
	var deactivate bool
	var timeout string
	cmd := &cobra.Command{
		Use:     "rollback WORKFLOW_ID [flags]",
		Short:   contract.Rollback.Short,
		Example: examples[contract.Rollback.Command],
		GroupID: "start",
		Long: contract.Rollback.Short + `.

The change is a NetworkChange, PublishVpcRoutes, ConnectRouterInterface
or ApigEndpointChange that has ended (completed, failed or cancelled), or
a NetworkFleet that has ended, whose changes are each rolled back. What it changed is read
from the change itself (its progress query), so nothing else is touched:
the routes it published that were not published before, and, with
--deactivate-interface, the interface it connected. Each undo reads first
and is made once; a second rollback finds nothing left to undo.`,
		Args: oneWorkflowID,
		RunE: func(cmd *cobra.Command, args []string) error {
			var waitTimeout contract.Duration
			if timeout != "" {
				if err := waitTimeout.UnmarshalText([]byte(timeout)); err != nil {
					return badUsage("starter rollback: --wait-timeout: %v\nNothing was started.", err)
				}
			}
			return a.dialed(cmd.Context(), func(c client.Client) error {
				in, err := rollbackInput(cmd.Context(), c, args[0])
				if errors.Is(err, errNothingChanged) {
					say(a.Stdout, "%s changed nothing: nothing to roll back\n", args[0])
					return nil
				}
				if err != nil {
					return failed("starter rollback: %s: %v\nNothing was started.", args[0], err)
				}
				in.DeactivateInterface, in.WaitTimeout = deactivate, waitTimeout
				input, opts, err := contract.Rollback.Prepare(&in)
				if err != nil {
					return problems("rollback", err)
				}
				if !a.machine() && in.Changed != nil {
					say(a.Stdout, "Rolling back %s: %s\n", in.Change, in.Changed)
				} else if !a.machine() {
					say(a.Stdout, "Rolling back every change of %s that changed something\n", in.Change)
				}
				return a.startWith(cmd.Context(), c, contract.Rollback.Type, input, opts, contract.Rollback.NewResult(), ff)
			})
		},
	}
	cmd.Flags().BoolVar(&deactivate, "deactivate-interface", false, "also deactivate the router interface the change connected")
	cmd.Flags().StringVar(&timeout, "wait-timeout", "", fmt.Sprintf("how long each wait may take (default %s)", contract.DefaultWaitTimeout))
	cmd.Flags().BoolVar(&ff.wait, "wait", false, "follow the rollback: live progress, then its result")
	return cmd
}

var errNothingChanged = errors.New("nothing changed")

// rollbackInput is the rollback of the change id, with what its latest
// run changed (contract.ChangeOf: the run must have ended, and its
// progress query says what it changed). The Rollback workflow reads the
// same record again before it undoes anything: this copy is for the
// summary the starter and the Web UI show.
//
// A fleet's rollback (id network-fleet/<name>) rolls back each change the
// fleet ran, each by its own Rollback reading its own record: the fleet
// must have ended.
func rollbackInput(ctx context.Context, c client.Client, id string) (contract.RollbackInput, error) {
	if contract.IsFleetID(id) {
		if _, err := contract.FleetOf(ctx, c, id); err != nil {
			var refused *contract.NotUndoableError
			if errors.As(err, &refused) {
				return contract.RollbackInput{}, errors.New(refused.Reason)
			}
			return contract.RollbackInput{}, err
		}
		return contract.RollbackInput{Change: id}, nil
	}
	changed, err := contract.ChangeOf(ctx, c, id, "")
	if err != nil {
		var refused *contract.NotUndoableError
		if errors.As(err, &refused) {
			return contract.RollbackInput{}, errors.New(refused.Reason)
		}
		return contract.RollbackInput{}, err
	}
	if changed.Empty() {
		return contract.RollbackInput{}, errNothingChanged
	}
	return contract.RollbackInput{Change: id, Changed: &changed}, nil
}
