package reliability

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// TestWorkerCrashMidFleet: a fleet of 30 changes (four sharing route
// tables, four connecting from one router) on a cloud that refuses writes
// in flight together, continuing as new every 12 changes, has its worker
// SIGKILLed with changes running. A new worker takes the fleet and its
// changes over: every change completes, none is started twice (one run
// each), each interface is connected once and each route published once,
// and the cloud answered no conflict.
func TestWorkerCrashMidFleet(t *testing.T) {
	needStack(t)
	ctx := stacktest.Ctx(t, 8*time.Minute)
	spec := cloudsim.FleetFixtureSpec{Prefix: "rk", Changes: 30, SharedTables: 4, HubChanges: 4}
	cloud := startCloud(t, cloudsim.GenerateFleetFixture(spec), 10)
	require.NoError(t, cloud.SetQuirks(cloudsim.Quirks{OneConnectPerRouter: true, OneWritePerRouteTable: true}))
	first := startWorker(t, "worker-1", workerConfig{cloud: cloud})

	in := contract.NetworkFleetInput{Name: "sigkill", Concurrency: 6, RunLength: 12,
		Defaults: &contract.NetworkChangeInput{RegionId: cloudsim.DefaultRegionID, TargetType: "ECR", TargetInstanceId: cloudsim.DefaultECRID,
			VpnConnectionId: cloudsim.DefaultVpnConnectionID}}
	for i := range spec.Changes {
		ri, table, cidr := cloudsim.FleetChange(spec, i)
		in.Changes = append(in.Changes, contract.NetworkChangeInput{RouterInterfaceId: ri,
			RouteEntries: []contract.RouteEntry{{RouteTableId: table, DestinationCidrBlock: cidr}}})
	}
	run, err := contract.NetworkFleet.Start(ctx, tc, in)
	require.NoError(t, err)
	t.Cleanup(func() { terminateIfRunning(tc, run.GetID(), "") })

	waitFor(ctx, t, "5 changes done and others running on worker-1", func() (bool, string) {
		p, err := contract.QueryFleet(ctx, tc, run.GetID(), "")
		if err != nil {
			return false, err.Error()
		}
		return p.Counts[contract.FleetCompleted] >= 5 && p.Counts[contract.FleetRunning] > 0, fmt.Sprint(p.Counts)
	})
	first.kill()
	killedBySignal(t, first)
	startWorker(t, "worker-2", workerConfig{cloud: cloud})

	var res contract.NetworkFleetResult
	require.NoError(t, run.Get(ctx, &res))
	assert.Equal(t, 30, res.Counts[contract.FleetCompleted], "%v", res.Counts)
	assert.Equal(t, 3, res.Runs, "30 changes, 12 a run")
	for _, c := range res.Changes {
		runs, err := tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: fmt.Sprintf("WorkflowId = '%s'", c.WorkflowId)})
		require.NoError(t, err)
		assert.EqualValues(t, 1, runs.GetCount(), "%s started once", c.WorkflowId)
	}
	connects := map[string]int{}
	for _, c := range cloud.callsOf("ConnectRouterInterface", succeeded) {
		connects[c.Params["RouterInterfaceId"]]++
	}
	assert.Len(t, connects, 30)
	for id, n := range connects {
		assert.Equal(t, 1, n, "%s connected once", id)
	}
	assert.Len(t, cloud.callsOf("PublishVpcRouteEntries", func(c cloudsim.Call) bool { return c.Code == "" && c.Params["DryRun"] == "false" }), 30)
	conflicts := 0
	for _, c := range cloud.Calls("") {
		switch c.Code {
		case "IncorrectStatus.RouteTable", "IncorrectStatus.RouteEntryPublishStatus", "Forbidden.OnlyOneConnection":
			conflicts++
		}
	}
	assert.Zero(t, conflicts)
	measured(t, "worker-1 SIGKILLed mid-fleet: 30 changes completed over %d runs, each started once, %d connects, 0 conflict answers",
		res.Runs, len(cloud.callsOf("ConnectRouterInterface", succeeded)))
}
