package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// A worker learns when each kind of wait ends from the waits it runs
// (poll_learn.go), but a fresh one, after a deploy or a crash, knows
// nothing and polls its first waits by the backoff: more reads, and a flip
// seen up to Max late. What the workers before it learned is in the
// histories of recently completed changes: each wait activity's
// ActivityTaskScheduled and ActivityTaskCompleted events say when it was
// scheduled and when it saw its target, and its result how long before it
// was scheduled its write was made (CallTrace.WriteLead). RecallRecentWaits
// reads those, so the first wait after a deploy paces itself as the
// hundredth did. Every worker of the task queue reads the same histories:
// they share what is learned without a store of their own.

// Bounds of a recall: how far back it looks, and how many histories it
// reads at most (enough for rememberedWaits waits of each kind).
const (
	RecallWindow         = 24 * time.Hour
	maxRecalledWorkflows = 64
)

// RecallRecentWaits seeds the memory of a's waits from the changes completed on taskQueue within RecallWindow, newest first: for
// each wait activity that completed on its first attempt, after at least
// one read that missed (it took longer than the schedule's First), when it
// saw its target. It returns how many waits it recalled. Only the waits'
// pace depends on it; an error leaves the memory as it was.
//
// It is a function, not a method: every exported method of CloudActivities
// is an activity.
func RecallRecentWaits(ctx context.Context, a *CloudActivities, c client.Client, taskQueue string) (int, error) {
	s := a.Poll.orDefault()
	if s.Static {
		return 0, nil
	}
	query := fmt.Sprintf("TaskQueue = '%s' AND ExecutionStatus = 'Completed' AND CloseTime > '%s'",
		strings.ReplaceAll(taskQueue, "'", ""), time.Now().Add(-RecallWindow).UTC().Format(time.RFC3339))
	byKind := map[string][]flip{} // newest first
	full := func() bool {
		for _, flips := range byKind {
			if len(flips) < rememberedWaits {
				return false
			}
		}
		return len(byKind) > 0
	}
	read := 0
	var token []byte
	for read < maxRecalledWorkflows && !full() {
		page, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: 20, Query: query, NextPageToken: token})
		if err != nil {
			return 0, fmt.Errorf("recall recent waits: list completed changes: %w", err)
		}
		for _, e := range page.Executions {
			if read >= maxRecalledWorkflows || full() {
				break
			}
			read++
			flips, err := waitsOf(ctx, c, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId(), s.First)
			if err != nil {
				return 0, fmt.Errorf("recall recent waits: history of %s: %w", e.GetExecution().GetWorkflowId(), err)
			}
			for kind, fs := range flips {
				byKind[kind] = append(byKind[kind], fs...)
			}
		}
		if token = page.NextPageToken; len(token) == 0 {
			break
		}
	}
	recalled := 0
	for kind, flips := range byKind {
		flips = flips[:min(len(flips), rememberedWaits)]
		for i := len(flips) - 1; i >= 0; i-- { // oldest first: the newest stay longest
			a.waits.record(kind, flips[i])
			recalled++
		}
	}
	return recalled, nil
}

// waitsOf reads one history's waits that completed on their first
// attempt after missing at least once, by activity type, newest first.
// The read that missed last is taken to have been First before the one
// that saw: the pace inside a learned window.
func waitsOf(ctx context.Context, c client.Client, workflowID, runID string, first time.Duration) (map[string][]flip, error) {
	type scheduled struct {
		kind string
		at   time.Time
	}
	waits := map[int64]scheduled{}
	attempts := map[int64]int32{}
	out := map[string][]flip{}
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, err
		}
		switch {
		case ev.GetActivityTaskScheduledEventAttributes() != nil:
			if kind := ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName(); strings.HasPrefix(kind, "Wait") {
				waits[ev.GetEventId()] = scheduled{kind: kind, at: ev.GetEventTime().AsTime()}
			}
		case ev.GetActivityTaskStartedEventAttributes() != nil:
			attempts[ev.GetEventId()] = ev.GetActivityTaskStartedEventAttributes().GetAttempt()
		case ev.GetActivityTaskCompletedEventAttributes() != nil:
			done := ev.GetActivityTaskCompletedEventAttributes()
			w, ok := waits[done.GetScheduledEventId()]
			if !ok {
				continue
			}
			// Timed from the write the wait followed, as the wait was
			// (CallTrace.WriteLead); a result that does not decode is
			// timed from the scheduling.
			var trace CallTrace
			_ = converter.GetDefaultDataConverter().FromPayloads(done.GetResult(), &trace)
			seen := ev.GetEventTime().AsTime().Sub(w.at) + max(0, trace.WriteLead)
			if attempts[done.GetStartedEventId()] != 1 || seen < first {
				continue
			}
			out[w.kind] = append([]flip{{missed: seen - first, seen: seen}}, out[w.kind]...)
		}
	}
	return out, nil
}
