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

	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/workflows"
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

// TestWorkerCrash: 50 NetworkChange workflows wait for their interfaces to
// become Active; the worker process is SIGKILLed; a new worker process
// starts. Every workflow completes, each interface was connected exactly
// once and each batch of routes published exactly once.
func TestWorkerCrash(t *testing.T) {
	needStack(t)
	const n = 50
	ctx := testCtx(t, 5*time.Minute)
	cloud := startCloud(t, cloudsim.GenerateFixture(n), 20)

	var changes []workflows.NetworkChangeInput
	var interfaces []string
	for i := range n {
		in := loadChange(i, 5*time.Minute)
		changes = append(changes, in)
		interfaces = append(interfaces, in.RouterInterfaceId)
	}
	// Hold every interface in Connecting: the connect is made, the wait for
	// Active cannot end while the first worker lives.
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{Stuck: interfaces}))

	first := startWorker(t, "worker-1", workerConfig{cloud: cloud})
	var runs []client.WorkflowRun
	var ids []string
	for _, in := range changes {
		run := startChange(ctx, t, tc, in)
		runs = append(runs, run)
		ids = append(ids, run.GetID())
	}
	waitStage(ctx, t, tc, ids, workflows.StageWaitRouterInterface)
	waitFor(ctx, t, "every wait to run on worker-1", func() (bool, string) {
		held, err := pendingOn(ctx, tc, ids, first.identityPrefix())
		if err != nil {
			return false, err.Error()
		}
		return held[waitActivity] == n, fmt.Sprint(held)
	})
	require.Equal(t, n, cloud.CallCount("ConnectRouterInterface"), "one connect per interface before the crash")

	first.kill() // SIGKILL, mid-wait
	killedBySignal(t, first)
	killedAt := time.Now()
	t.Logf("worker-1 (pid %d) SIGKILLed while %d waits for Active ran on it", first.pid(), n)

	// The clouds go on without the worker: the connections complete.
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{}))
	second := startWorker(t, "worker-2", workerConfig{cloud: cloud})

	outs := awaitAll(ctx, runs)
	completed := requireAllCompleted(t, outs)
	t.Logf("%d of %d workflows completed, the last %.1fs after the crash", completed, n, time.Since(killedAt).Seconds())
	for _, o := range outs {
		if o.err == nil {
			assert.True(t, o.result.Connected, o.id)
			assert.Len(t, o.result.Published, 1, o.id)
			assert.Len(t, o.result.Routes, 1, o.id)
			assert.Len(t, o.result.ChangeRequestIds, 2, "%s: one connect and one publish", o.id)
		}
	}
	counts := assertAppliedOnce(t, cloud, changes)
	t.Logf("cloudsim: %s", counts)
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
	t.Logf("%d waits resumed on worker-2 after the crash", resumed)
	assert.Equal(t, n, resumed)
}
