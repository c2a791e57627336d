package startercli

import (
	"context"
	"os/user"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
)

// decideCommand approves or rejects the plan of a NetworkChange waiting for
// approval, with the DecideUpdate a service or the Web UI sends.
func (a *App) decideCommand(approve bool) *cobra.Command {
	d := contract.Decision{Approve: approve}
	name, short := "reject", "reject the plan of a change waiting for approval: it stops, nothing changed"
	if approve {
		name, short = "approve", "approve the plan of a change waiting for approval: it goes on"
	}
	cmd := a.inspectCommand(name, short, "starter "+name+" network-change/ri-bp1cloudsiminit0001 --comment CHG-42",
		func(ctx context.Context, c client.Client, id string) error {
			return a.decide(ctx, c, name, id, d)
		})
	cmd.GroupID = "decide"
	cmd.Flags().StringVar(&d.Comment, "comment", "", "why (kept in the history and the result)")
	cmd.Flags().StringVar(&d.By, "by", currentUser(), "who decides")
	// Checked before dialing: a decision without an approver is refused
	// here, not by the workflow.
	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if problem := d.Problem(); problem != "" {
			return badUsage("starter %s: %s. Nothing was sent.", name, problem)
		}
		return run(cmd, args)
	}
	return cmd
}

func (a *App) decide(ctx context.Context, c client.Client, name, id string, d contract.Decision) error {
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: contract.DecideUpdate,
		Args: []any{d}, WaitForStage: client.WorkflowUpdateStageCompleted})
	var rec contract.DecisionRecord
	if err == nil {
		err = handle.Get(ctx, &rec)
	}
	if err != nil {
		return failed("starter %s: %s: %v", name, id, err)
	}
	if a.machine() {
		a.printJSON(rec)
		return nil
	}
	verdict := "Rejected"
	if rec.Approve {
		verdict = "Approved"
	}
	say(a.Stdout, "%s plan %d of %s, by %s at %s\n", verdict, rec.Plan, id, rec.By, rec.At.Format("2006-01-02 15:04:05 MST"))
	return nil
}

// currentUser is who runs the starter, the default approver.
func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}
