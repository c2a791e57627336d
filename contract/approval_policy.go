package contract

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// MaxApprovals bounds the approvals one change can need.
const MaxApprovals = 20

// ApprovalAsk is what the worker's approval policy is asked about a change
// before anything is changed: which workflow, where, who asks, and the
// Approval its input gives (nil: none).
type ApprovalAsk struct {
	Workflow string `json:"Workflow"`
	RegionId string `json:"RegionId,omitempty"`
	// Regions, for a fleet whose changes are in more than one region: a
	// rule that requires approval in any of them applies to the fleet.
	Regions     []string  `json:"Regions,omitempty"`
	Approval    *Approval `json:"Approval,omitempty"`
	RequestedBy string    `json:"RequestedBy,omitempty"`
	// Parent is the workflow that started this one as its child, if any: a
	// fleet's changes are covered by the fleet's own approval.
	ParentWorkflowId string `json:"ParentWorkflowId,omitempty"`
	ParentRunId      string `json:"ParentRunId,omitempty"`
}

// ApprovalRequirement is what a change needs before it changes anything,
// as the worker's approval policy and the change's input decide together.
// The change records it in its history (a local activity's marker), so its
// validator decides every Decision against the same requirement on every
// worker, and `starter audit` shows it.
type ApprovalRequirement struct {
	Required bool `json:"Required"`
	// Rule names the policy rule that matched ("" when no policy is set:
	// the input alone asked).
	Rule string `json:"Rule,omitempty"`
	// CoveredBy names the fleet whose approval covers this change (a child
	// of a NetworkFleet the policy asked approval for).
	CoveredBy string `json:"CoveredBy,omitempty"`
	// Needs are the approvals the change waits for, each by a different
	// principal; with no Needs, Approvals approvals by anyone allowed.
	Needs     []ApprovalNeed `json:"Needs,omitempty"`
	Approvals int            `json:"Approvals,omitempty"`
	// Rejects is how many rejects stop the change (at least 1).
	Rejects int `json:"Rejects"`
	// SelfApproval lets RequestedBy approve their own change.
	SelfApproval bool   `json:"SelfApproval,omitempty"`
	RequestedBy  string `json:"RequestedBy,omitempty"`
	// AllowUnsigned accepts decisions without a Signature (By is then
	// whatever the sender says).
	AllowUnsigned bool `json:"AllowUnsigned,omitempty"`
	// Signers are the keys allowed to sign decisions, with their
	// principals (the policy's allowed_signers file).
	Signers []AllowedSigner `json:"Signers,omitempty"`
	// RemindAfter, then EscalateAfter (to EscalateTo, whose members may
	// then approve in place of any need), then Timeout: durable timers from
	// the moment the plan is shown. Zero: no reminder, no escalation.
	RemindAfter   Duration      `json:"RemindAfter,omitempty"`
	EscalateAfter Duration      `json:"EscalateAfter,omitempty"`
	EscalateTo    *ApprovalNeed `json:"EscalateTo,omitempty"`
	Timeout       Duration      `json:"Timeout"`
	// Notify: the worker sends notifications (webhooks) for this change.
	Notify bool `json:"Notify,omitempty"`
}

// TimeoutOrDefault is Timeout, or DefaultApprovalTimeout when it is zero.
func (r ApprovalRequirement) TimeoutOrDefault() time.Duration {
	return Approval{Timeout: r.Timeout}.TimeoutOrDefault()
}

// ApprovalNeed is Count approvals by members of Group.
type ApprovalNeed struct {
	Group   string   `json:"Group"`
	Members []string `json:"Members"`
	Count   int      `json:"Count"`
}

// AllowedSigner is one line of an allowed_signers file (git's format):
// the principals a public key may sign as.
type AllowedSigner struct {
	Principals []string `json:"Principals"`
	// Key is the public key in authorized_keys form ("ssh-ed25519 AAAA...").
	Key string `json:"Key"`
	// Namespaces, when set, are the signature namespaces the key may sign
	// in (the line's namespaces= option).
	Namespaces []string `json:"Namespaces,omitempty"`
	// ValidAfter and ValidBefore, when set, bound when the key's signatures
	// are accepted (valid-after=, valid-before=).
	ValidAfter  time.Time `json:"ValidAfter,omitzero"`
	ValidBefore time.Time `json:"ValidBefore,omitzero"`
}

// PlanDigest is "sha256:<hex>" of the plan's steps as the change compares
// them (stage, action, what, code): two plans with the same digest do the
// same steps to the same things, and a signed decision names the digest of
// the plan it approves.
func PlanDigest(plan []PlannedStep) string {
	type step struct{ Stage, Action, What, Code string }
	steps := make([]step, len(plan))
	for i, s := range plan {
		steps[i] = step{s.Stage, s.Action, s.What, s.Code}
	}
	b, _ := json.Marshal(steps)
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Approval events a change notifies (ApprovalEvent.Event).
const (
	EventAwaitingApproval = "awaiting-approval"
	EventApproved         = "approved"
	EventRejected         = "rejected"
	EventReminded         = "reminded"
	EventEscalated        = "escalated"
	EventApplied          = "applied"
	EventFailed           = "failed"
	EventRolledBack       = "rolled-back"
	EventDrifted          = "drifted"
)

// ApprovalEvent is one notification of a change: what happened, to which
// change, and the idempotency key a receiver dedupes on (the same event of
// the same run always has the same key, however often it is sent).
type ApprovalEvent struct {
	Event      string `json:"Event"`
	WorkflowId string `json:"WorkflowId"`
	RunId      string `json:"RunId"`
	Workflow   string `json:"Workflow"` // the workflow type
	// IdempotencyKey is "<WorkflowId>/<RunId>/<Event>/<n>".
	IdempotencyKey string    `json:"IdempotencyKey"`
	At             time.Time `json:"At"`
	// Summary is one line for a person (a chat message's text).
	Summary     string `json:"Summary"`
	PlanDigest  string `json:"PlanDigest,omitempty"`
	RequestedBy string `json:"RequestedBy,omitempty"`
	// Who decided (approved, rejected), or the group escalated to.
	By string `json:"By,omitempty"`
	// Waiting for: the groups (or principals) still needed.
	Waiting []string `json:"Waiting,omitempty"`
	Error   string   `json:"Error,omitempty"`
}

// ApprovalProgress is where a change's approval stands: what it needs, the
// plan shown (its digest, which a signed decision names), the decisions of
// this plan, and what it still waits for.
type ApprovalProgress struct {
	Requirement ApprovalRequirement `json:"Requirement"`
	PlanDigest  string              `json:"PlanDigest,omitempty"`
	// Plan is the number of the plan shown (1, 2, ...: a plan that moved
	// asks everyone again).
	Plan      int              `json:"Plan,omitempty"`
	Decisions []DecisionRecord `json:"Decisions,omitempty"`
	// Waiting says what the change still waits for, one entry per need
	// ("netops: 1 more of alice@example.com, bob@example.com").
	Waiting   []string `json:"Waiting,omitempty"`
	Approved  bool     `json:"Approved,omitempty"`
	Reminded  bool     `json:"Reminded,omitempty"`
	Escalated bool     `json:"Escalated,omitempty"`
}

// NotificationProgress counts a change's notifications: a failed one never
// fails the change, it shows here (and in the worker's metrics).
type NotificationProgress struct {
	Sent      int    `json:"Sent"`
	Failed    int    `json:"Failed"`
	LastError string `json:"LastError,omitempty"`
}
