package startercli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
)

// inspectCommand is a command on one workflow by its ID: it dials Temporal
// and runs do on the workflow.
func (a *App) inspectCommand(name, short, example string, do func(ctx context.Context, c client.Client, id string) error) *cobra.Command {
	return &cobra.Command{
		Use:     name + " WORKFLOW_ID",
		Short:   short,
		Example: "  " + example,
		GroupID: "inspect",
		Args:    oneWorkflowID,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.dialed(cmd.Context(), func(c client.Client) error { return do(cmd.Context(), c, args[0]) })
		},
	}
}

// oneWorkflowID takes exactly one argument, a workflow ID.
func oneWorkflowID(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("want exactly one workflow ID, got %d arguments", len(args))
	}
	return nil
}

func queryProgress(ctx context.Context, c client.Client, id, runID string) (contract.Progress, error) {
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	val, err := c.QueryWorkflow(qctx, id, runID, contract.ProgressQuery)
	if err != nil {
		return contract.Progress{}, err
	}
	var p contract.Progress
	err = val.Get(&p)
	return p, err
}

func (a *App) status(ctx context.Context, c client.Client, id string) error {
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return failed("starter status: %s: %v", id, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	status := strings.TrimPrefix(info.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_")
	p, perr := queryProgress(ctx, c, id, info.GetExecution().GetRunId())
	link := a.uiLink(a.namespace(), id, info.GetExecution().GetRunId())
	if a.machine() {
		out := map[string]any{"WorkflowId": id, "RunId": info.GetExecution().GetRunId(), "Type": info.GetType().GetName(),
			"Status": status, "StartTime": info.GetStartTime().AsTime(), "WebUI": link}
		if perr == nil {
			out["Progress"] = p
		}
		if info.GetType().GetName() == contract.NetworkFleet.Type {
			if fp, err := contract.QueryFleet(ctx, c, id, ""); err == nil {
				out["Fleet"] = fp
			}
		}
		a.printJSON(out)
		return nil
	}
	say(a.Stdout, "%s %s: %s, started %s\n", info.GetType().GetName(), id, status, info.GetStartTime().AsTime().Format(time.RFC3339))
	if perr == nil {
		say(a.Stdout, "stage: %s", p.Stage)
		if p.LastCloudState != "" {
			say(a.Stdout, ", cloud state: %s", p.LastCloudState)
		}
		say(a.Stdout, ", %d steps, %d attempts\n", len(p.Steps), p.Attempts)
		if len(p.ChangeRequestIds) > 0 {
			say(a.Stdout, "changed (RequestIds): %s\n", strings.Join(p.ChangeRequestIds, " "))
		}
		if p.Changed != nil {
			say(a.Stdout, "changed: %s\n", p.Changed)
		}
		if p.Rollback != nil {
			say(a.Stdout, "rollback: %s\n", p.Rollback.WorkflowId)
			printRollback(a.Stdout, p.Rollback.Result, p.Rollback.Error)
		}
		for _, s := range p.Steps {
			say(a.Stdout, "  %-36s %-8s %6d ms  %s\n", s.Name, s.Outcome, s.DurationMillis, s.CloudState)
		}
		if info.GetType().GetName() == contract.NetworkFleet.Type {
			if fp, err := contract.QueryFleet(ctx, c, id, ""); err == nil {
				a.printFleet(fp)
			}
		}
		if p.Stage == contract.StageAwaitingApproval {
			sayln(a.Stdout)
			a.printPlan(p.Plan)
			if ap := p.Approval; ap != nil {
				say(a.Stdout, "Plan %d digest: %s\n", ap.Plan, ap.PlanDigest)
				for _, d := range ap.Decisions {
					verdict := "rejected"
					if d.Approve {
						verdict = "approved"
					}
					say(a.Stdout, "  %s by %s at %s\n", verdict, d.By, d.At.Format(time.RFC3339))
				}
				if len(ap.Waiting) > 0 {
					say(a.Stdout, "Waiting for: %s\n", strings.Join(ap.Waiting, "; "))
				}
				say(a.Stdout, "Decide: starter approve %s --plan %s --comment ... (or reject)\n", id, ap.PlanDigest)
			} else {
				say(a.Stdout, "Waiting for a decision: starter approve %s (or reject) --comment ...\n", id)
			}
		}
		if n := p.Notifications; n != nil && n.Failed > 0 {
			say(a.Stdout, "notifications: %d sent, %d failed (last: %s)\n", n.Sent, n.Failed, n.LastError)
		}
	}
	say(a.Stdout, "Web UI: %s\n", link)
	return nil
}

func (a *App) result(ctx context.Context, c client.Client, id string) error {
	run := c.GetWorkflow(ctx, id, "")
	var result json.RawMessage
	err := run.Get(ctx, &result)
	return a.report(run, result, err, a.uiLink(a.namespace(), id, run.GetRunID()))
}
