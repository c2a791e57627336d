package notify

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/vpcflow/vpcflow/contract"
)

// Kind is the shape of what a target receives.
type Kind string

// The kinds of webhook.
const (
	// KindGeneric: the ApprovalEvent as JSON, signed with HMAC-SHA256 when
	// the target has a secret (VerifyGeneric).
	KindGeneric Kind = "generic"
	// KindSlack: a Slack incoming webhook (Block Kit).
	KindSlack Kind = "slack"
	// KindDingTalk: a DingTalk custom robot (markdown), signed (加签) when
	// the target has a secret.
	KindDingTalk Kind = "dingtalk"
	// KindLark: a Lark / Feishu custom bot (text), signed when the target
	// has a secret.
	KindLark Kind = "lark"
)

// Kinds are the kinds a target may be.
var Kinds = []Kind{KindGeneric, KindSlack, KindDingTalk, KindLark}

// Events are the events a target may ask for (the contract's Event*
// constants); a target with no events gets them all.
var Events = []string{
	contract.EventAwaitingApproval, contract.EventApproved, contract.EventRejected,
	contract.EventReminded, contract.EventEscalated, contract.EventApplied,
	contract.EventFailed, contract.EventRolledBack, contract.EventDrifted,
}

// Target is one webhook of the notify: section.
//
// URL and Secret are references, never the secret itself (the URL is
// itself a secret for slack, dingtalk and lark: whoever has it can post):
// "env:NAME" (the environment variable NAME, read when the Notifier is
// built) or "file:PATH" (the file, read when the Notifier is built and again
// on every send, so a rotated mounted secret takes effect without a
// restart; surrounding white space is trimmed). A literal http(s) URL is
// accepted for kind generic only, without a query or user info.
type Target struct {
	Name   string `json:"name" yaml:"name"`
	Kind   Kind   `json:"kind" yaml:"kind"`
	URL    string `json:"url" yaml:"url"`
	Secret string `json:"secret,omitempty" yaml:"secret,omitempty"`
	// Events the target gets (Events); empty: all.
	Events []string `json:"events,omitempty" yaml:"events,omitempty"`
}

// Config is the notify: section of the approval policy file.
type Config []Target

var (
	namePattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	envVarPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Validate checks the section as written, without reading any variable or
// file (New does). Each problem names its entry ("notify[2].secret: ...")
// and never quotes a value that could be a secret.
func (c Config) Validate() error {
	var errs []error
	seen := map[string]int{}
	for i, t := range c {
		at := func(field, format string, args ...any) {
			errs = append(errs, fmt.Errorf("notify[%d].%s: %s", i, field, fmt.Sprintf(format, args...)))
		}
		switch {
		case t.Name == "":
			at("name", "missing: name the webhook (it names it in logs and errors)")
		case !namePattern.MatchString(t.Name):
			at("name", "%q: use up to 64 letters, digits, '.', '_' and '-'", t.Name)
		default:
			if j, dup := seen[t.Name]; dup {
				at("name", "%q is also notify[%d]'s name", t.Name, j)
			}
			seen[t.Name] = i
		}
		if !slices.Contains(Kinds, t.Kind) {
			if t.Kind == "" {
				at("kind", "missing: one of generic, slack, dingtalk, lark")
			} else {
				at("kind", "%q: one of generic, slack, dingtalk, lark", t.Kind)
			}
		}
		_, isRef, err := parseRef(t.URL)
		switch {
		case t.URL == "":
			at("url", "missing: env:NAME or file:PATH (for kind generic also an https URL)")
		case err != nil:
			at("url", "%v", err)
		case isRef:
		case t.Kind != KindGeneric && slices.Contains(Kinds, t.Kind):
			at("url", "a literal URL is refused for kind %s (the URL is the webhook's secret): use env:NAME or file:PATH", t.Kind)
		default:
			if err := checkURL(t.URL); err != nil {
				at("url", "%v", err)
			} else if u, _ := url.Parse(t.URL); u.RawQuery != "" || u.User != nil {
				at("url", "a literal URL with a query or user info may carry a secret: use env:NAME or file:PATH")
			}
		}
		if t.Secret != "" {
			_, isRef, err := parseRef(t.Secret)
			switch {
			case err != nil:
				at("secret", "%v", err)
			case !isRef:
				at("secret", "a literal secret is refused: use env:NAME or file:PATH")
			case t.Kind == KindSlack:
				at("secret", "a slack incoming webhook is not signed: remove the secret (the URL is the secret)")
			}
		}
		for j, e := range t.Events {
			if !slices.Contains(Events, e) {
				at(fmt.Sprintf("events[%d]", j), "%q is not an event: one of %s", e, strings.Join(Events, ", "))
			}
		}
	}
	return errors.Join(errs...)
}

// ref is where a secret comes from: env:NAME or file:PATH.
type ref struct {
	env, file string
}

func (r ref) String() string {
	if r.env != "" {
		return "env:" + r.env
	}
	return "file:" + r.file
}

// parseRef reads "env:NAME" or "file:PATH". isRef is false for anything
// else (a literal), err set for a malformed reference.
func parseRef(s string) (r ref, isRef bool, err error) {
	switch {
	case strings.HasPrefix(s, "env:"):
		name := strings.TrimPrefix(s, "env:")
		if !envVarPattern.MatchString(name) {
			return r, true, errors.New("env: must name an environment variable (letters, digits and '_')")
		}
		return ref{env: name}, true, nil
	case strings.HasPrefix(s, "file:"):
		path := strings.TrimPrefix(s, "file:")
		if strings.TrimSpace(path) == "" {
			return r, true, errors.New("file: must name a file")
		}
		return ref{file: path}, true, nil
	}
	return r, false, nil
}

// read returns the reference's value: an unset or empty variable, an
// unreadable or empty file is an error naming the variable or the file,
// never quoting what it holds.
func (r ref) read() (string, error) {
	if r.env != "" {
		v, ok := os.LookupEnv(r.env)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", r.env)
		}
		if v = strings.TrimSpace(v); v == "" {
			return "", fmt.Errorf("environment variable %s is empty", r.env)
		}
		return v, nil
	}
	b, err := os.ReadFile(r.file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		// "cannot read PATH (why)": a path ending in "secret" or "token"
		// and a colon would read as a credential to redact.Secrets.
		return "", fmt.Errorf("cannot read %s (%v)", r.file, err)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("file %s is empty", r.file)
	}
	return v, nil
}

// checkURL tells whether s is an absolute http(s) URL with a host, without
// quoting it (url.Parse's errors quote the URL whole).
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("not an http(s) URL with a host")
	}
	return nil
}
