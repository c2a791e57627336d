package startercli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/devstack"
	"github.com/vpcflow/vpcflow/internal/workerapp"
	"github.com/vpcflow/vpcflow/workflows"
)

// recordedHistories are the histories internal/e2e records
// (-update-replay) from real runs.
func recordedHistories(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../workflows/testdata/replay/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no recorded histories in workflows/testdata/replay")
	return files
}

// replayCheckWith runs replay-check as the starter runs it, with the
// workflow code register registers, and returns the exit code, what it
// printed and the report (-o json).
func replayCheckWith(t *testing.T, register workflowRegistration, args ...string) (code int, report ReplayCheckReport, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Stdout: &out, Stderr: &errOut, output: outputJSON}
	cmd := app.replayCheckCommandWith(register)
	// As under the root command: Run says why a command failed, once.
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := cmd.ExecuteContext(context.Background())
	code = exitOK
	var ended *commandError
	if errors.As(err, &ended) {
		code = ended.code
		errOut.WriteString(ended.msg)
	} else {
		require.NoError(t, err)
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &report), "stdout: %s", out.String())
	return code, report, errOut.String()
}

func TestReplayCheckReplaysEveryRecordedHistory(t *testing.T) {
	files := recordedHistories(t)
	args := []string{"replay-check", "-o", "json"}
	for _, f := range files {
		args = append(args, "--file", f)
	}
	// As the starter runs it: no --since or --query, so nothing is dialled
	// (run fails the test if it dials).
	code, out, errOut := run(t, args...)
	require.Equal(t, exitOK, code, "stderr: %s\nstdout: %s", errOut, out)
	var report ReplayCheckReport
	require.NoError(t, json.Unmarshal([]byte(out), &report))
	assert.Equal(t, len(files), report.Replayed)
	assert.Zero(t, report.Failed)
	assert.Empty(t, report.Query)
	types := map[string]bool{}
	for _, h := range report.Histories {
		assert.Equal(t, replayOK, h.Result, "%s: %s", h.File, h.Error)
		assert.NotEmpty(t, h.WorkflowId, h.File)
		assert.NotEmpty(t, h.RunId, h.File)
		types[h.Type] = true
	}
	assert.Equal(t, len(types), report.Types)

	// The text report: a line a history, then the summary.
	code, out, _ = run(t, "replay-check", "--file", files[0], "--file", files[1])
	require.Equal(t, exitOK, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	assert.True(t, strings.HasPrefix(lines[0], "ok  "), lines[0])
	assert.Contains(t, lines[0], files[0])
	assert.Regexp(t, `^replayed 2 histories of [12] types: 0 failed$`, lines[2])
}

// networkChangeConnectingFirst is a NetworkChange changed without a
// GetVersion guard: it connects the router interface before anything else.
func networkChangeConnectingFirst(ctx workflow.Context, in contract.NetworkChangeInput) (contract.NetworkChangeResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	err := workflow.ExecuteActivity(ctx, "ActivateRouterInterface", in.RouterInterfaceId).Get(ctx, nil)
	return contract.NetworkChangeResult{}, err
}

// replacing registers what workflows.RegisterWorkflows registers, but for
// the workflow of type name, which is fn.
func replacing(name string, fn any) workflowRegistration {
	return func(r worker.WorkflowRegistry) error {
		if err := workflows.RegisterWorkflows(skipping{r, name}); err != nil {
			return err
		}
		r.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: name})
		return nil
	}
}

// without registers what workflows.RegisterWorkflows registers but the
// workflow of type name: a build that dropped it.
func without(name string) workflowRegistration {
	return func(r worker.WorkflowRegistry) error { return workflows.RegisterWorkflows(skipping{r, name}) }
}

type skipping struct {
	worker.WorkflowRegistry
	name string
}

func (s skipping) RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions) {
	if options.Name != s.name {
		s.WorkflowRegistry.RegisterWorkflowWithOptions(w, options)
	}
}

func TestReplayCheckCatchesANonDeterministicChange(t *testing.T) {
	file := "../../workflows/testdata/replay/network_change_happy.json"
	connect := firstEventOf(t, readHistoryFile(file).history, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, "ConnectRouterInterface")
	changed := replacing(contract.NetworkChange.Type, networkChangeConnectingFirst)
	code, report, errOut := replayCheckWith(t, changed, "--file", file)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, errOut, "replayed 1 histories of 1 types: 1 failed")
	assert.Contains(t, errOut, "do not deploy this build")
	require.Len(t, report.Histories, 1)
	h := report.Histories[0]
	assert.Equal(t, ReplayedHistory{
		File: file, WorkflowId: "network-change/ri-bp1cloudsiminit0001", RunId: h.RunId, Type: contract.NetworkChange.Type,
		Result: replayNondeterministic, Error: h.Error,
		// The recorded change connected the router interface first (its
		// first activity, after local activities): the changed code does
		// not schedule that activity there.
		Mismatch: &MismatchedEvent{EventId: connect.GetEventId(), EventType: "ActivityTaskScheduled", Recorded: "ConnectRouterInterface"},
	}, h)
	assert.NotEmpty(t, h.RunId)
	assert.Contains(t, h.Error, "[TMPRL1100]")

	// The same, for people: one line a history, what failed under it.
	var out bytes.Buffer
	app := &App{Stdout: &out, Stderr: &out}
	cmd := app.replayCheckCommandWith(changed)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs([]string{"--file", file, "--file", "../../workflows/testdata/replay/rollback.json"})
	require.Error(t, cmd.ExecuteContext(context.Background()))
	assert.Equal(t, `FAIL  NetworkChange network-change/ri-bp1cloudsiminit0001 run `+h.RunId+` (`+file+`)
      nondeterministic: first mismatch at event `+fmt.Sprint(connect.GetEventId())+` ActivityTaskScheduled (ConnectRouterInterface)
`, strings.SplitAfterN(out.String(), "\n", 3)[0]+strings.SplitAfterN(out.String(), "\n", 3)[1])
	assert.Contains(t, out.String(), "\nok    Rollback ")
	assert.Contains(t, out.String(), "\nreplayed 2 histories of 2 types: 1 failed\n")

	// Another build's code without a timer the history started, with the
	// SDK's other error.
	approved := "../../workflows/testdata/replay/network_change_approved.json"
	timer := firstEventOf(t, readHistoryFile(approved).history, enumspb.EVENT_TYPE_TIMER_STARTED, "")
	code, report, _ = replayCheckWith(t, changed, "--file", approved)
	assert.Equal(t, exitFailed, code)
	assert.Equal(t, &MismatchedEvent{EventId: timer.GetEventId(), EventType: "TimerStarted", Recorded: "timer 24h0m0s", Replayed: "no matching command"},
		report.Histories[0].Mismatch)
}

// A run pinned to its build (Worker Deployment Versioning) is replayed only
// by that build: that it does not replay on another is said, and does not
// fail the check.
func TestReplayCheckDoesNotCountRunsPinnedToTheirBuild(t *testing.T) {
	rec := readHistoryFile("../../workflows/testdata/replay/network_change_happy.json")
	require.NoError(t, rec.unreadable)
	for _, e := range rec.history.GetEvents() {
		if done := e.GetWorkflowTaskCompletedEventAttributes(); done != nil {
			done.VersioningBehavior = enumspb.VERSIONING_BEHAVIOR_PINNED
		}
	}
	data, err := protojson.Marshal(rec.history)
	require.NoError(t, err)
	pinned := writeFile(t, "pinned.json", string(data))

	changed := replacing(contract.NetworkChange.Type, networkChangeConnectingFirst)
	code, report, errOut := replayCheckWith(t, changed, "--file", pinned)
	assert.Equal(t, exitOK, code, errOut)
	assert.Equal(t, 0, report.Failed)
	assert.Equal(t, 1, report.PinnedFailed)
	require.Len(t, report.Histories, 1)
	assert.True(t, report.Histories[0].Pinned)
	assert.Equal(t, replayNondeterministic, report.Histories[0].Result)

	// Unpinned (an unversioned worker's run), the same history fails.
	code, report, _ = replayCheckWith(t, changed, "--file", "../../workflows/testdata/replay/network_change_happy.json")
	assert.Equal(t, exitFailed, code)
	assert.False(t, report.Histories[0].Pinned)
}

// The SDK's error when the code makes another command where the history
// records one, as sdk-go's HistoryEventToString and CommandToString print
// them.
func TestReplayCheckNamesTheEventOfAnSDKMismatch(t *testing.T) {
	history := readHistoryFile("../../workflows/testdata/replay/network_change_happy.json").history
	connect := firstEventOf(t, history, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, "ConnectRouterInterface")
	id := connect.GetActivityTaskScheduledEventAttributes().GetActivityId()
	reason := "[TMPRL1100] nondeterministic workflow: history event is ActivityTaskScheduled: (ActivityId:" + id + ", " +
		"ActivityType:(Name:ConnectRouterInterface), TaskQueue:(Name:vpcflow, Kind:Normal), Input:(Payloads:[len=1])), " +
		"replay command is ScheduleActivityTask: (ActivityId:" + id + ", ActivityType:(Name:ActivateRouterInterface), TaskQueue:(Name:vpcflow))"
	assert.Equal(t, &MismatchedEvent{EventId: connect.GetEventId(), EventType: "ActivityTaskScheduled", Recorded: "ConnectRouterInterface",
		Replayed: "ScheduleActivityTask ActivateRouterInterface"}, firstMismatch(reason, history))
	assert.Equal(t, fmt.Sprintf("first mismatch at event %d ActivityTaskScheduled (ConnectRouterInterface): this build's code makes ScheduleActivityTask ActivateRouterInterface", connect.GetEventId()),
		firstMismatch(reason, history).String())

	missing := "[TMPRL1100] nondeterministic workflow: missing replay command for TimerStarted: (TimerId:9, StartToFireTimeout:(Seconds:60))"
	assert.Equal(t, &MismatchedEvent{EventType: "TimerStarted", Replayed: "no command for it"}, firstMismatch(missing, history),
		"no timer 9 in the history: the event is not named")

	completed := "[TMPRL1100] nondeterministic workflow: missing replay command for ActivityTaskCompleted: (ScheduledEventId:9, StartedEventId:10)"
	assert.Equal(t, &MismatchedEvent{EventType: "ActivityTaskCompleted", Replayed: "no command for it"}, firstMismatch(completed, history),
		"ScheduledEventId is not the event's ID, and the history completes more than one activity")

	// Events it has no case for, the SDK prints whole, with their ID.
	fleet := readHistoryFile("../../workflows/testdata/replay/network_fleet_approved.json").history
	initiated := firstEventOf(t, fleet, enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, "")
	child := "[TMPRL1100] nondeterministic workflow: missing replay command for StartChildWorkflowExecutionInitiated: " +
		"(EventId:" + fmt.Sprint(initiated.GetEventId()) + ", EventType:StartChildWorkflowExecutionInitiated, TaskId:1048601, Attributes:(StartChildWorkflowExecutionInitiatedEventAttributes:" +
		"(Namespace:default, WorkflowId:plan-network-change/ri-1, WorkflowType:(Name:NetworkChangePlan))))"
	started := initiated.GetStartChildWorkflowExecutionInitiatedEventAttributes()
	require.NotNil(t, started)
	assert.Equal(t, &MismatchedEvent{EventId: initiated.GetEventId(), EventType: "StartChildWorkflowExecutionInitiated",
		Recorded: started.GetWorkflowType().GetName() + " " + started.GetWorkflowId(), Replayed: "no command for it"},
		firstMismatch(child, fleet))

	extra := "[TMPRL1100] nondeterministic workflow: extra replay command for ScheduleActivityTask: (ActivityId:40, ActivityType:(Name:ReadRouterInterface))"
	assert.Equal(t, &MismatchedEvent{Replayed: "ScheduleActivityTask ReadRouterInterface"}, firstMismatch(extra, history))

	// The replayer's error quotes the Failure in protobuf text format.
	quoted := errors.New(`replay workflow failed with failure: message:"[TMPRL1100] lookup failed: \"x\"\nmore"  source:"GoSDK"`)
	assert.Equal(t, "[TMPRL1100] lookup failed: \"x\"\nmore", sdkReason(quoted))
}

func TestReplayCheckFailsWhatABuildCannotReplay(t *testing.T) {
	garbled := writeFile(t, "garbled.json", `{"events": [{"eventId": "one"}]}`)
	notStarted := writeFile(t, "not-started.json", `{"events": [{"eventId": "1", "eventType": "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED",
		"workflowTaskScheduledEventAttributes": {}}]}`)
	rollback := "../../workflows/testdata/replay/rollback.json"
	happy := "../../workflows/testdata/replay/network_change_happy.json"
	code, report, errOut := replayCheckWith(t, without(contract.Rollback.Type),
		"--file", garbled, "--file", notStarted, "--file", rollback, "--file", happy)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, errOut, "replayed 4 histories of 2 types: 3 failed")
	require.Len(t, report.Histories, 4)
	assert.Equal(t, replayUnreadable, report.Histories[0].Result)
	assert.Contains(t, report.Histories[0].Error, "not a JSON workflow history")
	assert.Equal(t, replayUnreadable, report.Histories[1].Result)
	assert.Contains(t, report.Histories[1].Error, "first event is not WorkflowExecutionStarted")
	assert.Equal(t, replayUnregistered, report.Histories[2].Result)
	assert.Equal(t, contract.Rollback.Type, report.Histories[2].Type)
	assert.Contains(t, report.Histories[2].Error, `this build registers no workflow "Rollback"`)
	assert.Equal(t, replayOK, report.Histories[3].Result)
}

func TestReplayCheckRefusesBadFlagsBeforeDialling(t *testing.T) {
	history := "../../workflows/testdata/replay/network_change_happy.json"
	cases := map[string][]string{
		"--since -1h0m0s: want a positive duration":       {"replay-check", "--since", "-1h"},
		"--since 0s: want a positive duration":            {"replay-check", "--since", "0"},
		"--limit 0: want at least 1":                      {"replay-check", "--limit", "0"},
		"--file no-such.json: no such file or directory":  {"replay-check", "--file", "no-such.json"},
		"is a directory":                                  {"replay-check", "--file", t.TempDir()},
		"--since and --query both choose":                 {"replay-check", "--since", "1h", "--query", "WorkflowType = 'NetworkChange'"},
		"--query is empty":                                {"replay-check", "--query", " ", "--file", history},
		`invalid argument "yesterday" for "--since" flag`: {"replay-check", "--since", "yesterday"},
		"unknown command":                                 {"replay-check", history},
	}
	for want, args := range cases {
		code, _, errOut := run(t, args...)
		assert.Equal(t, exitBadUsage, code, "%v", args)
		assert.Contains(t, errOut, want, "%v", args)
	}
}

func TestReplayCheckQueriesEveryWorkflowTypeSinceThen(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	query := replayCheckFlags{since: 72 * time.Hour}.visibilityQuery(now)
	for _, w := range contract.Workflows() {
		assert.Contains(t, query, "'"+w.Describe().Type+"'")
	}
	assert.Contains(t, query, "StartTime >= '2026-02-26T11:00:00Z' OR CloseTime >= '2026-02-26T11:00:00Z' OR ExecutionStatus = 'Running'")
	assert.Equal(t, "WorkflowId = 'x'", replayCheckFlags{since: time.Hour, query: "WorkflowId = 'x'"}.visibilityQuery(now))
}

// Against a dev stack: a NetworkChange run by this build's worker replays
// from the cluster, found by --since; a workflow of a type this build does
// not register, selected by --query, fails.
func TestReplayCheckReplaysTheClustersRecentHistories(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a dev stack")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	stack, err := devstack.Start(ctx, devstack.Options{InMemory: true, UIPort: -1, CloudsimSpeed: 50, Logger: quiet})
	require.NoError(t, err)
	defer stack.Stop()
	_, stopWorker, err := stack.StartWorker(ctx, workerapp.Config{Logger: quiet, StopTimeout: time.Second})
	require.NoError(t, err)
	defer stopWorker()
	dial := func(context.Context) (client.Client, error) {
		opts := stack.ClientOptions()
		opts.Logger = sdklog.NewStructuredLogger(quiet)
		return client.Dial(opts)
	}
	starter := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		app := &App{Stdout: &out, Stderr: &errOut, Dial: dial, PollInterval: 50 * time.Millisecond}
		return app.Run(ctx, args), out.String(), errOut.String()
	}

	code, _, errOut := starter("network-change", "-f", "../../docs/examples/network-change.yaml", "--wait")
	require.Equal(t, exitOK, code, errOut)
	c, err := dial(ctx)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "not-vpcflow", TaskQueue: "elsewhere"}, "NotVpcflow")
	require.NoError(t, err)

	// Visibility is eventually consistent: the change shows within moments.
	var report ReplayCheckReport
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		code, out, errOut := starter("replay-check", "--since", "1h", "-o", "json")
		require.Equal(c, exitOK, code, errOut)
		require.NoError(c, json.Unmarshal([]byte(out), &report))
		require.NotZero(c, report.Replayed)
	}, 20*time.Second, 200*time.Millisecond)
	assert.Zero(t, report.Failed)
	assert.Equal(t, "network-change/ri-bp1cloudsiminit0001", report.Histories[0].WorkflowId)
	assert.Equal(t, replayOK, report.Histories[0].Result)

	code, out, errOut := starter("replay-check", "--query", "WorkflowType = 'NotVpcflow'", "--limit", "5")
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, out, "FAIL  NotVpcflow not-vpcflow run ")
	assert.Contains(t, out, `unregistered-type: this build registers no workflow "NotVpcflow"`)
	assert.Contains(t, errOut, "replayed 1 histories of 1 types: 1 failed")
}

// firstEventOf is the history's first event of the type (for an activity's
// scheduling, of that activity type): the tests name events by what they
// are, so a history recorded again with events before them still serves.
func firstEventOf(t *testing.T, h *historypb.History, eventType enumspb.EventType, activityType string) *historypb.HistoryEvent {
	t.Helper()
	for _, e := range h.GetEvents() {
		if e.GetEventType() != eventType {
			continue
		}
		if activityType == "" || e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == activityType {
			return e
		}
	}
	t.Fatalf("no %s %s event in the history", eventType, activityType)
	return nil
}
