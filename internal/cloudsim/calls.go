package cloudsim

import (
	"maps"
	"strings"
	"time"
	"unicode/utf8"
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
	// Action is the Alibaba Action or, for APIG, "ListEndpointConnections"
	// (at most 128 bytes are kept).
	Action string `json:"action"`
	// AccessKeyID is the Alibaba AccessKeyId or the Huawei AK, cut to 64
	// bytes (it is recorded even when authentication fails, so it is
	// whatever the client sent); token callers are recorded as "token".
	AccessKeyID string `json:"accessKeyId,omitempty"`
	// Params are the request parameters of a call that passed
	// authentication (values cut to 256 bytes): the Alibaba query/form
	// parameters without Signature, SecurityToken and BearerToken; for
	// APIG the path parameters project_id and instance_id plus the query.
	// A call refused before or by authentication records none (an unknown
	// path records only "path", and for APIG "method").
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

// Call-log bounds: the log keeps the most recent calls, no more than
// maxRecordedCalls of them and no more than maxRecordedCallBytes of
// estimated size (hostile calls are large, honest ones small, so a count
// alone does not bound memory); counts are kept for the actions cloudsim
// serves and for a bounded number of other names, so hostile input cannot
// grow memory without limit nor push a real action out of the counts.
const (
	maxRecordedCalls       = 20000
	maxRecordedCallBytes   = 32 << 20
	maxCountedActions      = 256
	maxRecordedValue       = 256
	maxRecordedAction      = 128
	maxRecordedAccessKeyID = 64
	otherActionsKey        = "(other)"
)

// recordedCall is a Call with its estimated size, kept so that dropping
// it need not estimate again.
type recordedCall struct {
	call Call
	size int
}

// callLog records calls. It is guarded by Server.mu.
type callLog struct {
	maxCalls int
	maxBytes int
	seq      int64
	kept     []recordedCall // oldest first, from kept[head]
	head     int
	bytes    int // estimated size of kept[head:]
	counts   map[string]int
	// codes counts the error codes answered, as counts does actions (at
	// most maxCountedActions of them, the rest under otherActionsKey).
	codes map[string]int
}

func newCallLog(maxCalls, maxBytes int) *callLog {
	return &callLog{maxCalls: maxCalls, maxBytes: maxBytes, counts: map[string]int{}, codes: map[string]int{}}
}

func (l *callLog) add(c Call) {
	l.seq++
	c.Seq = l.seq
	c.Action = truncate(c.Action, maxRecordedAction)
	c.AccessKeyID = truncate(c.AccessKeyID, maxRecordedAccessKeyID)
	for k, v := range c.Params {
		c.Params[k] = truncate(v, maxRecordedValue)
	}
	key := c.Action
	if _, ok := l.counts[key]; !ok && len(l.counts) >= maxCountedActions && !servedAction(key) {
		key = otherActionsKey
	}
	l.counts[key]++
	if c.Code != "" {
		code := truncate(c.Code, maxRecordedAction)
		if _, ok := l.codes[code]; !ok && len(l.codes) >= maxCountedActions {
			code = otherActionsKey
		}
		l.codes[code]++
	}

	size := estimatedCallSize(c)
	l.kept = append(l.kept, recordedCall{call: c, size: size})
	l.bytes += size
	// The newest call stays even if it alone were over the budget (no call
	// can be: names and values are bounded).
	for l.len() > 1 && (l.len() > l.maxCalls || l.bytes > l.maxBytes) {
		l.bytes -= l.kept[l.head].size
		l.kept[l.head] = recordedCall{} // let the collector have it
		l.head++
	}
	// Move the kept calls to the front once the dropped ones fill half the
	// slice: the slice stops growing and each call is copied O(1) times.
	if l.head > 0 && l.head >= len(l.kept)/2 {
		n := copy(l.kept, l.kept[l.head:])
		clear(l.kept[n:])
		l.kept = l.kept[:n]
		l.head = 0
	}
}

func (l *callLog) len() int { return len(l.kept) - l.head }

// servedAction reports whether name is an action cloudsim serves; those
// are always counted under their own name.
func servedAction(name string) bool {
	_, ok := alibabaActions[name]
	return ok || name == huaweiActionListEndpointConnections || name == huaweiActionAcceptOrRejectConnections
}

// list returns the recorded calls for action (all if empty), oldest first.
func (l *callLog) list(action string) []Call {
	out := []Call{}
	for _, rc := range l.kept[l.head:] {
		if action == "" || rc.call.Action == action {
			c := rc.call
			c.Params = maps.Clone(c.Params)
			out = append(out, c)
		}
	}
	return out
}

// codeCount is how many answers had the error code code.
func (l *callLog) codeCount(code string) int { return l.codes[code] }

func (l *callLog) count(action string) int {
	if action == "" {
		return int(l.seq)
	}
	return l.counts[action]
}

// Estimated size of a recorded call. It is an upper bound on the call's
// JSON in GET /_cloudsim/calls, which is what a hostile client would make
// large, plus what a map entry of Params costs in memory.
const (
	// callJSONOverhead covers the field names, punctuation, Seq, Time,
	// Status, Injected and Lost (about 200 bytes of JSON).
	callJSONOverhead = 256
	// paramOverhead covers ':' and ',' between parameters and a map
	// entry's headers and hash bucket slot.
	paramOverhead = 64
)

func estimatedCallSize(c Call) int {
	n := callJSONOverhead + jsonStringSize(c.Cloud) + jsonStringSize(c.Action) + jsonStringSize(c.AccessKeyID) +
		jsonStringSize(c.Code) + jsonStringSize(c.RequestID)
	for k, v := range c.Params {
		n += paramOverhead + jsonStringSize(k) + jsonStringSize(v)
	}
	return n
}

// jsonStringSize is an upper bound on the length of s as a JSON string,
// quotes included, as encoding/json writes it with or without HTML
// escaping: a control character, <, >, &, U+2028, U+2029 or an invalid
// byte may take six bytes (\u00XX, \ufffd).
func jsonStringSize(s string) int {
	n := 2
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				n += 2
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
			n += 6
		} else {
			n += size
		}
		i += size
	}
	return n
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
