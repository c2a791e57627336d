package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// job is one workflow to run.
type job struct {
	id           string
	key          string // what the job is about (a router interface ID)
	workflowType string
	input        any
	attrs        temporal.SearchAttributes
}

// outcome is how one workflow went, seen from the client: from the start call
// to the result.
type outcome struct {
	id, runID  string
	key        string
	start, end time.Time
	err        error
}

func (o outcome) latency() time.Duration { return o.end.Sub(o.start) }

// loadResult is a batch of workflows run with a bound on those in flight.
type loadResult struct {
	outcomes []outcome
	elapsed  time.Duration
}

func (r loadResult) failed() []outcome {
	var out []outcome
	for _, o := range r.outcomes {
		if o.err != nil {
			out = append(out, o)
		}
	}
	return out
}

func (r loadResult) throughput() float64 {
	return float64(len(r.outcomes)) / r.elapsed.Seconds()
}

func (r loadResult) latencies() []time.Duration {
	l := make([]time.Duration, 0, len(r.outcomes))
	for _, o := range r.outcomes {
		l = append(l, o.latency())
	}
	return l
}

// runLoad starts jobs on queue, keeping at most inflight of them running, and
// waits for every result. The clock runs from the first start to the last
// result.
func runLoad(ctx context.Context, c client.Client, queue string, jobs []job, inflight int) loadResult {
	out := make([]outcome, len(jobs))
	sem := make(chan struct{}, max(1, inflight))
	var wg sync.WaitGroup
	begin := time.Now()
	for i, j := range jobs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			out[i] = outcome{id: j.id, key: j.key, err: ctx.Err()}
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			o := outcome{id: j.id, key: j.key, start: time.Now()}
			run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
				ID: j.id, TaskQueue: queue, TypedSearchAttributes: j.attrs,
				WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
			}, j.workflowType, j.input)
			if err == nil {
				o.runID = run.GetRunID()
				err = run.Get(ctx, nil)
			}
			o.end, o.err = time.Now(), err
			out[i] = o
		}()
	}
	wg.Wait()
	return loadResult{outcomes: out, elapsed: time.Since(begin)}
}

// percentile of sorted-or-not durations, nearest rank.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(rank, len(s)-1))]
}

func meanInt(v []int) float64 {
	if len(v) == 0 {
		return 0
	}
	sum := 0
	for _, x := range v {
		sum += x
	}
	return float64(sum) / float64(len(v))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
func secs(d time.Duration) string {
	return fmt.Sprintf("%.2f s", d.Seconds())
}
