package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// starter runs the starter with args and returns its output, failing the
// test on a non-zero exit.
func starter(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	code := starterApp(&out, &errOut).Run(ctx, args)
	require.Equal(t, 0, code, "starter %s:\n%s\n%s", strings.Join(args, " "), out.String(), errOut.String())
	return out.String()
}

// latestCheck waits for a DriftCheck of interface ri matching extra (a
// visibility query) to have ended after since, and returns its ID.
func latestCheck(ctx context.Context, t *testing.T, ri, extra string, since time.Time) string {
	t.Helper()
	query := fmt.Sprintf("WorkflowType = 'DriftCheck' AND RouterInterfaceId = '%s' AND CloseTime > '%s' AND %s", ri, since.UTC().Format(time.RFC3339Nano), extra)
	return waitVisible(ctx, t, query, 1)[0]
}

// A watch of a change runs its drift check on a Temporal Schedule: the
// first finds nothing; a route withdrawn and the interface deactivated in
// the console are found by the next scheduled check, which fails Drifted
// (VpcFlowStage drifted) naming them and counts them in
// vpcflow_drift_total; a watch with --repair makes the change again, and
// the cloud is as the change made it.
func TestADriftIsFoundByTheNextCheckAndRepaired(t *testing.T) {
	resetCloud(t)
	waitWorkerIdle(t)
	ctx := stacktest.Ctx(t, 6*time.Minute)
	const i = 100
	ri, table, cidr := cloudsim.FleetChange(e2eFleet, i)
	change := fleetChange(i)
	d := fleetDefaults()
	change.RegionId, change.TargetType, change.TargetInstanceId, change.VpnConnectionId, change.WaitTimeout = d.RegionId, d.TargetType, d.TargetInstanceId, d.VpnConnectionId, d.WaitTimeout
	run, err := contract.NetworkChange.Start(ctx, tc, change)
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))
	spec := writeSpec(t, "change.json", change)
	schedule := contract.DriftScheduleID(run.GetID())
	t.Cleanup(func() { _ = tc.ScheduleClient().GetHandle(context.Background(), schedule).Delete(context.Background()) })

	began := time.Now()
	calls := stack.Cloudsim.CallCount("")
	out := starter(ctx, t, "watch", "-f", spec, "--every", "2s")
	assert.Contains(t, out, schedule+": a drift check of "+run.GetID()+" every 2s")
	first := latestCheck(ctx, t, ri, "ExecutionStatus = 'Completed'", began)
	var clean contract.DriftResult
	require.NoError(t, tc.GetWorkflow(ctx, first, "").Get(ctx, &clean))
	assert.Empty(t, clean.Drifted)
	assert.Equal(t, 3, clean.Reads, "the interface, the table's published routes, the VPN connection's routes")
	t.Logf("a clean check made %d cloud calls", stack.Cloudsim.CallCount("")-calls)

	listed := starter(ctx, t, "watch", "list", "-o", "json")
	assert.Contains(t, listed, `"ScheduleId": "`+schedule+`"`)

	// Someone undoes the change in the console.
	c := simVPC(t)
	withdraw := vpc.CreateWithdrawVpcPublishedRouteEntriesRequest()
	withdraw.RegionId, withdraw.TargetType, withdraw.TargetInstanceId = cloudsim.DefaultRegionID, "ECR", cloudsim.DefaultECRID
	withdraw.RouteEntries = &[]vpc.WithdrawVpcPublishedRouteEntriesRouteEntries{{RouteTableId: table, DestinationCidrBlock: cidr}}
	_, err = c.WithdrawVpcPublishedRouteEntries(withdraw)
	require.NoError(t, err)
	deactivate := vpc.CreateDeactivateRouterInterfaceRequest()
	deactivate.RegionId, deactivate.RouterInterfaceId = cloudsim.DefaultRegionID, ri
	_, err = c.DeactivateRouterInterface(deactivate)
	require.NoError(t, err)
	moved := time.Now()

	drifted := latestCheck(ctx, t, ri, "VpcFlowStage = 'drifted' AND ExecutionStatus = 'Failed'", moved)
	err = tc.GetWorkflow(ctx, drifted, "").Get(ctx, nil)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	assert.Equal(t, contract.DriftedType, appErr.Type())
	var found contract.DriftResult
	require.NoError(t, appErr.Details(&found))
	kinds := map[string]bool{}
	for _, d := range found.Drifted {
		kinds[d.Kind] = true
		assert.Equal(t, run.GetID(), d.Change)
	}
	assert.True(t, kinds[contract.DriftInterface] && kinds[contract.DriftRoutes] && kinds[contract.DriftVpnRoutes], "%v", found.Drifted)
	assert.Contains(t, appErr.Error(), "router interface "+ri)
	assert.True(t, slices.ContainsFunc(strings.Split(scrapeText(t), "\n"), func(line string) bool {
		return strings.HasPrefix(line, "vpcflow_drift_total{") && strings.Contains(line, `kind="interface"`)
	}), "vpcflow_drift_total counts the interface's drift")

	// The same watch, repairing: the next check makes the change again.
	starter(ctx, t, "watch", "delete", schedule)
	require.Eventually(t, func() bool { return interfaceState(t, ri) == cloudsim.RouterInterfaceInactive }, time.Minute, 100*time.Millisecond)
	repairing := time.Now()
	starter(ctx, t, "watch", "-f", spec, "--every", "2s", "--repair")
	repaired := latestCheck(ctx, t, ri, "ExecutionStatus = 'Completed' AND VpcFlowStage = 'completed'", repairing)
	var res contract.DriftResult
	require.NoError(t, tc.GetWorkflow(ctx, repaired, "").Get(ctx, &res))
	if len(res.Drifted) > 0 { // the first check after the watch repaired; a later one may be clean
		require.NotNil(t, res.Repair)
		assert.Equal(t, contract.FleetCompleted, res.Repair.State)
	}
	require.Eventually(t, func() bool {
		return interfaceState(t, ri) == cloudsim.RouterInterfaceActive && stateOf(t, cidr) == "Published"
	}, time.Minute, 100*time.Millisecond, "the repair made the change again")
	assert.Equal(t, 1, applied("ActivateRouterInterface"), "the repair activated the interface once")

	starter(ctx, t, "watch", "pause", schedule)
	desc, err := tc.ScheduleClient().GetHandle(ctx, schedule).Describe(ctx)
	require.NoError(t, err)
	assert.True(t, desc.Schedule.State.Paused)
	starter(ctx, t, "watch", "delete", schedule)
}

// A fleet is checked as a whole, sharing its reads; one change's drift is
// named by that change.
func TestAFleetIsCheckedForDriftAsAWhole(t *testing.T) {
	resetCloud(t)
	waitWorkerIdle(t)
	ctx := stacktest.Ctx(t, 4*time.Minute)
	in := fleetOf("watched", 110, 111, 112, 113)
	run := startFleet(ctx, t, in)
	require.NoError(t, run.Get(ctx, nil))

	out := starter(ctx, t, "drift-check", "-f", writeSpec(t, "fleet.json", in), "--wait", "-o", "json")
	assert.Contains(t, out, `"Changes": 4`)
	assert.Contains(t, out, `"Reads": 6`, "one interface read for the 4, a published-routes listing per table, the VPN connection's routes once")

	ri, _, _ := cloudsim.FleetChange(e2eFleet, 112)
	deactivate := vpc.CreateDeactivateRouterInterfaceRequest()
	deactivate.RegionId, deactivate.RouterInterfaceId = cloudsim.DefaultRegionID, ri
	_, err := simVPC(t).DeactivateRouterInterface(deactivate)
	require.NoError(t, err)
	var outBuf, errOut bytes.Buffer
	code := starterApp(&outBuf, &errOut).Run(ctx, []string{"drift-check", "-f", writeSpec(t, "fleet.json", in), "--wait"})
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), "network-change/"+ri+": interface router interface "+ri+" is Deactivating")
}
