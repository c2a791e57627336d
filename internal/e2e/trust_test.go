package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/stacktest"
	"github.com/vpcflow/vpcflow/internal/telemetry"
)

// rawRollback starts a Rollback as any client of the namespace can, with
// whatever input, under id, and returns how it ended.
func rawRollback(t *testing.T, id string, in contract.RollbackInput) error {
	t.Helper()
	ctx := stacktest.Ctx(t, time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: contract.TaskQueue}, contract.Rollback.Type, in)
	require.NoError(t, err)
	return run.Get(ctx, nil)
}

func requireRefused(t *testing.T, err error, why string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, contract.RollbackRefusedType, stacktest.FailureType(err), "%v", err)
	assert.Contains(t, err.Error(), why)
	assert.Contains(t, err.Error(), "nothing was undone")
}

// A Rollback undoes what its change recorded, and nothing its input says:
// a raw client naming no workflow, a workflow that is no change, a change
// still running, or routes the change never published, gets a refusal and
// the cloud is not touched; the rollback of the change's own record undoes
// exactly that.
func TestARollbackUndoesOnlyWhatItsChangeChanged(t *testing.T) {
	resetCloud(t)
	require.NoError(t, publishAsSomeoneElse(t, cloudsim.DefaultRouteCIDR3))
	untouched := func() {
		t.Helper()
		assert.Zero(t, stack.Cloudsim.CallCount("WithdrawVpcPublishedRouteEntries"), "nothing withdrawn")
		assert.Zero(t, stack.Cloudsim.CallCount("DeactivateRouterInterface"), "nothing deactivated")
	}
	someoneElses := &contract.ChangeRecord{RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: cloudsim.DefaultInitiatingInterfaceID,
		TargetType: "ECR", TargetInstanceId: cloudsim.DefaultECRID, Published: []contract.RouteEntry{routeEntry(cloudsim.DefaultRouteCIDR3)}}

	requireRefused(t, rawRollback(t, contract.RollbackID("no/such/change"), contract.RollbackInput{Change: "no/such/change",
		Changed: someoneElses, DeactivateInterface: true}), "no workflow has this ID")
	untouched()

	// A change still waiting for its interface.
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Stuck: []string{cloudsim.DefaultInitiatingInterfaceID}}))
	running := startChangeTo(t, "network-change/still-running", simclients.DefaultNetworkChange(), contract.StageWaitRouterInterface)
	requireRefused(t, rawRollback(t, contract.RollbackID(running.GetID()), contract.RollbackInput{Change: running.GetID(),
		DeactivateInterface: true}), "the change is still running")
	untouched()
	require.NoError(t, tc.CancelWorkflow(stacktest.Ctx(t, time.Minute), running.GetID(), ""))
	stopped := stoppedBy(t, running.Get(stacktest.Ctx(t, time.Minute), nil))
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{}))

	// A workflow that changes nothing.
	plan, err := tc.ExecuteWorkflow(stacktest.Ctx(t, time.Minute), startOptions(t, "plan"), contract.NetworkChangePlan.Type, simclients.DefaultNetworkChange())
	require.NoError(t, err)
	require.NoError(t, plan.Get(stacktest.Ctx(t, time.Minute), nil))
	requireRefused(t, rawRollback(t, contract.RollbackID(plan.GetID()), contract.RollbackInput{Change: plan.GetID(), Changed: someoneElses}),
		"it is a NetworkChangePlan")
	untouched()

	// The cancelled change connected the interface; its input claims a
	// route someone else published.
	require.Equal(t, cloudsim.DefaultInitiatingInterfaceID, stopped.Changed.RouterInterfaceId)
	requireRefused(t, rawRollback(t, contract.RollbackID(running.GetID()), contract.RollbackInput{Change: running.GetID(),
		Changed: someoneElses, DeactivateInterface: true}), "is not what "+running.GetID()+" changed")
	// Under an ID of its own choosing, not even the record is read.
	requireRefused(t, rawRollback(t, "my-rollback", contract.RollbackInput{Change: running.GetID(), DeactivateInterface: true}),
		"runs as workflow "+contract.RollbackID(running.GetID()))
	untouched()

	// Without Changed, it undoes the record: the interface, not the route.
	require.NoError(t, rawRollback(t, contract.RollbackID(running.GetID()), contract.RollbackInput{Change: running.GetID(), DeactivateInterface: true}))
	assert.Equal(t, "Inactive", interfaceState(t, cloudsim.DefaultInitiatingInterfaceID))
	assert.Equal(t, "Published", stateOf(t, cloudsim.DefaultRouteCIDR3), "someone else's route stays")
	assert.Zero(t, stack.Cloudsim.CallCount("WithdrawVpcPublishedRouteEntries"))
	assert.Equal(t, 1, applied("DeactivateRouterInterface"))
}

// historyLength is the number of events of a run's history.
func historyLength(ctx context.Context, t *testing.T, id, runID string) int {
	t.Helper()
	n := 0
	it := tc.GetWorkflowHistory(ctx, id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		_, err := it.Next()
		require.NoError(t, err)
		n++
	}
	return n
}

// A decision of any size is refused at once: a 3 MB one never reaches the
// worker (the server refuses it; a client with contract.BoundedPayloads
// does not even send it), adds no event, and neither a query nor the real
// decision sent next waits for it.
func TestAnOversizedDecisionIsRefusedAtOnce(t *testing.T) {
	resetCloud(t)
	run := startAwaitingApproval(t, "network-change/oversized-decision")
	ctx := stacktest.Ctx(t, 2*time.Minute)
	events := historyLength(ctx, t, run.GetID(), run.GetRunID())
	huge := contract.Decision{Approve: true, By: "mallory", Comment: strings.Repeat("x", 3<<20)}

	started := time.Now()
	uctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	handle, err := tc.UpdateWorkflow(uctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: contract.DecideUpdate,
		Args: []any{huge}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = handle.Get(uctx, nil)
	}
	took := time.Since(started)
	require.Error(t, err, "a 3 MB decision is refused")
	assert.Less(t, took, time.Second, "refused at once (%s): %v", took, err)
	assert.Equal(t, events, historyLength(ctx, t, run.GetID(), run.GetRunID()), "no event: no failed workflow task")

	started = time.Now()
	_, err = stacktest.Progress(ctx, tc, run.GetID())
	require.NoError(t, err)
	assert.Less(t, time.Since(started), time.Second, "the progress query is not held up")

	// The starter's client refuses it before sending.
	guarded, err := client.NewClientFromExisting(tc, client.Options{Interceptors: []interceptor.ClientInterceptor{contract.BoundedPayloads()}})
	require.NoError(t, err)
	_, err = guarded.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: contract.DecideUpdate,
		Args: []any{huge}, WaitForStage: client.WorkflowUpdateStageCompleted})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nothing was sent")

	var out, errOut bytes.Buffer
	code := starterApp(&out, &errOut).Run(ctx, []string{"approve", run.GetID(), "--by", "alice"})
	require.Equal(t, 0, code, "stderr: %s", errOut.String())
	var res contract.NetworkChangeResult
	require.NoError(t, run.Get(ctx, &res))
	require.Len(t, res.Decisions, 1)
	assert.Equal(t, "alice", res.Decisions[0].By)
}

// scrapeText reads the worker's /metrics as text.
func scrapeText(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(metricsURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}

// 200 failures with distinct 10 KB codes (a proxy or a cloud can answer
// anything) add two series to /metrics, not 400 of 10 KB: a code outside
// the error table is counted as "other", in the cloud calls and in the
// changes alike, and the failures' types are cut to a printable size.
func TestMetricLabelsStayBoundedWhateverTheCloudAnswers(t *testing.T) {
	waitWorkerIdle(t)
	resetCloud(t)
	const n = 200
	var script []cloudsim.ScriptedFault
	for i := range n {
		script = append(script, cloudsim.ScriptedFault{Action: "DescribeRouterInterfaces", Count: 1, Status: 400,
			Code: fmt.Sprintf("Odd%03d.%s", i, strings.Repeat("x", 10<<10))})
	}
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Scripted: script}))
	before := seriesOf(scrapeText(t))
	ctx := stacktest.Ctx(t, 3*time.Minute)
	var runs []client.WorkflowRun
	for i := range n {
		run, err := tc.ExecuteWorkflow(ctx, startOptions(t, fmt.Sprintf("connect/odd-code-%d", i)), contract.ConnectRouterInterface.Type,
			contract.ConnectRouterInterfaceInput{RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: cloudsim.DefaultInitiatingInterfaceID})
		require.NoError(t, err)
		runs = append(runs, run)
	}
	for _, run := range runs {
		err := run.Get(ctx, nil)
		require.Error(t, err)
		typ := stacktest.FailureType(err)
		assert.True(t, strings.HasPrefix(typ, "Odd"), typ)
		assert.LessOrEqual(t, len(typ), 96, "a failure's type is cut")
	}
	families := scrape(t)
	assert.EqualValues(t, n, sum(families, "vpcflow_cloud_calls_total", map[string]string{telemetry.TagCode: activities.OtherLabel}))
	assert.EqualValues(t, n, sum(families, "vpcflow_changes_total", map[string]string{telemetry.TagErrorType: activities.OtherLabel,
		telemetry.TagWorkflow: contract.ConnectRouterInterface.Type}))
	after := scrapeText(t)
	assert.NotContains(t, after, "xxxxxxxxxx", "no raw code in a label")
	added := map[string]int{}
	for series := range seriesOf(after) {
		if name, _, _ := strings.Cut(series, "{"); !before[series] {
			added[name]++
		}
	}
	// One series each for the 200 codes (one per code would be 200).
	assert.LessOrEqual(t, added["vpcflow_cloud_calls_total"], 1, "%v", added)
	assert.LessOrEqual(t, added["vpcflow_changes_total"], 1, "%v", added)
}

// seriesOf is the set of series (name and labels) of a /metrics text.
func seriesOf(text string) map[string]bool {
	series := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			series[line[:i]] = true
		}
	}
	return series
}
