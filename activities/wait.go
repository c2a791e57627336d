package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/redact"
)

// PollSchedule paces a wait. Without history it is a backoff: the first
// poll follows the first read after First, each later pause grows by Factor
// up to Max; starting fast catches quick transitions, backing off keeps a
// long wait from spending the account's API quota. Once the worker has seen
// waits of the same kind end (poll_learn.go), it polls sparsely (pauses up
// to Max) until the window in which they ended, every First inside it, and
// backs off from First again after it. Max also bounds every pause, so a
// wait heartbeats at least that often once it heartbeats at all.
type PollSchedule struct {
	First  time.Duration `json:"First"`
	Max    time.Duration `json:"Max"`
	Factor float64       `json:"Factor"`
	// Static turns the learning off: every wait follows the backoff alone.
	Static bool `json:"Static,omitempty"`
}

// DefaultPollSchedule polls after 1 s, then backs off by 1.5x to every 10 s,
// and learns from the waits it sees.
var DefaultPollSchedule = PollSchedule{First: time.Second, Max: 10 * time.Second, Factor: 1.5}

func (s PollSchedule) orDefault() PollSchedule {
	if s.First <= 0 || s.Max <= 0 || s.Factor < 1 {
		d := DefaultPollSchedule
		d.Static = s.Static
		return d
	}
	return s
}

func (s PollSchedule) after(pause time.Duration) time.Duration {
	if pause <= 0 {
		return s.First
	}
	return min(time.Duration(float64(pause)*s.Factor), s.Max)
}

// pauseAfterMiss is how long to wait before the next read when the read
// that just ended, elapsed after the wait's origin (its write or its
// scheduling: PollProgress.WriteLead), did not see the target. w is where
// recent waits of the kind saw theirs (known says whether there are any);
// p.Pause carries the backoff from one read to the next.
//
//   - Nothing known: the backoff (First, then xFactor up to Max).
//   - Before the window: evenly spaced pauses of at most Max that land on
//     the window's start.
//   - Inside the window, which reaches past the latest sighting by 2*First
//     or half the window's width, whichever is more (reads there cost only
//     waits whose target is late, and a target a little later than any
//     remembered is common: 16 waits do not show a spread's whole tail,
//     and the time from the cloud's change to the wait's start varies with
//     the worker's load):
//     every First, or every width/maxDenseReads if the window is wider than
//     maxDenseReads*First, never more than Max.
//   - After it (the target is late): the backoff again, from that pace.
func (s PollSchedule) pauseAfterMiss(elapsed time.Duration, p *PollProgress, w flipWindow, known bool) time.Duration {
	if !known {
		p.Pause = s.after(p.Pause)
		return p.Pause
	}
	end := w.to + max(2*s.First, (w.to-w.from)/2)
	pace := min(max(s.First, (end-w.from)/maxDenseReads), s.Max)
	switch {
	case elapsed+pace/2 < w.from:
		remaining := w.from - elapsed
		reads := (remaining + s.Max - 1) / s.Max
		return remaining / reads
	case elapsed < end:
		p.Pause = pace
		return pace
	default:
		p.Pause = s.after(p.Pause)
		return p.Pause
	}
}

// firstRead is how long a wait that has nothing to resume from, elapsed
// after its origin (its write, or its scheduling) when it starts, waits
// before its first read. At once, unless every remembered wait of its kind
// saw its target Max or more after its origin and this one has not reached
// that window yet: the workflow's own read or write just before the wait
// showed the target not reached, so a read at once would miss. The first
// read is then the first of the sparse reads that land on the window
// (pauseAfterMiss). A target already there is seen up to Max late; one
// that comes sooner than the window (a cloud that got faster) is
// remembered as coming between the origin and the read that saw it, and
// the window reaches back.
func (s PollSchedule) firstRead(elapsed time.Duration, w flipWindow, known bool) time.Duration {
	if !known || w.from < s.Max || elapsed+s.First/2 >= w.from {
		return 0
	}
	var p PollProgress
	return s.pauseAfterMiss(elapsed, &p, w, known)
}

// ReadAfterWriteGrace is how long after vpcflow's own write (a connect, a
// publish) a read that contradicts the write is taken as lagging behind
// it rather than as the answer: control planes are eventually consistent,
// and a read right after a write may still show the state before it. Past
// the grace the read is believed: an interface Idle after the connect, or
// a route NonPublished after the publish, ends its wait.
const ReadAfterWriteGrace = 30 * time.Second

// withinGrace tells whether a write made at wroteAt (zero: no write of
// ours) is recent enough for a contradicting read to be a lagging one.
func withinGrace(wroteAt time.Time) bool {
	return !wroteAt.IsZero() && time.Since(wroteAt) < ReadAfterWriteGrace
}

// handoverDelay is how soon Temporal retries a wait handed over by a
// stopping worker: another worker should take it now.
const handoverDelay = 200 * time.Millisecond

// PollProgress is a wait's heartbeat detail: a retried attempt (after a worker
// crash or a transient error) reads it and goes on from where the last one
// stopped instead of starting over.
type PollProgress struct {
	Polls              int           `json:"Polls"`
	Pause              time.Duration `json:"Pause"`
	LastState          string        `json:"LastState"`
	LastRequestId      string        `json:"LastRequestId"`
	ConsecutiveMatches int           `json:"ConsecutiveMatches,omitempty"`
	RequestIds         []string      `json:"RequestIds,omitempty"`
	// Missed is when, after the wait's origin (see WriteLead), the last
	// read that did not see the target was made: with the read that sees
	// it, it tells the worker when this kind of wait ends.
	Missed time.Duration `json:"Missed,omitempty"`
	// WriteLead is how long before the wait was scheduled the write it
	// follows (this change's connect, say) was answered. A wait times its
	// reads from that write when it has one, from its scheduling otherwise:
	// the cloud's transition starts at the write, however late a loaded
	// worker or server gets to the wait.
	WriteLead time.Duration `json:"WriteLead,omitempty"`
	// FailedReads counts the reads that failed since the last one that
	// answered, and LastError is the last one's error.
	FailedReads int32  `json:"FailedReads,omitempty"`
	LastError   string `json:"LastError,omitempty"`
	// RetriedReads counts the failed reads the wait retried itself, over
	// all its attempts.
	RetriedReads int32 `json:"RetriedReads,omitempty"`
}

// trace is what a wait's result reports of its reads, in the attempt of ctx.
func (p PollProgress) trace(ctx context.Context) CallTrace {
	return CallTrace{RequestIds: p.RequestIds, Attempt: activity.GetInfo(ctx).Attempt, CloudState: p.LastState, RetriedReads: p.RetriedReads, WriteLead: p.WriteLead}
}

// maxFailedReadsPerAttempt is how many reads in a row a wait retries itself
// before it fails its attempt, so that Temporal retries the wait (resuming
// from the heartbeat), possibly on a worker whose network works.
const maxFailedReadsPerAttempt = 5

// retryPause is how long a wait pauses after a read failed with err, the
// failed-th failure in a row; ok is false for an error the wait must return
// (not retryable, not a cloud call's, or too many in a row). Throttled and
// busy answers carry their own delay (CloudError, paced by failed, so a
// wait's earlier, answered-since failures do not slow it down); the others
// back off from First, doubling, to Max.
func (s PollSchedule) retryPause(err error, failed int32) (time.Duration, bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.NonRetryable() || failed > maxFailedReadsPerAttempt {
		return 0, false
	}
	if d := appErr.NextRetryDelay(); d > 0 {
		return d, true
	}
	pause := s.First
	for i := int32(1); i < failed && pause < s.Max; i++ {
		pause *= 2
	}
	return min(pause, s.Max), true
}

// maxTracedRequestIds bounds the RequestIds a wait keeps: the first few and
// the last one are what support needs, and heartbeat details stay small.
const maxTracedRequestIds = 8

func (p *PollProgress) observe(state, requestID string) {
	p.LastState = state
	p.LastRequestId = requestID
	if len(p.RequestIds) < maxTracedRequestIds {
		p.RequestIds = append(p.RequestIds, requestID)
	} else {
		p.RequestIds[len(p.RequestIds)-1] = requestID
	}
}

// pollCheck reads the cloud once, records what it saw in p, and says whether
// the target is reached. A returned error ends this attempt: Temporal retries
// it if it is retryable, and the next attempt resumes from the heartbeat.
type pollCheck func(ctx context.Context, p *PollProgress) (done bool, err error)

// learned is what a wait that saw its target at seen, after a miss at
// missed, teaches. When the read that saw it came at the window's start or
// before it, the read before was a sparse one, up to Max earlier, and the
// target may have come anywhere in between. It is taken to have come no
// earlier than First, plus however far before the window it was seen,
// before it was seen: at the window's start, the next window starts one
// First earlier (where a read tells more) instead of reaching back to the
// sparse read for the next rememberedWaits waits; well before the window,
// the cloud got faster, and the window reaches back nearly to the sparse
// read at once. Without a window (the backoff alone) the flip is cold.
func (s PollSchedule) learned(missed, seen time.Duration, w flipWindow, known bool) flip {
	if known && seen < w.from+s.First {
		missed = max(missed, seen-s.First-max(0, w.from-seen))
	}
	return flip{missed: missed, seen: seen, cold: !known}
}

// poll runs check until it is done, fails, or the deadline passes, paced by
// a.Poll and what the worker learned from earlier waits of the same kind
// (the activity type), all timed from wroteAt, the write of this change the
// wait follows (zero: none; the wait's scheduling instead): its first read
// at once or, when recent waits of the kind all took Max or more, a sparse
// pause later (firstRead). The whole wait is one activity, so the workflow
// history does not grow with the wait's length.
//
// A wait heartbeats its progress once it has run for a third of its
// heartbeat timeout, and after every read from then on (the SDK sends at most
// one heartbeat per 80% of the timeout to the server). A wait that ends
// sooner sends none: a heartbeat that reaches the server is a billable
// Temporal Cloud action, and a worker lost that early is detected by the
// heartbeat timeout all the same. The rule keeps heartbeats less than the
// timeout apart: the one before the first pause that would end past a third
// of the timeout is sent, and pauses never exceed Max.
func (a *CloudActivities) poll(ctx context.Context, deadline, wroteAt time.Time, what string, check pollCheck) (_ PollProgress, waitErr error) {
	s := a.Poll.orDefault()
	info := activity.GetInfo(ctx)
	var p PollProgress
	if activity.HasHeartbeatDetails(ctx) {
		// A detail that does not decode (an older worker's) only costs the resume.
		_ = activity.GetHeartbeatDetails(ctx, &p)
	}
	start := time.Now()
	// When the workflow scheduled the wait (the same for every attempt), or
	// this attempt's start if that is unknown.
	scheduled := info.ScheduledTime
	if scheduled.IsZero() || scheduled.After(start) {
		scheduled = start
	}
	// Reads are timed from the write the wait follows, when this change
	// made one (wroteAt), and from the scheduling otherwise. The write's
	// time is the clock of the worker that made it: skew between workers
	// shifts a window by as much, and a write "after" the scheduling is
	// taken as skew.
	origin := scheduled
	if !wroteAt.IsZero() && wroteAt.Before(scheduled) {
		origin = wroteAt
		p.WriteLead = scheduled.Sub(wroteAt)
	}
	kind := info.ActivityType.Name
	defer func() { observeWait(ctx, kind, scheduled, waitErr) }()
	memory := &a.waits
	if s.Static {
		memory = nil
	}
	quiet := info.HeartbeatTimeout / 3
	var window flipWindow
	var known bool
	// deferred: the first read came after a pause (firstRead), so the wait
	// missed its target at its start, as far as anyone read.
	var deferred bool
	var first time.Duration
	if p.Polls == 0 {
		window, known = memory.window(kind)
		first = max(0, min(s.firstRead(time.Since(origin), window, known), time.Until(deadline)))
		deferred = first > 0
	}
	timer := time.NewTimer(first)
	defer timer.Stop()
	stopping := activity.GetWorkerStopChannel(ctx)
	select {
	case <-ctx.Done():
		return p, ctx.Err()
	case <-stopping:
		return p, workerStopping(what, p)
	case <-timer.C:
	}
	for {
		readAt := time.Since(origin)
		p.Polls++
		observeRead(ctx, kind)
		done, err := check(withCallAttempt(ctx, p.FailedReads+1), &p)
		var pause time.Duration
		switch {
		case err != nil:
			p.FailedReads++
			p.LastError = redact.Secrets(err.Error()) // heartbeat details go to the server as they are
			// A pause longer than Max would outlast the heartbeat timeout:
			// Temporal retries the wait after it instead (NextRetryDelay).
			retry, ok := s.retryPause(err, p.FailedReads)
			if !ok || retry > s.Max || ctx.Err() != nil {
				activity.RecordHeartbeat(ctx, p)
				return p, err
			}
			pause = retry
			p.RetriedReads++
			activity.RecordHeartbeat(ctx, p)
		case done:
			if memory != nil && (p.Missed > 0 || deferred) { // the target was missed before this read
				memory.record(kind, s.learned(p.Missed, readAt, window, known))
			}
			return p, nil
		default:
			p.FailedReads, p.LastError = 0, ""
			p.Missed = readAt
			window, known = memory.window(kind)
			pause = s.pauseAfterMiss(time.Since(origin), &p, window, known)
			if quiet <= 0 || time.Since(start)+pause >= quiet {
				activity.RecordHeartbeat(ctx, p)
			}
		}
		now := time.Now()
		if !now.Before(deadline) {
			return p, waitTimeout(what, deadline, p)
		}
		timer.Reset(min(pause, deadline.Sub(now)))
		select {
		case <-ctx.Done():
			return p, ctx.Err()
		case <-stopping:
			activity.RecordHeartbeat(ctx, p)
			return p, workerStopping(what, p)
		case <-timer.C:
		}
	}
}

func waitTimeout(what string, deadline time.Time, p PollProgress) error {
	msg := fmt.Sprintf("%s: deadline %s passed after %d reads; last state %q",
		what, deadline.UTC().Format(time.RFC3339), p.Polls, p.LastState)
	if p.LastRequestId != "" {
		msg += ", last RequestId " + p.LastRequestId
	}
	if p.FailedReads > 0 {
		msg += fmt.Sprintf("; the last %d reads failed, the last with: %s", p.FailedReads, p.LastError)
	}
	return temporal.NewNonRetryableApplicationError(msg, contract.WaitTimeoutType, nil, p)
}

func workerStopping(what string, p PollProgress) error {
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf(
		"%s: this worker is stopping after %d reads; the wait goes on from its last read on another worker", what, p.Polls),
		contract.WorkerStoppingType, temporal.ApplicationErrorOptions{NextRetryDelay: handoverDelay, Details: []any{p}})
}

func unreachableState(what, state, why string, p PollProgress) error {
	msg := fmt.Sprintf("%s: state %s cannot lead to the target: %s", what, state, why)
	if p.LastRequestId != "" {
		msg += " (RequestId " + p.LastRequestId + ")"
	}
	return temporal.NewNonRetryableApplicationError(msg, contract.UnreachableStateType, nil, p)
}
