package reliability

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// TestWorkerCrashDuringRollback: n NetworkChange workflows complete; their
// Rollbacks (routes and interface) start on a worker while the cloud holds
// every withdrawal in Withdrawing; the worker process is SIGKILLed with
// every rollback waiting; a new worker finishes them. Each route was
// withdrawn once and each interface deactivated once: the withdraws made
// before the crash were not made again, and every undo after it once.
func TestWorkerCrashDuringRollback(t *testing.T) {
	needStack(t)
	const n = 10
	ctx := stacktest.Ctx(t, 5*time.Minute)
	cloud := startCloud(t, cloudsim.GenerateFixture(n), 20)
	first := startWorker(t, "worker-1", workerConfig{cloud: cloud})

	var changes []client.WorkflowRun
	for i := range n {
		changes = append(changes, startChange(ctx, t, tc, loadChange(i, 5*time.Minute)))
	}
	done := awaitAll(ctx, changes)
	require.Equal(t, n, requireAllCompleted(t, done))

	var held []string
	for i := range n {
		held = append(held, fmt.Sprintf("rte-load%05d", i)) // LoadRouteCIDR(i)'s entry
	}
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{Stuck: held}))
	var rollbacks []client.WorkflowRun
	var ids []string
	for i, o := range done {
		ri, _ := cloudsim.LoadRouterInterfaceIDs(i)
		in := contract.RollbackInput{Change: o.id, DeactivateInterface: true, WaitTimeout: contract.Duration(5 * time.Minute),
			Changed: &contract.ChangeRecord{RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: ri, TargetType: "ECR",
				TargetInstanceId: cloudsim.DefaultECRID, Published: o.result.Published}}
		run := startWorkflow(ctx, t, tc, contract.RollbackID(o.id), contract.Rollback.Type, contract.StartSearchAttributes(cloudsim.DefaultRegionID, ri, ""), in)
		rollbacks = append(rollbacks, run)
		ids = append(ids, run.GetID())
	}
	waitFor(ctx, t, "every rollback to wait for its withdrawal on worker-1", func() (bool, string) {
		held, err := pendingOn(ctx, tc, ids, first.identityPrefix())
		if err != nil {
			return false, err.Error()
		}
		return held["WaitRoutesWithdrawn"] == n, fmt.Sprint(held)
	})
	require.Len(t, cloud.callsOf("WithdrawVpcPublishedRouteEntries", succeeded), n, "one withdraw per change before the crash")

	first.kill() // SIGKILL, mid-rollback
	killedBySignal(t, first)
	measured(t, "worker-1 (pid %d) SIGKILLed while %d rollbacks waited on it", first.pid(), n)
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{}))
	startWorker(t, "worker-2", workerConfig{cloud: cloud})

	for _, run := range rollbacks {
		var res contract.RollbackResult
		require.NoError(t, run.Get(ctx, &res), run.GetID())
		assert.Len(t, res.Withdrawn, 1, run.GetID())
		assert.True(t, res.Deactivated, run.GetID())
		assert.Equal(t, "Inactive", res.InterfaceStatus, run.GetID())
	}

	withdrawn := map[string]int{}
	for _, c := range cloud.callsOf("WithdrawVpcPublishedRouteEntries", succeeded) {
		withdrawn[c.Params["RouteEntries.1.DestinationCidrBlock"]]++
	}
	deactivated := map[string]int{}
	for _, c := range cloud.callsOf("DeactivateRouterInterface", succeeded) {
		deactivated[c.Params["RouterInterfaceId"]]++
	}
	for i := range n {
		ri, _ := cloudsim.LoadRouterInterfaceIDs(i)
		assert.Equal(t, 1, withdrawn[cloudsim.LoadRouteCIDR(i)], "route %s withdrawn once", cloudsim.LoadRouteCIDR(i))
		assert.Equal(t, 1, deactivated[ri], "interface %s deactivated once", ri)
	}
	state := cloud.State()
	for _, ri := range state.RouterInterfaces {
		if ri.Role == "InitiatingSide" && deactivated[ri.ID] > 0 {
			assert.Equal(t, "Inactive", ri.Status, ri.ID)
		}
	}
	for _, e := range state.RouteEntries {
		assert.NotEqual(t, "Published", e.Publish[cloudsim.DefaultECRID], "%s still published", e.Destination)
	}
	measured(t, "cloudsim: %d withdraws and %d deactivates applied for %d rollbacks, %d deactivate calls in all",
		len(cloud.callsOf("WithdrawVpcPublishedRouteEntries", succeeded)), len(cloud.callsOf("DeactivateRouterInterface", succeeded)), n,
		cloud.CallCount("DeactivateRouterInterface"))
}
