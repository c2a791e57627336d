package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// historyCost is what one workflow's history says it cost.
type historyCost struct {
	Events     int            `json:"events"`
	ByType     map[string]int `json:"byType"`
	Activities int            `json:"activities"` // ActivityTaskScheduled
	// LocalActivities counts the LocalActivity markers: one per local
	// activity run.
	LocalActivities int `json:"localActivities"`
	// Shape is the workflow's commands in order, as a ChainInput's Steps:
	// 'a' an activity, 'l' a local activity, 'u' a search attribute upsert.
	Shape string `json:"shape"`
	// Billable actions as Temporal Cloud counts them from a history
	// (https://docs.temporal.io/cloud/actions): the start, each activity
	// scheduled and each retry, each UpsertWorkflowSearchAttributes, each
	// timer, each signal, and the local activities of one workflow task as one.
	// Heartbeats that reach the server also count but are not in the
	// history: the bench counts them from the worker's RPCs.
	Actions actionCount `json:"actions"`
	// activity completions by activity type, with the event time
	completions []activityCompletion
}

type actionCount struct {
	Start           int `json:"start"`
	Activities      int `json:"activities"`
	ActivityRetries int `json:"activityRetries"`
	Upserts         int `json:"upserts"`
	Timers          int `json:"timers"`
	Signals         int `json:"signals"`
	LocalActivities int `json:"localActivityTasks"`
}

func (a actionCount) total() int {
	return a.Start + a.Activities + a.ActivityRetries + a.Upserts + a.Timers + a.Signals + a.LocalActivities
}

func (a *actionCount) add(b actionCount) {
	a.Start += b.Start
	a.Activities += b.Activities
	a.ActivityRetries += b.ActivityRetries
	a.Upserts += b.Upserts
	a.Timers += b.Timers
	a.Signals += b.Signals
	a.LocalActivities += b.LocalActivities
}

type activityCompletion struct {
	activityType string
	scheduled    time.Time
	completed    time.Time
}

func historyOf(ctx context.Context, c client.Client, id, runID string) (historyCost, error) {
	hc := historyCost{ByType: map[string]int{}}
	scheduledType := map[int64]string{}
	scheduledAt := map[int64]time.Time{}
	markerTasks := map[int64]bool{}
	var shape strings.Builder
	it := c.GetWorkflowHistory(ctx, id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return hc, fmt.Errorf("history of %s: %w", id, err)
		}
		hc.Events++
		hc.ByType[shortEventType(e.GetEventType())]++
		switch e.GetEventType() {
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			hc.Actions.Start++
		case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			hc.Activities++
			hc.Actions.Activities++
			shape.WriteByte('a')
			scheduledType[e.GetEventId()] = e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
			scheduledAt[e.GetEventId()] = e.GetEventTime().AsTime()
		case enums.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			if a := e.GetActivityTaskStartedEventAttributes().GetAttempt(); a > 1 {
				hc.Actions.ActivityRetries += int(a - 1)
			}
		case enums.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			sid := e.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()
			hc.completions = append(hc.completions, activityCompletion{activityType: scheduledType[sid],
				scheduled: scheduledAt[sid], completed: e.GetEventTime().AsTime()})
		case enums.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			hc.Actions.Upserts++
			shape.WriteByte('u')
		case enums.EVENT_TYPE_TIMER_STARTED:
			hc.Actions.Timers++
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			hc.Actions.Signals++
		case enums.EVENT_TYPE_MARKER_RECORDED:
			if a := e.GetMarkerRecordedEventAttributes(); a.GetMarkerName() == "LocalActivity" {
				markerTasks[a.GetWorkflowTaskCompletedEventId()] = true
				hc.LocalActivities++
				shape.WriteByte('l')
			}
		}
	}
	hc.Actions.LocalActivities = len(markerTasks)
	hc.Shape = shape.String()
	return hc, nil
}

func shortEventType(t enums.EventType) string {
	return strings.TrimPrefix(t.String(), "EVENT_TYPE_")
}

// histories reads the histories of outcomes, a few at a time.
func histories(ctx context.Context, c client.Client, outcomes []outcome) ([]historyCost, error) {
	out := make([]historyCost, len(outcomes))
	errs := make([]error, len(outcomes))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, o := range outcomes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = historyOf(ctx, c, o.id, o.runID)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// costSummary aggregates the histories of a batch.
type costSummary struct {
	Workflows  int     `json:"workflows"`
	EventsMin  int     `json:"eventsMin"`
	EventsMax  int     `json:"eventsMax"`
	EventsMean float64 `json:"eventsMean"`
	Activities float64 `json:"activitiesPerWorkflow"`
	// LocalActivities are the local activities run per workflow.
	LocalActivities float64        `json:"localActivitiesPerWorkflow"`
	ByType          map[string]int `json:"eventsByTypeTotal"`
	Actions         actionCount    `json:"actionsTotal"`
	Heartbeats      int            `json:"heartbeatsReachingServer"`
	ActionsMean     float64        `json:"billableActionsPerWorkflow"`
}

func summarize(hs []historyCost, heartbeats int) costSummary {
	s := costSummary{Workflows: len(hs), ByType: map[string]int{}, Heartbeats: heartbeats}
	if len(hs) == 0 {
		return s
	}
	s.EventsMin = hs[0].Events
	total, acts, locals := 0, 0, 0
	for _, h := range hs {
		total += h.Events
		acts += h.Activities
		locals += h.LocalActivities
		s.EventsMin = min(s.EventsMin, h.Events)
		s.EventsMax = max(s.EventsMax, h.Events)
		for k, v := range h.ByType {
			s.ByType[k] += v
		}
		s.Actions.add(h.Actions)
	}
	n := float64(len(hs))
	s.EventsMean = float64(total) / n
	s.Activities = float64(acts) / n
	s.LocalActivities = float64(locals) / n
	s.ActionsMean = float64(s.Actions.total()+heartbeats) / n
	return s
}

func (s costSummary) eventTypes() string {
	keys := make([]string, 0, len(s.ByType))
	for k := range s.ByType {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %.1f", k, float64(s.ByType[k])/float64(max(1, s.Workflows))))
	}
	return strings.Join(parts, ", ")
}

func (s costSummary) actionsBreakdown() string {
	n := float64(max(1, s.Workflows))
	a := s.Actions
	return fmt.Sprintf("start %.1f + activities %.1f + retries %.1f + upserts %.1f + timers %.1f + local-activity tasks %.1f + heartbeats %.2f",
		float64(a.Start)/n, float64(a.Activities)/n, float64(a.ActivityRetries)/n, float64(a.Upserts)/n,
		float64(a.Timers)/n, float64(a.LocalActivities)/n, float64(s.Heartbeats)/n)
}
