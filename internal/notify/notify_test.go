package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpcflow/vpcflow/contract"
)

// Secrets of the tests: none may appear in an error.
const (
	slackPath     = "/services/T0SECRET1/B0SECRET2/sLaCkToKeN0123456789abcd"
	dingToken     = "d1n9t0k3n0123456789abcdef0123456789abcdef0123456789abcdef012345"
	dingSecret    = "SECb6e1f4a1c0ffee0123456789abcdef0123456789abcdef0123456789abcd"
	larkPath      = "/open-apis/bot/v2/hook/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
	larkSecret    = "qL2ehP0dtv0DvvXYAqvH1e"
	genericSecret = "generic-hmac-secret-0123456789-abcdef"
	genericPath   = "/hooks/generic-t0ken-path-s3cret"
)

var event = contract.ApprovalEvent{
	Event:          contract.EventAwaitingApproval,
	WorkflowId:     "net-change-42",
	RunId:          "9f8e7d6c-run",
	Workflow:       "NetworkChange",
	IdempotencyKey: "net-change-42/9f8e7d6c-run/awaiting-approval/1",
	At:             time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC),
	Summary:        "NetworkChange net-change-42 in cn-hangzhou awaits approval <@here> & more",
	PlanDigest:     "sha256:" + strings.Repeat("ab", 32),
	RequestedBy:    "alice",
	Waiting:        []string{"netops", "security"},
}

// received is one request a test receiver got.
type received struct {
	Path   string
	Query  url.Values
	Raw    string // the raw query
	Header http.Header
	Body   []byte
}

// receiver is an httptest server recording what it gets and answering
// status and body.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	status int
	answer string
}

func newReceiver(t *testing.T, status int, answer string) *receiver {
	r := &receiver{status: status, answer: answer}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{req.URL.Path, req.URL.Query(), req.URL.RawQuery, req.Header.Clone(), body})
		status, answer := r.status, r.answer
		r.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (r *receiver) set(status int, answer string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status, r.answer = status, answer
}

func newNotifier(t *testing.T, c Config) *Notifier {
	t.Helper()
	n, err := New(c, nil)
	require.NoError(t, err)
	require.True(t, n.Enabled())
	return n
}

func TestGenericIsTheEventSignedWithHMAC(t *testing.T) {
	rcv := newReceiver(t, http.StatusNoContent, "")
	t.Setenv("VPCFLOW_TEST_GENERIC_SECRET", genericSecret)
	n := newNotifier(t, Config{{Name: "audit", Kind: KindGeneric, URL: rcv.URL + genericPath, Secret: "env:VPCFLOW_TEST_GENERIC_SECRET"}})

	before := time.Now()
	out, err := n.Send(context.Background(), event)
	require.NoError(t, err)
	require.Equal(t, []Outcome{{Target: "audit", Kind: KindGeneric, Host: strings.TrimPrefix(rcv.URL, "http://"), Status: 204}}, out)
	assert.True(t, out[0].Delivered())

	got := rcv.requests()
	require.Len(t, got, 1)
	r := got[0]
	assert.Equal(t, genericPath, r.Path)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(t, event.IdempotencyKey, r.Header.Get("Idempotency-Key"))
	assert.Equal(t, "awaiting-approval", r.Header.Get("X-Vpcflow-Event"))
	var ev contract.ApprovalEvent
	require.NoError(t, json.Unmarshal(r.Body, &ev))
	assert.Equal(t, event, ev, "the body is the event itself")

	ts := r.Header.Get("X-Vpcflow-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, before.Unix(), sec, 2)
	sig := r.Header.Get("X-Vpcflow-Signature")
	require.True(t, strings.HasPrefix(sig, "sha256="), sig)

	// The receiver's steps, as docs/notifications.md gives them.
	now := time.Now()
	require.NoError(t, VerifyGeneric(genericSecret, ts, r.Body, sig, now, time.Minute))
	mac := hmac.New(sha256.New, []byte(genericSecret))
	mac.Write([]byte(ts + "." + string(r.Body)))
	assert.Equal(t, "sha256="+hex.EncodeToString(mac.Sum(nil)), sig, "the documented formula")

	for name, err := range map[string]error{
		"another secret":  VerifyGeneric("another-secret-0123456789", ts, r.Body, sig, now, time.Minute),
		"a changed body":  VerifyGeneric(genericSecret, ts, append([]byte(" "), r.Body...), sig, now, time.Minute),
		"a changed time":  VerifyGeneric(genericSecret, strconv.FormatInt(sec+1, 10), r.Body, sig, now, time.Minute),
		"too old":         VerifyGeneric(genericSecret, ts, r.Body, sig, now.Add(10*time.Minute), time.Minute),
		"too old default": VerifyGeneric(genericSecret, ts, r.Body, sig, now.Add(6*time.Minute), 0),
		"from the future": VerifyGeneric(genericSecret, ts, r.Body, sig, now.Add(-10*time.Minute), time.Minute),
		"no prefix":       VerifyGeneric(genericSecret, ts, r.Body, strings.TrimPrefix(sig, "sha256="), now, time.Minute),
		"not a timestamp": VerifyGeneric(genericSecret, "yesterday", r.Body, sig, now, time.Minute),
		"no secret":       VerifyGeneric("", ts, r.Body, sig, now, time.Minute),
	} {
		assert.ErrorIs(t, err, ErrInvalidSignature, name)
	}
	assert.NoError(t, VerifyGeneric(genericSecret, ts, r.Body, "sha256="+strings.ToUpper(sig[7:]), now, time.Minute),
		"hex in capitals is the same signature")
}

func TestGenericWithoutASecretIsUnsigned(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK, "")
	n := newNotifier(t, Config{{Name: "plain", Kind: KindGeneric, URL: rcv.URL}})
	_, err := n.Send(context.Background(), event)
	require.NoError(t, err)
	r := rcv.requests()[0]
	assert.Empty(t, r.Header.Get("X-Vpcflow-Signature"))
	assert.NotEmpty(t, r.Header.Get("X-Vpcflow-Timestamp"))
	assert.Equal(t, event.IdempotencyKey, r.Header.Get("Idempotency-Key"))
}

func TestSlackIsABlockKitSection(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK, "ok")
	t.Setenv("VPCFLOW_TEST_SLACK", rcv.URL+slackPath)
	n := newNotifier(t, Config{{Name: "netops-slack", Kind: KindSlack, URL: "env:VPCFLOW_TEST_SLACK"}})
	ev := event
	ev.Event, ev.By, ev.Waiting = contract.EventApproved, "bob", nil
	_, err := n.Send(context.Background(), ev)
	require.NoError(t, err)

	r := rcv.requests()[0]
	assert.Equal(t, slackPath, r.Path)
	assert.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	assert.Equal(t, ev.IdempotencyKey, r.Header.Get("Idempotency-Key"))
	var msg map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &msg))
	assert.Equal(t, "NetworkChange net-change-42 in cn-hangzhou awaits approval &lt;@here&gt; &amp; more", msg["text"],
		"mrkdwn's control characters are escaped: no mention, no link")
	blocks := msg["blocks"].([]any)
	require.Len(t, blocks, 1)
	section := blocks[0].(map[string]any)
	assert.Equal(t, "section", section["type"])
	text := section["text"].(map[string]any)
	assert.Equal(t, "mrkdwn", text["type"])
	assert.Len(t, section, 2, "a section has type and text only")
	assert.Len(t, text, 2)
	assert.Equal(t, "*NetworkChange net-change-42 in cn-hangzhou awaits approval &lt;@here&gt; &amp; more*\n"+
		"*Event:* approved\n"+
		"*Workflow:* `net-change-42 (NetworkChange)`\n"+
		"*Run:* `9f8e7d6c-run`\n"+
		"*Plan:* `"+ev.PlanDigest+"`\n"+
		"*Requested by:* alice\n"+
		"*Decided by:* bob\n"+
		"*At:* 2026-05-04T03:02:01Z", text["text"])

	// Waiting for, and a section's 3000 characters at most.
	ev = event
	ev.Error = strings.Repeat("<x>", 400)
	ev.Waiting = []string{"netops", "security"}
	_, err = n.Send(context.Background(), ev)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(rcv.requests()[1].Body, &msg))
	section = msg["blocks"].([]any)[0].(map[string]any)
	s := section["text"].(map[string]any)["text"].(string)
	assert.Contains(t, s, "\n*Waiting for:* netops, security")
	assert.LessOrEqual(t, len([]rune(s)), 3000)
}

func TestDingTalkIsMarkdownSignedInTheQuery(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK, `{"errcode":0,"errmsg":"ok"}`)
	t.Setenv("VPCFLOW_TEST_DING_URL", rcv.URL+"/robot/send?access_token="+dingToken)
	t.Setenv("VPCFLOW_TEST_DING_SECRET", dingSecret)
	n := newNotifier(t, Config{{Name: "netops-dingtalk", Kind: KindDingTalk, URL: "env:VPCFLOW_TEST_DING_URL", Secret: "env:VPCFLOW_TEST_DING_SECRET"}})
	before := time.Now()
	_, err := n.Send(context.Background(), event)
	require.NoError(t, err)

	r := rcv.requests()[0]
	assert.Equal(t, "/robot/send", r.Path)
	assert.Equal(t, dingToken, r.Query.Get("access_token"))
	assert.Equal(t, event.IdempotencyKey, r.Header.Get("Idempotency-Key"))
	ts := r.Query.Get("timestamp")
	ms, err := strconv.ParseInt(ts, 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, before.UnixMilli(), ms, 2000, "milliseconds")
	// DingTalk's formula: base64(HMAC-SHA256(key=secret, timestamp+"\n"+secret)), URL-encoded.
	mac := hmac.New(sha256.New, []byte(dingSecret))
	mac.Write([]byte(ts + "\n" + dingSecret))
	sign := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	assert.Equal(t, sign, r.Query.Get("sign"))
	assert.Equal(t, "access_token="+dingToken+"&timestamp="+ts+"&sign="+url.QueryEscape(sign), r.Raw,
		"the token first, then timestamp and sign, the sign URL-encoded")

	var msg struct {
		MsgType  string `json:"msgtype"`
		Markdown struct{ Title, Text string }
	}
	require.NoError(t, json.Unmarshal(r.Body, &msg))
	assert.Equal(t, "markdown", msg.MsgType)
	assert.Equal(t, "vpcflow: "+event.Summary, msg.Markdown.Title)
	assert.Equal(t, "#### vpcflow: "+event.Summary+"\n\n"+
		"**Event:** awaiting-approval\n\n"+
		"**Workflow:** net-change-42 (NetworkChange)\n\n"+
		"**Run:** 9f8e7d6c-run\n\n"+
		"**Plan:** "+event.PlanDigest+"\n\n"+
		"**Requested by:** alice\n\n"+
		"**Waiting for:** netops, security\n\n"+
		"**At:** 2026-05-04T03:02:01Z", msg.Markdown.Text)
	assert.NotContains(t, string(r.Body), "timestamp", "the body is not signed")
}

func TestDingTalkErrcodeIsAFailure(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK, `{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`)
	t.Setenv("VPCFLOW_TEST_DING_URL", rcv.URL+"/robot/send?access_token="+dingToken)
	n := newNotifier(t, Config{{Name: "d", Kind: KindDingTalk, URL: "env:VPCFLOW_TEST_DING_URL"}})
	assert.Empty(t, rcv.requests(), "New sends nothing")

	out, err := n.Send(context.Background(), event)
	require.Error(t, err)
	assert.Empty(t, rcv.requests()[0].Query.Get("sign"), "no secret: not signed")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 130101, e.Code)
	assert.Equal(t, 200, e.Status)
	assert.True(t, e.Retryable(), "throttled: later")
	assert.True(t, Retryable(err))
	assert.Equal(t, out[0].Err, e)
	assert.Contains(t, err.Error(), "notify d (dingtalk, 127.0.0.1:")
	assert.Contains(t, err.Error(), "DingTalk errcode 130101: send too fast, exceed 20 times per minute")

	rcv.set(http.StatusOK, `{"errcode":310000,"errmsg":"keywords not in content"}`)
	_, err = n.Send(context.Background(), event)
	require.ErrorAs(t, err, &e)
	assert.False(t, e.Retryable(), "a security setting refuses it: not later either")
	assert.False(t, Retryable(err))
}

func TestLarkIsTextSignedInTheBody(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK, `{"code":0,"data":{},"msg":"success"}`)
	t.Setenv("VPCFLOW_TEST_LARK_URL", rcv.URL+larkPath)
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "lark-secret")
	require.NoError(t, os.WriteFile(secretFile, []byte(larkSecret+"\n"), 0o600))
	n := newNotifier(t, Config{{Name: "lark-oncall", Kind: KindLark, URL: "env:VPCFLOW_TEST_LARK_URL", Secret: "file:" + secretFile}})
	before := time.Now()
	_, err := n.Send(context.Background(), event)
	require.NoError(t, err)

	r := rcv.requests()[0]
	assert.Equal(t, larkPath, r.Path)
	assert.Equal(t, event.IdempotencyKey, r.Header.Get("Idempotency-Key"))
	var msg struct {
		Timestamp string `json:"timestamp"`
		Sign      string `json:"sign"`
		MsgType   string `json:"msg_type"`
		Content   struct {
			Text string `json:"text"`
		} `json:"content"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &msg))
	sec, err := strconv.ParseInt(msg.Timestamp, 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, before.Unix(), sec, 2, "seconds, as a string")
	// Lark's formula: base64(HMAC-SHA256(key=timestamp+"\n"+secret, "")).
	mac := hmac.New(sha256.New, []byte(msg.Timestamp+"\n"+larkSecret))
	assert.Equal(t, base64.StdEncoding.EncodeToString(mac.Sum(nil)), msg.Sign)
	assert.Equal(t, "text", msg.MsgType)
	assert.Equal(t, "vpcflow: "+event.Summary+"\n"+
		"Event: awaiting-approval\n"+
		"Workflow: net-change-42 (NetworkChange)\n"+
		"Run: 9f8e7d6c-run\n"+
		"Plan: "+event.PlanDigest+"\n"+
		"Requested by: alice\n"+
		"Waiting for: netops, security\n"+
		"At: 2026-05-04T03:02:01Z", msg.Content.Text)
	var keys map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &keys))
	assert.Len(t, keys, 4, "timestamp, sign, msg_type, content")

	// The older answer.
	rcv.set(http.StatusOK, `{"Extra":null,"StatusCode":0,"StatusMessage":"success"}`)
	_, err = n.Send(context.Background(), event)
	require.NoError(t, err)

	var e *Error
	rcv.set(http.StatusOK, `{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}`)
	_, err = n.Send(context.Background(), event)
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 19021, e.Code)
	assert.False(t, e.Retryable())
	assert.Contains(t, err.Error(), "Lark code 19021: sign match fail")

	rcv.set(http.StatusOK, `{"StatusCode":19024,"StatusMessage":"Key Words Not Found"}`)
	_, err = n.Send(context.Background(), event)
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 19024, e.Code)

	rcv.set(http.StatusBadRequest, `{"code":11232,"msg":"frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"}`)
	_, err = n.Send(context.Background(), event)
	require.ErrorAs(t, err, &e)
	assert.True(t, e.Retryable(), "rate limited: later")
	assert.Equal(t, 400, e.Status)
}

func TestLarkWithoutASecretIsUnsigned(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK, `{"code":0}`)
	t.Setenv("VPCFLOW_TEST_LARK_URL", rcv.URL+larkPath)
	n := newNotifier(t, Config{{Name: "l", Kind: KindLark, URL: "env:VPCFLOW_TEST_LARK_URL"}})
	_, err := n.Send(context.Background(), event)
	require.NoError(t, err)
	var keys map[string]any
	require.NoError(t, json.Unmarshal(rcv.requests()[0].Body, &keys))
	assert.NotContains(t, keys, "timestamp")
	assert.NotContains(t, keys, "sign")
}

func TestEachTargetGetsTheEventsItAsksFor(t *testing.T) {
	all := newReceiver(t, http.StatusOK, "")
	decisions := newReceiver(t, http.StatusOK, "")
	n := newNotifier(t, Config{
		{Name: "all", Kind: KindGeneric, URL: all.URL},
		{Name: "decisions", Kind: KindGeneric, URL: decisions.URL, Events: []string{contract.EventApproved, contract.EventRejected}},
	})
	assert.True(t, n.Wants(contract.EventDrifted))

	ev := event
	out, err := n.Send(context.Background(), ev)
	require.NoError(t, err)
	require.Len(t, out, 1, "only the targets that want the event have an outcome")
	assert.Equal(t, "all", out[0].Target)

	ev.Event, ev.IdempotencyKey = contract.EventApproved, "net-change-42/9f8e7d6c-run/approved/1"
	out, err = n.Send(context.Background(), ev)
	require.NoError(t, err)
	require.Len(t, out, 2)
	assert.Equal(t, []string{"all", "decisions"}, []string{out[0].Target, out[1].Target}, "in the configuration's order")

	assert.Len(t, all.requests(), 2)
	require.Len(t, decisions.requests(), 1)
	assert.Equal(t, "approved", decisions.requests()[0].Header.Get("X-Vpcflow-Event"))

	only := newNotifier(t, Config{{Name: "decisions", Kind: KindGeneric, URL: decisions.URL, Events: []string{contract.EventApproved}}})
	assert.False(t, only.Wants(contract.EventDrifted))
	assert.True(t, only.Wants(contract.EventApproved))

	_, err = n.Send(context.Background(), contract.ApprovalEvent{})
	assert.Error(t, err, "an event without Event")
}

func TestARetrySendsOnlyToTheTargetsThatFailed(t *testing.T) {
	ok := newReceiver(t, http.StatusOK, "")
	busy := newReceiver(t, http.StatusServiceUnavailable, "busy")
	n := newNotifier(t, Config{
		{Name: "ok", Kind: KindGeneric, URL: ok.URL},
		{Name: "busy", Kind: KindGeneric, URL: busy.URL},
	})
	out, err := n.Send(context.Background(), event)
	require.Error(t, err)
	require.Len(t, out, 2)
	assert.True(t, out[0].Delivered(), "a failed target does not stop the others")
	assert.False(t, out[1].Delivered())
	assert.True(t, Retryable(err))

	busy.set(http.StatusOK, "")
	out, err = n.SendExcept(context.Background(), event, []string{"ok"})
	require.NoError(t, err)
	require.Len(t, out, 1)
	assert.Equal(t, "busy", out[0].Target)
	assert.Len(t, ok.requests(), 1)
	require.Len(t, busy.requests(), 2)
	assert.Equal(t, busy.requests()[0].Header.Get("Idempotency-Key"), busy.requests()[1].Header.Get("Idempotency-Key"),
		"a retry carries the same key")
}

func TestFileSecretsAreReadAgainOnEachSend(t *testing.T) {
	first := newReceiver(t, http.StatusOK, "")
	second := newReceiver(t, http.StatusOK, "")
	// Not t.TempDir: its name, the test's, is long and mixes cases and
	// digits, which redact.Secrets reads as a key.
	dir, err := os.MkdirTemp("", "notify")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	urlFile, secretFile := filepath.Join(dir, "url"), filepath.Join(dir, "secret")
	write := func(path, content string) {
		// As a mounted secret is updated: a new file renamed over the old.
		tmp := path + ".new"
		require.NoError(t, os.WriteFile(tmp, []byte(content), 0o600))
		require.NoError(t, os.Rename(tmp, path))
	}
	write(urlFile, first.URL+genericPath+"\n")
	write(secretFile, "first-secret-0123456789\n")
	n := newNotifier(t, Config{{Name: "audit", Kind: KindGeneric, URL: "file:" + urlFile, Secret: "file:" + secretFile}})

	verify := func(r received, secret string) error {
		return VerifyGeneric(secret, r.Header.Get("X-Vpcflow-Timestamp"), r.Body, r.Header.Get("X-Vpcflow-Signature"), time.Now(), time.Minute)
	}
	_, err = n.Send(context.Background(), event)
	require.NoError(t, err)
	require.NoError(t, verify(first.requests()[0], "first-secret-0123456789"))

	write(secretFile, "second-secret-0123456789")
	write(urlFile, second.URL+genericPath)
	_, err = n.Send(context.Background(), event)
	require.NoError(t, err)
	assert.Len(t, first.requests(), 1)
	require.Len(t, second.requests(), 1, "the rotated URL")
	r := second.requests()[0]
	assert.NoError(t, verify(r, "second-secret-0123456789"), "the rotated secret")
	assert.ErrorIs(t, verify(r, "first-secret-0123456789"), ErrInvalidSignature)

	require.NoError(t, os.Remove(secretFile))
	out, err := n.Send(context.Background(), event)
	require.Error(t, err)
	assert.Equal(t, "notify audit (generic, "+strings.TrimPrefix(second.URL, "http://")+"): signing secret unavailable: cannot read "+secretFile+" (no such file or directory)", err.Error())
	assert.True(t, Retryable(err), "a secret being rotated may be back soon")
	assert.Len(t, second.requests(), 1, "nothing is sent unsigned")
	assert.Equal(t, 0, out[0].Status)
}

func TestStatusesSayWhetherToRetry(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK, "")
	n := newNotifier(t, Config{{Name: "g", Kind: KindGeneric, URL: rcv.URL}})
	for status, retryable := range map[int]bool{
		400: false, 401: false, 403: false, 404: false, 410: false,
		408: true, 429: true, 500: true, 502: true, 503: true, 504: true,
		301: false, 302: false, 307: false,
	} {
		rcv.set(status, "answer")
		out, err := n.Send(context.Background(), event)
		require.Error(t, err, status)
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, retryable, e.Retryable(), status)
		assert.Equal(t, status, e.Status)
		assert.Equal(t, status, out[0].Status)
	}
	moved := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.example.com/steal", http.StatusTemporaryRedirect)
	}))
	defer moved.Close()
	n = newNotifier(t, Config{{Name: "moved", Kind: KindGeneric, URL: moved.URL}})
	_, err := n.Send(context.Background(), event)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a redirect, not followed")
	assert.NotContains(t, err.Error(), "elsewhere")
}

func TestASlowTargetTimesOut(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	fast := newReceiver(t, http.StatusOK, "")
	n := newNotifier(t, Config{{Name: "slow", Kind: KindGeneric, URL: slow.URL}, {Name: "fast", Kind: KindGeneric, URL: fast.URL}})
	n.timeout = 200 * time.Millisecond
	start := time.Now()
	out, err := n.Send(context.Background(), event)
	assert.Less(t, time.Since(start), 5*time.Second)
	require.Error(t, err)
	assert.Equal(t, "notify slow (generic, "+strings.TrimPrefix(slow.URL, "http://")+"): no answer within 200ms", err.Error())
	assert.True(t, Retryable(err))
	assert.True(t, out[1].Delivered())
	assert.Equal(t, 10*time.Second, RequestTimeout)
}

// Every kind failing every way: 500 with an answer quoting the request,
// a 200 that is not the vendor's JSON, no answer at all. The text of the
// errors names each target by its name, kind and host, and shows no
// path, no query and no secret.
func TestFailuresShowNoSecret(t *testing.T) {
	echo := func(status int, answer string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(status)
			// A receiver quoting everything it got back, as a bad proxy does.
			_, _ = io.WriteString(w, answer+" "+r.URL.String()+" "+r.URL.RawQuery+" "+r.Header.Get("X-Vpcflow-Signature")+" "+string(body))
		}))
		t.Cleanup(s.Close)
		return s
	}
	refused := httptest.NewServer(http.NotFoundHandler())
	refused.Close()

	dir := t.TempDir()
	genericSecretFile := filepath.Join(dir, "generic-secret")
	require.NoError(t, os.WriteFile(genericSecretFile, []byte(genericSecret), 0o600))
	t.Setenv("VPCFLOW_TEST_DING_SECRET", dingSecret)
	t.Setenv("VPCFLOW_TEST_LARK_SECRET", larkSecret)
	t.Setenv("VPCFLOW_TEST_GENERIC_SECRET", genericSecret)

	var c Config
	ways := []struct {
		name      string
		base      string
		retryable bool
	}{
		{"500", echo(500, "Internal Server Error").URL, true},
		{"404", echo(404, "<html>Cannot POST").URL, false},
		{"badjson", echo(200, "<html>not json").URL, false},
		{"refused", refused.URL, true},
	}
	for _, way := range ways {
		for _, kind := range Kinds {
			var u string
			secret := ""
			switch kind {
			case KindGeneric:
				u, secret = way.base+genericPath+"?token=g3n3r1cQu3ryT0k3n", "file:"+genericSecretFile
			case KindSlack:
				u = way.base + slackPath
			case KindDingTalk:
				u, secret = way.base+"/robot/send?access_token="+dingToken, "env:VPCFLOW_TEST_DING_SECRET"
			case KindLark:
				u, secret = way.base+larkPath, "env:VPCFLOW_TEST_LARK_SECRET"
			}
			env := "VPCFLOW_TEST_URL_" + strings.ToUpper(way.name+"_"+string(kind))
			t.Setenv(env, u)
			c = append(c, Target{Name: way.name + "-" + string(kind), Kind: kind, URL: "env:" + env, Secret: secret})
		}
	}
	n := newNotifier(t, c)
	out, err := n.Send(context.Background(), event)
	require.Error(t, err)
	require.Len(t, out, 16)
	text := err.Error()
	t.Log(text)

	var errs []error
	for i, o := range out {
		way := ways[i/len(Kinds)]
		if way.name == "badjson" && (o.Kind == KindGeneric || o.Kind == KindSlack) {
			assert.True(t, o.Delivered(), "a generic receiver and Slack take any 2xx")
			continue
		}
		if !assert.Error(t, o.Err, o.Target) {
			continue
		}
		errs = append(errs, o.Err)
		assert.Contains(t, o.Err.Error(), "notify "+o.Target+" ("+string(o.Kind)+", 127.0.0.1:")
		assert.Equal(t, way.retryable, o.Err.(*Error).Retryable(), o.Err.Error())
	}
	assert.Len(t, errs, 14)
	for _, secret := range []string{
		slackPath, "T0SECRET1", "B0SECRET2", "sLaCkToKeN0123456789abcd",
		dingToken, dingSecret, "access_token", "d1n9t0k3n",
		larkPath, "0a1b2c3d-4e5f-6789-abcd-ef0123456789", "0a1b2c3d", larkSecret,
		genericSecret, genericPath, "generic-t0ken-path-s3cret", "g3n3r1cQu3ryT0k3n",
		"sign=", "timestamp=", "sha256=", "/robot/send", "/services/", "/open-apis/", "/hooks/",
	} {
		assert.NotContains(t, text, secret)
		for _, e := range errs {
			assert.NotContains(t, e.Error(), secret)
		}
	}
	// Nor what the signatures were.
	for _, e := range errs {
		assert.NotRegexp(t, `[0-9a-f]{64}`, e.Error())
	}
	assert.Contains(t, text, "answered HTTP 500: Internal Server Error")
	assert.Contains(t, text, "answered HTTP 404: <html>Cannot POST")
	assert.Contains(t, text, "connection refused")
	assert.Contains(t, text, "without DingTalk's result")
	assert.Contains(t, text, "without Lark's result")
	assert.True(t, errors.Is(err, out[0].Err))
}
