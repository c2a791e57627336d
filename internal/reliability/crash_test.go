package reliability

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// waitActivity is the activity type of the wait for Active.
const waitActivity = "WaitRouterInterfaceActive"

// pendingOn counts, over the workflows, the pending activities (by type)
// whose last attempt ran on the worker whose identity starts with prefix.
func pendingOn(ctx context.Context, c client.Client, ids []string, prefix string) (map[string]int, error) {
	held := map[string]int{}
	for _, id := range ids {
		desc, err := c.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return nil, err
		}
		for _, pa := range desc.GetPendingActivities() {
			if strings.HasPrefix(pa.GetLastWorkerIdentity(), prefix) {
				held[pa.GetActivityType().GetName()]++
			}
		}
	}
	return held, nil
}

// killedBySignal checks that a worker died of SIGKILL, not of its own accord.
func killedBySignal(t *testing.T, w *workerProc) {
	t.Helper()
	require.False(t, w.alive(), "%s still runs after SIGKILL", w.name)
	var exit *exec.ExitError
	require.True(t, errors.As(w.waitErr, &exit), "%s: %v", w.name, w.waitErr)
	assert.Contains(t, exit.String(), "killed", "%s ended by %v, not SIGKILL", w.name, exit)
}

// waitingChanges starts n NetworkChange workflows on a new worker, holding
// every interface in Connecting, and returns once all n wait for Active on
// it: the connect is made, the wait cannot end while the cloud holds it.
func waitingChanges(ctx context.Context, t *testing.T, cloud *simCloud, n int, worker string) (*waitingSet, *workerProc) {
	t.Helper()
	set := &waitingSet{}
	var interfaces []string
	for i := range n {
		in := loadChange(i, 5*time.Minute)
		set.changes = append(set.changes, in)
		interfaces = append(interfaces, in.RouterInterfaceId)
	}
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{Stuck: interfaces}))
	w := startWorker(t, worker, workerConfig{cloud: cloud})
	for _, in := range set.changes {
		run := startChange(ctx, t, tc, in)
		set.runs = append(set.runs, run)
		set.ids = append(set.ids, run.GetID())
	}
	waitAllOn(ctx, t, set.ids, w, n)
	return set, w
}

// waitingSet is what waitingChanges started.
type waitingSet struct {
	changes []contract.NetworkChangeInput
	runs    []client.WorkflowRun
	ids     []string
}

// waitAllOn returns once n waits for Active run on w.
func waitAllOn(ctx context.Context, t *testing.T, ids []string, w *workerProc, n int) {
	t.Helper()
	waitFor(ctx, t, "every wait to run on "+w.name, func() (bool, string) {
		held, err := pendingOn(ctx, tc, ids, w.identityPrefix())
		if err != nil {
			return false, err.Error()
		}
		return held[waitActivity] == n, fmt.Sprint(held)
	})
}

// TestWorkerCrash: 50 NetworkChange workflows wait for their interfaces to
// become Active; the worker process is SIGKILLed; a new worker process
// starts. Every workflow completes, each interface was connected exactly
// once and each batch of routes published exactly once.
func TestWorkerCrash(t *testing.T) {
	needStack(t)
	const n = 50
	ctx := stacktest.Ctx(t, 5*time.Minute)
	cloud := startCloud(t, cloudsim.GenerateFixture(n), 20)
	set, first := waitingChanges(ctx, t, cloud, n, "worker-1")
	changes, runs := set.changes, set.runs
	require.Equal(t, n, cloud.CallCount("ConnectRouterInterface"), "one connect per interface before the crash")

	first.kill() // SIGKILL, mid-wait
	killedBySignal(t, first)
	killedAt := time.Now()
	measured(t, "worker-1 (pid %d) SIGKILLed while %d waits for Active ran on it", first.pid(), n)

	// The clouds go on without the worker: the connections complete.
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{}))
	second := startWorker(t, "worker-2", workerConfig{cloud: cloud})

	outs := awaitAll(ctx, runs)
	completed := requireAllCompleted(t, outs)
	measured(t, "%d of %d workflows completed, the last %.1fs after the crash", completed, n, time.Since(killedAt).Seconds())
	for _, o := range outs {
		if o.err == nil {
			assert.True(t, o.result.Connected, o.id)
			assert.Len(t, o.result.Published, 1, o.id)
			assert.Len(t, o.result.Routes, 1, o.id)
			assert.Len(t, o.result.ChangeRequestIds, 2, "%s: one connect and one publish", o.id)
		}
	}
	counts := assertAppliedOnce(t, cloud, changes)
	measured(t, "cloudsim: %s", counts)
	assert.Equal(t, n, counts.connectCalls, "no connect was even retried: the waits resumed, the connects were not redone")

	// Each wait was retried on the new worker once the dead one's heartbeat
	// timed out; nothing else had to be.
	resumed := 0
	for _, run := range runs {
		events, err := fullHistory(ctx, tc, run.GetID(), run.GetRunID())
		require.NoError(t, err)
		for _, a := range activityRuns(events) {
			if a.activityType != waitActivity {
				continue
			}
			if a.attempt >= 2 && strings.HasPrefix(a.identity, second.identityPrefix()) {
				resumed++
			} else {
				t.Errorf("%s: the wait closed on attempt %d by %s, want attempt >= 2 on worker-2", run.GetID(), a.attempt, a.identity)
			}
		}
	}
	measured(t, "%d waits resumed on worker-2 after the crash", resumed)
	assert.Equal(t, n, resumed)
}

// TestScaleOut: two worker processes serve one task queue; one is SIGKILLed
// while 30 NetworkChange workflows are in flight (connects, publishes and
// waits running on both, every cloud call slowed by 100-400 ms); the other
// finishes everything, and nothing was connected or published twice.
func TestScaleOut(t *testing.T) {
	needStack(t)
	const n = 30
	ctx := stacktest.Ctx(t, 5*time.Minute)
	cloud := startCloud(t, cloudsim.GenerateFixture(n), 2)
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{Actions: map[string]cloudsim.ActionFaults{
		"*": {LatencyMin: cloudsim.D(100 * time.Millisecond), LatencyMax: cloudsim.D(400 * time.Millisecond)},
	}}))
	workers := []*workerProc{
		startWorker(t, "worker-a", workerConfig{cloud: cloud}),
		startWorker(t, "worker-b", workerConfig{cloud: cloud}),
	}

	var changes []contract.NetworkChangeInput
	var runs []client.WorkflowRun
	var ids []string
	start := func(i int) {
		in := loadChange(i, 5*time.Minute)
		changes = append(changes, in)
		run := startChange(ctx, t, tc, in)
		runs = append(runs, run)
		ids = append(ids, run.GetID())
	}
	// The first half starts 300 ms apart, so that when the kill comes the
	// workflows are spread over every stage: reading, connecting, waiting,
	// publishing, verifying. The second half starts after the kill.
	for i := range n / 2 {
		start(i)
		time.Sleep(300 * time.Millisecond)
	}
	var held [2]map[string]int
	total := [2]int{}
	for i, w := range workers {
		var err error
		held[i], err = pendingOn(ctx, tc, ids, w.identityPrefix())
		require.NoError(t, err)
		for _, k := range held[i] {
			total[i] += k
		}
	}
	victim, survivor := 0, 1
	if total[1] > total[0] {
		victim, survivor = 1, 0
	}
	require.NotZero(t, total[victim], "no activity in flight on either worker")
	workers[victim].kill()
	killedBySignal(t, workers[victim])
	killedAt := time.Now()
	// What the dead worker held at the kill: an activity it held a moment
	// before may have completed in between. Until they time out, the server
	// still lists its activities as pending on it.
	lost, err := pendingOn(ctx, tc, ids, workers[victim].identityPrefix())
	require.NoError(t, err)
	lostN := 0
	for _, k := range lost {
		lostN += k
	}
	require.NotZero(t, lostN, "every activity of %s completed before the kill", workers[victim].name)
	measured(t, "%s (pid %d) SIGKILLed holding %d activities %v; %s held %v; %d connects and %d real publishes applied by then",
		workers[victim].name, workers[victim].pid(), lostN, lost, workers[survivor].name, held[survivor],
		len(cloud.callsOf("ConnectRouterInterface", succeeded)),
		len(cloud.callsOf("PublishVpcRouteEntries", func(c cloudsim.Call) bool { return c.Code == "" && c.Params["DryRun"] == "false" })))
	for i := n / 2; i < n; i++ {
		start(i)
	}

	outs := awaitAll(ctx, runs)
	completed := requireAllCompleted(t, outs)
	measured(t, "%d of %d workflows completed, the last %.1fs after the kill", completed, n, time.Since(killedAt).Seconds())
	counts := assertAppliedOnce(t, cloud, changes)
	measured(t, "cloudsim: %s", counts)
	settled := 0
	for _, o := range outs {
		if o.err == nil && (!o.result.Connected || len(o.result.AlreadyPublished) > 0) {
			settled++ // a retry found its own earlier call's work done and did not redo it
		}
	}
	measured(t, "%d workflows found a connect or publish of their dead attempt already made and did not repeat it", settled)

	// What the dead worker held was retried, and everything retried ran on
	// the survivor.
	retried := 0
	for _, run := range runs {
		events, err := fullHistory(ctx, tc, run.GetID(), run.GetRunID())
		require.NoError(t, err)
		for _, a := range activityRuns(events) {
			if a.attempt < 2 {
				continue
			}
			retried++
			assert.True(t, strings.HasPrefix(a.identity, workers[survivor].identityPrefix()),
				"%s: %s attempt %d ran on %s", run.GetID(), a.activityType, a.attempt, a.identity)
		}
	}
	measured(t, "%d activities were retried after the kill, all on %s", retried, workers[survivor].name)
	assert.GreaterOrEqual(t, retried, lostN, "every activity the dead worker held was retried")
	assert.True(t, workers[survivor].alive())
}

// TestRollingRestart: 20 NetworkChange workflows wait for Active on
// worker-1; worker-2 joins; worker-1 gets SIGTERM, as a deploy or a
// scale-down sends. worker-1's waits hand themselves over as it stops
// (WorkerStopping, retried at once) instead of holding on until the stop
// timeout and leaving the rest to the 30 s heartbeat timeout: every wait's
// last attempt ran on worker-2 after a WorkerStopping failure, and nothing
// was connected or published twice.
func TestRollingRestart(t *testing.T) {
	needStack(t)
	const n = 20
	ctx := stacktest.Ctx(t, 3*time.Minute)
	cloud := startCloud(t, cloudsim.GenerateFixture(n), 20)
	set, first := waitingChanges(ctx, t, cloud, n, "worker-1")
	changes, runs := set.changes, set.runs
	second := startWorker(t, "worker-2", workerConfig{cloud: cloud})

	stopping := time.Now()
	first.stop() // SIGTERM: a graceful stop, -stop-timeout=2s
	require.False(t, first.alive())
	measured(t, "worker-1 stopped %.1fs after SIGTERM with %d waits on it", time.Since(stopping).Seconds(), n)
	waitAllOn(ctx, t, set.ids, second, n)
	measured(t, "all %d waits ran on worker-2 %.1fs after the SIGTERM (the heartbeat timeout is 30 s)", n, time.Since(stopping).Seconds())

	require.NoError(t, cloud.SetFaults(cloudsim.Faults{}))
	outs := awaitAll(ctx, runs)
	requireAllCompleted(t, outs)
	counts := assertAppliedOnce(t, cloud, changes)
	measured(t, "cloudsim: %s", counts)

	handed := 0
	for _, run := range runs {
		events, err := fullHistory(ctx, tc, run.GetID(), run.GetRunID())
		require.NoError(t, err)
		for _, a := range activityRuns(events) {
			if a.activityType != waitActivity {
				continue
			}
			assert.True(t, strings.HasPrefix(a.identity, second.identityPrefix()), "%s: the wait closed on %s", run.GetID(), a.identity)
			assert.Equal(t, contract.WorkerStoppingType, a.previousFailure, "%s: attempt %d followed %q", run.GetID(), a.attempt, a.previousFailure)
			if a.previousFailure == contract.WorkerStoppingType {
				handed++
			}
		}
	}
	measured(t, "%d of %d waits were handed over by the stopping worker", handed, n)
}
