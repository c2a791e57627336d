package reliability

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// TestWorkerCrashDuringAnEndpointAccept: an ApigEndpointChange's accept
// is in flight (the gateway is slow to answer) when its worker is
// SIGKILLed. The call reaches the gateway and is applied, its answer goes
// nowhere; the attempt times out and a new worker retries it, reads the
// connections accepted and makes no second call. The change completes,
// counting them as its own, and its rollback rejects them once.
func TestWorkerCrashDuringAnEndpointAccept(t *testing.T) {
	needStack(t)
	ctx := stacktest.Ctx(t, 5*time.Minute)
	cloud := startCloud(t, nil, 20)
	first := startWorker(t, "worker-1", workerConfig{cloud: cloud})
	const action = "AcceptOrRejectEndpointConnections"
	slow := cloudsim.Duration(5 * time.Second)
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{Actions: map[string]cloudsim.ActionFaults{action: {LatencyMin: slow, LatencyMax: slow}}}))

	in := contract.ApigEndpointChangeInput{InstanceId: cloudsim.DefaultAPIGChangeInstanceID,
		EndpointIds: []string{cloudsim.DefaultEndpointConnectionAwaitingID, cloudsim.DefaultEndpointConnectionAwaiting2ID}}
	run, err := contract.ApigEndpointChange.Start(ctx, tc, in)
	require.NoError(t, err)
	t.Cleanup(func() { terminateIfRunning(tc, run.GetID(), run.GetRunID()) })
	waitFor(ctx, t, "the accept to be in flight on worker-1", func() (bool, string) {
		held, err := pendingOn(ctx, tc, []string{run.GetID()}, first.identityPrefix())
		if err != nil {
			return false, err.Error()
		}
		return held[action] == 1, fmt.Sprint(held)
	})
	first.kill() // SIGKILL, the accept's answer not yet back
	killedBySignal(t, first)
	waitFor(ctx, t, "the gateway to have taken the accept", func() (bool, string) {
		return len(cloud.callsOf(action, succeeded)) == 1, fmt.Sprint(cloud.CallCount(action), " calls")
	})
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{}))
	startWorker(t, "worker-2", workerConfig{cloud: cloud})

	var res contract.ApigEndpointChangeResult
	require.NoError(t, run.Get(ctx, &res))
	assert.ElementsMatch(t, in.EndpointIds, res.Changed, "what the killed attempt moved is the change's")
	assert.Equal(t, 1, cloud.CallCount(action), "accepted once: the retry read them accepted")
	measured(t, "worker-1 SIGKILLed with the accept in flight: %d %s call, the change completed on worker-2 in %s",
		cloud.CallCount(action), action, res.CompletedAt.Sub(res.StartedAt).Round(time.Second))

	rb := startWorkflow(ctx, t, tc, contract.RollbackID(run.GetID()), contract.Rollback.Type, temporal.SearchAttributes{}, contract.RollbackInput{Change: run.GetID()})
	var undone contract.RollbackResult
	require.NoError(t, rb.Get(ctx, &undone))
	assert.ElementsMatch(t, in.EndpointIds, undone.Reverted)
	assert.Equal(t, 2, cloud.CallCount(action), "rejected in one call")
	for _, c := range cloud.State().EndpointConnections {
		if c.GatewayID == cloudsim.DefaultAPIGChangeInstanceID && (c.ID == in.EndpointIds[0] || c.ID == in.EndpointIds[1]) {
			assert.Equal(t, cloudsim.EndpointRejected, c.Status, c.ID)
		}
	}
}
