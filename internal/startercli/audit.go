package startercli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/approval"
)

// auditCommand prints how a change was approved, from its history alone:
// who asked, what the policy required, the plans shown and every decision
// with its principal, key and whether its signature verifies again.
func (a *App) auditCommand() *cobra.Command {
	var runID, signersFile string
	cmd := &cobra.Command{
		Use:   "audit WORKFLOW_ID",
		Short: "who asked for a change, what its approval required, and every decision, its signer and whether it verifies again",
		Long: `Audit a change's approval from its history (running or closed): who asked
(the input's RequestedBy and the identity of the client that started it),
the requirement the approval policy recorded, and every decision sent, taken
or refused, with its principal, key fingerprint, plan and whether its
signature verifies again now against the allowed signers the change
recorded (and, with --allowed-signers, against today's file: a key removed
since shows).`,
		Example: "  starter audit network-change/ri-bp1cloudsiminit0001\n  starter audit network-change/ri-bp1cloudsiminit0001 --json --allowed-signers /etc/vpcflow/allowed_signers",
		GroupID: "inspect",
		Args:    oneWorkflowID,
		RunE: func(cmd *cobra.Command, args []string) error {
			var current []contract.AllowedSigner
			if signersFile != "" {
				b, err := os.ReadFile(signersFile)
				if err == nil {
					current, err = approval.ParseAllowedSigners(b)
				}
				if err != nil {
					return badUsage("starter audit: --allowed-signers: %v", err)
				}
			}
			return a.dialed(cmd.Context(), func(c client.Client) error {
				report, err := auditChange(cmd.Context(), c, args[0], runID, current, time.Now())
				if err != nil {
					return failed("starter audit: %s: %v", args[0], err)
				}
				if a.machine() {
					a.printJSON(report)
					return nil
				}
				a.printAudit(report)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&runID, "run", "", "the run to audit (default: the latest)")
	cmd.Flags().StringVar(&signersFile, "allowed-signers", "", "also verify each signature against this allowed_signers file (today's)")
	return cmd
}

// AuditReport is what `starter audit` prints: a change's approval as its
// history records it.
type AuditReport struct {
	WorkflowId string    `json:"WorkflowId"`
	RunId      string    `json:"RunId"`
	Workflow   string    `json:"Workflow"`
	Status     string    `json:"Status"`
	StartedAt  time.Time `json:"StartedAt"`
	// StartedBy is the identity of the Temporal client that started it;
	// RequestedBy, who the input says asks.
	StartedBy   string                        `json:"StartedBy"`
	RequestedBy string                        `json:"RequestedBy,omitempty"`
	Requirement *contract.ApprovalRequirement `json:"Requirement,omitempty"`
	Decisions   []AuditedDecision             `json:"Decisions"`
}

// AuditedDecision is one decision sent to the change: taken (Record) or
// refused by its handler (Refused), and whether its signature verifies
// again.
type AuditedDecision struct {
	Sent    contract.Decision        `json:"Sent"`
	Record  *contract.DecisionRecord `json:"Record,omitempty"`
	Refused string                   `json:"Refused,omitempty"`
	// Verifies: "yes (SHA256:...)", "no: why", or "unsigned".
	Verifies string `json:"Verifies"`
	// VerifiesWithCurrentSigners: the same against --allowed-signers.
	VerifiesWithCurrentSigners string `json:"VerifiesWithCurrentSigners,omitempty"`
}

func auditChange(ctx context.Context, c client.Client, id, runID string, current []contract.AllowedSigner, now time.Time) (AuditReport, error) {
	desc, err := c.DescribeWorkflowExecution(ctx, id, runID)
	if err != nil {
		return AuditReport{}, err
	}
	info := desc.GetWorkflowExecutionInfo()
	r := AuditReport{WorkflowId: id, RunId: info.GetExecution().GetRunId(), Workflow: info.GetType().GetName(),
		Status: strings.ToLower(strings.TrimPrefix(info.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_")), Decisions: []AuditedDecision{}}
	if t := info.GetStartTime(); t != nil {
		r.StartedAt = t.AsTime()
	}
	dc := converter.GetDefaultDataConverter()
	byUpdate := map[string]int{}
	it := c.GetWorkflowHistory(ctx, id, r.RunId, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return r, err
		}
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			r.StartedBy = ev.GetWorkflowExecutionStartedEventAttributes().GetIdentity()
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			if req, ok := recordedRequirement(dc, ev.GetMarkerRecordedEventAttributes()); ok {
				r.Requirement, r.RequestedBy = &req, req.RequestedBy
			}
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			acc := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes()
			req := acc.GetAcceptedRequest()
			if req.GetInput().GetName() != contract.DecideUpdate {
				continue
			}
			var d contract.Decision
			if args := req.GetInput().GetArgs().GetPayloads(); len(args) == 1 {
				_ = dc.FromPayload(args[0], &d)
			}
			byUpdate[acc.GetProtocolInstanceId()] = len(r.Decisions)
			r.Decisions = append(r.Decisions, AuditedDecision{Sent: d})
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
			done := ev.GetWorkflowExecutionUpdateCompletedEventAttributes()
			i, ok := byUpdate[done.GetMeta().GetUpdateId()]
			if !ok {
				continue
			}
			if f := done.GetOutcome().GetFailure(); f != nil {
				r.Decisions[i].Refused = f.GetMessage()
				continue
			}
			var rec contract.DecisionRecord
			if res := done.GetOutcome().GetSuccess().GetPayloads(); len(res) == 1 && dc.FromPayload(res[0], &rec) == nil {
				r.Decisions[i].Record = &rec
			}
		}
	}
	for i := range r.Decisions {
		d := &r.Decisions[i]
		at := now
		if d.Record != nil {
			at = d.Record.At
		}
		var signers []contract.AllowedSigner
		if r.Requirement != nil {
			signers = r.Requirement.Signers
		}
		d.Verifies = verifiesAgain(d.Sent, signers, at)
		if current != nil {
			d.VerifiesWithCurrentSigners = verifiesAgain(d.Sent, current, now)
		}
	}
	return r, nil
}

// recordedRequirement is the ApprovalRequirement a marker holds, when it
// is the marker of the change's ApprovalRequirement local activity.
func recordedRequirement(dc converter.DataConverter, m *historypb.MarkerRecordedEventAttributes) (contract.ApprovalRequirement, bool) {
	var req contract.ApprovalRequirement
	if m.GetMarkerName() != "LocalActivity" || m.GetFailure() != nil {
		return req, false
	}
	var data struct{ ActivityType string }
	if p := m.GetDetails()["data"].GetPayloads(); len(p) != 1 || dc.FromPayload(p[0], &data) != nil || data.ActivityType != "ApprovalRequirement" {
		return req, false
	}
	p := m.GetDetails()["result"].GetPayloads()
	return req, len(p) == 1 && dc.FromPayload(p[0], &req) == nil
}

// verifiesAgain verifies a decision's signature again: "yes (key)",
// "no: why" or "unsigned".
func verifiesAgain(d contract.Decision, signers []contract.AllowedSigner, at time.Time) string {
	if !d.Signed() {
		return "unsigned"
	}
	fp, err := approval.Verify(d, signers, at)
	if err != nil {
		return "no: " + err.Error()
	}
	return "yes (" + fp + ")"
}

func (a *App) printAudit(r AuditReport) {
	say(a.Stdout, "%s %s (run %s): %s\n", r.Workflow, r.WorkflowId, r.RunId, r.Status)
	say(a.Stdout, "Started %s by client %q", r.StartedAt.Format(time.RFC3339), r.StartedBy)
	if r.RequestedBy != "" {
		say(a.Stdout, ", requested by %s", r.RequestedBy)
	}
	sayln(a.Stdout, "")
	switch req := r.Requirement; {
	case req == nil:
		sayln(a.Stdout, "Approval: none recorded (the change did not ask the approval policy)")
	case req.CoveredBy != "":
		say(a.Stdout, "Approval: covered by fleet %s\n", req.CoveredBy)
	case !req.Required:
		say(a.Stdout, "Approval: not required (%s)\n", orNone(req.Rule))
	default:
		var needs []string
		for _, n := range req.Needs {
			needs = append(needs, fmt.Sprintf("%d of %s", n.Count, n.Group))
		}
		if len(needs) == 0 {
			needs = append(needs, fmt.Sprintf("%d by anyone allowed", max(1, req.Approvals)))
		}
		signed := "signed decisions only"
		if req.AllowUnsigned {
			signed = "unsigned decisions allowed"
		}
		eyes := "four eyes"
		if req.SelfApproval {
			eyes = "self-approval allowed"
		}
		say(a.Stdout, "Approval: %s; %s; %s; %d reject(s) stop it; rule %s\n", strings.Join(needs, ", "), signed, eyes, max(1, req.Rejects), orNone(req.Rule))
	}
	if len(r.Decisions) == 0 {
		sayln(a.Stdout, "Decisions: none")
		return
	}
	sayln(a.Stdout, "Decisions:")
	for _, d := range r.Decisions {
		verdict := "reject "
		if d.Sent.Approve {
			verdict = "approve"
		}
		switch {
		case d.Record != nil:
			say(a.Stdout, "  %s  %-24s plan %d %s  %s  key %s  signature verifies: %s\n", verdict, d.Record.By, d.Record.Plan, d.Record.PlanShown,
				d.Record.At.Format(time.RFC3339), orNone(d.Record.KeyFingerprint), d.Verifies)
		default:
			say(a.Stdout, "  %s  %-24s refused: %s  signature verifies: %s\n", verdict, d.Sent.By, d.Refused, d.Verifies)
		}
		if d.Sent.Comment != "" {
			say(a.Stdout, "           comment: %q\n", d.Sent.Comment)
		}
		if d.VerifiesWithCurrentSigners != "" {
			say(a.Stdout, "           against today's allowed signers: %s\n", d.VerifiesWithCurrentSigners)
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
