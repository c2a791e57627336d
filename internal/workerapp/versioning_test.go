package workerapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/devserver"
	"github.com/vpcflow/vpcflow/internal/stacktest"
	"github.com/vpcflow/vpcflow/workflows"
)

func TestVersioningUnversionedByDefault(t *testing.T) {
	opts, err := Versioning{BuildID: "abc"}.DeploymentOptions()
	require.NoError(t, err)
	assert.Equal(t, worker.DeploymentOptions{}, opts, "no deployment name: the worker polls as it always did")
	assert.Equal(t, "unversioned", Versioning{}.LogValue().String())
}

func TestVersioningRefusesWhatTheServerWould(t *testing.T) {
	for _, tc := range []struct {
		v    Versioning
		want string
	}{
		{Versioning{DeploymentName: "vpcflow.prod", BuildID: "b1"}, `Temporal refuses "." in it`},
		{Versioning{DeploymentName: "vpcflow:prod", BuildID: "b1"}, `Temporal refuses ":" in it`},
		{Versioning{DeploymentName: "__vpcflow", BuildID: "b1"}, `reserves names starting with "__"`},
		{Versioning{DeploymentName: "vpcflow"}, "needs a build ID (-build-id)"},
		{Versioning{DeploymentName: "vpcflow", BuildID: "__b1"}, `worker build ID "__b1"`},
		{Versioning{DeploymentName: "vpcflow", BuildID: strings.Repeat("b", 481)}, "481 bytes; Temporal takes at most 480"},
	} {
		_, err := tc.v.DeploymentOptions()
		require.Error(t, err, "%+v", tc.v)
		assert.Contains(t, err.Error(), tc.want)
	}

	opts, err := Versioning{DeploymentName: "prod/vpcflow-worker", BuildID: "5dbcd2b9d270-dirty"}.DeploymentOptions()
	require.NoError(t, err)
	assert.True(t, opts.UseVersioning)
	assert.Equal(t, worker.WorkerDeploymentVersion{DeploymentName: "prod/vpcflow-worker", BuildID: "5dbcd2b9d270-dirty"}, opts.Version)
	assert.Equal(t, workflow.VersioningBehaviorUnspecified, opts.DefaultVersioningBehavior,
		"each workflow says its own behaviour; none is assumed")
}

// vpcflow's own workflows register on a versioned worker: the SDK panics
// on a workflow without a behaviour when the worker is versioned.
func TestVersioningRegistersEveryVpcflowWorkflow(t *testing.T) {
	c, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1", Logger: stacktest.QuietLogger()})
	require.NoError(t, err)
	defer c.Close()
	opts, err := Versioning{DeploymentName: "vpcflow", BuildID: "b1"}.DeploymentOptions()
	require.NoError(t, err)
	require.NotPanics(t, func() {
		w := worker.New(c, contract.TaskQueue, worker.Options{DeploymentOptions: opts})
		require.NoError(t, workflows.RegisterWorkflows(w))
	})
}

// The test's workflow types, registered by two builds with different code.
const (
	probeDeployment = "vpcflow-versioning-test"
	probeTaskQueue  = "versioning-test"
	// pinnedProbe waits for finishSignal and returns the build that ran
	// it; build 2's code starts a timer first, so build 2 cannot replay a
	// run of build 1: only pinning keeps such runs on build 1.
	pinnedProbe = "PinnedProbe"
	// upgradingProbe records, for each stepSignal, which build handled it
	// (a side effect, so the history keeps it) until finishSignal, and
	// returns the list; build 2 adds a timer to the runs it starts, behind
	// a GetVersion, so it replays build 1's runs.
	upgradingProbe = "UpgradingProbe"
	stepSignal     = "step"
	finishSignal   = "finish"
	handledQuery   = "handled"
)

// pinnedProbeOf is build's PinnedProbe.
func pinnedProbeOf(build string, extraTimer bool) func(workflow.Context) (string, error) {
	return func(ctx workflow.Context) (string, error) {
		if extraTimer {
			if err := workflow.Sleep(ctx, time.Millisecond); err != nil {
				return "", err
			}
		}
		workflow.GetSignalChannel(ctx, finishSignal).Receive(ctx, nil)
		return build, nil
	}
}

// upgradingProbeOf is build's UpgradingProbe.
func upgradingProbeOf(build string, guardedTimer bool) func(workflow.Context) ([]string, error) {
	return func(ctx workflow.Context) ([]string, error) {
		if guardedTimer && workflow.GetVersion(ctx, "probe-timer", workflow.DefaultVersion, 1) == 1 {
			if err := workflow.Sleep(ctx, time.Millisecond); err != nil {
				return nil, err
			}
		}
		handled := []string{}
		if err := workflow.SetQueryHandler(ctx, handledQuery, func() ([]string, error) { return handled, nil }); err != nil {
			return nil, err
		}
		steps, finish := workflow.GetSignalChannel(ctx, stepSignal), workflow.GetSignalChannel(ctx, finishSignal)
		for done := false; !done; {
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(steps, func(ch workflow.ReceiveChannel, _ bool) {
				ch.Receive(ctx, nil)
				var by string
				_ = workflow.SideEffect(ctx, func(workflow.Context) any { return build }).Get(&by)
				handled = append(handled, by)
			})
			sel.AddReceive(finish, func(ch workflow.ReceiveChannel, _ bool) {
				ch.Receive(ctx, nil)
				done = true
			})
			sel.Select(ctx)
		}
		return handled, nil
	}
}

// startBuild runs one build of the test's worker as a version of the
// test's deployment; build 2's code differs from build 1's.
func startBuild(t *testing.T, c client.Client, buildID string, second bool) worker.Worker {
	t.Helper()
	deployment, err := Versioning{DeploymentName: probeDeployment, BuildID: buildID}.DeploymentOptions()
	require.NoError(t, err)
	w := worker.New(c, probeTaskQueue, worker.Options{DeploymentOptions: deployment, Identity: buildID + "@versioning-test"})
	w.RegisterWorkflowWithOptions(pinnedProbeOf(buildID, second), workflow.RegisterOptions{Name: pinnedProbe, VersioningBehavior: workflow.VersioningBehaviorPinned})
	w.RegisterWorkflowWithOptions(upgradingProbeOf(buildID, second), workflow.RegisterOptions{Name: upgradingProbe, VersioningBehavior: workflow.VersioningBehaviorAutoUpgrade})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	return w
}

// setCurrent makes buildID the deployment's current version, as
// `temporal worker deployment set-current-version` does, once its worker
// has polled (the version exists from its first poll), and waits until
// the task queue routes by it.
func setCurrent(t *testing.T, ctx context.Context, c client.Client, buildID string) {
	t.Helper()
	handle := c.WorkerDeploymentClient().GetHandle(probeDeployment)
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if _, err = handle.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{BuildID: buildID}); err == nil {
			break
		}
	}
	require.NoError(t, err, "set current version %s", buildID)
	require.EventuallyWithT(t, func(t *assert.CollectT) {
		resp, err := c.WorkflowService().DescribeWorkerDeployment(ctx, &workflowservice.DescribeWorkerDeploymentRequest{
			Namespace: testNamespace, DeploymentName: probeDeployment})
		require.NoError(t, err)
		info := resp.GetWorkerDeploymentInfo()
		assert.Equal(t, buildID, info.GetRoutingConfig().GetCurrentDeploymentVersion().GetBuildId())
		assert.Equal(t, enumspb.ROUTING_CONFIG_UPDATE_STATE_COMPLETED, info.GetRoutingConfigUpdateState())
	}, 20*time.Second, 100*time.Millisecond, "routing to %s", buildID)
}

// testNamespace is the dev server's namespace (devserver.DefaultNamespace).
const testNamespace = devserver.DefaultNamespace

// awaitPinned waits until the run of id has completed its first workflow
// task, on buildID, and is pinned there.
func awaitPinned(t *testing.T, ctx context.Context, c client.Client, id, buildID string) {
	t.Helper()
	require.EventuallyWithT(t, func(t *assert.CollectT) {
		resp, err := c.DescribeWorkflowExecution(ctx, id, "")
		require.NoError(t, err)
		v := resp.GetWorkflowExecutionInfo().GetVersioningInfo()
		assert.Equal(t, enumspb.VERSIONING_BEHAVIOR_PINNED, v.GetBehavior())
		assert.Equal(t, buildID, v.GetDeploymentVersion().GetBuildId())
	}, 20*time.Second, 100*time.Millisecond, "%s pinned to %s", id, buildID)
}

// step signals the UpgradingProbe id and waits until a build handled it;
// it returns the builds that handled its steps so far.
func step(t *testing.T, ctx context.Context, c client.Client, id string, steps int) []string {
	t.Helper()
	require.NoError(t, c.SignalWorkflow(ctx, id, "", stepSignal, nil))
	var handled []string
	require.EventuallyWithT(t, func(t *assert.CollectT) {
		v, err := c.QueryWorkflow(ctx, id, "", handledQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&handled))
		assert.Len(t, handled, steps)
	}, 20*time.Second, 100*time.Millisecond, "step %d of %s", steps, id)
	return handled
}

// finish signals id to end and returns its result.
func finish[T any](t *testing.T, ctx context.Context, c client.Client, id string) T {
	t.Helper()
	require.NoError(t, c.SignalWorkflow(ctx, id, "", finishSignal, nil))
	var out T
	require.NoError(t, c.GetWorkflow(ctx, id, "").Get(ctx, &out), id)
	return out
}

// start starts workflowType as id on the test's task queue.
func start(t *testing.T, ctx context.Context, c client.Client, id, workflowType string) {
	t.Helper()
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: probeTaskQueue}, workflowType)
	require.NoError(t, err)
}

// pinnedRunning lists the open runs pinned to buildID, by the query
// docs/operations.md gives for it.
func pinnedRunning(ctx context.Context, c client.Client, buildID string) ([]string, error) {
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: testNamespace,
		Query: fmt.Sprintf("TemporalWorkerDeploymentVersion = '%s:%s' AND TemporalWorkflowVersioningBehavior = 'Pinned' AND ExecutionStatus = 'Running'",
			probeDeployment, buildID),
	})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range resp.GetExecutions() {
		ids = append(ids, e.GetExecution().GetWorkflowId())
	}
	slices.Sort(ids)
	return ids, nil
}

// drainage is buildID's drainage status, as `temporal worker deployment
// describe-version` shows it: "" while it is current or ramping.
func drainage(ctx context.Context, c client.Client, buildID string) (string, error) {
	d, err := c.WorkerDeploymentClient().GetHandle(probeDeployment).DescribeVersion(ctx, client.WorkerDeploymentDescribeVersionOptions{BuildID: buildID})
	if err != nil {
		return "", err
	}
	if d.Info.DrainageInfo == nil {
		return "", nil
	}
	switch d.Info.DrainageInfo.DrainageStatus {
	case client.WorkerDeploymentVersionDrainageStatusDraining:
		return "Draining", nil
	case client.WorkerDeploymentVersionDrainageStatusDrained:
		return "Drained", nil
	}
	return fmt.Sprintf("unspecified (%d)", d.Info.DrainageInfo.DrainageStatus), nil
}

// workflowTaskFailures counts the failed workflow tasks in id's history: a
// build that could not replay it, or panicked.
func workflowTaskFailures(t *testing.T, ctx context.Context, c client.Client, id string) int {
	t.Helper()
	n := 0
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED {
			n++
		}
	}
	return n
}

// A rollout on the real stack: two builds of one Worker Deployment, with
// different workflow code, side by side. A Pinned run ends on the build it
// started on however the current version moves, and an AutoUpgrade run
// follows the current version both ways, which its code's GetVersion makes
// safe. Rolling back (the old build current again) leaves nothing stuck:
// every run completes, with no failed workflow task, and the new build
// drains once its last Pinned run ends.
func TestVersioningRollsOutAndBackOnTheRealStack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	srv, err := devserver.Start(ctx, devserver.Options{UIPort: -1, Logger: quiet, DynamicConfig: map[string]any{
		// A version no longer current counts its open Pinned runs every
		// second, not every 3 minutes, and trusts visibility at once (the
		// server's defaults wait 3 minutes for it to catch up): the test
		// sees Draining turn Drained within seconds.
		"matching.wv.VersionDrainageStatusRefreshInterval":       time.Second,
		"matching.wv.VersionDrainageStatusVisibilityGracePeriod": time.Second,
	}})
	require.NoError(t, err)
	defer func() { _ = srv.Stop() }()
	require.Equal(t, testNamespace, srv.Namespace())
	c, err := client.Dial(client.Options{HostPort: srv.FrontendHostPort(), Namespace: srv.Namespace(), Logger: stacktest.QuietLogger()})
	require.NoError(t, err)
	defer c.Close()

	const build1, build2 = "build-1", "build-2"
	startBuild(t, c, build1, false)
	setCurrent(t, ctx, c, build1)
	start(t, ctx, c, "pinned-1", pinnedProbe)
	start(t, ctx, c, "upgrading-1", upgradingProbe)
	awaitPinned(t, ctx, c, "pinned-1", build1)
	assert.Equal(t, []string{build1}, step(t, ctx, c, "upgrading-1", 1))

	// The rollout: build 2 beside build 1, then current.
	startBuild(t, c, build2, true)
	setCurrent(t, ctx, c, build2)
	start(t, ctx, c, "pinned-2", pinnedProbe)
	awaitPinned(t, ctx, c, "pinned-2", build2)
	assert.Equal(t, []string{build1, build2}, step(t, ctx, c, "upgrading-1", 2),
		"the AutoUpgrade run moves to the current build at its next task")
	awaitPinned(t, ctx, c, "pinned-1", build1)
	assert.EventuallyWithT(t, func(t *assert.CollectT) {
		ids, err := pinnedRunning(ctx, c, build1)
		require.NoError(t, err)
		assert.Equal(t, []string{"pinned-1"}, ids)
	}, 20*time.Second, 200*time.Millisecond, "visibility lists what build 1 must stay up for")
	assert.Equal(t, build1, finish[string](t, ctx, c, "pinned-1"), "the Pinned run ends on the build it started on")

	// The rollback: build 1 current again, build 2 still running for the
	// run pinned to it.
	setCurrent(t, ctx, c, build1)
	start(t, ctx, c, "pinned-3", pinnedProbe)
	awaitPinned(t, ctx, c, "pinned-3", build1)
	assert.Equal(t, []string{build1, build2, build1}, step(t, ctx, c, "upgrading-1", 3),
		"the AutoUpgrade run moves back: build 1 replays what build 2 wrote")
	assert.EventuallyWithT(t, func(t *assert.CollectT) {
		status, err := drainage(ctx, c, build2)
		require.NoError(t, err)
		assert.Equal(t, "Draining", status)
	}, 20*time.Second, 200*time.Millisecond, "build 2 drains while a run is pinned to it")

	assert.Equal(t, build2, finish[string](t, ctx, c, "pinned-2"), "a run pinned to the rolled-back build ends there")
	assert.Equal(t, build1, finish[string](t, ctx, c, "pinned-3"))
	assert.Equal(t, []string{build1, build2, build1}, finish[[]string](t, ctx, c, "upgrading-1"))
	for _, id := range []string{"pinned-1", "pinned-2", "pinned-3", "upgrading-1"} {
		assert.Zero(t, workflowTaskFailures(t, ctx, c, id), "%s: a workflow task failed", id)
	}
	assert.EventuallyWithT(t, func(t *assert.CollectT) {
		status, err := drainage(ctx, c, build2)
		require.NoError(t, err)
		assert.Equal(t, "Drained", status)
	}, 30*time.Second, 200*time.Millisecond, "build 2 drained: safe to stop")

	// The worker binary's wiring: Run with a Versioning polls as that
	// version of the deployment, with vpcflow's workflows registered.
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	ready := make(chan Ready, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(runCtx, Config{
			Temporal:    &client.Options{HostPort: srv.FrontendHostPort(), Namespace: srv.Namespace()},
			Activities:  &activities.CloudActivities{},
			Versioning:  Versioning{DeploymentName: "vpcflow", BuildID: "run-1"},
			StopTimeout: time.Second,
			Logger:      quiet,
			Ready:       func(r Ready) { ready <- r },
		})
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-ctx.Done():
		t.Fatal("Run not ready")
	}
	require.EventuallyWithT(t, func(t *assert.CollectT) {
		d, err := c.WorkerDeploymentClient().GetHandle("vpcflow").DescribeVersion(ctx, client.WorkerDeploymentDescribeVersionOptions{BuildID: "run-1"})
		require.NoError(t, err)
		var queues []string
		for _, q := range d.Info.TaskQueuesInfos {
			queues = append(queues, q.Name)
		}
		assert.Contains(t, queues, contract.TaskQueue)
	}, 20*time.Second, 200*time.Millisecond, "Run's worker polls as vpcflow/run-1")
	stopRun()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
}
