package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// DecideUpdate is the name of the Update that approves or rejects a
// NetworkChange waiting for approval: its one argument is a Decision. A
// service sends it with UpdateWorkflow, a person with `starter approve` or
// `starter reject`, or from the Web UI (More Actions, Send an Update, name
// "decide", the Decision as JSON). The validator refuses a decision the
// change is not waiting for (none asked, or already decided) and one
// without By, before anything is written to the history.
const DecideUpdate = "decide"

// DefaultApprovalTimeout is how long a change waits for a decision when
// its Approval sets no Timeout; MaxApprovalTimeout bounds it.
const (
	DefaultApprovalTimeout = 24 * time.Hour
	MaxApprovalTimeout     = 7 * 24 * time.Hour
)

// Approval makes a NetworkChange ask a person before it changes anything.
// With Required, the change first plans (the reads and the DryRun of
// NetworkChangePlan, changing nothing), shows the plan (the progress query,
// the Web UI's current details, VpcFlowStage = 'awaiting-approval') and
// waits for a Decision. Approved, it reads the cloud again: if the plan has
// changed meanwhile it asks again, otherwise it makes the change. Rejected,
// it fails with ChangeRejectedType; with no decision within Timeout, with
// ApprovalTimeoutType. Either way nothing has changed.
//
// The worker's approval policy (ApprovalRequirement) has the last word: an
// Approval may ask for more than the policy (more approvals, a shorter
// Timeout), never less, and a change the policy requires approval for asks
// it with or without an Approval.
type Approval struct {
	Required bool     `json:"Required"`
	Timeout  Duration `json:"Timeout,omitempty"` // default DefaultApprovalTimeout
	// Approvals asks for at least this many approvals by different people
	// (the policy's count when it asks for more).
	Approvals int `json:"Approvals,omitempty"`
	// RequestedBy names who asks for the change (the starter sets the
	// user running it): with four eyes (the policy's default) they may not
	// approve it themselves.
	RequestedBy string `json:"RequestedBy,omitempty"`
}

// TimeoutOrDefault is Timeout, or DefaultApprovalTimeout when it is zero.
func (a Approval) TimeoutOrDefault() time.Duration {
	if a.Timeout == 0 {
		return DefaultApprovalTimeout
	}
	return time.Duration(a.Timeout)
}

// Decision approves (Approve) or rejects a change waiting for approval.
// By names who decides, Comment says why.
//
// A signed decision also names the change (WorkflowId, RunId) and the
// digest of the plan it decides on (PlanDigest, as the progress query shows
// it), and carries Signature: an SSH signature (ssh-keygen -Y sign, the
// format git signs commits with) in namespace DecisionSignatureNamespace
// over DecisionMessage(d), by a key the approval policy's allowed signers
// list for the principal By. `starter approve` signs; `starter approve
// --print` prints the JSON to send from a service or paste into the Web UI.
//
// A decision decodes strictly, as inputs do (decode.go): an unknown field,
// a repeated key or a value of the wrong type is a problem the validator
// refuses.
type Decision struct {
	Approve bool   `json:"Approve"`
	By      string `json:"By"`
	Comment string `json:"Comment,omitempty"`

	WorkflowId string `json:"WorkflowId,omitempty"`
	RunId      string `json:"RunId,omitempty"`
	PlanDigest string `json:"PlanDigest,omitempty"`
	Signature  string `json:"Signature,omitempty"`

	decodeProblems
}

// DecisionSignatureNamespace is the SSH signature namespace of a signed
// decision (ssh-keygen -Y sign -n): a signature made for git or for another
// tool does not verify as a decision.
const DecisionSignatureNamespace = "vpcflow-decision@v1"

// DecisionMessage is the text a signed decision's Signature covers: every
// field that says what was decided, on what, by whom, one per line, the
// comment last and quoted as JSON so it cannot add a line of its own.
// `ssh-keygen -Y sign -n vpcflow-decision@v1 -f KEY` over these bytes
// makes the same signature as `starter approve`.
func DecisionMessage(d Decision) []byte {
	verdict := "reject"
	if d.Approve {
		verdict = "approve"
	}
	// HTML characters are left as they are (jq writes them so too), so a
	// service signing by hand gets the same bytes.
	var comment bytes.Buffer
	enc := json.NewEncoder(&comment)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(d.Comment)
	return fmt.Appendf(nil, "vpcflow decision v1\nworkflow: %s\nrun: %s\nplan: %s\nverdict: %s\nby: %s\ncomment: %s\n",
		d.WorkflowId, d.RunId, d.PlanDigest, verdict, d.By, bytes.TrimSuffix(comment.Bytes(), []byte("\n")))
}

// Signed tells whether d carries a signature (verified or not).
func (d Decision) Signed() bool { return d.Signature != "" }

// Problem is what makes d unfit to send, or "".
func (d Decision) Problem() string {
	if refused := d.decodeRefusals(); len(refused) > 0 {
		return "the decision does not decode: " + strings.Join(refused, "; ")
	}
	if strings.TrimSpace(d.By) == "" {
		return "the decision names no approver: set By"
	}
	if len(d.By) > 256 || len(d.Comment) > 4096 {
		return fmt.Sprintf("By is at most 256 bytes and Comment at most 4096 (got %d and %d)", len(d.By), len(d.Comment))
	}
	if d.Signed() && strings.ContainsAny(d.By, "\n\r") {
		return "a signed decision's By is one line (the signed text has one line for it)"
	}
	if len(d.Signature) > 16<<10 {
		return fmt.Sprintf("Signature is at most 16 KiB (got %d bytes)", len(d.Signature))
	}
	if d.Signed() && (d.WorkflowId == "" || d.RunId == "" || d.PlanDigest == "") {
		return "a signed decision names the change and the plan it decides on: set WorkflowId, RunId and PlanDigest (starter approve --print fills them)"
	}
	for _, f := range []string{d.WorkflowId, d.RunId, d.PlanDigest} {
		if strings.ContainsAny(f, "\n\r") || len(f) > 1024 {
			return "WorkflowId, RunId and PlanDigest are one line each, at most 1024 bytes"
		}
	}
	return ""
}

// DecisionRecord is a decision as the change took it: when, and of which
// plan (1 for the first; a change whose plan moved asks again).
type DecisionRecord struct {
	Decision
	At   time.Time `json:"At"`
	Plan int       `json:"Plan"`
	// PlanShown is the digest of the plan the decision was taken on (the
	// one shown; a signed decision names the same in PlanDigest).
	PlanShown string `json:"PlanShown,omitempty"`
	// Signed decisions: the fingerprint (SHA256:...) of the key that signed
	// and verified it when it was taken. Unsigned decisions have none.
	KeyFingerprint string `json:"KeyFingerprint,omitempty"`
	// Verified: the signature verified against the policy's allowed
	// signers when the decision was taken.
	Verified bool `json:"Verified,omitempty"`
}

func (p *problems) approval(field string, a *Approval) {
	if a == nil {
		return
	}
	switch t := time.Duration(a.Timeout); {
	case t < 0:
		p.addf("%s.Timeout %s is negative; omit it for %s", field, t, DefaultApprovalTimeout)
	case t > MaxApprovalTimeout:
		p.addf("%s.Timeout %s is longer than %s", field, t, MaxApprovalTimeout)
	}
	if a.Approvals < 0 || a.Approvals > MaxApprovals {
		p.addf("%s.Approvals %d is not between 0 and %d", field, a.Approvals, MaxApprovals)
	}
	if len(a.RequestedBy) > 256 || strings.ContainsAny(a.RequestedBy, "\n\r") {
		p.addf("%s.RequestedBy is one line of at most 256 bytes", field)
	}
}
