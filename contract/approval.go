package contract

import (
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
type Approval struct {
	Required bool     `json:"Required"`
	Timeout  Duration `json:"Timeout,omitempty"` // default DefaultApprovalTimeout
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
// A decision decodes strictly, as inputs do (decode.go): an unknown field,
// a repeated key or a value of the wrong type is a problem the validator
// refuses.
type Decision struct {
	Approve bool   `json:"Approve"`
	By      string `json:"By"`
	Comment string `json:"Comment,omitempty"`

	decodeProblems
}

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
	return ""
}

// DecisionRecord is a decision as the change took it: when, and of which
// plan (1 for the first; a change whose plan moved asks again).
type DecisionRecord struct {
	Decision
	At   time.Time `json:"At"`
	Plan int       `json:"Plan"`
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
}
