package cloudsim

import (
	"errors"
	"fmt"
	"maps"
	"time"
)

// Quirks make cloudsim play the harsher reading of the API documents, or
// the misbehaviour of the network in front of a real cloud. All are off by
// default.
//
// JSON (admin API PUT /_cloudsim/quirks, command flag --quirks) uses the
// field names of the tags:
//
//	{
//	  "totalCountPerPage": true,
//	  "idleReadsAfterConnect": 2,
//	  "publishingReadsAfterPublish": 1,
//	  "onlyOneConnectionFirst": true,
//	  "lostResponses": {"ConnectRouterInterface": 1},
//	  "badGateway": {"DescribeRouterInterfaces": 2, "ListEndpointConnections": 1},
//	  "retryAfter": "2s"
//	}
type Quirks struct {
	// TotalCountPerPage answers TotalCount of DescribeRouterInterfaces,
	// DescribeVcoRouteEntries and DescribeVpnCrossAccountAuthorizations,
	// and total of the APIG connection listing, as the number of entries
	// in the page answered rather than the number that match: the
	// documents call TotalCount "the number of entries returned", which
	// allows this reading. A client that pages until it has TotalCount
	// entries stops after the first page.
	TotalCountPerPage bool `json:"totalCountPerPage,omitempty" yaml:"totalCountPerPage,omitempty"`
	// IdleReadsAfterConnect is a read-after-write lag: after a successful
	// ConnectRouterInterface of an interface, the next N
	// DescribeRouterInterfaces answers that include it show its Status as
	// it was before the connect (Idle), whatever it is by then. Each
	// answer that includes the interface counts one; a new connect of it
	// starts the count afresh. Writes and State() see the real status.
	IdleReadsAfterConnect int `json:"idleReadsAfterConnect,omitempty" yaml:"idleReadsAfterConnect,omitempty"`
	// PublishingReadsAfterPublish is the same lag for routes: after a
	// (non-DryRun) PublishVpcRouteEntries moved an entry to Publishing for
	// a target, the next N ListVpcPublishedRouteEntries answers that
	// include the entry's status towards that target show Publishing,
	// whatever it is by then.
	PublishingReadsAfterPublish int `json:"publishingReadsAfterPublish,omitempty" yaml:"publishingReadsAfterPublish,omitempty"`
	// PublishedReadsAfterWithdraw is the same lag after a withdraw: the
	// next N reads of an entry WithdrawVpcPublishedRouteEntries moved to
	// Withdrawing show it as it was (Published).
	PublishedReadsAfterWithdraw int `json:"publishedReadsAfterWithdraw,omitempty" yaml:"publishedReadsAfterWithdraw,omitempty"`
	// ActiveReadsAfterDeactivate and InactiveReadsAfterActivate are the
	// lag after DeactivateRouterInterface (reads show Active) and
	// ActivateRouterInterface (reads show Inactive).
	ActiveReadsAfterDeactivate int `json:"activeReadsAfterDeactivate,omitempty" yaml:"activeReadsAfterDeactivate,omitempty"`
	InactiveReadsAfterActivate int `json:"inactiveReadsAfterActivate,omitempty" yaml:"inactiveReadsAfterActivate,omitempty"`
	// EndpointReadsAfterAction is the same lag for Huawei APIG: the next N
	// reads (ListEndpointConnections) of a connection that
	// AcceptOrRejectEndpointConnections moved show the status it had.
	EndpointReadsAfterAction int `json:"endpointReadsAfterAction,omitempty" yaml:"endpointReadsAfterAction,omitempty"`
	// OnlyOneConnectionFirst makes ConnectRouterInterface check
	// Forbidden.OnlyOneConnection right after the role, before the
	// IncorrectRIStatus check: a second connect of a Connecting interface
	// (whose peer is AcceptingConnecting) answers "Cannot connect
	// concurrently between same routers" instead of IncorrectRIStatus.
	OnlyOneConnectionFirst bool `json:"onlyOneConnectionFirst,omitempty" yaml:"onlyOneConnectionFirst,omitempty"`
	// OneConnectPerRouter reads "You cannot initiate a connection on the
	// same router" (Forbidden.OnlyOneConnection, ConnectRouterInterface)
	// harshly: a connect while another interface of the same router is
	// Connecting (or AcceptingConnecting) answers Forbidden.OnlyOneConnection
	// "Cannot connect concurrently between same routers", whatever routers
	// the two connect to.
	OneConnectPerRouter bool `json:"oneConnectPerRouter,omitempty" yaml:"oneConnectPerRouter,omitempty"`
	// OneWritePerRouteTable reads IncorrectStatus.RouteTable ("The
	// specified routing table is in the wrong state") as a table busy with
	// a write: a publish or withdraw (DryRun too) naming an entry of a route
	// table while an entry of that table is Publishing or Withdrawing, to
	// any target, answers IncorrectStatus.RouteTable.
	OneWritePerRouteTable bool `json:"oneWritePerRouteTable,omitempty" yaml:"oneWritePerRouteTable,omitempty"`
	// LostResponses maps an action (Alibaba Action, or
	// "ListEndpointConnections") to a count: the next that many calls of
	// it that succeed are applied, state changes included, and then the
	// connection is closed without a response, as when an answer is lost
	// on the way back. Error answers are answered and do not count. The
	// call log marks such calls Lost.
	LostResponses map[string]int `json:"lostResponses,omitempty" yaml:"lostResponses,omitempty"`
	// BadGateway maps an action to a count: the next that many calls of it
	// are answered by the load balancer in front of the API, as when its
	// backend is down: HTTP 502 with an HTML page, before authentication
	// and without any state change. The Alibaba action is read from the
	// URL query only.
	BadGateway map[string]int `json:"badGateway,omitempty" yaml:"badGateway,omitempty"`
	// RetryAfter, when set, is sent as the header x-acs-retry-after (in
	// milliseconds) with every Throttling answer of the Alibaba API (the
	// random throttle fault and scripted faults whose code starts with
	// "Throttling"). At most 5 minutes.
	RetryAfter Duration `json:"retryAfter,omitempty" yaml:"retryAfter,omitempty"`
	// RAMDenialCode, when set, is the code of the answer to a call a key's
	// RAM policy does not allow, instead of Forbidden.RAM with its
	// AccessDeniedDetail: "Forbidden" or "NoPermission", as some APIs
	// answer, naming no action.
	RAMDenialCode string `json:"ramDenialCode,omitempty" yaml:"ramDenialCode,omitempty"`
}

// maxRetryAfter is the longest RetryAfter accepted; longer is beyond
// every SDK timeout and more likely a typo than a wish.
const maxRetryAfter = 5 * time.Minute

// maxQuirkActions bounds the action maps, as the call log bounds the
// action names it counts.
const maxQuirkActions = 256

// Validate rejects values that cannot mean anything.
func (q Quirks) Validate() error {
	var errs []error
	if q.IdleReadsAfterConnect < 0 {
		errs = append(errs, fmt.Errorf("idleReadsAfterConnect must not be negative"))
	}
	for name, n := range map[string]int{"publishingReadsAfterPublish": q.PublishingReadsAfterPublish,
		"publishedReadsAfterWithdraw": q.PublishedReadsAfterWithdraw, "activeReadsAfterDeactivate": q.ActiveReadsAfterDeactivate,
		"inactiveReadsAfterActivate": q.InactiveReadsAfterActivate, "endpointReadsAfterAction": q.EndpointReadsAfterAction} {
		if n < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative", name))
		}
	}
	for _, field := range []struct {
		name   string
		counts map[string]int
	}{{"lostResponses", q.LostResponses}, {"badGateway", q.BadGateway}} {
		name, counts := field.name, field.counts
		if len(counts) > maxQuirkActions {
			errs = append(errs, fmt.Errorf("%s: at most %d actions", name, maxQuirkActions))
		}
		for action, n := range counts {
			if action == "" {
				errs = append(errs, fmt.Errorf("%s: empty action name", name))
			}
			if n < 0 {
				errs = append(errs, fmt.Errorf("%s[%s]: count must not be negative", name, action))
			}
		}
	}
	if q.RAMDenialCode != "" && q.RAMDenialCode != "Forbidden" && q.RAMDenialCode != "NoPermission" {
		errs = append(errs, fmt.Errorf("ramDenialCode %q: want Forbidden or NoPermission", q.RAMDenialCode))
	}
	if q.RetryAfter < 0 || q.RetryAfter.Std() > maxRetryAfter {
		errs = append(errs, fmt.Errorf("retryAfter must be between 0 and %s", maxRetryAfter))
	}
	return errors.Join(errs...)
}

// quirkState is the quirks in force with what they have counted so far.
// It is guarded by Server.mu.
type quirkState struct {
	// cfg holds the quirks as set; its LostResponses and BadGateway hold
	// the remaining counts, without entries that reached zero.
	cfg Quirks
	lag readLag
}

func newQuirkState(q Quirks) *quirkState {
	qs := &quirkState{cfg: q, lag: newReadLag()}
	qs.cfg.LostResponses = remainingCounts(q.LostResponses)
	qs.cfg.BadGateway = remainingCounts(q.BadGateway)
	return qs
}

// remainingCounts copies counts without the zero entries, so the caller's
// map is never changed as calls use them up.
func remainingCounts(counts map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range counts {
		if v > 0 {
			out[k] = v
		}
	}
	return out
}

// useCount uses up one count of action, reporting whether one was left.
func useCount(counts map[string]int, action string) bool {
	n := counts[action]
	if n <= 0 {
		return false
	}
	if n == 1 {
		delete(counts, action)
	} else {
		counts[action] = n - 1
	}
	return true
}

// snapshot returns the quirks with remaining counts; empty maps are nil
// so they drop out of the JSON.
func (qs *quirkState) snapshot() Quirks {
	q := qs.cfg
	q.LostResponses, q.BadGateway = nil, nil
	if len(qs.cfg.LostResponses) > 0 {
		q.LostResponses = maps.Clone(qs.cfg.LostResponses)
	}
	if len(qs.cfg.BadGateway) > 0 {
		q.BadGateway = maps.Clone(qs.cfg.BadGateway)
	}
	return q
}

// SetQuirks replaces the quirks. Counts (lost responses, bad gateways, and
// the reads a lag has left) start afresh.
func (s *Server) SetQuirks(q Quirks) error {
	if err := q.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quirks = newQuirkState(q)
	return nil
}

// Quirks returns the quirks in force, with the counts of LostResponses and
// BadGateway as remaining.
func (s *Server) Quirks() Quirks {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.quirks.snapshot()
}
