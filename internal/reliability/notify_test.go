package reliability

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/notify"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// webhookPost is one POST the receiver got.
type webhookPost struct {
	// from is the worker that sent it: each worker has its own URL path.
	from      string
	method    string
	key       string // the Idempotency-Key header
	event     string // the X-Vpcflow-Event header
	body      contract.ApprovalEvent
	bodyErr   error
	verifyErr error
	// leaks: the secret, in any form, is in the URL, a header or the body.
	leaks bool
	at    time.Time
}

// dedupingReceiver is a generic webhook receiver as docs/notifications.md
// tells one to be written: it verifies every POST's signature, handles an
// event the first time its Idempotency-Key comes, and answers a repeat 200
// without handling it again.
//
// On the first POST of killOn it handles the event, then SIGKILLs the
// worker that sent it and never answers: the event took effect, but the
// SendNotification activity that sent it can never complete, so Temporal
// retries it (after its 30 s StartToClose) on the other worker, which
// sends the event again with the same key.
type dedupingReceiver struct {
	secret string
	killOn string

	mu      sync.Mutex
	workers map[string]*workerProc // by URL path
	posts   []webhookPost
	handled map[string]string // Idempotency-Key → event, for the events handled
	// victim is the worker killed mid-send, killedKey the key of the event
	// it was sending, killedAt when it was gone.
	victim    *workerProc
	killedKey string
	killedAt  time.Time
}

func (r *dedupingReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, readErr := io.ReadAll(req.Body)
	p := webhookPost{from: strings.TrimPrefix(req.URL.Path, "/"), method: req.Method, key: req.Header.Get("Idempotency-Key"),
		event: req.Header.Get("X-Vpcflow-Event"), at: time.Now(), bodyErr: readErr}
	// The raw bytes, before any parsing: what the signature covers.
	p.verifyErr = notify.VerifyGeneric(r.secret, req.Header.Get("X-Vpcflow-Timestamp"), body,
		req.Header.Get("X-Vpcflow-Signature"), time.Now(), notify.DefaultMaxSkew)
	if p.bodyErr == nil {
		p.bodyErr = json.Unmarshal(body, &p.body)
	}
	p.leaks = carriesSecret(r.secret, req, body)

	r.mu.Lock()
	r.posts = append(r.posts, p)
	if p.verifyErr != nil || p.bodyErr != nil {
		r.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if _, repeat := r.handled[p.key]; !repeat {
		r.handled[p.key] = p.event
	}
	var victim *workerProc
	if p.event == r.killOn && r.killedKey == "" {
		victim, r.victim, r.killedKey = r.workers[p.from], r.workers[p.from], p.key
	}
	r.mu.Unlock()

	if victim != nil {
		// Handled above, and now its sender dies before it hears so.
		victim.kill()
		r.mu.Lock()
		r.killedAt = time.Now()
		r.mu.Unlock()
		panic(http.ErrAbortHandler) // no answer at all
	}
	w.WriteHeader(http.StatusOK)
}

// carriesSecret tells whether the secret, as it is or base64-encoded, is
// in the request's URL, one of its headers or its body.
func carriesSecret(secret string, req *http.Request, body []byte) bool {
	texts := []string{req.URL.String(), string(body)}
	for name, values := range req.Header {
		texts = append(texts, name)
		texts = append(texts, values...)
	}
	for _, form := range secretForms(secret) {
		for _, text := range texts {
			if strings.Contains(text, form) {
				return true
			}
		}
	}
	return false
}

// receiverSeen is a copy of what the receiver recorded.
type receiverSeen struct {
	posts     []webhookPost
	handled   map[string]string
	victim    *workerProc
	killedKey string
	killedAt  time.Time
}

func (r *dedupingReceiver) seen() receiverSeen {
	r.mu.Lock()
	defer r.mu.Unlock()
	handled := make(map[string]string, len(r.handled))
	for k, v := range r.handled {
		handled[k] = v
	}
	return receiverSeen{posts: append([]webhookPost(nil), r.posts...), handled: handled,
		victim: r.victim, killedKey: r.killedKey, killedAt: r.killedAt}
}

// TestEachEventNotifiedOnceWhenItsSenderDiesMidPost: a NetworkChange that
// waits for approval, on two workers whose approval policy sends every
// event, HMAC-signed, to a generic webhook that dedupes on the
// Idempotency-Key. The webhook handles the first POST of `applied`, then
// SIGKILLs the worker that sent it before answering. The other worker
// sends `applied` again with the same key, within the minute a change that
// ended waits for its notifications: the change completes, the webhook
// handles awaiting-approval, approved and applied once each, though it got
// `applied` at least twice; every POST verifies and none carries the
// secret; the change's progress counts 3 sent, 0 failed.
func TestEachEventNotifiedOnceWhenItsSenderDiesMidPost(t *testing.T) {
	needStack(t)
	ctx := stacktest.Ctx(t, 3*time.Minute)
	began := time.Now()

	raw := make([]byte, 24)
	_, err := rand.Read(raw)
	require.NoError(t, err)
	secret := "whsec-" + hex.EncodeToString(raw)
	addSecret(secret) // the package's scan of every history and output looks for it too

	recv := &dedupingReceiver{secret: secret, killOn: contract.EventApplied, handled: map[string]string{}}
	hook := httptest.NewServer(recv)
	t.Cleanup(hook.Close)

	// The URL is a reference, so that each worker gets its own path and the
	// receiver knows which one sent a POST; the secret is in the workers'
	// environment only, never in the file.
	policy := filepath.Join(t.TempDir(), "approval-policy.yaml")
	require.NoError(t, os.WriteFile(policy, []byte(`allowUnsigned: true
notify:
  - name: receiver
    kind: generic
    url: env:VPCFLOW_TEST_WEBHOOK_URL
    secret: env:VPCFLOW_TEST_WEBHOOK_SECRET
`), 0o600))

	cloud := startCloud(t, cloudsim.GenerateFixture(1), 20)
	workers := map[string]*workerProc{}
	for _, name := range []string{"worker-1", "worker-2"} {
		workers[name] = startWorker(t, name, workerConfig{cloud: cloud, args: []string{"-approval-policy=" + policy},
			env: map[string]string{"VPCFLOW_TEST_WEBHOOK_URL": hook.URL + "/" + name, "VPCFLOW_TEST_WEBHOOK_SECRET": secret}})
	}
	recv.mu.Lock()
	recv.workers = workers
	recv.mu.Unlock()

	in := loadChange(0, 5*time.Minute)
	in.Approval = &contract.Approval{Required: true, RequestedBy: "bob"}
	run := startChange(ctx, t, tc, in)
	require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageAwaitingApproval, run.GetID()))
	// Unsigned, as the policy allows: By is what the sender says.
	handle, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: contract.DecideUpdate,
		Args: []any{contract.Decision{Approve: true, By: "alice", Comment: "notify test"}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	require.NoError(t, err)
	require.NoError(t, handle.Get(ctx, nil))

	var res contract.NetworkChangeResult
	require.NoError(t, run.Get(ctx, &res), "the change completes, its sender of `applied` killed")
	took := time.Since(began)

	seen := recv.seen()
	require.NotNil(t, seen.victim, "the receiver killed the worker that sent %s", contract.EventApplied)
	killedBySignal(t, seen.victim)
	survivor := workers["worker-1"]
	if seen.victim == survivor {
		survivor = workers["worker-2"]
	}
	assert.True(t, survivor.alive(), "%s still runs", survivor.name)

	// Each event handled once, under the key its run and number make.
	want := map[string]string{} // event → its key
	for _, ev := range []string{contract.EventAwaitingApproval, contract.EventApproved, contract.EventApplied} {
		want[ev] = fmt.Sprintf("%s/%s/%s/1", run.GetID(), run.GetRunID(), ev)
	}
	handledKeys := map[string][]string{} // event → the keys handled
	for key, ev := range seen.handled {
		handledKeys[ev] = append(handledKeys[ev], key)
	}
	for ev, key := range want {
		assert.Equal(t, []string{key}, handledKeys[ev], "%s handled once, under its key", ev)
	}
	assert.Len(t, seen.handled, len(want), "no other event handled: %v", seen.handled)

	// The killed send was made again, with the same key, by the survivor.
	assert.Equal(t, want[contract.EventApplied], seen.killedKey)
	var deliveries []webhookPost
	for _, p := range seen.posts {
		if p.key == seen.killedKey {
			deliveries = append(deliveries, p)
		}
	}
	require.GreaterOrEqual(t, len(deliveries), 2, "%s sent again after its sender died: the dedupe mattered", contract.EventApplied)
	assert.Equal(t, seen.victim.name, deliveries[0].from, "the first %s came from the worker killed", contract.EventApplied)
	for _, p := range deliveries[1:] {
		assert.Equal(t, survivor.name, p.from, "%s sent again by the survivor", contract.EventApplied)
	}

	// Every POST as docs/notifications.md says: signed with the secret,
	// headers that match the body, the secret itself nowhere.
	for i, p := range seen.posts {
		assert.Equal(t, http.MethodPost, p.method, "POST %d", i)
		assert.NoError(t, p.verifyErr, "POST %d (%s from %s) verifies", i, p.event, p.from)
		assert.NoError(t, p.bodyErr, "POST %d: the body is an ApprovalEvent", i)
		assert.False(t, p.leaks, "POST %d (%s from %s) carries the secret", i, p.event, p.from)
		assert.Equal(t, p.key, p.body.IdempotencyKey, "POST %d: Idempotency-Key is the event's", i)
		assert.Equal(t, p.event, p.body.Event, "POST %d: X-Vpcflow-Event is the event's", i)
		assert.Equal(t, run.GetID(), p.body.WorkflowId, "POST %d", i)
		assert.Equal(t, contract.NetworkChange.Type, p.body.Workflow, "POST %d", i)
		if p.event == contract.EventApproved {
			// Contains: By holds the approvers as %q quotes them.
			assert.Contains(t, p.body.By, "alice", "POST %d: who approved", i)
		}
	}

	// The change counts the killed send as sent: its retry was.
	prog, err := stacktest.Progress(ctx, tc, run.GetID())
	require.NoError(t, err)
	require.NotNil(t, prog.Notifications, "the progress counts the notifications")
	assert.GreaterOrEqual(t, prog.Notifications.Sent, len(want), "every event sent")
	assert.Zero(t, prog.Notifications.Failed, "none failed (last error %q)", prog.Notifications.LastError)

	measured(t, "%s (pid %d) SIGKILLed after the receiver handled its %s POST and before it answered; %s sent it again %.1fs later with the same Idempotency-Key; "+
		"%d POSTs in all, every one verified and none carrying the secret; %d events handled, each once; progress: %d sent, %d failed; the change completed in %.1fs",
		seen.victim.name, seen.victim.pid(), contract.EventApplied, survivor.name, deliveries[1].at.Sub(seen.killedAt).Seconds(),
		len(seen.posts), len(seen.handled), prog.Notifications.Sent, prog.Notifications.Failed, took.Seconds())
}
