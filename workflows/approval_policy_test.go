package workflows

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"golang.org/x/crypto/ssh"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/approval"
	"github.com/vpcflow/vpcflow/internal/notify"
)

// approvers are the people of the policy tests, each with an SSH key.
type approvers map[string]ssh.Signer

func newApprovers(s *workflowSuite, names ...string) approvers {
	a := approvers{}
	for _, n := range names {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		s.Require().NoError(err)
		signer, err := ssh.NewSignerFromKey(priv)
		s.Require().NoError(err)
		a[n] = signer
	}
	return a
}

// allowedSigners is the approvers' allowed_signers file.
func (a approvers) allowedSigners() string {
	var b strings.Builder
	for name, signer := range a {
		fmt.Fprintf(&b, "%s %s", name, ssh.MarshalAuthorizedKey(signer.PublicKey()))
	}
	return b.String()
}

// usePolicy registers the workflows again with policy (YAML, its
// allowedSigners: allowed_signers, written beside it) and, when receiver
// is set, a generic webhook to it.
func (s *workflowSuite) usePolicy(policy string, a approvers, receiver string) {
	dir := s.T().TempDir()
	s.Require().NoError(os.WriteFile(filepath.Join(dir, "allowed_signers"), []byte(a.allowedSigners()), 0o600))
	p, err := approval.Parse([]byte(policy), dir)
	s.Require().NoError(err)
	approvals := &activities.Approvals{Policy: p}
	if receiver != "" {
		approvals.Notifier, err = notify.New(notify.Config{{Name: "test", Kind: "generic", URL: receiver}}, http.DefaultClient)
		s.Require().NoError(err)
	}
	s.env = s.newEnv()
	s.Require().NoError(Register(s.env, s.acts, s.records, approvals))
}

// signedAt sends a's signed decision on the plan shown after d of workflow
// time; refused says what the validator must answer ("" : it must take it).
func (s *workflowSuite) signedAt(d time.Duration, a approvers, by string, approve bool, refused string, edit ...func(*contract.Decision)) {
	s.env.RegisterDelayedCallback(func() {
		p := s.progress()
		s.Require().NotNil(p.Approval, "the progress shows the approval")
		dec := contract.Decision{Approve: approve, By: by, Comment: "CHG-9", WorkflowId: "default-test-workflow-id",
			RunId: "default-test-run-id", PlanDigest: p.Approval.PlanDigest}
		for _, e := range edit {
			e(&dec)
		}
		signer := a[by]
		if signer == nil {
			signer = a["mallory"]
		}
		dec, err := approval.Sign(dec, signer)
		s.Require().NoError(err)
		for _, e := range edit {
			e(&dec) // edits after signing: a signature over something else
		}
		s.env.UpdateWorkflow(contract.DecideUpdate, "", &testsuite.TestUpdateCallback{OnAccept: func() {}, OnComplete: func(any, error) {},
			OnReject: func(err error) {
				if refused == "" {
					s.Failf("decision refused", "%s: %v", by, err)
					return
				}
				s.Contains(err.Error(), refused)
			}}, dec)
		if refused != "" {
			s.env.RegisterDelayedCallback(func() {}, time.Second) // the refusal is answered before the next
		}
	}, d)
}

const quorumPolicy = `
groups:
  netops: [alice, bob, carol]
allowedSigners: allowed_signers
rules:
  - workflows: [NetworkChange]
    require: true
    approvals: [{group: netops, count: 2}]
    timeout: 4h
`

// Two of three: a change the policy wants two netops approvals for goes
// on after the second, each signed decision verified and recorded with its
// key; the requester's own approval, a second one by the same person, an
// unknown key, a decision over another plan or another change and an
// unsigned one are refused before they reach the history.
func (s *workflowSuite) TestTwoOfThreeSignedApprovals() {
	a := newApprovers(s, "alice", "bob", "carol", "mallory")
	s.usePolicy(quorumPolicy, approvers{"alice": a["alice"], "bob": a["bob"], "carol": a["carol"]}, "")
	s.serveNetworkChange()
	s.serveReads("Idle")
	in := s.networkChangeInput()
	in.Approval = &contract.Approval{RequestedBy: "carol"} // not Required: the policy requires it

	s.signedAt(time.Minute, a, "carol", true, "carol asked for this change and may not approve it")
	s.signedAt(2*time.Minute, a, "mallory", true, "which the allowed signers do not list")
	s.signedAt(3*time.Minute, a, "alice", true, "the decision is on plan sha256:0000", func(d *contract.Decision) { d.PlanDigest = "sha256:0000" })
	s.signedAt(4*time.Minute, a, "alice", true, "the decision is for change \"network-change/other\"", func(d *contract.Decision) { d.WorkflowId = "network-change/other" })
	s.env.RegisterDelayedCallback(func() {
		s.env.UpdateWorkflow(contract.DecideUpdate, "", &testsuite.TestUpdateCallback{OnAccept: func() { s.Fail("an unsigned decision was taken") },
			OnComplete: func(any, error) {}, OnReject: func(err error) { s.Contains(err.Error(), "takes only signed decisions") }},
			contract.Decision{Approve: true, By: "bob"})
	}, 5*time.Minute)
	s.signedAt(6*time.Minute, a, "alice", true, "")
	s.signedAt(7*time.Minute, a, "alice", true, "this signed decision was already taken") // Ed25519 signs alike: the same signature
	s.signedAt(7*time.Minute+30*time.Second, a, "alice", true, "alice has already decided on plan 1", func(d *contract.Decision) { d.Comment = "again" })
	var waiting []string
	s.env.RegisterDelayedCallback(func() { waiting = s.progress().Approval.Waiting }, 8*time.Minute)
	s.signedAt(9*time.Minute, a, "bob", true, "")

	s.env.ExecuteWorkflow(NetworkChangeWorkflow, in)
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.NetworkChangeResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal([]string{"netops: 1 more of alice, bob, carol"}, waiting)
	s.Require().Len(res.Decisions, 2)
	for i, who := range []string{"alice", "bob"} {
		s.Equal(who, res.Decisions[i].By)
		s.True(res.Decisions[i].Verified)
		s.Equal(ssh.FingerprintSHA256(a[who].PublicKey()), res.Decisions[i].KeyFingerprint)
		s.NotEmpty(res.Decisions[i].PlanShown)
	}
	s.True(res.Connected)
}

// The policy requires approval: an input that leaves Approval out still
// waits for it, and without a decision ends with nothing changed.
func (s *workflowSuite) TestThePolicyCannotBeBypassedByLeavingApprovalOut() {
	a := newApprovers(s, "alice", "bob", "carol")
	s.usePolicy(quorumPolicy, a, "")
	s.serveReads("Idle")
	var stage string
	s.env.RegisterDelayedCallback(func() { stage = s.progress().Stage }, time.Minute)

	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.networkChangeInput()) // no Approval
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal(contract.ApprovalTimeoutType, appErr.Type())
	s.Equal(contract.StageAwaitingApproval, stage)
	s.notChanged()
}

// One reject of someone the change waits for stops it.
func (s *workflowSuite) TestOneRejectStopsAQuorum() {
	a := newApprovers(s, "alice", "bob", "carol")
	s.usePolicy(quorumPolicy, a, "")
	s.serveReads("Idle")
	s.signedAt(time.Minute, a, "alice", true, "")
	s.signedAt(2*time.Minute, a, "bob", false, "")

	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.networkChangeInput())
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal(contract.ChangeRejectedType, appErr.Type())
	s.Contains(appErr.Error(), `rejected by "bob"`)
	s.notChanged()
}

// eventReceiver is a webhook that records the events it gets.
type eventReceiver struct {
	mu     sync.Mutex
	events []contract.ApprovalEvent
}

func (r *eventReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	var ev contract.ApprovalEvent
	if json.Unmarshal(b, &ev) == nil {
		r.mu.Lock()
		r.events = append(r.events, ev)
		r.mu.Unlock()
	}
}

func (r *eventReceiver) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.Event)
	}
	return out
}

// Nobody decides: the change reminds after the policy's time, escalates to
// the security group, whose member may then approve in place of netops,
// all on durable timers; each event reaches the webhook with its own
// idempotency key.
func (s *workflowSuite) TestRemindersAndEscalation() {
	a := newApprovers(s, "alice", "bob", "sec")
	recv := &eventReceiver{}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	s.usePolicy(`
groups:
  netops: [alice, bob]
  security: [sec]
allowedSigners: allowed_signers
rules:
  - require: true
    approvals: [{group: netops, count: 1}]
    remindAfter: 1h
    escalateAfter: 2h
    escalateTo: security
    timeout: 4h
`, a, srv.URL)
	s.serveNetworkChange()
	s.serveReads("Idle")
	s.signedAt(90*time.Minute, a, "sec", true, "sec is not someone this change waits for")
	var reminded, escalated bool
	s.env.RegisterDelayedCallback(func() {
		p := s.progress().Approval
		reminded, escalated = p.Reminded, p.Escalated
	}, 150*time.Minute)
	s.signedAt(160*time.Minute, a, "sec", true, "")

	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.networkChangeInput())
	s.Require().NoError(s.env.GetWorkflowError())
	s.True(reminded)
	s.True(escalated)
	s.Equal([]string{contract.EventAwaitingApproval, contract.EventReminded, contract.EventEscalated, contract.EventApproved, contract.EventApplied},
		recv.names())
	keys := map[string]bool{}
	for _, e := range recv.events {
		s.False(keys[e.IdempotencyKey], "each event has its own key")
		keys[e.IdempotencyKey] = true
		s.Equal("default-test-workflow-id", e.WorkflowId)
	}
}

// Approved, the change plans again; a read of that plan whose retries are
// spent stops it with that failure, nothing changed: it is not shown as an
// empty plan to approve.
func (s *workflowSuite) TestAPlanThatCannotBeReadAgainStopsTheChange() {
	s.env.OnActivity(s.acts.DescribeVpnCrossAccountAuthorizations, mock.Anything, mock.Anything).
		Return(activities.CrossAccountAuthorizations{Authorizations: []contract.CrossAccountAuthorization{
			{BindInstance: cenID, BindUid: 1210123456123456, BindProduct: "CEN"}}}, nil)
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).Return(initiator("Idle"), nil).Once()
	s.env.OnActivity(s.acts.DescribeRouterInterface, mock.Anything, mock.Anything).
		Return(activities.RouterInterface{}, temporal.NewApplicationError("the endpoint is down", "ServiceUnavailable"))
	s.env.OnActivity(s.acts.DryRunPublishVpcRouteEntries, mock.Anything, mock.Anything).
		Return(activities.PublishRouteEntriesResult{RequestId: "RID-DRY"}, nil)
	s.decideAt(time.Minute, contract.Decision{Approve: true, By: "alice"})

	s.env.ExecuteWorkflow(NetworkChangeWorkflow, s.approvalInput(0))
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal("ServiceUnavailable", appErr.Type())
	s.notChanged()
}
