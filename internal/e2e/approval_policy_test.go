package e2e

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"golang.org/x/crypto/ssh"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/approval"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/stacktest"
	"github.com/vpcflow/vpcflow/internal/startercli"
	"github.com/vpcflow/vpcflow/internal/workerapp"
)

// The shared worker runs without an approval policy (unsigned decisions,
// the input decides). These tests run a worker of their own with a policy,
// as production does, on a task queue of their own: netops is alice, bob
// and carol, each with an ed25519 key the allowed_signers file lists;
// mallory has a key too, which it does not list.

// approver is one person of the tests' policy: their key, written as
// ssh-keygen writes one, for `starter approve --key-file`.
type approver struct {
	keyFile     string
	signer      ssh.Signer
	fingerprint string // SHA256:...
}

// policyWorker is a worker with an approval policy, and its people.
type policyWorker struct {
	queue  string
	people map[string]approver
}

// startPolicyWorker writes a policy requiring `count` approvals of netops
// (signed only) for every NetworkChange, loads it as the worker does
// (workerapp.LoadApprovals), and starts a worker with it on a task queue of
// the test's own; it stops when the test ends.
func startPolicyWorker(t *testing.T, count int, workflowTypes ...string) *policyWorker {
	t.Helper()
	dir := t.TempDir()
	pw := &policyWorker{queue: "approvals-e2e/" + t.Name(), people: map[string]approver{}}
	var signers strings.Builder
	for _, name := range []string{"alice", "bob", "carol", "mallory"} {
		_, key, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		signer, err := ssh.NewSignerFromKey(key)
		require.NoError(t, err)
		block, err := ssh.MarshalPrivateKey(key, name)
		require.NoError(t, err)
		file := filepath.Join(dir, name+".key")
		require.NoError(t, os.WriteFile(file, pem.EncodeToMemory(block), 0o600))
		pw.people[name] = approver{keyFile: file, signer: signer, fingerprint: ssh.FingerprintSHA256(signer.PublicKey())}
		if name != "mallory" {
			fmt.Fprintf(&signers, "%s %s", name, ssh.MarshalAuthorizedKey(signer.PublicKey()))
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "allowed_signers"), []byte(signers.String()), 0o600))
	policy := fmt.Sprintf(`groups:
  netops: [alice, bob, carol]
allowedSigners: allowed_signers
allowUnsigned: false
rules:
  - workflows: [%s]
    require: true
    approvals:
      - {group: netops, count: %d}
`, cmp.Or(strings.Join(workflowTypes, ", "), contract.NetworkChange.Type), count)
	policyFile := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(policyFile, []byte(policy), 0o600))
	approvals, err := workerapp.LoadApprovals(policyFile)
	require.NoError(t, err)

	// The worker's client is built as the production worker's is
	// (workerapp.ClientOptions: strict inputs, redacted failures).
	c, err := client.Dial(workerapp.ClientOptions(stack.ClientOptions(), slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	acts, err := stack.Activities()
	require.NoError(t, err)
	w, err := workerapp.NewWorker(c, pw.queue, acts, approvals, worker.Options{})
	require.NoError(t, err)
	require.NoError(t, w.Start())
	t.Cleanup(func() { w.Stop(); c.Close() })
	return pw
}

// startWaiting starts the default NetworkChange on the policy worker's
// queue with the input's Approval (nil: none) and returns once it shows
// its plan, having changed nothing, with the approval progress it shows.
// The change is terminated when the test ends (before its worker stops).
func (pw *policyWorker) startWaiting(t *testing.T, name string, asked *contract.Approval) (client.WorkflowRun, contract.ApprovalProgress) {
	t.Helper()
	in := simclients.DefaultNetworkChange()
	in.Approval = asked
	opts := startOptions(t, name)
	opts.TaskQueue = pw.queue
	ctx := stacktest.Ctx(t, time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, opts, contract.NetworkChange.Type, in)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tc.TerminateWorkflow(context.Background(), run.GetID(), run.GetRunID(), "test over") })
	require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageAwaitingApproval, run.GetID()))
	p, err := stacktest.Progress(ctx, tc, run.GetID())
	require.NoError(t, err)
	require.NotNil(t, p.Approval, "the progress shows the approval")
	require.NotEmpty(t, p.Approval.PlanDigest)
	assert.Equal(t, contract.PlanDigest(p.Plan), p.Approval.PlanDigest, "the digest is the plan shown's")
	assert.Zero(t, stack.Cloudsim.CallCount("ConnectRouterInterface"), "nothing changed while waiting")
	assert.Empty(t, callsOf("PublishVpcRouteEntries", realPublish))
	return run, *p.Approval
}

// sign is who's decision on the plan shown, signed with their key.
func (pw *policyWorker) sign(t *testing.T, who string, d contract.Decision) contract.Decision {
	t.Helper()
	d.By = cmp.Or(d.By, who)
	signed, err := approval.Sign(d, pw.people[who].signer)
	require.NoError(t, err)
	return signed
}

// decide sends a decision as a service does, and returns the refusal (or
// nil once it is taken).
func decide(ctx context.Context, run client.WorkflowRun, d contract.Decision) error {
	handle, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), RunID: run.GetRunID(),
		UpdateName: contract.DecideUpdate, Args: []any{d}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = handle.Get(ctx, nil)
	}
	return err
}

// starterRefuses runs the starter, which must fail (exit 1: sent and
// refused), and returns what it said on stderr.
func starterRefuses(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	code := starterApp(&out, &errOut).Run(ctx, args)
	require.Equal(t, 1, code, "starter %s:\n%s\n%s", strings.Join(args, " "), out.String(), errOut.String())
	return errOut.String()
}

// acceptedUpdates counts the Updates a run's history took: a decision the
// validator refused never reaches it.
func acceptedUpdates(ctx context.Context, t *testing.T, run client.WorkflowRun) int {
	t.Helper()
	n := 0
	it := tc.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if ev.GetEventType() == enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED {
			n++
		}
	}
	return n
}

// Two of netops must approve, with signed decisions. Carol asked for the
// change, so her own approval is refused (four eyes) although her key
// signs it; alice's unsigned approval is refused; alice and bob approve
// with their keys, the change goes on, and its result and `starter audit`
// show both decisions verified with their keys.
func TestTwoOfThreeSignedApprovalsOnTheRealStack(t *testing.T) {
	resetCloud(t)
	pw := startPolicyWorker(t, 2)
	run, shown := pw.startWaiting(t, "network-change/two-of-three", &contract.Approval{RequestedBy: "carol"})
	id := run.GetID()
	assert.True(t, shown.Requirement.Required, "the policy requires approval: the input did not ask")
	assert.Equal(t, "carol", shown.Requirement.RequestedBy)
	assert.Equal(t, []string{"netops: 2 more of alice, bob, carol"}, shown.Waiting)

	ctx := stacktest.Ctx(t, 2*time.Minute)
	said := starterRefuses(ctx, t, "approve", id, "--key-file", pw.people["carol"].keyFile, "--by", "carol")
	assert.Contains(t, said, "carol asked for this change and may not approve it")
	said = starterRefuses(ctx, t, "approve", id, "--unsigned", "--by", "alice")
	assert.Contains(t, said, "the approval policy takes only signed decisions")

	out := starter(ctx, t, "approve", id, "--key-file", pw.people["alice"].keyFile, "--by", "alice", "--comment", "CHG-42",
		"--plan", shown.PlanDigest)
	assert.Contains(t, out, "Approved plan 1 ("+shown.PlanDigest+") of "+id+", by alice")
	assert.Contains(t, out, "signed with "+pw.people["alice"].fingerprint, "the approver sees which key signed")
	out = starter(ctx, t, "status", id)
	assert.Contains(t, out, "Waiting for: netops: 1 more of alice, bob, carol\n")
	assert.Contains(t, out, "approved by alice")
	assert.Zero(t, stack.Cloudsim.CallCount("ConnectRouterInterface"), "one approval of two changes nothing")

	starter(ctx, t, "approve", id, "--key-file", pw.people["bob"].keyFile, "--by", "bob")
	var res contract.NetworkChangeResult
	require.NoError(t, run.Get(ctx, &res))
	assert.True(t, res.Connected)
	assert.Equal(t, 1, stack.Cloudsim.CallCount("ConnectRouterInterface"))
	require.Len(t, res.Decisions, 2)
	for i, who := range []string{"alice", "bob"} {
		d := res.Decisions[i]
		assert.Equal(t, who, d.By)
		assert.True(t, d.Approve)
		assert.True(t, d.Verified, "%s's decision is verified", who)
		assert.Equal(t, pw.people[who].fingerprint, d.KeyFingerprint)
		assert.Equal(t, shown.PlanDigest, d.PlanShown)
		assert.Equal(t, shown.PlanDigest, d.PlanDigest, "the signed decision names the plan shown")
		assert.Equal(t, 1, d.Plan)
	}
	assert.Equal(t, "CHG-42", res.Decisions[0].Comment)

	// The audit reads the history alone: the two decisions taken (the
	// refused ones never reached it), each verifying again.
	out = starter(ctx, t, "audit", id, "--json")
	var report startercli.AuditReport
	require.NoError(t, json.Unmarshal([]byte(out), &report), "starter audit --json prints JSON:\n%s", out)
	assert.Equal(t, "completed", report.Status)
	assert.Equal(t, "carol", report.RequestedBy)
	require.NotNil(t, report.Requirement)
	assert.Equal(t, []contract.ApprovalNeed{{Group: "netops", Members: []string{"alice", "bob", "carol"}, Count: 2}}, report.Requirement.Needs)
	assert.False(t, report.Requirement.AllowUnsigned)
	require.Len(t, report.Decisions, 2)
	for i, who := range []string{"alice", "bob"} {
		d := report.Decisions[i]
		assert.Equal(t, who, d.Sent.By)
		assert.Empty(t, d.Refused)
		require.NotNil(t, d.Record, "%s's decision was taken", who)
		assert.Equal(t, pw.people[who].fingerprint, d.Record.KeyFingerprint)
		assert.True(t, strings.HasPrefix(d.Verifies, "yes (SHA256:"), "%s's signature verifies again: %s", who, d.Verifies)
		assert.Equal(t, "yes ("+pw.people[who].fingerprint+")", d.Verifies)
	}

	out = starter(ctx, t, "audit", id)
	assert.Contains(t, out, "requested by carol")
	assert.Contains(t, out, "Approval: 2 of netops; signed decisions only; four eyes")
	for _, who := range []string{"alice", "bob"} {
		assert.Regexp(t, `approve  `+who+` +plan 1 `, out)
		assert.Contains(t, out, "key "+pw.people[who].fingerprint+"  signature verifies: yes ("+pw.people[who].fingerprint+")")
	}
}

// A signed decision counts only for the change, the run and the plan it
// names, by a key the policy lists for its signer, over exactly what it
// says: each other one is refused by the validator, so none reaches the
// history, and the change still waits.
func TestSignedDecisionsForAnotherPlanOrChangeAreRefused(t *testing.T) {
	resetCloud(t)
	pw := startPolicyWorker(t, 1)
	run, shown := pw.startWaiting(t, "network-change/forged", &contract.Approval{RequestedBy: "carol"})
	id := run.GetID()
	ctx := stacktest.Ctx(t, time.Minute)

	// Mallory's key, which the allowed signers do not list, signing as
	// alice.
	said := starterRefuses(ctx, t, "approve", id, "--key-file", pw.people["mallory"].keyFile, "--by", "alice")
	assert.Contains(t, said, "which the allowed signers do not list")

	onThisPlan := contract.Decision{Approve: true, WorkflowId: id, RunId: run.GetRunID(), PlanDigest: shown.PlanDigest}

	// Alice's key signing as bob.
	asBob := onThisPlan
	asBob.By = "bob"
	err := decide(ctx, run, pw.sign(t, "alice", asBob))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not allowed to sign as bob (it signs as alice)")

	// Alice's approval of another change does not carry over.
	other := onThisPlan
	other.WorkflowId = stacktest.ID(t, "network-change/another")
	err = decide(ctx, run, pw.sign(t, "alice", other))
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("the decision is for change %q; this is %q", other.WorkflowId, id))

	// Nor does it to another plan than the one shown.
	otherPlan := onThisPlan
	otherPlan.PlanDigest = contract.PlanDigest(nil)
	require.NotEqual(t, shown.PlanDigest, otherPlan.PlanDigest)
	err = decide(ctx, run, pw.sign(t, "alice", otherPlan))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the plan moved")

	// Signed over one comment, sent with another.
	edited := onThisPlan
	edited.Comment = "CHG-1"
	edited = pw.sign(t, "alice", edited)
	edited.Comment = "CHG-1, and also withdraw the other routes"
	err = decide(ctx, run, edited)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the signature does not verify over this decision")

	assert.Zero(t, acceptedUpdates(ctx, t, run), "no refused decision is in the history")
	p, err := stacktest.Progress(ctx, tc, id)
	require.NoError(t, err)
	assert.Equal(t, contract.StageAwaitingApproval, p.Stage)
	require.NotNil(t, p.Approval)
	assert.Empty(t, p.Approval.Decisions)
	assert.Equal(t, []string{"netops: 1 more of alice, bob, carol"}, p.Approval.Waiting)

	// The very decision alice signed for this plan is taken.
	require.NoError(t, decide(ctx, run, pw.sign(t, "alice", onThisPlan)))
	require.NoError(t, run.Get(ctx, nil))
	assert.Equal(t, 1, acceptedUpdates(ctx, t, run))
}

// `starter approve --print` signs a decision without sending it; pasted
// into the Web UI's Send an Update, it is taken as signed by the key.
func TestASignedDecisionPastedIntoTheWebUI(t *testing.T) {
	b := newBrowser(t)
	resetCloud(t)
	pw := startPolicyWorker(t, 1)
	run, shown := pw.startWaiting(t, "network-change/pasted", &contract.Approval{RequestedBy: "carol"})
	ctx := stacktest.Ctx(t, 2*time.Minute)

	printed := starter(ctx, t, "approve", run.GetID(), "--key-file", pw.people["alice"].keyFile, "--by", "alice",
		"--comment", "CHG-9 from the UI", "--print")
	var d contract.Decision
	require.NoError(t, json.Unmarshal([]byte(printed), &d), "--print prints the decision as JSON:\n%s", printed)
	assert.Equal(t, run.GetRunID(), d.RunId)
	assert.Equal(t, shown.PlanDigest, d.PlanDigest)
	fp, err := approval.Verify(d, shown.Requirement.Signers, time.Now())
	require.NoError(t, err, "the printed decision is signed by alice's key:\n%s", printed)
	assert.Equal(t, pw.people["alice"].fingerprint, fp)
	assert.Zero(t, acceptedUpdates(ctx, t, run), "--print sends nothing")

	said := b.sendUpdate(run.GetID(), run.GetRunID(), contract.DecideUpdate, printed)
	assert.Equal(t, "Update successful", said)
	var res contract.NetworkChangeResult
	require.NoError(t, run.Get(ctx, &res))
	assert.True(t, res.Connected)
	require.Len(t, res.Decisions, 1)
	assert.Equal(t, "alice", res.Decisions[0].By)
	assert.Equal(t, "CHG-9 from the UI", res.Decisions[0].Comment)
	assert.True(t, res.Decisions[0].Verified)
	assert.Equal(t, pw.people["alice"].fingerprint, res.Decisions[0].KeyFingerprint)
}

// A change whose input asks for no approval waits all the same where the
// policy requires one: the input may ask for more than the policy, never
// less.
func TestAPolicyThatRequiresApprovalCannotBeBypassed(t *testing.T) {
	resetCloud(t)
	pw := startPolicyWorker(t, 2)
	run, shown := pw.startWaiting(t, "network-change/unasked", nil)
	assert.True(t, shown.Requirement.Required)
	assert.Equal(t, "rules[0] (NetworkChange)", shown.Requirement.Rule)
	assert.Equal(t, 2, shown.Requirement.Approvals)
	assert.False(t, shown.Requirement.AllowUnsigned)
	assert.Equal(t, []string{"netops: 2 more of alice, bob, carol"}, shown.Waiting)

	// Still waiting a moment later, having changed nothing.
	time.Sleep(2 * time.Second)
	p, err := stacktest.Progress(stacktest.Ctx(t, time.Minute), tc, run.GetID())
	require.NoError(t, err)
	assert.Equal(t, contract.StageAwaitingApproval, p.Stage)
	assert.Zero(t, stack.Cloudsim.CallCount("ConnectRouterInterface"))
	assert.Empty(t, callsOf("PublishVpcRouteEntries", realPublish))
}

// A fleet the policy asks approval for asks once, for the fleet's plan; its
// changes, which the policy asks approval for too, ask no one: each checks
// that its parent is a fleet of its task queue whose approval was given,
// and records it as covering the change (starter audit shows it).
func TestAFleetsApprovalCoversItsChanges(t *testing.T) {
	resetCloud(t)
	pw := startPolicyWorker(t, 1, contract.NetworkFleet.Type, contract.NetworkChange.Type)
	in := fleetOf("covered-by-its-approval", 0, 1, 2)
	opts := contract.NetworkFleet.StartOptions(in)
	opts.TaskQueue = pw.queue
	ctx := stacktest.Ctx(t, 3*time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, opts, contract.NetworkFleet.Type, in)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tc.TerminateWorkflow(context.Background(), run.GetID(), "", "test over") })
	require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageAwaitingApproval, run.GetID()))
	p, err := stacktest.Progress(ctx, tc, run.GetID())
	require.NoError(t, err)
	require.NotNil(t, p.Approval, "the fleet shows its approval")
	assert.Zero(t, stack.Cloudsim.CallCount("ConnectRouterInterface"), "nothing changed while the fleet waits")

	d := pw.sign(t, "alice", contract.Decision{Approve: true, Comment: "fleet CHG-1", WorkflowId: run.GetID(), RunId: run.GetRunID(),
		PlanDigest: p.Approval.PlanDigest})
	handle, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), RunID: run.GetRunID(),
		UpdateName: contract.DecideUpdate, Args: []any{d}, WaitForStage: client.WorkflowUpdateStageCompleted})
	require.NoError(t, err)
	require.NoError(t, handle.Get(ctx, nil))

	var res contract.NetworkFleetResult
	require.NoError(t, run.Get(ctx, &res), "the fleet's changes asked no one: they were covered")
	require.Len(t, res.Changes, 3)
	require.Len(t, res.Decisions, 1)
	assert.True(t, res.Decisions[0].Verified)
	for _, c := range res.Changes {
		assert.Equal(t, contract.FleetCompleted, c.State, c.WorkflowId)
		out := starter(ctx, t, "audit", c.WorkflowId, "--json")
		var report startercli.AuditReport
		require.NoError(t, json.Unmarshal([]byte(out), &report), out)
		require.NotNil(t, report.Requirement, c.WorkflowId)
		assert.Equal(t, run.GetID(), report.Requirement.CoveredBy, "%s is covered by its fleet's approval", c.WorkflowId)
		assert.Empty(t, report.Decisions)
	}
}
