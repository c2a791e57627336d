package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// A fresh worker knows, from the histories of the changes completed
// before it, when waits end: it recalls the waits of the connects run
// here, and the window it recalls holds their flips.
func TestAFreshWorkerRecallsTheWaitsPace(t *testing.T) {
	resetCloud(t)
	ctx := stacktest.Ctx(t, 2*time.Minute)
	// Connects whose interfaces turn Active after a few reads: cloudsim
	// runs 20 times faster than the clock, the connect takes 60 s of its time.
	var last client.WorkflowRun
	for i := range 3 {
		ri, _, _ := cloudsim.FleetChange(e2eFleet, 190+i)
		in := contract.ConnectRouterInterfaceInput{RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: ri}
		run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "recall-"+in.RouterInterfaceId), contract.ConnectRouterInterface.Type, in)
		require.NoError(t, err)
		require.NoError(t, run.Get(ctx, nil))
		last = run
	}
	// The wait was timed from the connect's answer, which came before the
	// workflow scheduled the wait, and its result says by how much.
	var wait activities.RouterInterface
	it := tc.GetWorkflowHistory(ctx, last.GetID(), last.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	scheduled := map[int64]string{}
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil {
			scheduled[ev.GetEventId()] = a.GetActivityType().GetName()
		}
		if a := ev.GetActivityTaskCompletedEventAttributes(); a != nil && scheduled[a.GetScheduledEventId()] == "WaitRouterInterfaceActive" {
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(a.GetResult(), &wait))
		}
	}
	assert.Positive(t, wait.WriteLead, "the wait's result: %+v", wait)
	assert.Less(t, wait.WriteLead, 10*time.Second)

	// The e2e worker's pace: its first read after the immediate one comes
	// a second later, and these waits saw their target after that.
	fresh := &activities.CloudActivities{}
	_, _, known := activities.LearnedWindow(fresh, "WaitRouterInterfaceActive")
	require.False(t, known, "a fresh worker knows nothing")
	require.Eventually(t, func() bool { // once visibility lists the three
		n, err := activities.RecallRecentWaits(ctx, fresh, tc, contract.TaskQueue)
		return err == nil && n >= 3
	}, 30*time.Second, 200*time.Millisecond, "a recall of the three waits")
	from, to, known := activities.LearnedWindow(fresh, "WaitRouterInterfaceActive")
	require.True(t, known)
	assert.Greater(t, from, time.Duration(0))
	assert.GreaterOrEqual(t, to, from)
	assert.Less(t, to, time.Minute, "cloudsim's connects take about 3 s of the clock")
}
