package main

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testLog sends the bench's progress lines to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestQuickMode runs the quick benchmark (what CI may run) and checks that
// it measured what it says: every workflow completed and the counts add up.
// It asserts no timing: on a shared 2-core machine timings are what the
// report is for, not a reason to fail.
func TestQuickMode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server and runs a few hundred workflows")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg := quickConfig()
	cfg.Log = testLog{t}
	cfg.Dir = t.TempDir()
	rep, err := run(ctx, cfg)
	require.NoError(t, err)
	require.NotNil(t, rep)

	// Every batch ran to the end, without a failure.
	for _, s := range []runStats{rep.Throughput, rep.Ceiling, rep.DirectConcurrent} {
		assert.Equal(t, cfg.Workflows, s.N, s.Name)
		assert.Zero(t, s.Failed, s.Name)
		assert.Positive(t, s.PerSecond, s.Name)
	}
	for _, s := range []runStats{rep.Serial, rep.DirectSerial} {
		assert.Equal(t, cfg.Serial, s.N, s.Name)
		assert.Zero(t, s.Failed, s.Name)
	}

	// The ceiling chain is as long as NetworkChange's history says.
	require.Positive(t, rep.ChainActivities)
	n := rep.Cost.Workflows
	assert.Equal(t, cfg.Workflows, n)
	assert.Equal(t, float64(rep.ChainActivities), rep.Cost.Activities+rep.Cost.LocalActivities)
	assert.Equal(t, strings.Count(rep.ChainShape, "a"), int(rep.Cost.Activities))
	assert.Equal(t, strings.Count(rep.ChainShape, "l"), int(rep.Cost.LocalActivities))
	assert.Equal(t, strings.Count(rep.ChainShape, "u"), rep.Cost.Actions.Upserts/n)
	assert.Equal(t, rep.Cost.EventsMin, rep.Cost.EventsMax, "every NetworkChange has the same history")
	assert.Equal(t, n, rep.Cost.Actions.Start)
	assert.Equal(t, n*strings.Count(rep.ChainShape, "a"), rep.Cost.Actions.Activities)
	assert.Zero(t, rep.Cost.Actions.ActivityRetries, "no retry without faults")
	assert.Equal(t, rep.Cost.ByType["ActivityTaskScheduled"], rep.Cost.Actions.Activities)
	assert.Equal(t, rep.Cost.ByType["ActivityTaskCompleted"], rep.Cost.Actions.Activities)
	assert.Equal(t, rep.Cost.ByType["UpsertWorkflowSearchAttributes"], rep.Cost.Actions.Upserts)
	total := 0
	for _, v := range rep.Cost.ByType {
		total += v
	}
	assert.Equal(t, total, n*rep.Cost.EventsMin, "events by type add up to the events")
	assert.InDelta(t, float64(rep.Cost.Actions.total()+rep.Cost.Heartbeats)/float64(n), rep.Cost.ActionsMean, 1e-9)

	assert.Equal(t, float64(rep.ChainActivities), rep.CeilingCost.Activities)
	assert.Zero(t, rep.CeilingCost.Actions.Upserts)
	assert.Equal(t, float64(1+rep.ChainActivities), rep.CeilingCost.ActionsMean, "a chain costs its start and its activities")

	// Each change made each cloud call once, but the reads the waits repeat
	// (which the waits of one worker share), and no more calls than the
	// direct baseline.
	calls := rep.CallsPerWorkflow
	assert.Equal(t, 1.0, calls["ConnectRouterInterface"])
	assert.Equal(t, 1.0, calls["DescribeVpnCrossAccountAuthorizations"])
	assert.Equal(t, 2.0, calls["PublishVpcRouteEntries"], "a DryRun and the publish")
	assert.Equal(t, 3.0, calls["ListVpcPublishedRouteEntries"], "a status read before each, and the verify's confirmation")
	assert.Greater(t, calls["DescribeRouterInterfaces"], 1.0, "the read before the connect, and the wait's (shared with the worker's other waits)")
	assert.GreaterOrEqual(t, calls["DescribeVcoRouteEntries"], 2.0, "two reads in a row show the routes")
	assert.LessOrEqual(t, sumCalls(calls), rep.DirectCallsPerChange+1e-9,
		"vpcflow makes at most the direct baseline's calls (its waits share their reads): %v", calls)

	// History does not grow with the wait.
	require.Len(t, rep.Waits, 2)
	for _, w := range rep.Waits {
		assert.Equal(t, cfg.WaitN, w.Cost.Workflows)
		assert.Equal(t, w.Cost.EventsMin, w.Cost.EventsMax)
		assert.Equal(t, 1.0, w.Calls["ConnectRouterInterface"])
	}
	assert.Equal(t, rep.Waits[0].Cost.EventsMin, rep.Waits[1].Cost.EventsMin, "a %s and a %s wait", rep.Waits[0].Wait, rep.Waits[1].Wait)
	assert.Equal(t, rep.Cost.EventsMin, rep.Waits[0].Cost.EventsMin, "nor with the connect's length")

	// Every schedule at every delay measured every workflow; the learning
	// one in three rounds and a fresh worker's, which recalls the pace
	// from the histories and reads no more than the first round did.
	want := map[string]int{}
	for _, s := range lagSchedules() {
		want[s.Name] = 1
	}
	want[lagSchedules()[0].Name] = 4
	got := map[string]int{}
	firstRound := map[time.Duration]float64{}
	for _, l := range rep.Lag {
		if l.Round == "first (from nothing)" {
			firstRound[l.Delay] = l.CallsAvg
		}
	}
	for _, l := range rep.Lag {
		if l.Round == "fresh worker (recalled)" {
			assert.LessOrEqual(t, l.CallsAvg, firstRound[l.Delay]+0.5, "a fresh worker that recalled at %s", l.Delay)
		}
		got[l.Schedule]++
		assert.Equal(t, cfg.LagN, l.N, "%s at %s", l.Schedule, l.Delay)
		assert.Zero(t, l.Failed, "%s at %s", l.Schedule, l.Delay)
		assert.GreaterOrEqual(t, l.CallsAvg, 1.0)
		assert.False(t, math.IsNaN(l.CallsAvg))
	}
	for name, rounds := range want {
		assert.Equal(t, rounds*len(cfg.LagDelays), got[name], name)
	}

	md := rep.markdown()
	for _, heading := range []string{"Throughput and latency", "Orchestration overhead", "Cost per workflow", "History against wait length", "Detection lag"} {
		assert.Contains(t, md, heading)
	}
}

// TestFleetSection makes a few changes as a fleet and as independent
// workflows, a tenth of them sharing: the fleet completes them all with no
// conflict answer, and its own history events are counted.
func TestFleetSection(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server and runs a fleet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := startStack(ctx, "memory", "", nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	defer st.stop()
	rows, err := runFleets(ctx, st, 40, func(format string, args ...any) { t.Logf(format, args...) })
	require.NoError(t, err)
	require.Len(t, rows, 4)
	for _, r := range rows {
		if r.FleetRuns > 0 {
			assert.Equal(t, 40, r.Completed, r.Name)
			assert.Zero(t, r.Conflicts, "%s: the fleet serialises what would conflict", r.Name)
			assert.Positive(t, r.FleetEvents)
		}
	}
	assert.Positive(t, rows[3].Conflicts, "independent workflows that share meet conflicts")
}
