package reliability

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// stuckTimeout is the WaitTimeout of the inputs whose waits must time out.
const stuckTimeout = 8 * time.Second

// waitFailure reads the PollProgress a failed wait carries.
func waitFailure(t *testing.T, err error) activities.PollProgress {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	var p activities.PollProgress
	require.NoError(t, appErr.Details(&p))
	return p
}

// failedStep finds the failed step in a finished workflow's progress.
func failedStep(t *testing.T, run client.WorkflowRun) contract.Step {
	t.Helper()
	p, err := stacktest.Progress(stacktest.Ctx(t, 30*time.Second), tc, run.GetID())
	require.NoError(t, err)
	require.Equal(t, contract.StageFailed, p.Stage)
	for _, s := range p.Steps {
		if s.Outcome == contract.OutcomeFailed {
			return s
		}
	}
	t.Fatalf("no failed step in %+v", p.Steps)
	return contract.Step{}
}

// assertWaitNotRetried checks that the last activity of a run, the wait
// that failed, ran once.
func assertWaitNotRetried(t *testing.T, run client.WorkflowRun) {
	t.Helper()
	events, err := fullHistory(stacktest.Ctx(t, 30*time.Second), tc, run.GetID(), run.GetRunID())
	require.NoError(t, err)
	acts := activityRuns(events)
	require.NotEmpty(t, acts)
	last := acts[len(acts)-1]
	assert.True(t, last.failed, "%s failed", last.activityType)
	assert.EqualValues(t, 1, last.attempt, "%s is not retried", last.activityType)
}

// assertEndedAtDeadline checks that a wait failed with WaitTimeout after
// the input's WaitTimeout, and not much later.
func assertEndedAtDeadline(t *testing.T, run client.WorkflowRun, err error, stage, lastState string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, contract.WaitTimeoutType, stacktest.FailureType(err), "%v", err)
	p := waitFailure(t, err)
	assert.Contains(t, err.Error(), "deadline")
	assert.Contains(t, err.Error(), fmt.Sprintf("last state %q", lastState))
	assert.Contains(t, err.Error(), "last RequestId "+p.LastRequestId)
	assert.NotEmpty(t, p.LastRequestId)
	step := failedStep(t, run)
	assert.Equal(t, stage, step.Name)
	took := time.Duration(step.DurationMillis) * time.Millisecond
	assert.GreaterOrEqual(t, took, stuckTimeout, "the wait gave up before its WaitTimeout")
	assert.Less(t, took, stuckTimeout+15*time.Second, "the wait went on well past its WaitTimeout")
	assertWaitNotRetried(t, run)
	measured(t, "%s: WaitTimeout after %.1fs (WaitTimeout %s), %d reads, last state %q: %s", stage, took.Seconds(), stuckTimeout, p.Polls, p.LastState, err)
}

// TestStuckClouds: a transition that never finishes ends each wait at the
// input's WaitTimeout with a WaitTimeout error (an interface stuck
// Connecting, a route stuck Publishing, an endpoint connection stuck
// pendingAcceptance); an interface that drops to Inactive during the wait
// ends it at the first read that sees it.
func TestStuckClouds(t *testing.T) {
	needStack(t)
	cloud := startCloud(t, cloudsim.GenerateFixture(3), 5)
	riStuck, _ := cloudsim.LoadRouterInterfaceIDs(0)
	riFalls, _ := cloudsim.LoadRouterInterfaceIDs(1)
	const routeStuck = "rte-load00002" // LoadRouteCIDR(2), in the default system route table

	// SetFaults replaces every fault, so the subtests share one set.
	var mu sync.Mutex
	faults := cloudsim.Faults{Stuck: []string{riStuck, riFalls, routeStuck, cloudsim.DefaultEndpointConnectionPendingID}}
	require.NoError(t, cloud.SetFaults(faults))
	startWorker(t, "worker", workerConfig{cloud: cloud})

	t.Run("interface stuck Connecting", func(t *testing.T) {
		t.Parallel()
		ctx := stacktest.Ctx(t, 2*time.Minute)
		in := loadChange(0, stuckTimeout)
		run := startChange(ctx, t, tc, in)
		err := run.Get(ctx, nil)
		assertEndedAtDeadline(t, run, err, contract.StageWaitRouterInterface, cloudsim.RouterInterfaceConnecting)
		assert.Len(t, cloud.callsOf("ConnectRouterInterface", param("RouterInterfaceId", riStuck)), 1)
		assert.Empty(t, cloud.callsOf("PublishVpcRouteEntries", param("RouteEntries.1.DestinationCidrBlock", cloudsim.LoadRouteCIDR(0))),
			"nothing is published behind an interface that never came up")
	})

	t.Run("route stuck Publishing", func(t *testing.T) {
		t.Parallel()
		ctx := stacktest.Ctx(t, 2*time.Minute)
		in := loadChange(2, stuckTimeout)
		run := startChange(ctx, t, tc, in)
		err := run.Get(ctx, nil)
		// The verify wait confirms the publish first: it ends naming the
		// route still Publishing, not a route missing on the VPN connection.
		assertEndedAtDeadline(t, run, err, contract.StageVerifyVpnRoutes, cloudsim.LoadRouteCIDR(2)+" Publishing")
		real := cloud.callsOf("PublishVpcRouteEntries", func(c cloudsim.Call) bool {
			return c.Params["DryRun"] == "false" && c.Params["RouteEntries.1.DestinationCidrBlock"] == cloudsim.LoadRouteCIDR(2)
		})
		assert.Len(t, real, 1, "published once, then only waited")
	})

	t.Run("endpoint connection stuck pendingAcceptance", func(t *testing.T) {
		t.Parallel()
		ctx := stacktest.Ctx(t, 2*time.Minute)
		in := contract.ApigEndpointConnectionsInput{InstanceId: cloudsim.DefaultAPIGInstanceID,
			WaitForAccepted: []string{cloudsim.DefaultEndpointConnectionPendingID}, WaitTimeout: contract.Duration(stuckTimeout)}
		run := startWorkflow(ctx, t, tc, stacktest.ID(t, contract.ApigEndpointConnections.ID(in)), contract.ApigEndpointConnections.Type,
			temporal.SearchAttributes{}, in)
		err := run.Get(ctx, nil)
		require.Error(t, err)
		p := waitFailure(t, err)
		assertEndedAtDeadline(t, run, err, contract.StageWaitEndpoints, p.LastState)
		assert.Contains(t, p.LastState, contract.EndpointPendingAcceptance)
	})

	t.Run("interface drops to Inactive during the wait", func(t *testing.T) {
		t.Parallel()
		ctx := stacktest.Ctx(t, 2*time.Minute)
		in := loadChange(1, 5*time.Minute)
		run := startChange(ctx, t, tc, in)
		waitFor(ctx, t, "the wait to read Connecting", func() (bool, string) {
			p, err := stacktest.Progress(ctx, tc, run.GetID())
			if err != nil {
				return false, err.Error()
			}
			reads := cloud.callsOf("DescribeRouterInterfaces", param("Filter.1.Value.1", riFalls))
			// Only a stuck fault holds the connect back: released, the next
			// read sees it completed and dropped. (Before it is due, reads
			// that see Connecting after the release are the cloud's pace,
			// not the wait's.)
			due := false
			state := cloud.State()
			for _, ri := range state.RouterInterfaces {
				due = due || ri.ID == riFalls && ri.PendingStatus != "" && !ri.PendingAt.After(state.Now)
			}
			return p.Stage == contract.StageWaitRouterInterface && len(reads) >= 2 && due,
				fmt.Sprintf("stage %s, %d reads, connect due: %v", p.Stage, len(reads), due)
		})
		// The connection completes and at once drops to Inactive.
		mu.Lock()
		faults.Stuck = []string{riStuck, routeStuck, cloudsim.DefaultEndpointConnectionPendingID}
		faults.FallInactive = []cloudsim.FallInactiveFault{{RouterInterfaceID: riFalls}}
		require.NoError(t, cloud.SetFaults(faults))
		mu.Unlock()
		dropped := time.Now()

		err := run.Get(ctx, nil)
		ended := time.Since(dropped)
		require.Error(t, err)
		require.Equal(t, contract.UnreachableStateType, stacktest.FailureType(err), "%v", err)
		assert.Contains(t, err.Error(), "state Inactive cannot lead to the target")
		assert.Contains(t, err.Error(), "activate it (ActivateRouterInterface) and start again")
		p := waitFailure(t, err)
		assert.Equal(t, cloudsim.RouterInterfaceInactive, p.LastState)
		assert.Contains(t, err.Error(), "RequestId "+p.LastRequestId)

		reads := cloud.callsOf("DescribeRouterInterfaces", param("Filter.1.Value.1", riFalls))
		after := 0
		for _, r := range reads {
			if r.Time.After(dropped) {
				after++
			}
		}
		assert.LessOrEqual(t, after, 1, "the wait stopped at the first read that saw Inactive")
		assert.Equal(t, contract.StageWaitRouterInterface, failedStep(t, run).Name)
		assertWaitNotRetried(t, run)
		assert.Less(t, ended, 15*time.Second, "ended at the next read (reads are at most 10 s apart), not at the 5 minute WaitTimeout")
		measured(t, "dropped to Inactive; the workflow failed %.1fs later, after %d reads of the interface (%d after the drop): %s", ended.Seconds(), len(reads), after, err)
	})
}
