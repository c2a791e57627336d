// Package notify sends a change's events (contract.ApprovalEvent) to
// webhooks: a generic JSON receiver (signed with HMAC-SHA256), a Slack
// incoming webhook, a DingTalk custom robot or a Lark / Feishu custom bot.
// Every request carries the event's idempotency key (Idempotency-Key).
//
// The URLs and signing secrets come from environment variables or files
// (Target), never from the policy file itself, and no error this package
// returns quotes them: a target is named by its name, its kind and its
// URL's host, and whatever else an error would say (a network error, a
// receiver's answer) has the URL's path and query and the secrets removed,
// then goes through redact.Secrets.
//
// A notification is best effort: a change never fails because one did. The
// caller (an activity) retries the failures Retryable says may pass.
package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/redact"
)

// RequestTimeout bounds one request to one webhook.
const RequestTimeout = 10 * time.Second

// Notifier sends events to the configured targets. Its methods may be
// called concurrently. The zero of *Notifier (nil) sends nothing.
type Notifier struct {
	client  *http.Client
	targets []*target
	timeout time.Duration
	now     func() time.Time
}

// target is a Target with its secrets resolved.
type target struct {
	name   string
	kind   Kind
	events []string // nil: all
	url    secret
	secret *secret // nil: unsigned
}

// secret is a resolved value: fixed (an environment variable's, or a
// literal URL), or a file's, read again on every send.
type secret struct {
	value string
	file  *ref
	ref   string // "env:NAME", "file:PATH" or "" (a literal)
	// signing: the value is a signing secret, at least MinSecretLength
	// long.
	signing bool
}

// MinSecretLength is the shortest signing secret accepted (DingTalk's are
// "SEC" and 64 hex digits, Lark's 22 characters; a generic receiver's
// should be 32 random bytes or more).
const MinSecretLength = 16

func (s secret) get() (string, error) {
	v := s.value
	if s.file != nil {
		var err error
		if v, err = s.file.read(); err != nil {
			return "", err
		}
	}
	if s.signing && len(v) < MinSecretLength {
		return "", fmt.Errorf("the secret in %s is shorter than %d characters", s.ref, MinSecretLength)
	}
	return v, nil
}

// New validates c and resolves its secrets: an unset variable, an
// unreadable file or a value that is not a URL is an error naming the
// variable or the file. A nil or empty c gives a Notifier that sends
// nothing. client is copied, and the copy does not follow redirects (a
// webhook that redirects is misconfigured, and a redirect would carry the
// event elsewhere); nil: a default client. Each request is bounded by
// RequestTimeout.
func New(c Config, client *http.Client) (*Notifier, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	hc := &http.Client{}
	if client != nil {
		copied := *client
		hc = &copied
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	n := &Notifier{client: hc, timeout: RequestTimeout, now: time.Now}
	var errs []error
	for i, t := range c {
		rt := &target{name: t.Name, kind: t.Kind}
		if len(t.Events) > 0 {
			rt.events = slices.Clone(t.Events)
		}
		u, err := resolve(t.URL)
		if err == nil {
			var v string
			if v, err = u.get(); err == nil {
				err = checkURL(v)
				if err != nil {
					err = fmt.Errorf("the value of %s is %v", t.URL, err)
				}
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("notify[%d].url: %v", i, err))
		}
		rt.url = u
		if t.Secret != "" {
			s, err := resolve(t.Secret)
			s.signing = true
			if err == nil {
				_, err = s.get()
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("notify[%d].secret: %v", i, err))
			}
			rt.secret = &s
		}
		n.targets = append(n.targets, rt)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return n, nil
}

// resolve reads an env: reference now and keeps a file: reference to read
// on every send (its first read is the caller's check). A literal (a
// generic target's URL, as Validate allows) is its own value.
func resolve(s string) (secret, error) {
	r, isRef, _ := parseRef(s)
	switch {
	case !isRef:
		return secret{value: s}, nil
	case r.file != "":
		return secret{file: &r, ref: s}, nil
	}
	v, err := r.read()
	return secret{value: v, ref: s}, err
}

// Enabled tells whether n has a target.
func (n *Notifier) Enabled() bool { return n != nil && len(n.targets) > 0 }

// Wants tells whether a target wants event.
func (n *Notifier) Wants(event string) bool {
	if n == nil {
		return false
	}
	for _, t := range n.targets {
		if t.wants(event) {
			return true
		}
	}
	return false
}

func (t *target) wants(event string) bool {
	return t.events == nil || slices.Contains(t.events, event)
}

// Outcome is what became of an event at one target.
type Outcome struct {
	Target string
	Kind   Kind
	// Host is the host of the target's URL (its only part that is shown).
	Host string
	// Status is the HTTP status the target answered (0: none).
	Status int
	// Err is nil when the target took the event, an *Error otherwise.
	Err error
}

// Delivered tells whether the target took the event.
func (o Outcome) Delivered() bool { return o.Err == nil }

// Error is a target's failure. Its text names the target, its kind and its
// URL's host, never the URL's path or query or a secret.
type Error struct {
	Target string
	Kind   Kind
	Host   string
	// Status is the HTTP status (0: no answer); Code is the vendor's code
	// in the answer (DingTalk's errcode, Lark's code; 0: none).
	Status int
	Code   int
	// Reason says what went wrong, secrets removed.
	Reason    string
	retryable bool
}

func (e *Error) Error() string {
	host := ""
	if e.Host != "" {
		host = ", " + e.Host
	}
	return redact.Secrets(fmt.Sprintf("notify %s (%s%s): %s", e.Target, e.Kind, host, e.Reason))
}

// Retryable tells whether sending again may succeed: no answer (a network
// error, a timeout), HTTP 408, 429 or 5xx, a vendor's rate limit or busy
// code, or a secret file that could not be read.
func (e *Error) Retryable() bool { return e.retryable }

// Retryable tells whether err, as Send returns it, has a failure that
// sending again may deliver (an *Error whose Retryable is true).
func Retryable(err error) bool {
	var e *Error
	if errors.As(err, &e) && e.retryable {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		return slices.ContainsFunc(u.Unwrap(), Retryable)
	case interface{ Unwrap() error }:
		return Retryable(u.Unwrap())
	}
	return false
}

// Send sends ev to every target that wants ev.Event, all at once, each
// request bounded by RequestTimeout; a failed target does not stop the
// others. It returns the outcome of each of those targets, in the
// configuration's order, and an error joining their *Errors (nil when all
// took the event).
func (n *Notifier) Send(ctx context.Context, ev contract.ApprovalEvent) ([]Outcome, error) {
	return n.SendExcept(ctx, ev, nil)
}

// SendExcept is Send without the targets named in delivered: a retry sends
// only to the targets that failed (Slack, DingTalk and Lark do not dedupe
// on the idempotency key, and a person would read the message twice).
func (n *Notifier) SendExcept(ctx context.Context, ev contract.ApprovalEvent, delivered []string) ([]Outcome, error) {
	if n == nil {
		return nil, nil
	}
	if ev.Event == "" {
		return nil, errors.New("notify: the event has no Event")
	}
	var to []*target
	for _, t := range n.targets {
		if t.wants(ev.Event) && !slices.Contains(delivered, t.name) {
			to = append(to, t)
		}
	}
	// The event's error text leaves the worker: redact it once more.
	ev.Error = redact.Secrets(ev.Error)
	outcomes := make([]Outcome, len(to))
	var wg sync.WaitGroup
	for i, t := range to {
		wg.Go(func() { outcomes[i] = n.send(ctx, t, ev) })
	}
	wg.Wait()
	var errs []error
	for _, o := range outcomes {
		if o.Err != nil {
			errs = append(errs, o.Err)
		}
	}
	return outcomes, errors.Join(errs...)
}

// maxAnswer bounds how much of an answer is read.
const maxAnswer = 64 << 10

func (n *Notifier) send(ctx context.Context, t *target, ev contract.ApprovalEvent) Outcome {
	o := Outcome{Target: t.name, Kind: t.kind}
	fail := func(status, code int, retryable bool, hidden []string, format string, args ...any) Outcome {
		o.Status = status
		o.Err = &Error{Target: t.name, Kind: t.kind, Host: o.Host, Status: status, Code: code,
			Reason: scrub(fmt.Sprintf(format, args...), hidden), retryable: retryable}
		return o
	}
	// A file is read again on every send; its errors name the file only.
	raw, err := t.url.get()
	if err != nil {
		return fail(0, 0, true, nil, "the webhook URL: %v", err)
	}
	u, err := url.Parse(raw)
	if err != nil || checkURL(raw) != nil {
		return fail(0, 0, false, nil, "the webhook URL read is not an http(s) URL with a host")
	}
	o.Host = u.Host
	hidden := secretsOf(u)
	var key string
	if t.secret != nil {
		if key, err = t.secret.get(); err != nil {
			return fail(0, 0, true, hidden, "signing secret unavailable: %v", err)
		}
		hidden = append(hidden, key)
	}
	req, err := build(t.kind, u, key, ev, n.now())
	if err != nil {
		return fail(0, 0, false, hidden, "%v", err)
	}
	hidden = append(hidden, secretsOf(req.url)...)
	if req.signature != "" {
		hidden = append(hidden, req.signature, strings.TrimPrefix(req.signature, "sha256="), url.QueryEscape(req.signature))
	}

	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, req.url.String(), bytes.NewReader(req.body))
	if err != nil {
		return fail(0, 0, false, hidden, "building the request failed")
	}
	hr.Header = req.header
	resp, err := n.client.Do(hr)
	if err != nil {
		// url.Error quotes the URL: keep what is under it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		switch {
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
			return fail(0, 0, true, hidden, "no answer within %s", n.timeout)
		case errors.Is(err, context.Canceled):
			return fail(0, 0, true, hidden, "sending was cancelled")
		}
		return fail(0, 0, true, hidden, "no answer: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer)) // so the connection is reused
	o.Status = resp.StatusCode
	if a := answer(t.kind, resp.StatusCode, body); a != nil {
		return fail(resp.StatusCode, a.code, a.retryable, hidden, "%s", a.reason)
	}
	return o
}

// secretsOf lists the parts of a webhook URL an error must not show: its
// path (Slack's, Lark's token), its query (DingTalk's access_token, the
// signature) and its user info, whole and in parts.
func secretsOf(u *url.URL) []string {
	s := []string{u.String(), u.RawQuery, u.Path, u.EscapedPath()}
	if u.User != nil {
		s = append(s, u.User.String(), u.User.Username())
		if p, ok := u.User.Password(); ok {
			s = append(s, p)
		}
	}
	for seg := range strings.SplitSeq(u.Path, "/") {
		s = append(s, seg)
	}
	for seg := range strings.SplitSeq(u.EscapedPath(), "/") {
		s = append(s, seg)
	}
	for _, vs := range u.Query() {
		for _, v := range vs {
			s = append(s, v, url.QueryEscape(v))
		}
	}
	for kv := range strings.SplitSeq(u.RawQuery, "&") {
		if _, v, ok := strings.Cut(kv, "="); ok {
			s = append(s, v)
		}
	}
	return s
}

// scrub removes the hidden strings from s (those of 6 characters or more:
// shorter ones are words such as a path's "hook", not tokens), then what
// redact.Secrets recognises, and makes it one line of at most 300
// characters.
func scrub(s string, hidden []string) string {
	hidden = slices.DeleteFunc(slices.Clone(hidden), func(h string) bool { return len(h) < 6 })
	slices.SortFunc(hidden, func(a, b string) int { return len(b) - len(a) }) // longest first
	for _, h := range hidden {
		s = strings.ReplaceAll(s, h, redact.Redacted)
	}
	s = strings.Join(strings.Fields(redact.Secrets(s)), " ")
	if r := []rune(s); len(r) > 300 {
		s = string(r[:299]) + "…"
	}
	return s
}
