package startercli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/redact"
	"github.com/vpcflow/vpcflow/workflows"
)

// Defaults of replay-check's flags.
const (
	defaultReplaySince = 24 * time.Hour
	defaultReplayLimit = 200
)

// replayCheckCommand is `starter replay-check`: it replays histories (the
// recent ones of a cluster, and files) against this build's workflow code,
// so that a change that would break the workflows in flight is found before
// the build is deployed, not by the workers that run it
// (docs/operations.md, "Replay before deploy").
func (a *App) replayCheckCommand() *cobra.Command {
	return a.replayCheckCommandWith(workflows.RegisterWorkflows)
}

// workflowRegistration registers the workflow code the histories replay
// against: workflows.RegisterWorkflows, this build's; a test gives a changed
// build's.
type workflowRegistration func(worker.WorkflowRegistry) error

// replayCheckCommandWith is replay-check with the workflow code register
// registers.
func (a *App) replayCheckCommandWith(register workflowRegistration) *cobra.Command {
	var flags replayCheckFlags
	cmd := &cobra.Command{
		Use:   "replay-check [--since 24h | --query QUERY] [--limit N] [--file HISTORY.json]...",
		Short: "replay recorded histories against this build's workflow code: a non-deterministic change fails before it is deployed",
		Long: `Replay workflow histories against this build's workflow code, as a worker
of this build would replay them, and report each: ok, or why not (a
non-deterministic change, with the first event it disagrees with; a history
that cannot be read; a workflow type this build does not register).

From the cluster (the connection flags): every vpcflow workflow started or
closed within --since, and every one still running however old it is, or
those --query selects; at most --limit of them, as the cluster lists them
(running first, then the most recently closed). With --file only, nothing is
dialled: the files (JSON, as 'temporal workflow show --output json' writes
them and workflows/testdata/replay holds them) are replayed; --file with
--since or --query replays both.

The exit code is 1 when any history fails to replay: do not deploy the build.`,
		Example: `  starter replay-check --since 72h --address temporal.prod:7233   # before a rollout
  starter replay-check --file workflows/testdata/replay/network_change_happy.json
  starter replay-check --query "WorkflowType = 'NetworkChange' AND ExecutionStatus = 'Running'" -o json`,
		Args:                  cobra.NoArgs,
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fromCluster, err := flags.check(cmd.Flags().Changed("since"), cmd.Flags().Changed("query"))
			if err != nil {
				return err
			}
			check := replayCheck{replayer: replayer{register: register}}
			for _, file := range flags.files {
				if err := cmd.Context().Err(); err != nil {
					return failed("starter replay-check: interrupted: %v", err)
				}
				check.add(check.replayer.replay(readHistoryFile(file)))
			}
			if fromCluster {
				check.report.Query = flags.visibilityQuery(time.Now())
				err := a.dialed(cmd.Context(), func(c client.Client) error {
					return check.replayCluster(cmd.Context(), c, check.report.Query, flags.limit)
				})
				if err != nil {
					return err
				}
			}
			return a.printReplayCheck(check.report)
		},
	}
	f := cmd.Flags()
	f.DurationVar(&flags.since, "since", defaultReplaySince, "replay the workflows started or closed within this long (and every one still running)")
	f.StringVar(&flags.query, "query", "", "replay the workflows this visibility query selects, in place of --since")
	f.IntVar(&flags.limit, "limit", defaultReplayLimit, "replay at most this many workflows of the cluster")
	f.StringArrayVar(&flags.files, "file", nil, "replay this history file (JSON); repeat for more")
	return cmd
}

// replayCheckFlags are replay-check's flags.
type replayCheckFlags struct {
	since time.Duration
	query string
	limit int
	files []string
}

// check refuses flags that make no sense, before anything is dialled, and
// tells whether histories come from the cluster: they do unless only
// --file is given.
func (f replayCheckFlags) check(sinceGiven, queryGiven bool) (fromCluster bool, err error) {
	switch {
	case f.since <= 0:
		return false, badUsage("starter replay-check: --since %s: want a positive duration, such as 24h or 72h", f.since)
	case f.limit <= 0:
		return false, badUsage("starter replay-check: --limit %d: want at least 1", f.limit)
	case sinceGiven && queryGiven:
		return false, badUsage("starter replay-check: --since and --query both choose the workflows to replay: give one")
	case queryGiven && strings.TrimSpace(f.query) == "":
		return false, badUsage("starter replay-check: --query is empty: give a visibility query, or --since")
	}
	for _, file := range f.files {
		info, err := os.Stat(file)
		switch {
		case err != nil:
			var pathErr *fs.PathError
			if errors.As(err, &pathErr) {
				err = pathErr.Err // the path is said already
			}
			return false, badUsage("starter replay-check: --file %s: %v", file, err)
		case info.IsDir():
			return false, badUsage("starter replay-check: --file %s is a directory: give the history files in it, one --file each", file)
		}
	}
	return len(f.files) == 0 || sinceGiven || queryGiven, nil
}

// visibilityQuery selects the workflows to replay from the cluster: --query,
// or every vpcflow workflow started or closed since now-since, and every one
// still running (the histories a new build's workers replay first).
func (f replayCheckFlags) visibilityQuery(now time.Time) string {
	if f.query != "" {
		return f.query
	}
	var types []string
	for _, w := range contract.Workflows() {
		types = append(types, "'"+w.Describe().Type+"'")
	}
	since := now.Add(-f.since).UTC().Format(time.RFC3339)
	return fmt.Sprintf("WorkflowType IN (%s) AND (StartTime >= '%s' OR CloseTime >= '%s' OR ExecutionStatus = 'Running')",
		strings.Join(types, ", "), since, since)
}

// ReplayCheckReport is what replay-check prints: every history replayed,
// and how many failed.
type ReplayCheckReport struct {
	Replayed int `json:"Replayed"`
	// Types is how many workflow types the histories are of.
	Types  int `json:"Types"`
	Failed int `json:"Failed"`
	// PinnedFailed counts the histories that do not replay but are of
	// runs pinned to their own build: not in Failed.
	PinnedFailed int `json:"PinnedFailed,omitempty"`
	// Query is the visibility query the cluster's workflows were listed
	// by; "" when only files were replayed.
	Query     string            `json:"Query,omitempty"`
	Histories []ReplayedHistory `json:"Histories"`
}

// ReplayedHistory is one history replayed: whose, and whether it replays.
type ReplayedHistory struct {
	// File is the history file; "" for a history of the cluster.
	File       string `json:"File,omitempty"`
	WorkflowId string `json:"WorkflowId"`
	RunId      string `json:"RunId"`
	Type       string `json:"Type"`
	// Result is one of the replay* constants: ok, or why not.
	Result string `json:"Result"`
	// Error says why it failed, as the SDK said it (its first line).
	Error string `json:"Error,omitempty"`
	// Mismatch is the first event the build's code disagrees with, for a
	// non-deterministic change, when the SDK's error names it.
	Mismatch *MismatchedEvent `json:"Mismatch,omitempty"`
	// Pinned: the run is pinned to the build it runs on (Worker Deployment
	// Versioning): no other build replays it unless it is moved, so a
	// failure to replay it is reported but does not fail the check.
	Pinned bool `json:"Pinned,omitempty"`
}

// The results of a replay.
const (
	replayOK = "ok"
	// The build's code makes other commands than the history records.
	replayNondeterministic = "nondeterministic"
	// The build registers no workflow of the history's type.
	replayUnregistered = "unregistered-type"
	// The history cannot be read (or downloaded) at all.
	replayUnreadable = "unreadable"
	// The replay failed another way: the workflow code panicked, or
	// blocked.
	replayFailed = "failed"
)

// MismatchedEvent is the first event of a history the build's code does not
// replay: its ID (0 when the SDK's error does not let it be found) and type,
// what it records, and the command the build's code made in its place.
type MismatchedEvent struct {
	EventId   int64  `json:"EventId,omitempty"`
	EventType string `json:"EventType,omitempty"`
	// Recorded names what the event records: an activity type, a timer, a
	// marker, a child workflow type.
	Recorded string `json:"Recorded,omitempty"`
	// Replayed is the command the build's code made in its place, "no
	// command for it", or "" when the SDK's error does not say.
	Replayed string `json:"Replayed,omitempty"`
}

// String says it in a line: "first mismatch at event 9
// ActivityTaskScheduled (ConnectRouterInterface): this build's code makes
// ScheduleActivityTask ActivateRouterInterface".
func (m *MismatchedEvent) String() string {
	var b strings.Builder
	switch {
	case m.EventType == "":
		b.WriteString("the history has no event where this build's code makes one")
	case m.EventId != 0:
		fmt.Fprintf(&b, "first mismatch at event %d %s", m.EventId, m.EventType)
	default:
		b.WriteString("first mismatch at an event " + m.EventType)
	}
	if m.Recorded != "" {
		fmt.Fprintf(&b, " (%s)", m.Recorded)
	}
	if m.Replayed != "" {
		b.WriteString(": this build's code makes " + m.Replayed)
	}
	return b.String()
}

// replayCheck gathers the report, a history at a time.
type replayCheck struct {
	replayer replayer
	report   ReplayCheckReport
	types    map[string]bool
}

func (c *replayCheck) add(h ReplayedHistory) {
	c.report.Histories = append(c.report.Histories, h)
	c.report.Replayed++
	switch {
	case h.Result == replayOK:
	case h.Pinned:
		c.report.PinnedFailed++
	default:
		c.report.Failed++
	}
	if c.types == nil {
		c.types = map[string]bool{}
	}
	if h.Type != "" {
		c.types[h.Type] = true
	}
	c.report.Types = len(c.types)
}

// replayCluster replays at most limit workflows query selects, downloading
// each history in turn.
func (c *replayCheck) replayCluster(ctx context.Context, temporalClient client.Client, query string, limit int) error {
	executions, err := listExecutions(ctx, temporalClient, query, limit)
	if err != nil {
		return failed("starter replay-check: listing the workflows to replay (%s): %v", query, err)
	}
	for _, info := range executions {
		if err := ctx.Err(); err != nil {
			return failed("starter replay-check: interrupted after %d of %d workflows: %v", c.report.Replayed, len(executions), err)
		}
		c.add(c.replayer.replay(downloadHistory(ctx, temporalClient, info)))
	}
	return nil
}

// listExecutions lists at most limit workflow runs query selects, open and
// closed, in the order the visibility store lists them: the running ones
// first, then the most recently closed (SQL visibility has no ORDER BY).
func listExecutions(ctx context.Context, c client.Client, query string, limit int) ([]*workflowpb.WorkflowExecutionInfo, error) {
	var found []*workflowpb.WorkflowExecutionInfo
	var next []byte
	for len(found) < limit {
		page, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: query, PageSize: int32(min(limit-len(found), 1000)), NextPageToken: next})
		if err != nil {
			return nil, err
		}
		found = append(found, page.GetExecutions()...)
		if next = page.GetNextPageToken(); len(next) == 0 {
			break
		}
	}
	return found[:min(len(found), limit)], nil
}

// recordedHistory is a history to replay, or why there is none.
type recordedHistory struct {
	file         string
	execution    workflow.Execution
	workflowType string
	history      *historypb.History
	unreadable   error
	// versioning is what the cluster says of the run's Worker Deployment
	// Versioning (its behaviour, an override); nil for a file.
	versioning *workflowpb.WorkflowExecutionVersioningInfo
}

// readHistoryFile reads a history as the temporal CLI writes it (JSON),
// with the SDK's reader. The workflow is named by its first event.
func readHistoryFile(path string) recordedHistory {
	rec := recordedHistory{file: path}
	f, err := os.Open(path)
	if err != nil {
		rec.unreadable = err
		return rec
	}
	defer f.Close()
	if rec.history, err = client.HistoryFromJSON(f, client.HistoryJSONOptions{}); err != nil {
		rec.unreadable = fmt.Errorf("not a JSON workflow history: %w", err)
		return rec
	}
	attrs, err := startedOf(rec.history)
	if err != nil {
		rec.unreadable = err
		return rec
	}
	// A change names its Rollback child after its own ID, and the replay
	// checks the child's ID: the history replays under the ID it ran with.
	rec.execution = workflow.Execution{ID: attrs.GetWorkflowId(), RunID: attrs.GetOriginalExecutionRunId()}
	rec.workflowType = attrs.GetWorkflowType().GetName()
	return rec
}

// startedOf is how the history's workflow started: its first event.
func startedOf(h *historypb.History) (*historypb.WorkflowExecutionStartedEventAttributes, error) {
	events := h.GetEvents()
	if len(events) == 0 || events[0].GetWorkflowExecutionStartedEventAttributes() == nil {
		return nil, errors.New("its first event is not WorkflowExecutionStarted: not a whole workflow history")
	}
	return events[0].GetWorkflowExecutionStartedEventAttributes(), nil
}

// downloadHistory is the whole history of a run of the cluster.
func downloadHistory(ctx context.Context, c client.Client, info *workflowpb.WorkflowExecutionInfo) recordedHistory {
	rec := recordedHistory{
		execution:    workflow.Execution{ID: info.GetExecution().GetWorkflowId(), RunID: info.GetExecution().GetRunId()},
		workflowType: info.GetType().GetName(),
		history:      &historypb.History{},
		versioning:   info.GetVersioningInfo(),
	}
	events := c.GetWorkflowHistory(ctx, rec.execution.ID, rec.execution.RunID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for events.HasNext() {
		event, err := events.Next()
		if err != nil {
			rec.unreadable = fmt.Errorf("downloading its history: %w", err)
			return rec
		}
		rec.history.Events = append(rec.history.Events, event)
	}
	return rec
}

// replayer replays histories against one build's workflow code, decoding
// and converting as that build's worker does (workerapp.ClientOptions):
// inputs strictly over the default data converter, failures through the
// redacting failure converter. A history replays once through a replayer
// of its own, so that no replay sees what another left.
type replayer struct {
	register workflowRegistration
}

func (r replayer) replay(rec recordedHistory) (replayed ReplayedHistory) {
	replayed = ReplayedHistory{File: rec.file, WorkflowId: rec.execution.ID, RunId: rec.execution.RunID, Type: rec.workflowType,
		Result: replayOK, Pinned: pinnedToItsBuild(rec)}
	fail := func(result string, err error) ReplayedHistory {
		replayed.Result, replayed.Error = result, firstLine(err.Error())
		return replayed
	}
	if rec.unreadable == nil {
		_, rec.unreadable = startedOf(rec.history)
	}
	if rec.unreadable != nil {
		return fail(replayUnreadable, rec.unreadable)
	}
	sdkReplayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		DataConverter:    contract.StrictInputs(converter.GetDefaultDataConverter()),
		FailureConverter: redact.FailureConverter(temporal.GetDefaultFailureConverter()),
	})
	if err != nil {
		return fail(replayFailed, fmt.Errorf("making the replayer: %w", err))
	}
	types := &registeredTypes{WorkflowRegistry: sdkReplayer, names: map[string]bool{}}
	if err := registerSafely(r.register, types); err != nil {
		return fail(replayFailed, fmt.Errorf("registering the workflows: %w", err))
	}
	if !types.registers(rec.workflowType) {
		return fail(replayUnregistered, fmt.Errorf("this build registers no workflow %q: its workers could not run it (registered: %s)",
			rec.workflowType, strings.Join(types.sorted(), ", ")))
	}
	if !workflowTaskCompleted(rec.history) {
		// The workflow has made no command yet (no worker has taken its
		// first task): there is nothing the build's code could disagree
		// with, and the SDK's replayer refuses so short a history.
		return replayed
	}
	err = replaySafely(sdkReplayer, rec)
	if err == nil {
		return replayed
	}
	reason := sdkReason(err)
	if strings.HasPrefix(reason, sdkOtherEnd) {
		// The SDK quotes the whole last event and task response: the
		// event's type says it.
		last := rec.history.GetEvents()[len(rec.history.GetEvents())-1]
		replayed.Result = replayNondeterministic
		replayed.Error = "this build's code does not end the workflow as its history does"
		replayed.Mismatch = &MismatchedEvent{EventId: last.GetEventId(), EventType: last.GetEventType().String(),
			Replayed: "a different end of the workflow"}
		return replayed
	}
	replayed.Result, replayed.Error = classify(reason), firstLine(reason)
	if replayed.Result == replayNondeterministic {
		replayed.Mismatch = firstMismatch(reason, rec.history)
	}
	return replayed
}

// registerSafely registers the workflows on registry, and turns the SDK's
// panic at a function it refuses (or a type registered twice) into an error.
func registerSafely(register workflowRegistration, registry worker.WorkflowRegistry) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	return register(registry)
}

// replaySafely replays rec, and turns a panic of the SDK's replayer (a
// history it cannot follow) into the history's error.
func replaySafely(sdkReplayer worker.WorkflowReplayer, rec recordedHistory) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the replayer cannot follow the history: %v", p)
		}
	}()
	// The SDK would log each failed replay too, with its default logger
	// on the terminal: the report says it, once.
	quiet := sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	return sdkReplayer.ReplayWorkflowHistoryWithOptions(quiet, rec.history, worker.ReplayWorkflowHistoryOptions{OriginalExecution: rec.execution})
}

// pinnedToItsBuild tells whether the run is pinned to the Worker Deployment
// Version it runs on, so that no other build replays it: by an override the
// cluster records, else by the versioning behaviour its last completed
// workflow task reported. A run of an unversioned worker is not: any
// worker of the task queue may take its next task.
func pinnedToItsBuild(rec recordedHistory) bool {
	if override := rec.versioning.GetVersioningOverride(); override != nil {
		// Pinned is the override's present form; servers before 1.28
		// wrote the deprecated behaviour field instead.
		//lint:ignore SA1019 older servers' field, read for them only
		return override.GetPinned() != nil || override.GetBehavior() == enumspb.VERSIONING_BEHAVIOR_PINNED
	}
	if b := rec.versioning.GetBehavior(); b != enumspb.VERSIONING_BEHAVIOR_UNSPECIFIED {
		return b == enumspb.VERSIONING_BEHAVIOR_PINNED
	}
	events := rec.history.GetEvents()
	for i := len(events) - 1; i >= 0; i-- {
		if done := events[i].GetWorkflowTaskCompletedEventAttributes(); done != nil {
			return done.GetVersioningBehavior() == enumspb.VERSIONING_BEHAVIOR_PINNED
		}
	}
	return false
}

// workflowTaskCompleted tells whether the history records a workflow task
// completed: the first with commands to replay.
func workflowTaskCompleted(h *historypb.History) bool {
	return slices.ContainsFunc(h.GetEvents(), func(e *historypb.HistoryEvent) bool {
		return e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
	})
}

// registeredTypes notes the workflow types registered on the registry it
// wraps, so that a history of a type the build lacks is told as such.
// Registered without a name or dynamically, any type may be served: the
// SDK's own error tells then.
type registeredTypes struct {
	worker.WorkflowRegistry
	names   map[string]bool
	anyName bool
}

func (r *registeredTypes) RegisterWorkflow(w any) {
	r.WorkflowRegistry.RegisterWorkflow(w)
	r.anyName = true
}

func (r *registeredTypes) RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions) {
	r.WorkflowRegistry.RegisterWorkflowWithOptions(w, options)
	if options.Name == "" {
		r.anyName = true
		return
	}
	r.names[options.Name] = true
}

func (r *registeredTypes) RegisterDynamicWorkflow(w any, options workflow.DynamicRegisterOptions) {
	r.WorkflowRegistry.RegisterDynamicWorkflow(w, options)
	r.anyName = true
}

func (r *registeredTypes) registers(name string) bool { return r.anyName || r.names[name] }

func (r *registeredTypes) sorted() []string {
	var names []string
	for name := range r.names {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// The SDK's replayer reports a failed workflow task as text only:
// "replay workflow failed with failure: " and the Failure in protobuf text
// format, whose message field carries the reason.
var failureMessage = regexp.MustCompile(`message:\s*"((?:[^"\\]|\\.)*)"`)

// sdkReason is the reason in the replayer's error: the failure's message
// when the error quotes a Failure, else the error.
func sdkReason(err error) string {
	text := err.Error()
	if !strings.HasPrefix(text, "replay workflow failed with failure:") {
		return text
	}
	m := failureMessage.FindStringSubmatch(text)
	if m == nil {
		return text
	}
	if unquoted, err := strconv.Unquote(`"` + m[1] + `"`); err == nil {
		return unquoted
	}
	return m[1]
}

// classify tells a non-determinism error (the SDK marks each with
// TMPRL1100) and an unknown workflow type from any other.
func classify(reason string) string {
	switch {
	case strings.Contains(reason, "[TMPRL1100]"):
		return replayNondeterministic
	case strings.Contains(reason, "unable to find workflow type"):
		return replayUnregistered
	}
	return replayFailed
}

// The SDK's non-determinism errors (sdk-go internal/internal_task_handlers.go
// and internal_command_state_machine.go, v1.50.0) that name the event:
//
//	[TMPRL1100] nondeterministic workflow: history event is EVENT, replay command is COMMAND
//	[TMPRL1100] nondeterministic workflow: missing replay command for EVENT
//	[TMPRL1100] nondeterministic workflow: extra replay command for COMMAND
//	[TMPRL1100] During replay, a matching KIND command was expected in history event position ID. ...
//	[TMPRL1100] lookup failed for scheduledEventID to activityID: scheduleEventID: N, activityID: ID
//	[TMPRL1100] code executed local activity TYPE, but history event found TYPE, markerData: ...
//
// where EVENT is "EventType: (Field:value, ...)" and COMMAND is
// "CommandType: (Field:value, ...)"; and, when the code ends the workflow
// otherwise than the history's last event, "replay workflow doesn't return
// the same result as the last event, ..." (replayWorkflowHistoryRoot).
const (
	sdkOtherEnd       = "replay workflow doesn't return the same result as the last event"
	sdkEventIs        = "history event is "
	sdkCommandIs      = ", replay command is "
	sdkMissingCommand = "missing replay command for "
	sdkExtraCommand   = "extra replay command for "
)

var (
	sdkExpectedCommand = regexp.MustCompile(`a matching (\w+) command was expected in history event position (.+?)\. `)
	sdkEventNumbered   = regexp.MustCompile(`(?:scheduledEventID|scheduleEventID|event ID|eventID): (\d+)`)
	sdkLocalActivity   = regexp.MustCompile(`code executed local activity (\S+), but history event found (\S+),`)
	sdkEventID         = sdkFieldPattern(`EventId`)
	sdkActivityID      = sdkFieldPattern(`ActivityId`)
	sdkTimerID         = sdkFieldPattern(`TimerId`)
	sdkMarkerName      = sdkFieldPattern(`MarkerName`)
	sdkTypeName        = regexp.MustCompile(`\b(?:ActivityType|WorkflowType):\(Name:([^,()]+)`)
)

// sdkFieldPattern finds the value of a field as the SDK prints it,
// "Name:value", and not of a longer name ending so (EventId is not
// ScheduledEventId).
func sdkFieldPattern(name string) *regexp.Regexp {
	return regexp.MustCompile(`\b` + name + `:([^,()]+)`)
}

// firstMismatch is the event of h the SDK's non-determinism error names,
// or nil when it names none.
func firstMismatch(reason string, h *historypb.History) *MismatchedEvent {
	var event, command string
	switch {
	case strings.Contains(reason, sdkEventIs) && strings.Contains(reason, sdkCommandIs):
		rest := reason[strings.Index(reason, sdkEventIs)+len(sdkEventIs):]
		event, command, _ = strings.Cut(rest, sdkCommandIs)
	case strings.Contains(reason, sdkMissingCommand):
		event = reason[strings.Index(reason, sdkMissingCommand)+len(sdkMissingCommand):]
	case strings.Contains(reason, sdkExtraCommand):
		return &MismatchedEvent{Replayed: describeCommand(reason[strings.Index(reason, sdkExtraCommand)+len(sdkExtraCommand):])}
	default:
		if m := sdkExpectedCommand.FindStringSubmatch(reason); m != nil {
			return expectedCommand(m[1], m[2], h)
		}
		if m := sdkEventNumbered.FindStringSubmatch(reason); m != nil {
			return numberedEvent(m[1], h)
		}
		if m := sdkLocalActivity.FindStringSubmatch(reason); m != nil {
			return &MismatchedEvent{EventType: enumspb.EVENT_TYPE_MARKER_RECORDED.String(),
				Recorded: "local activity " + m[2], Replayed: "local activity " + m[1]}
		}
		return nil
	}
	eventType, attrs, _ := strings.Cut(event, ": ")
	mismatch := &MismatchedEvent{EventType: eventType, Replayed: "no command for it"}
	if command != "" {
		mismatch.Replayed = describeCommand(command)
	}
	if e := recordedEvent(h, eventType, attrs); e != nil {
		mismatch.EventId, mismatch.Recorded = e.GetEventId(), describeEvent(e)
	} else if m := sdkTypeName.FindStringSubmatch(attrs); m != nil {
		mismatch.Recorded = m[1]
	}
	return mismatch
}

// recordedEvent finds the event of h the SDK described as eventType with
// attrs: by the event ID when the SDK printed the whole event, else by the
// ID the workflow gave it (activity, timer), else the only event of its
// type (and marker name). Nil when it cannot tell which.
func recordedEvent(h *historypb.History, eventType, attrs string) *historypb.HistoryEvent {
	matches := func(pick func(e *historypb.HistoryEvent) bool) *historypb.HistoryEvent {
		var found []*historypb.HistoryEvent
		for _, e := range h.GetEvents() {
			if e.GetEventType().String() == eventType && pick(e) {
				found = append(found, e)
			}
		}
		if len(found) != 1 {
			return nil
		}
		return found[0]
	}
	if m := sdkEventID.FindStringSubmatch(attrs); m != nil {
		return matches(func(e *historypb.HistoryEvent) bool { return strconv.FormatInt(e.GetEventId(), 10) == m[1] })
	}
	if m := sdkActivityID.FindStringSubmatch(attrs); m != nil {
		return matches(func(e *historypb.HistoryEvent) bool {
			return e.GetActivityTaskScheduledEventAttributes().GetActivityId() == m[1]
		})
	}
	if m := sdkTimerID.FindStringSubmatch(attrs); m != nil {
		return matches(func(e *historypb.HistoryEvent) bool { return e.GetTimerStartedEventAttributes().GetTimerId() == m[1] })
	}
	if m := sdkMarkerName.FindStringSubmatch(attrs); m != nil {
		return matches(func(e *historypb.HistoryEvent) bool {
			return e.GetMarkerRecordedEventAttributes().GetMarkerName() == m[1]
		})
	}
	return matches(func(*historypb.HistoryEvent) bool { return true })
}

// expectedCommand is the event the SDK's "a matching KIND command was
// expected in history event position ID" names: the activity, timer or
// child workflow of that ID.
func expectedCommand(kind, id string, h *historypb.History) *MismatchedEvent {
	for _, e := range h.GetEvents() {
		var match bool
		switch kind {
		case "Activity":
			match = e.GetActivityTaskScheduledEventAttributes().GetActivityId() == id
		case "Timer":
			match = e.GetTimerStartedEventAttributes().GetTimerId() == id
		case "ChildWorkflow":
			match = e.GetStartChildWorkflowExecutionInitiatedEventAttributes().GetWorkflowId() == id
		}
		if match {
			return &MismatchedEvent{EventId: e.GetEventId(), EventType: e.GetEventType().String(), Recorded: describeEvent(e),
				Replayed: "no matching command"}
		}
	}
	return &MismatchedEvent{Recorded: kind + " " + id, Replayed: "no matching command"}
}

// numberedEvent is the event of h with the ID the SDK's error gives.
func numberedEvent(id string, h *historypb.History) *MismatchedEvent {
	for _, e := range h.GetEvents() {
		if strconv.FormatInt(e.GetEventId(), 10) == id {
			return &MismatchedEvent{EventId: e.GetEventId(), EventType: e.GetEventType().String(), Recorded: describeEvent(e)}
		}
	}
	return nil
}

// describeEvent names what an event records, in a few words.
func describeEvent(e *historypb.HistoryEvent) string {
	switch e.GetEventType() {
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
		return e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
	case enumspb.EVENT_TYPE_TIMER_STARTED:
		return "timer " + e.GetTimerStartedEventAttributes().GetStartToFireTimeout().AsDuration().String()
	case enumspb.EVENT_TYPE_MARKER_RECORDED:
		return e.GetMarkerRecordedEventAttributes().GetMarkerName()
	case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
		attrs := e.GetStartChildWorkflowExecutionInitiatedEventAttributes()
		return attrs.GetWorkflowType().GetName() + " " + attrs.GetWorkflowId()
	}
	return ""
}

// describeCommand shortens the SDK's "CommandType: (Field:value, ...)" to
// the command type and the activity or workflow type it names.
func describeCommand(command string) string {
	commandType, attrs, _ := strings.Cut(command, ": ")
	if m := sdkTypeName.FindStringSubmatch(attrs); m != nil {
		return commandType + " " + m[1]
	}
	return commandType
}

// firstLine is the first line of text, at most 1000 bytes: the SDK's
// errors go on with a stack or a whole command.
func firstLine(text string) string {
	text, _, _ = strings.Cut(text, "\n")
	if len(text) > 1000 {
		text = text[:1000] + "..."
	}
	return text
}

// printReplayCheck prints the report, and fails when a history did not
// replay.
func (a *App) printReplayCheck(r ReplayCheckReport) error {
	if r.Histories == nil {
		r.Histories = []ReplayedHistory{}
	}
	summary := fmt.Sprintf("replayed %d histories of %d types: %d failed", r.Replayed, r.Types, r.Failed)
	if r.PinnedFailed > 0 {
		summary += fmt.Sprintf(" (and %d of runs pinned to their own build, not counted)", r.PinnedFailed)
	}
	if a.machine() {
		a.printJSON(r)
	} else {
		for _, h := range r.Histories {
			mark := "ok  "
			if h.Result != replayOK {
				mark = "FAIL"
			}
			say(a.Stdout, "%s  %s %s run %s", mark, orUnknown(h.Type), orUnknown(h.WorkflowId), orUnknown(h.RunId))
			if h.File != "" {
				say(a.Stdout, " (%s)", h.File)
			}
			sayln(a.Stdout)
			switch {
			case h.Mismatch != nil:
				say(a.Stdout, "      %s: %s\n", h.Result, h.Mismatch)
			case h.Result != replayOK:
				say(a.Stdout, "      %s: %s\n", h.Result, shortened(h.Error, 300))
			}
			if h.Result != replayOK && h.Pinned {
				sayln(a.Stdout, "      pinned to the build it runs on: not counted, but do not move it to this build")
			}
		}
		sayln(a.Stdout, summary)
	}
	if r.Replayed == 0 {
		sayln(a.Stderr, "starter replay-check: no workflow to replay: check --since, --query or the namespace")
	}
	if r.Failed > 0 {
		return failed("starter replay-check: %s: do not deploy this build (docs/operations.md, \"Replay before deploy\")", summary)
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// shortened is text cut to at most n bytes.
func shortened(text string, n int) string {
	if len(text) <= n {
		return text
	}
	return text[:n] + "..."
}
