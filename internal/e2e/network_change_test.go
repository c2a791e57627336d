package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/stacktest"
	"github.com/vpcflow/vpcflow/internal/startercli"
)

func TestNetworkChangeHappyPathThroughTheStarter(t *testing.T) {
	resetCloud(t)
	var out, errOut bytes.Buffer
	app := starterApp(&out, &errOut)
	spec := writeSpec(t, "change.json", simclients.DefaultNetworkChange())
	code := app.Run(stacktest.Ctx(t, 2*time.Minute), []string{"network-change", "-f", spec, "--wait", "-o", "json"})
	require.Equal(t, 0, code, "stderr: %s", errOut.String())

	var report struct {
		WorkflowId string
		WebUI      string
		Result     contract.NetworkChangeResult
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &report), out.String())
	assert.Equal(t, "network-change/"+cloudsim.DefaultInitiatingInterfaceID, report.WorkflowId)
	assert.Contains(t, report.WebUI, "/namespaces/default/workflows/network-change%2F")
	assert.True(t, report.Result.Connected)
	assert.Len(t, report.Result.Published, 2)
	assert.Len(t, report.Result.Routes, 2)
	assert.Len(t, report.Result.ChangeRequestIds, 2)

	assert.Equal(t, 1, stack.Cloudsim.CallCount("ConnectRouterInterface"), "connected exactly once")
	assert.Equal(t, 2, stack.Cloudsim.CallCount("PublishVpcRouteEntries"), "one DryRun and one publish")
	assert.Equal(t, 1, stack.Cloudsim.CallCount("DescribeVpnCrossAccountAuthorizations"))

	// The Web UI and `temporal workflow list` find it by what it touched.
	ids := waitVisible(stacktest.Ctx(t, 30*time.Second), t, "RouterInterfaceId = '"+cloudsim.DefaultInitiatingInterfaceID+
		"' AND VpcFlowStage = 'completed' AND VpnConnectionId = '"+cloudsim.DefaultVpnConnectionID+"'", 1)
	assert.Contains(t, ids, report.WorkflowId)
	recordHistory(t, "network_change_happy", report.WorkflowId)

	out.Reset()
	require.Equal(t, 0, app.Run(stacktest.Ctx(t, time.Minute), []string{"status", report.WorkflowId}), errOut.String())
	assert.Contains(t, out.String(), "NetworkChange "+report.WorkflowId+": Completed")
	assert.Contains(t, out.String(), "stage: completed")
	assert.Contains(t, out.String(), "wait-router-interface-active")

	out.Reset()
	require.Equal(t, 0, app.Run(stacktest.Ctx(t, time.Minute), []string{"result", "-o", "json", report.WorkflowId}), errOut.String())
	var again struct{ Result contract.NetworkChangeResult }
	require.NoError(t, json.Unmarshal(out.Bytes(), &again), out.String())
	assert.Equal(t, report.Result.ChangeRequestIds, again.Result.ChangeRequestIds)
}

// A service in another language starts NetworkChange by its type name with
// plain JSON, knowing nothing of vpcflow's Go types.
func TestNetworkChangeStartedByNameWithPlainJSON(t *testing.T) {
	resetCloud(t)
	input := map[string]any{
		"RegionId":          "cn-hangzhou",
		"RouterInterfaceId": cloudsim.DefaultInitiatingInterfaceID,
		"TargetType":        "ECR",
		"TargetInstanceId":  cloudsim.DefaultECRID,
		"RouteEntries": []map[string]string{
			{"RouteTableId": cloudsim.DefaultSystemRouteTableID, "DestinationCidrBlock": cloudsim.DefaultRouteCIDR3},
		},
		"VpnConnectionId": cloudsim.DefaultVpnConnectionID,
		"WaitTimeout":     "2m",
	}
	ctx := stacktest.Ctx(t, 2*time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "network-change/"+cloudsim.DefaultInitiatingInterfaceID), "NetworkChange", input)
	require.NoError(t, err)
	var result map[string]any
	require.NoError(t, run.Get(ctx, &result))
	assert.Equal(t, true, result["Connected"])
	routes := result["Routes"].([]any)
	require.Len(t, routes, 1)
	assert.Equal(t, cloudsim.DefaultRouteCIDR3, routes[0].(map[string]any)["RouteDest"])
	assert.Equal(t, "CLOUD", routes[0].(map[string]any)["Source"])
}

func TestConnectingTheAcceptingSideFailsOnTheFirstAttempt(t *testing.T) {
	resetCloud(t)
	ctx := stacktest.Ctx(t, time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "connect-router-interface/"+cloudsim.DefaultSecondAcceptingInterfaceID),
		contract.ConnectRouterInterface.Type,
		contract.ConnectRouterInterfaceInput{RegionId: "cn-hangzhou", RouterInterfaceId: cloudsim.DefaultSecondAcceptingInterfaceID})
	require.NoError(t, err)
	err = run.Get(ctx, nil)
	require.Error(t, err)
	assert.Equal(t, "IncorrectRole.NotInitiatingSide", stacktest.FailureType(err))
	assert.Contains(t, err.Error(), "the interface is the AcceptingSide of its pair. Fix: connect from the InitiatingSide router interface of the pair")
	assert.Equal(t, 1, stack.Cloudsim.CallCount("DescribeRouterInterfaces"), "one read, no retry")
	assert.Zero(t, stack.Cloudsim.CallCount("ConnectRouterInterface"), "refused before any change")
	recordHistory(t, "connect_accepting_side", run.GetID())
}

func TestAPermanentCloudErrorFailsOnTheFirstAttemptWithItsRequestId(t *testing.T) {
	resetCloud(t)
	ctx := stacktest.Ctx(t, time.Minute)
	in := simclients.DefaultNetworkChange()
	in.RouteEntries = []contract.RouteEntry{{RouteTableId: cloudsim.DefaultSystemRouteTableID, DestinationCidrBlock: cloudsim.DefaultSystemRouteCIDR}}
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "publish"), contract.PublishVpcRoutes.Type, contract.PublishVpcRoutesInput{RouteSet: in.Routes()})
	require.NoError(t, err)
	err = run.Get(ctx, nil)
	require.Error(t, err)
	assert.Equal(t, "OperationUnsupported.PublishSystemRouteEntry", stacktest.FailureType(err))
	assert.Contains(t, err.Error(), "RequestId: ")
	assert.Contains(t, err.Error(), "publish custom route entries only")
	// A DryRun checks the key, the RAM policy and the parameters (the
	// PublishVpcRouteEntries document): the real publish refuses the route.
	assert.Equal(t, 2, stack.Cloudsim.CallCount("PublishVpcRouteEntries"), "the DryRun and one publish: no retry storm")
	recordHistory(t, "publish_refused_after_dry_run", run.GetID())
}

func TestInjectedThrottlingIsSurvived(t *testing.T) {
	resetCloud(t)
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Scripted: []cloudsim.ScriptedFault{
		{Action: "ConnectRouterInterface", Count: 2, Code: "Throttling.User", Status: 400},
		{Action: "PublishVpcRouteEntries", Count: 1, Code: "ServiceUnavailable", Status: 503},
		{Action: "DescribeVcoRouteEntries", Count: 1, Code: "Throttling", Status: 400},
	}}))
	ctx := stacktest.Ctx(t, 3*time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "network-change"), contract.NetworkChange.Type, simclients.DefaultNetworkChange())
	require.NoError(t, err)
	var res contract.NetworkChangeResult
	require.NoError(t, run.Get(ctx, &res))
	assert.True(t, res.Connected)
	assert.Equal(t, 3, stack.Cloudsim.CallCount("ConnectRouterInterface"), "two throttled, one accepted")
	connects := 0
	for _, c := range stack.Cloudsim.Calls("ConnectRouterInterface") {
		if c.Code == "" {
			connects++
		}
	}
	assert.Equal(t, 1, connects, "applied once")
	recordHistory(t, "network_change_throttled", run.GetID())
}

func TestADuplicateStartAttachesToTheRunningWorkflow(t *testing.T) {
	resetCloud(t)
	// Hold the interface in Connecting so the first run is still waiting.
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Stuck: []string{cloudsim.DefaultInitiatingInterfaceID}}))
	ctx := stacktest.Ctx(t, 2*time.Minute)
	opts := startOptions(t, "network-change/"+cloudsim.DefaultInitiatingInterfaceID)
	first, err := tc.ExecuteWorkflow(ctx, opts, contract.NetworkChange.Type, simclients.DefaultNetworkChange())
	require.NoError(t, err)
	require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageWaitRouterInterface, first.GetID()))

	second, err := tc.ExecuteWorkflow(ctx, opts, contract.NetworkChange.Type, simclients.DefaultNetworkChange())
	require.NoError(t, err)
	assert.Equal(t, first.GetRunID(), second.GetRunID(), "the second start attached to the first run")

	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{}))
	var res contract.NetworkChangeResult
	require.NoError(t, second.Get(ctx, &res))
	assert.True(t, res.Connected)
	assert.Equal(t, 1, stack.Cloudsim.CallCount("ConnectRouterInterface"))
}

func writeSpec(t *testing.T, name string, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	path := t.TempDir() + "/" + name
	require.NoError(t, writeFile(path, data))
	return strings.TrimSpace(path)
}

// queryCounter counts the queries a client sends: each is a billable
// Temporal Cloud action.
type queryCounter struct {
	interceptor.ClientInterceptorBase
	n atomic.Int64
}

func (q *queryCounter) InterceptClient(next interceptor.ClientOutboundInterceptor) interceptor.ClientOutboundInterceptor {
	return &countingOutbound{ClientOutboundInterceptorBase: interceptor.ClientOutboundInterceptorBase{Next: next}, n: &q.n}
}

type countingOutbound struct {
	interceptor.ClientOutboundInterceptorBase
	n *atomic.Int64
}

func (c *countingOutbound) QueryWorkflow(ctx context.Context, in *interceptor.ClientQueryWorkflowInput) (converter.EncodedValue, error) {
	c.n.Add(1)
	return c.Next.QueryWorkflow(ctx, in)
}

// --wait shows each stage as the history moves, and queries only then:
// not once per poll interval while a step runs.
func TestFollowingAChangeQueriesOnlyWhenItsHistoryMoves(t *testing.T) {
	resetCloud(t)
	var out, errOut bytes.Buffer
	queries := &queryCounter{}
	app := &startercli.App{Stdout: &out, Stderr: &errOut, Namespace: stack.Temporal.Namespace(), PollInterval: 20 * time.Millisecond,
		Dial: func(ctxDial context.Context) (client.Client, error) {
			return client.NewClientFromExisting(tc, client.Options{Interceptors: []interceptor.ClientInterceptor{queries}})
		}}
	in := simclients.DefaultNetworkChange()
	spec := writeSpec(t, "follow.json", in)
	began := time.Now()
	code := app.Run(stacktest.Ctx(t, 2*time.Minute), []string{"network-change", "-f", spec, "--wait"})
	took := time.Since(began)
	require.Equal(t, 0, code, "stderr: %s", errOut.String())
	assert.Contains(t, out.String(), contract.StageWaitRouterInterface)
	assert.Contains(t, out.String(), contract.StageCompleted)

	events := 0
	it := tc.GetWorkflowHistory(stacktest.Ctx(t, 30*time.Second), "network-change/"+in.RouterInterfaceId, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		_, err := it.Next()
		require.NoError(t, err)
		events++
	}
	t.Logf("followed for %s: %d queries, %d history events, %d poll intervals", took.Round(time.Millisecond), queries.n.Load(), events, took/(20*time.Millisecond))
	assert.LessOrEqual(t, queries.n.Load(), int64(events), "at most one query per history change")
	assert.Less(t, queries.n.Load(), int64(took/(20*time.Millisecond))/2, "far fewer than one per interval")
}

// A start of the same change attaches to the running one; a start of
// another change of the same interface (another route list) is refused,
// naming what differs and how to follow the running one: through the
// starter (exit 1) and through contract.Start for a service.
func TestAConflictingStartIsRefusedAndTheSameOneAttaches(t *testing.T) {
	resetCloud(t)
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Stuck: []string{cloudsim.DefaultInitiatingInterfaceID}}))
	ctx := stacktest.Ctx(t, 2*time.Minute)
	in := simclients.DefaultNetworkChange()
	first, err := contract.NetworkChange.Start(ctx, tc, in)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tc.TerminateWorkflow(context.Background(), first.GetID(), "", "test over") })
	require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageWaitRouterInterface, first.GetID()))

	same, err := contract.NetworkChange.Start(ctx, tc, in)
	require.NoError(t, err)
	assert.Equal(t, first.GetRunID(), same.GetRunID(), "the same change attaches")

	other := in
	other.RouteEntries = in.RouteEntries[:1]
	_, err = contract.NetworkChange.Start(ctx, tc, other)
	var conflict *contract.ConflictingStartError
	require.ErrorAs(t, err, &conflict)
	assert.Equal(t, first.GetRunID(), conflict.RunID)
	require.Len(t, conflict.Differences, 1, "%v", conflict.Differences)
	assert.Contains(t, conflict.Differences[0], "RouteEntries (running: ")

	var out, errOut bytes.Buffer
	spec := writeSpec(t, "other.json", other)
	code := starterApp(&out, &errOut).Run(ctx, []string{"network-change", "-f", spec})
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), first.GetID()+" is already running (run "+first.GetRunID()+") with another input: RouteEntries")
	assert.Contains(t, errOut.String(), "starter status "+first.GetID())
	out.Reset()
	errOut.Reset()
	code = starterApp(&out, &errOut).Run(ctx, []string{"network-change", "-f", writeSpec(t, "same.json", in)})
	assert.Equal(t, 0, code, errOut.String())
	assert.Contains(t, out.String(), "(run "+first.GetRunID()+")", "the same spec attaches")
	assert.Equal(t, 1, stack.Cloudsim.CallCount("ConnectRouterInterface"), "one change made")
}
