package activities

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/temporal"
	"golang.org/x/time/rate"

	"github.com/vpcflow/vpcflow/contract"
)

// A cloud account's API quota is per API, per region and per account, and
// the console and every other tool of the account spend it too. CallLimits
// keeps one worker's calls of each API in each region under its share of
// that quota, and backs off when the cloud throttles all the same (another
// tool spent the quota, or the share was set too high): the limit halves on
// a throttle and climbs back a tenth of its ceiling at a time once
// throttles have stopped. (The throttled call itself is retried after the
// answer's Retry-After, capped: CloudError.) The other calls of the API are
// not held for that Retry-After: a cloud that throttles some calls at
// random, not for their rate, would stop them all. Calls the server-side
// limit of the task queue cannot see (a wait's reads, inside one long
// activity) are held here; how the account's quota is split between the
// two, and between workers, is in docs/operations.md ("The account's API
// quota").

// CallQuota is an API's documented quota: calls per minute, per region and
// per account, and where the figure comes from.
type CallQuota struct {
	Operation string
	PerMinute float64
	Source    string
}

// Quota sources.
const (
	quotaExpressConnect = "Alibaba Cloud Express Connect quotas (api-vpc-2016-04-28-quota-express-connect)"
	quotaGuess          = "not published: a guess at the lowest documented VPC figure (DeactivateRouterInterface's 300 a minute); set yours from the Quota Center"
	quotaGuessRead      = "not published: a guess at a read's figure (EIP's DescribeEipAddresses is 600 a minute); set yours from the Quota Center"
	quotaHuaweiGuess    = "not published per API for APIG's management API: a guess; Huawei Cloud throttles with APIGW.0308"
)

// DefaultCallQuotas are the quotas vpcflow assumes for the APIs it calls.
// The account's real figures are in Alibaba Cloud's Quota Center (and can
// be raised there); the worker's -call-quotas sets them.
var DefaultCallQuotas = []CallQuota{
	{"ListVpcPublishedRouteEntries", 1200, quotaExpressConnect},
	{"DeactivateRouterInterface", 300, quotaExpressConnect},
	{"ActivateRouterInterface", 300, quotaGuess},
	{"ConnectRouterInterface", 300, quotaGuess},
	{"PublishVpcRouteEntries", 300, quotaGuess},
	{"WithdrawVpcPublishedRouteEntries", 300, quotaGuess},
	{"DescribeRouterInterfaces", 600, quotaGuessRead},
	{"DescribeVcoRouteEntries", 600, quotaGuessRead},
	{"DescribeVpnCrossAccountAuthorizations", 600, quotaGuessRead},
	{"ListEndpointConnections", 600, quotaHuaweiGuess},
	{"AcceptOrRejectEndpointConnections", 300, quotaHuaweiGuess},
}

// DefaultQuotaShare is the part of each quota vpcflow's workers take
// together, leaving the rest to the console and the account's other tools.
const DefaultQuotaShare = 0.5

// maxCallQueue is the longest a call waits for its limit inside the
// activity. Longer, it is not made: the activity (or the wait's read)
// fails with CallLimited and is retried when the limit has room, so no
// activity slot, and no wait's heartbeat, is held for it.
const maxCallQueue = 5 * time.Second

// Adaptive limit: how far a throttle lowers the limit (never below a
// sixteenth of the ceiling), how long without a throttle before it climbs,
// and how often it climbs by a tenth of the ceiling.
const (
	throttleCut   = 0.5
	lowestShare   = 1.0 / 16
	climbAfter    = 30 * time.Second
	climbInterval = 5 * time.Second
)

// CallLimits holds a worker's limits, per API and region. Its zero value
// and nil limit nothing; it is safe for concurrent use.
type CallLimits struct {
	perSecond map[string]float64 // the ceiling by operation; "*" for the others
	now       func() time.Time

	mu   sync.Mutex
	apis map[apiRegion]*apiLimit
}

type apiRegion struct{ operation, region string }

// apiLimit is one API's limit in one region.
type apiLimit struct {
	limiter   *rate.Limiter
	ceiling   float64   // calls per second the limit climbs back to
	throttled time.Time // the last throttle
	climbed   time.Time // the last climb
}

// NewCallLimits limits each API to share of its quota, split between
// workers (the number of workers sharing the account's quota): quotas by
// operation, in calls per minute, "*" for the APIs not named.
func NewCallLimits(quotas map[string]float64, share float64, workers int) (*CallLimits, error) {
	if share <= 0 || share > 1 {
		return nil, fmt.Errorf("quota share %v: want more than 0 and at most 1", share)
	}
	if workers < 1 {
		return nil, fmt.Errorf("workers %d: want at least 1", workers)
	}
	perSecond := make(map[string]float64, len(quotas))
	for op, perMinute := range quotas {
		if perMinute <= 0 {
			return nil, fmt.Errorf("quota of %s: %v calls a minute; want more than 0", op, perMinute)
		}
		perSecond[op] = perMinute / 60 * share / float64(workers)
	}
	return &CallLimits{perSecond: perSecond}, nil
}

// DefaultQuotas is DefaultCallQuotas by operation.
func DefaultQuotas() map[string]float64 {
	m := make(map[string]float64, len(DefaultCallQuotas))
	for _, q := range DefaultCallQuotas {
		m[q.Operation] = q.PerMinute
	}
	return m
}

func (c *CallLimits) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// limitOf is operation's limit in region; nil when it has none.
func (c *CallLimits) limitOf(operation, region string) *apiLimit {
	if c == nil || c.perSecond == nil {
		return nil
	}
	ceiling, ok := c.perSecond[operation]
	if !ok {
		if ceiling, ok = c.perSecond["*"]; !ok {
			return nil
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := apiRegion{operation, region}
	l := c.apis[key]
	if l == nil {
		if c.apis == nil {
			c.apis = map[apiRegion]*apiLimit{}
		}
		// A burst of a second's calls (at least one): the clouds count
		// per second or per minute, so a second's worth at once is within.
		l = &apiLimit{limiter: rate.NewLimiter(rate.Limit(ceiling), max(1, int(ceiling))), ceiling: ceiling}
		c.apis[key] = l
	}
	return l
}

// take waits until operation may be called in region, for at most
// maxCallQueue: a call that would wait longer is not made, and the error
// (CallLimited, retryable after the wait the limit gives) says so.
func (c *CallLimits) take(ctx context.Context, operation, region string) error {
	l := c.limitOf(operation, region)
	if l == nil {
		return nil
	}
	c.mu.Lock()
	now := c.clock()
	r := l.limiter.ReserveN(now, 1)
	c.mu.Unlock()
	delay := r.DelayFrom(now)
	if delay > maxCallQueue {
		r.CancelAt(now)
		return callLimited(operation, region, delay)
	}
	if delay <= 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}

// throttled lowers operation's limit in region after the cloud throttled a
// call, and returns the new limit (changed is false without a limit).
func (c *CallLimits) throttled(operation, region string) (limit float64, changed bool) {
	l := c.limitOf(operation, region)
	if l == nil {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock()
	l.throttled = now
	limit = max(float64(l.limiter.Limit())*throttleCut, l.ceiling*lowestShare)
	l.limiter.SetLimitAt(now, rate.Limit(limit))
	return limit, true
}

// answered lets operation's limit in region climb back towards its
// ceiling after a call the cloud did not throttle, once throttles have
// stopped for climbAfter; changed says whether it climbed, to limit.
func (c *CallLimits) answered(operation, region string) (limit float64, changed bool) {
	l := c.limitOf(operation, region)
	if l == nil {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock()
	limit = float64(l.limiter.Limit())
	if limit >= l.ceiling || now.Sub(l.throttled) < climbAfter || now.Sub(l.climbed) < climbInterval {
		return limit, false
	}
	l.climbed = now
	limit = min(l.ceiling, limit+l.ceiling/10)
	l.limiter.SetLimitAt(now, rate.Limit(limit))
	return limit, true
}

// Limit is operation's limit in region now, in calls per second; 0 when it
// has none.
func (c *CallLimits) Limit(operation, region string) float64 {
	l := c.limitOf(operation, region)
	if l == nil {
		return 0
	}
	return float64(l.limiter.Limit())
}

func callLimited(operation, region string, wait time.Duration) error {
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf(
		"%s in %s: held back by this worker's limit for the API (its share of the account's quota), the next call in %s",
		operation, region, wait.Round(time.Millisecond)), contract.CallLimitedType,
		temporal.ApplicationErrorOptions{NextRetryDelay: wait})
}
