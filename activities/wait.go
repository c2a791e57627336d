package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// PollSchedule paces a wait: the first poll follows the first read after
// First, each later pause grows by Factor up to Max. Starting fast catches
// quick transitions; backing off keeps a long wait from spending the
// account's API quota.
type PollSchedule struct {
	First  time.Duration `json:"First"`
	Max    time.Duration `json:"Max"`
	Factor float64       `json:"Factor"`
}

// DefaultPollSchedule polls after 1 s, then backs off by 1.5x to every 10 s.
var DefaultPollSchedule = PollSchedule{First: time.Second, Max: 10 * time.Second, Factor: 1.5}

func (s PollSchedule) orDefault() PollSchedule {
	if s.First <= 0 || s.Max <= 0 || s.Factor < 1 {
		return DefaultPollSchedule
	}
	return s
}

func (s PollSchedule) after(pause time.Duration) time.Duration {
	if pause <= 0 {
		return s.First
	}
	return min(time.Duration(float64(pause)*s.Factor), s.Max)
}

// WaitTimeoutType is the ApplicationError type of a wait that reached its
// deadline before the target state.
const WaitTimeoutType = "WaitTimeout"

// UnreachableStateType is the ApplicationError type of a wait that saw a
// state from which the target cannot be reached (an interface gone Inactive,
// an endpoint rejected).
const UnreachableStateType = "UnreachableState"

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

// poll runs check until it is done, fails, or the deadline passes, heartbeating
// after every read. The whole wait is one activity, so the workflow history
// does not grow with the wait's length.
func (s PollSchedule) poll(ctx context.Context, deadline time.Time, what string, check pollCheck) (PollProgress, error) {
	s = s.orDefault()
	var p PollProgress
	if activity.HasHeartbeatDetails(ctx) {
		// A detail that does not decode (an older worker's) only costs the resume.
		_ = activity.GetHeartbeatDetails(ctx, &p)
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for {
		done, err := check(ctx, &p)
		p.Polls++
		activity.RecordHeartbeat(ctx, p)
		if err != nil || done {
			return p, err
		}
		now := time.Now()
		if !now.Before(deadline) {
			return p, waitTimeout(what, deadline, p)
		}
		p.Pause = s.after(p.Pause)
		timer.Reset(min(p.Pause, deadline.Sub(now)))
		select {
		case <-ctx.Done():
			return p, ctx.Err()
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
	return temporal.NewNonRetryableApplicationError(msg, WaitTimeoutType, nil, p)
}

func unreachableState(what, state, why string, p PollProgress) error {
	msg := fmt.Sprintf("%s: state %s cannot lead to the target: %s", what, state, why)
	if p.LastRequestId != "" {
		msg += " (RequestId " + p.LastRequestId + ")"
	}
	return temporal.NewNonRetryableApplicationError(msg, UnreachableStateType, nil, p)
}
