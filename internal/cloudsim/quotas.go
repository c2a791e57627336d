package cloudsim

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// Quotas are the API's flow control, as the clouds document it: calls a
// second per API for one AccessKey (or, with PerAccount, for the whole
// main account, which every key of the account and the console share). A
// call over its quota is answered Throttling.User, "Request was denied due
// to user flow control." (HTTP 400), as the real API answers it, and has no
// effect. Quotas count wall-clock seconds whatever the simulated clock's
// speed: they bound what clients send, not what the cloud does. Off by
// default; SetQuotas, PUT /_cloudsim/quotas or the command's --quotas.
//
//	{"perSecond": {"DescribeRouterInterfaces": 20, "*": 50}, "perAccount": true}
type Quotas struct {
	// PerSecond maps an Alibaba Action to its calls a second; "*" is the
	// quota of every action without its own. A call of an action with no
	// quota is never throttled.
	PerSecond map[string]float64 `json:"perSecond,omitempty" yaml:"perSecond,omitempty"`
	// Burst is how many calls may come at once after a quiet spell
	// (default: one second's worth, at least 1).
	Burst int `json:"burst,omitempty" yaml:"burst,omitempty"`
	// PerAccount counts the calls of every key of a main account together.
	PerAccount bool `json:"perAccount,omitempty" yaml:"perAccount,omitempty"`
}

// Validate rejects quotas that cannot mean anything.
func (q Quotas) Validate() error {
	var errs []error
	if len(q.PerSecond) > maxQuirkActions {
		errs = append(errs, fmt.Errorf("perSecond: at most %d actions", maxQuirkActions))
	}
	for action, r := range q.PerSecond {
		if !(r > 0) || math.IsInf(r, 0) {
			errs = append(errs, fmt.Errorf("perSecond[%q] must be a positive number of calls a second, not %v", action, r))
		}
	}
	if q.Burst < 0 {
		errs = append(errs, errors.New("burst must not be negative"))
	}
	return errors.Join(errs...)
}

// quotaState keeps a token bucket per (key or account, action).
type quotaState struct {
	cfg     Quotas
	buckets map[string]*rate.Limiter
}

func newQuotaState(q Quotas) *quotaState {
	return &quotaState{cfg: q, buckets: map[string]*rate.Limiter{}}
}

// allow takes one call of action by who from its quota; false: throttled.
func (q *quotaState) allow(who, action string, now time.Time) bool {
	limit, ok := q.cfg.PerSecond[action]
	if !ok {
		if limit, ok = q.cfg.PerSecond["*"]; !ok {
			return true
		}
	}
	k := who + "\x00" + action
	b := q.buckets[k]
	if b == nil {
		burst := q.cfg.Burst
		if burst == 0 {
			burst = max(1, int(math.Ceil(limit)))
		}
		b = rate.NewLimiter(rate.Limit(limit), burst)
		q.buckets[k] = b
	}
	return b.AllowN(now, 1)
}

// SetQuotas replaces the quotas; their buckets start full.
func (s *Server) SetQuotas(q Quotas) error {
	if err := q.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quotas = newQuotaState(q)
	return nil
}

// Quotas returns the quotas in force.
func (s *Server) Quotas() Quotas {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.quotas.cfg
}

// overQuota tells whether a call of action by key is over its quota (and
// takes it from the quota if not).
func (s *Server) overQuota(key *accessKey, action string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	who := key.id
	if s.quotas.cfg.PerAccount {
		who = key.accountUID
	}
	if s.quotas.allow(who, action, time.Now()) {
		return nil
	}
	return newAPIError(http.StatusBadRequest, "Throttling.User", "Request was denied due to user flow control.")
}
