package cloudsim

import (
	"maps"
	"strings"
	"time"
)

// Call is one request cloudsim answered, as recorded for inspection.
// Signatures, secrets and tokens are never recorded.
type Call struct {
	// Seq numbers calls from 1 in arrival order (reset by Reset).
	Seq int64 `json:"seq"`
	// Time is the wall-clock arrival time.
	Time time.Time `json:"time"`
	// Cloud is "alibaba" or "huawei".
	Cloud string `json:"cloud"`
	// Action is the Alibaba Action or, for APIG, "ListEndpointConnections".
	Action string `json:"action"`
	// AccessKeyID is the Alibaba AccessKeyId or the Huawei AK; token
	// callers are recorded as "token".
	AccessKeyID string `json:"accessKeyId,omitempty"`
	// Params are the request parameters: the Alibaba query/form parameters
	// without Signature, SecurityToken and BearerToken; for APIG the path
	// parameters project_id and instance_id plus the query.
	Params map[string]string `json:"params"`
	// Code is the error code answered, empty on success.
	Code string `json:"code,omitempty"`
	// Status is the HTTP status answered.
	Status int `json:"status"`
	// RequestID is the request ID answered: the first answer's for a
	// ClientToken replay, empty for the quirk BadGateway (the load
	// balancer answers without one, and records no Params either).
	RequestID string `json:"requestId"`
	// Injected is true when a fault or the quirk BadGateway, not the
	// simulated state, produced the answer.
	Injected bool `json:"injected,omitempty"`
	// Lost is true when the quirk LostResponses closed the connection
	// instead of answering: the call took effect, and Status and Code are
	// what it would have answered, but the client got no answer.
	Lost bool `json:"lost,omitempty"`
}

// OK reports whether the call succeeded (HTTP 2xx).
func (c Call) OK() bool { return c.Status >= 200 && c.Status < 300 }

// Call-log bounds: the log keeps the most recent calls, counts are kept for
// a bounded number of distinct action names so hostile input cannot grow
// memory without limit.
const (
	maxRecordedCalls  = 20000
	maxCountedActions = 256
	maxRecordedValue  = 256
	otherActionsKey   = "(other)"
)

// callLog records calls. It is guarded by Server.mu.
type callLog struct {
	seq    int64
	calls  []Call // ring buffer once full
	next   int
	full   bool
	counts map[string]int
}

func newCallLog() *callLog { return &callLog{counts: map[string]int{}} }

func (l *callLog) add(c Call) {
	l.seq++
	c.Seq = l.seq
	c.Action = truncate(c.Action, 128)
	for k, v := range c.Params {
		c.Params[k] = truncate(v, maxRecordedValue)
	}
	key := c.Action
	if _, ok := l.counts[key]; !ok && len(l.counts) >= maxCountedActions {
		key = otherActionsKey
	}
	l.counts[key]++
	if !l.full {
		l.calls = append(l.calls, c)
		if len(l.calls) == maxRecordedCalls {
			l.full = true
		}
		return
	}
	l.calls[l.next] = c
	l.next = (l.next + 1) % maxRecordedCalls
}

// list returns the recorded calls for action (all if empty), oldest first.
func (l *callLog) list(action string) []Call {
	ordered := l.calls
	if l.full {
		ordered = append(append([]Call{}, l.calls[l.next:]...), l.calls[:l.next]...)
	}
	out := []Call{}
	for _, c := range ordered {
		if action == "" || c.Action == action {
			c.Params = maps.Clone(c.Params)
			out = append(out, c)
		}
	}
	return out
}

func (l *callLog) count(action string) int {
	if action == "" {
		return int(l.seq)
	}
	return l.counts[action]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
