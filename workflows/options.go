package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

const (
	// callTimeout bounds one attempt of one cloud call. The Alibaba SDK gives
	// up after a 5 s connect and a 10 s read, so 30 s is never the limit
	// unless the worker itself is stuck.
	callTimeout = 30 * time.Second
	// callRetryBudget bounds all attempts of one call: long enough to ride out
	// throttling and a busy resource, short enough that a person hears of a
	// cloud that stays broken.
	callRetryBudget = 10 * time.Minute
	// waitHeartbeat is how long a wait may go without a heartbeat before
	// Temporal retries it on another worker, for waits of up to 10 minutes
	// (longer ones: waitHeartbeatFor). Waits heartbeat from the read before
	// their first pause that ends past a third of it, then after every
	// read, at most 10 s apart, plus one call's 15 s of SDK timeouts.
	waitHeartbeat = 30 * time.Second
	// MaxWaitHeartbeat is the longest heartbeat timeout of a wait, that of
	// waits of an hour or more.
	MaxWaitHeartbeat = 3 * time.Minute
	// waitSlack lets a wait's last read, and its retries, finish past the
	// deadline the activity checks itself.
	waitSlack = 2 * time.Minute
)

// retryPolicy is the policy of every activity. Permanent cloud errors are
// non-retryable ApplicationErrors and stop it at once; throttled and busy
// ones set their own NextRetryDelay.
var retryPolicy = &temporal.RetryPolicy{
	InitialInterval:    time.Second,
	BackoffCoefficient: 2,
	MaximumInterval:    30 * time.Second,
}

// withCall sets the options of a single cloud call. The summary is what the
// Web UI shows for the activity.
func withCall(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: callTimeout, ScheduleToCloseTimeout: callRetryBudget, RetryPolicy: retryPolicy, Summary: summary})
}

// withChangeCall sets the options of a single cloud call that changes
// something (a connect, a publish). Once the change recovers
// (historyShape.recovers), a cancel waits for the call's answer instead of
// leaving it behind: the change then knows what it changed, to report and
// to roll back. The call is short (callTimeout), so the cancel waits
// seconds at most.
func withChangeCall(ctx workflow.Context, shape historyShape, summary string) workflow.Context {
	ctx = withCall(ctx, summary)
	if shape.recovers() {
		ctx = workflow.WithWaitForCancellation(ctx, true)
	}
	return ctx
}

// read starts a short call that changes nothing in the cloud (a read, a
// DryRun). In a lean history it is a local activity: it runs in the worker
// that runs the workflow, without an activity task's round trips through the
// server, and is recorded as one marker; it retries as an activity does, with
// the same NextRetryDelay for throttling. A worker lost before the workflow
// task completes runs it again, which a read can afford.
func (h historyShape) read(ctx workflow.Context, summary string, activity, arg any) workflow.Future {
	if h.lean() {
		return workflow.ExecuteLocalActivity(withLocalCall(ctx, summary), activity, arg)
	}
	return workflow.ExecuteActivity(withCall(ctx, summary), activity, arg)
}

// withLocalCall sets the same options for a single cloud call run as a
// local activity.
func withLocalCall(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: callTimeout, ScheduleToCloseTimeout: callRetryBudget, RetryPolicy: retryPolicy, Summary: summary})
}

// withWait sets the options of a heartbeating wait that ends by itself at
// its deadline.
func withWait(ctx workflow.Context, timeout time.Duration, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    timeout + waitSlack,
		ScheduleToCloseTimeout: timeout + waitSlack,
		HeartbeatTimeout:       waitHeartbeatFor(timeout),
		RetryPolicy:            retryPolicy,
		Summary:                summary,
	})
}

// waitHeartbeatFor is the heartbeat timeout of a wait that may take timeout:
// a twentieth of it, from 30 s (a wait of 10 minutes or less) to 3 minutes
// (an hour or more). The SDK sends a wait's heartbeats 80 % of that apart,
// and each one the server takes is a write of the workflow's state and a
// billable Temporal Cloud action: 10,000 waits of 30 s heartbeat about 400
// times a second, which one small server cannot write (docs/benchmarks.md);
// with 3 minutes, 70. The price is the hand-over when a worker dies without
// stopping (a stopping worker hands its waits over at once): a wait of an
// hour resumes on another worker up to 3 minutes later, a twentieth of its
// budget, where a wait of 10 minutes resumes within 30 s. A cancelled
// change's wait learns of it at its next heartbeat; the change does not
// wait for it.
//
// The heartbeat timeout is not part of what a replay compares: a running
// wait keeps the timeout it was scheduled with.
func waitHeartbeatFor(timeout time.Duration) time.Duration {
	return min(max(waitHeartbeat, timeout/20), MaxWaitHeartbeat)
}
