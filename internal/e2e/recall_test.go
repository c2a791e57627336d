package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	for i := range 3 {
		ri, _, _ := cloudsim.FleetChange(e2eFleet, 190+i)
		in := contract.ConnectRouterInterfaceInput{RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: ri}
		run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "recall-"+in.RouterInterfaceId), contract.ConnectRouterInterface.Type, in)
		require.NoError(t, err)
		require.NoError(t, run.Get(ctx, nil))
	}

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
