package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vpcflow/vpcflow/contract"
)

// The generic shape's headers.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderEvent          = "X-Vpcflow-Event"
	HeaderTimestamp      = "X-Vpcflow-Timestamp"
	HeaderSignature      = "X-Vpcflow-Signature"
)

// request is what is sent to one target.
type request struct {
	url    *url.URL
	body   []byte
	header http.Header
	// signature is the request's signature (kept out of errors).
	signature string
}

// build makes the request of kind for ev at now, signed with secret when
// it is set.
func build(kind Kind, u *url.URL, secret string, ev contract.ApprovalEvent, now time.Time) (request, error) {
	r := request{url: u, header: http.Header{}}
	r.header.Set("User-Agent", "vpcflow-notify")
	if ev.IdempotencyKey != "" {
		r.header.Set(HeaderIdempotencyKey, ev.IdempotencyKey)
	}
	var body any
	switch kind {
	case KindGeneric:
		b, err := json.Marshal(ev)
		if err != nil {
			return r, fmt.Errorf("encoding the event: %v", err)
		}
		ts := strconv.FormatInt(now.Unix(), 10)
		r.body = b
		r.header.Set("Content-Type", "application/json")
		r.header.Set(HeaderEvent, ev.Event)
		r.header.Set(HeaderTimestamp, ts)
		if secret != "" {
			r.signature = genericSignature(secret, ts, b)
			r.header.Set(HeaderSignature, r.signature)
		}
		return r, nil
	case KindSlack:
		body = slackMessage(ev)
	case KindDingTalk:
		body = dingTalkMessage(ev)
		if secret != "" {
			signed := *u
			ts := strconv.FormatInt(now.UnixMilli(), 10)
			r.signature = dingTalkSign(secret, ts)
			add := "timestamp=" + ts + "&sign=" + url.QueryEscape(r.signature)
			if signed.RawQuery == "" {
				signed.RawQuery = add
			} else {
				signed.RawQuery += "&" + add
			}
			r.url = &signed
		}
	case KindLark:
		m := larkMessage(ev)
		if secret != "" {
			m.Timestamp = strconv.FormatInt(now.Unix(), 10)
			m.Sign = larkSign(secret, m.Timestamp)
			r.signature = m.Sign
		}
		body = m
	default:
		return r, fmt.Errorf("unknown kind %q", kind)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return r, fmt.Errorf("encoding the message: %v", err)
	}
	r.body = b
	r.header.Set("Content-Type", "application/json; charset=utf-8")
	return r, nil
}

// genericSignature is "sha256=" and the hex HMAC-SHA256, keyed with the
// secret, of the timestamp, a dot and the body.
func genericSignature(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// dingTalkSign is a DingTalk custom robot's sign (加签): the base64
// HMAC-SHA256, keyed with the secret, of the timestamp (milliseconds), a
// newline and the secret. The caller URL-encodes it into the query.
func dingTalkSign(secret, timestampMillis string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestampMillis + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// larkSign is a Lark / Feishu custom bot's sign: the base64 HMAC-SHA256
// keyed with the timestamp (seconds), a newline and the secret, of an
// empty message.
func larkSign(secret, timestampSeconds string) string {
	mac := hmac.New(sha256.New, []byte(timestampSeconds+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// field is one line of a chat message.
type field struct{ label, value string }

// headline is the event's summary, or what it says without one.
func headline(ev contract.ApprovalEvent) string {
	if s := oneLine(ev.Summary, 300); s != "" {
		return s
	}
	w := ev.Workflow
	if w == "" {
		w = "change"
	}
	return oneLine(fmt.Sprintf("%s %s: %s", w, ev.WorkflowId, ev.Event), 300)
}

// fields are the lines of a chat message after its headline: what a
// person needs to find the change and act on it.
func fields(ev contract.ApprovalEvent) []field {
	by := "By"
	switch ev.Event {
	case contract.EventApproved, contract.EventRejected:
		by = "Decided by"
	case contract.EventEscalated:
		by = "Escalated to"
	}
	workflow := ev.WorkflowId
	if ev.Workflow != "" {
		workflow += " (" + ev.Workflow + ")"
	}
	at := ""
	if !ev.At.IsZero() {
		at = ev.At.UTC().Format(time.RFC3339)
	}
	all := []field{
		{"Event", ev.Event},
		{"Workflow", workflow},
		{"Run", ev.RunId},
		{"Plan", ev.PlanDigest},
		{"Requested by", ev.RequestedBy},
		{by, ev.By},
		{"Waiting for", strings.Join(ev.Waiting, ", ")},
		{"Error", ev.Error},
		{"At", at},
	}
	var out []field
	for _, f := range all {
		if v := oneLine(f.value, 500); v != "" {
			out = append(out, field{f.label, v})
		}
	}
	return out
}

// oneLine is s on one line, at most max characters.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max-1]) + "…"
	}
	return s
}

// Slack: an incoming webhook's message, text (the notification's and the
// fallback's) and one section block of mrkdwn
// (https://api.slack.com/messaging/webhooks, Block Kit's section block:
// text at most 3000 characters).
type slackPayload struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type string    `json:"type"`
	Text slackText `json:"text"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// slackSectionMax is Block Kit's limit of a section's text.
const slackSectionMax = 3000

func slackMessage(ev contract.ApprovalEvent) slackPayload {
	var b strings.Builder
	b.WriteString("*" + slackEscape(headline(ev)) + "*")
	for _, f := range fields(ev) {
		v := slackEscape(f.value)
		switch f.label {
		case "Workflow", "Run", "Plan":
			v = "`" + strings.ReplaceAll(v, "`", "'") + "`"
		}
		b.WriteString("\n*" + f.label + ":* " + v)
	}
	text := b.String()
	for utf8.RuneCountInString(text) > slackSectionMax {
		// Drop whole lines from the end, so no escape is cut in two.
		i := strings.LastIndexByte(text, '\n')
		if i < 0 {
			text = string([]rune(text)[:slackSectionMax])
			break
		}
		text = text[:i]
	}
	return slackPayload{
		Text:   slackEscape(headline(ev)),
		Blocks: []slackBlock{{Type: "section", Text: slackText{Type: "mrkdwn", Text: text}}},
	}
}

// slackEscape escapes the three characters Slack's mrkdwn gives a meaning
// to (&, <, >), so text shows as it is and cannot make a link or a
// mention.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// DingTalk: a custom robot's markdown message. The title is what the
// conversation list and the notification show. Lines are separated by a
// blank line (DingTalk's markdown joins single line breaks).
type dingTalkPayload struct {
	MsgType  string `json:"msgtype"`
	Markdown struct {
		Title string `json:"title"`
		Text  string `json:"text"`
	} `json:"markdown"`
}

func dingTalkMessage(ev contract.ApprovalEvent) dingTalkPayload {
	var p dingTalkPayload
	p.MsgType = "markdown"
	p.Markdown.Title = "vpcflow: " + headline(ev)
	lines := []string{"#### vpcflow: " + headline(ev)}
	for _, f := range fields(ev) {
		lines = append(lines, "**"+f.label+":** "+f.value)
	}
	p.Markdown.Text = strings.Join(lines, "\n\n")
	return p
}

// Lark / Feishu: a custom bot's text message; timestamp and sign are set
// when the bot checks signatures.
type larkPayload struct {
	Timestamp string `json:"timestamp,omitempty"`
	Sign      string `json:"sign,omitempty"`
	MsgType   string `json:"msg_type"`
	Content   struct {
		Text string `json:"text"`
	} `json:"content"`
}

func larkMessage(ev contract.ApprovalEvent) larkPayload {
	var p larkPayload
	p.MsgType = "text"
	lines := []string{"vpcflow: " + headline(ev)}
	for _, f := range fields(ev) {
		lines = append(lines, f.label+": "+f.value)
	}
	p.Content.Text = strings.Join(lines, "\n")
	return p
}

// failure is what is wrong with an answer.
type failure struct {
	code      int
	retryable bool
	reason    string
}

// Vendor codes that say "later" (rate limits, busy).
const (
	dingTalkTooFast = 130101 // more than 20 messages a minute: throttled
	dingTalkBusy    = -1     // system busy
	larkTooFast     = 11232  // frequency limited
)

// answer judges a target's answer: nil when it took the message.
func answer(kind Kind, status int, body []byte) *failure {
	switch kind {
	case KindDingTalk:
		var a struct {
			ErrCode *int   `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		parsed := json.Unmarshal(body, &a) == nil && a.ErrCode != nil
		return robotAnswer{vendor: "DingTalk", field: "errcode", what: "a DingTalk robot's", parsed: parsed, code: a.ErrCode, msg: a.ErrMsg,
			retryable: []int{dingTalkTooFast, dingTalkBusy}}.judge(status, body)
	case KindLark:
		var a struct {
			Code          *int   `json:"code"`
			Msg           string `json:"msg"`
			StatusCode    *int   `json:"StatusCode"`
			StatusMessage string `json:"StatusMessage"`
		}
		parsed := json.Unmarshal(body, &a) == nil && (a.Code != nil || a.StatusCode != nil)
		if a.Code == nil && a.StatusCode != nil {
			a.Code, a.Msg = a.StatusCode, a.StatusMessage
		}
		return robotAnswer{vendor: "Lark", field: "code", what: "a Lark bot's", parsed: parsed, code: a.Code, msg: a.Msg,
			retryable: []int{larkTooFast}}.judge(status, body)
	}
	// generic, Slack: the status says it (Slack answers 200 "ok", or an
	// error code such as 404 no_service, 400 invalid_payload).
	return byStatus(status, body)
}

// robotAnswer is a chat robot's result in its answer's body (DingTalk's
// errcode, Lark's code): 0 when it took the message, whatever the HTTP
// status says.
type robotAnswer struct {
	vendor, field, what string
	parsed              bool // the body holds the result
	code                *int
	msg                 string
	retryable           []int // codes another try may pass: too many messages, busy
}

func (r robotAnswer) judge(status int, body []byte) *failure {
	ok := status >= 200 && status < 300
	switch {
	case r.parsed && *r.code != 0:
		f := byStatus(status, nil)
		if f == nil {
			f = &failure{}
		}
		f.code = *r.code
		f.retryable = f.retryable || slices.Contains(r.retryable, f.code)
		f.reason = fmt.Sprintf("%s %s %d: %s", r.vendor, r.field, f.code, r.msg)
		if !ok {
			f.reason = fmt.Sprintf("answered HTTP %d, %s", status, f.reason)
		}
		return f
	case !ok:
		return byStatus(status, body)
	case !r.parsed:
		return &failure{reason: fmt.Sprintf("answered HTTP %d without %s's result (%s): is the URL %s?", status, r.vendor, r.field, r.what)}
	}
	return nil
}

// byStatus judges an HTTP status: nil for 2xx; 408, 429 and 5xx may pass
// later; a redirect is not followed.
func byStatus(status int, body []byte) *failure {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status >= 300 && status < 400:
		return &failure{reason: fmt.Sprintf("answered HTTP %d: a redirect, not followed (is the URL the webhook's?)", status)}
	}
	f := &failure{
		retryable: status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500,
		reason:    fmt.Sprintf("answered HTTP %d", status),
	}
	// Whole: scrub removes the secrets, then cuts it (cut first, a
	// secret cut in two would pass).
	if s := strings.TrimSpace(string(body)); s != "" {
		f.reason += ": " + s
	}
	return f
}
