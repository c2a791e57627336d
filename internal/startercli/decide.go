package startercli

import (
	"context"
	"fmt"
	"os"
	"os/user"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/approval"
)

// decideCommand approves or rejects the plan of a change waiting for
// approval, with the DecideUpdate a service or the Web UI sends. The
// decision is signed with the approver's SSH key (--key-file, else the first key
// of ssh-agent) over the change, its run and the digest of the plan shown;
// --print prints it as JSON instead of sending it.
func (a *App) decideCommand(approve bool) *cobra.Command {
	var o decideOptions
	o.d = contract.Decision{Approve: approve}
	name, short := "reject", "reject the plan of a change waiting for approval: it stops, nothing changed"
	if approve {
		name, short = "approve", "approve the plan of a change waiting for approval: it goes on"
	}
	cmd := a.inspectCommand(name, short, "starter "+name+" network-change/ri-bp1cloudsiminit0001 --comment CHG-42 --key-file ~/.ssh/id_ed25519",
		func(ctx context.Context, c client.Client, id string) error {
			return a.decide(ctx, c, name, id, o)
		})
	cmd.GroupID = "decide"
	flags := cmd.Flags()
	flags.StringVar(&o.d.Comment, "comment", "", "why (kept in the history and the result)")
	flags.StringVar(&o.d.By, "by", currentUser(), "who decides: with a signature, the principal the allowed signers list for the key")
	flags.StringVar(&o.key, "key-file", "", "sign with this SSH private key (or a .pub file whose private key is in ssh-agent); default: the first key of ssh-agent")
	flags.BoolVar(&o.unsigned, "unsigned", false, "send the decision unsigned (only where the approval policy allows it)")
	flags.BoolVar(&o.print, "print", false, "print the signed decision as JSON instead of sending it: paste it into the Web UI's Send an Update (name \"decide\") or send it from a service")
	flags.StringVar(&o.plan, "plan", "", "decide only if the plan shown still has this digest (the one you reviewed: starter status)")
	// Checked before dialing: a decision without an approver is refused
	// here, not by the workflow.
	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if problem := o.d.Problem(); problem != "" {
			return badUsage("starter %s: %s. Nothing was sent.", name, problem)
		}
		if o.unsigned && (o.key != "" || o.print) {
			return badUsage("starter %s: --unsigned does not go with --key-file or --print. Nothing was sent.", name)
		}
		return run(cmd, args)
	}
	return cmd
}

type decideOptions struct {
	d               contract.Decision
	key, plan       string
	unsigned, print bool
}

func (a *App) decide(ctx context.Context, c client.Client, name, id string, o decideOptions) error {
	d, err := a.signedDecision(ctx, c, name, id, o)
	if err != nil {
		return err
	}
	if o.print {
		a.printJSON(d)
		return nil
	}
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, RunID: d.RunId, UpdateName: contract.DecideUpdate,
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
	signed := "unsigned"
	if rec.Verified {
		signed = "signed with " + rec.KeyFingerprint
	}
	say(a.Stdout, "%s plan %d (%s) of %s, by %s (%s) at %s\n", verdict, rec.Plan, rec.PlanShown, id, rec.By, signed,
		rec.At.Format("2006-01-02 15:04:05 MST"))
	return nil
}

// signedDecision fills the decision with the change's run and the digest
// of the plan it shows, and signs it, unless --unsigned or no key is at
// hand (no --key-file, no ssh-agent): then it is sent unsigned, saying so, and
// the change takes it only where its policy allows unsigned decisions.
func (a *App) signedDecision(ctx context.Context, c client.Client, name, id string, o decideOptions) (contract.Decision, error) {
	d := o.d
	if o.unsigned || (o.key == "" && os.Getenv("SSH_AUTH_SOCK") == "" && !o.print) {
		if !o.unsigned {
			sayln(a.Stderr, "starter "+name+": no --key-file and no ssh-agent: the decision is sent unsigned (a policy that wants signatures refuses it)")
		}
		if o.plan != "" {
			if err := a.checkPlan(ctx, c, name, id, o.plan); err != nil {
				return d, err
			}
		}
		return d, nil
	}
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return d, failed("starter %s: %s: %v", name, id, err)
	}
	d.WorkflowId, d.RunId = id, desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	p, err := queryProgress(ctx, c, id, d.RunId)
	if err != nil {
		return d, failed("starter %s: %s: reading the plan shown: %v", name, id, err)
	}
	if p.Approval == nil || p.Approval.PlanDigest == "" || p.Stage != contract.StageAwaitingApproval {
		return d, failed("starter %s: %s is not waiting for a decision (stage %s). Nothing was sent.", name, id, p.Stage)
	}
	if o.plan != "" && o.plan != p.Approval.PlanDigest {
		return d, failed("starter %s: the plan shown is %s, not %s: the plan moved; review it again (starter status %s). Nothing was sent.",
			name, p.Approval.PlanDigest, o.plan, id)
	}
	d.PlanDigest = p.Approval.PlanDigest
	signer, err := approval.Signer(o.key, nil)
	if err != nil {
		return d, badUsage("starter %s: %v. Nothing was sent.", name, err)
	}
	if d, err = approval.Sign(d, signer); err != nil {
		return d, failed("starter %s: signing: %v. Nothing was sent.", name, err)
	}
	sayln(a.Stderr, fmt.Sprintf("starter %s: plan %d (%s), signed as %s", name, p.Approval.Plan, d.PlanDigest, d.By))
	return d, nil
}

// checkPlan refuses to decide when the plan shown is not the one reviewed.
func (a *App) checkPlan(ctx context.Context, c client.Client, name, id, want string) error {
	p, err := queryProgress(ctx, c, id, "")
	if err != nil {
		return failed("starter %s: %s: reading the plan shown: %v", name, id, err)
	}
	if p.Approval == nil || p.Approval.PlanDigest != want {
		shown := "none"
		if p.Approval != nil {
			shown = p.Approval.PlanDigest
		}
		return failed("starter %s: the plan shown is %s, not %s: review it again (starter status %s). Nothing was sent.", name, shown, want, id)
	}
	return nil
}

// currentUser is who runs the starter, the default approver.
func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}
