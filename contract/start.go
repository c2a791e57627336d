package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// A workflow's ID names the resource it changes, so one change of a
// resource runs at a time. A second start with the same input is the same
// change asked again (a retried deploy, a second click): it attaches to the
// running one. A second start with another input is another change: it is
// refused, saying what differs, rather than told it started while the
// running change goes on with the first input.
//
// StartOptions start with conflict policy FAIL and keep the digest of the
// canonical input in the memo (InputDigestMemo); Start compares it with the
// running run's, which the server gave by its run ID: a run's memo does not
// change, so two starts racing each other cannot both be told yes to two
// different inputs.

// InputDigestMemo is the memo field holding the digest of a workflow's
// canonical input.
const InputDigestMemo = "vpcflow.input-digest"

// ConflictingStartError is a start refused because a run of the same
// workflow ID is running with another input.
type ConflictingStartError struct {
	WorkflowID, RunID string
	// Differences name each top-level field that differs, with the running
	// run's value and the refused start's (bounded).
	Differences []string
}

func (e *ConflictingStartError) Error() string {
	differs := "its input differs"
	if len(e.Differences) > 0 {
		differs = strings.Join(e.Differences, "; ")
	}
	return fmt.Sprintf("%s is already running (run %s) with another input: %s. Nothing was started: follow it (starter status %s), "+
		"start yours once it has ended, or cancel it (starter cancel %s --wait)", e.WorkflowID, e.RunID, differs, e.WorkflowID, e.WorkflowID)
}

// Start starts workflowType with a canonical input and opts (a workflow's
// StartOptions), or attaches to the run of that ID already running with
// the same input. A run with another input refuses the start with a
// *ConflictingStartError. Services start vpcflow's workflows with it (or
// with Workflow.Start); the starter does.
func Start(ctx context.Context, c client.Client, opts client.StartWorkflowOptions, workflowType string, input any) (client.WorkflowRun, error) {
	opts.WorkflowIDConflictPolicy = enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL
	opts.WorkflowExecutionErrorWhenAlreadyStarted = true
	want := digest(input)
	if opts.Memo == nil {
		opts.Memo = map[string]any{}
	}
	opts.Memo[InputDigestMemo] = want
	for range 3 {
		run, err := c.ExecuteWorkflow(ctx, opts, workflowType, input)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if !errors.As(err, &started) {
			return run, err
		}
		desc, err := c.DescribeWorkflowExecution(ctx, opts.ID, started.RunId)
		if err != nil {
			return nil, err
		}
		if desc.GetWorkflowExecutionInfo().GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
			continue // it ended meanwhile: start again
		}
		var have string
		if field := desc.GetWorkflowExecutionInfo().GetMemo().GetFields()[InputDigestMemo]; field != nil {
			_ = converter.GetDefaultDataConverter().FromPayload(field, &have)
		}
		if have == want {
			return c.GetWorkflow(ctx, opts.ID, started.RunId), nil
		}
		return nil, &ConflictingStartError{WorkflowID: opts.ID, RunID: started.RunId,
			Differences: differences(ctx, c, opts.ID, started.RunId, input)}
	}
	return nil, fmt.Errorf("%s: its runs kept ending and starting while this start was made; try again", opts.ID)
}

// Start starts the change of in (canonical or not), or attaches to the
// same change running: see the package-level Start.
func (w Workflow[In, Out]) Start(ctx context.Context, c client.Client, in In) (client.WorkflowRun, error) {
	in = in.Canonical()
	return Start(ctx, c, w.StartOptions(in), w.Type, in)
}

// maxDifferenceValue bounds each value a difference quotes.
const maxDifferenceValue = 160

// differences reads the running run's input (its history's first event)
// and names the top-level fields of input whose JSON differs from it.
func differences(ctx context.Context, c client.Client, id, runID string, input any) []string {
	it := c.GetWorkflowHistory(ctx, id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return nil
	}
	first, err := it.Next()
	if err != nil {
		return nil
	}
	payloads := first.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()
	if len(payloads) == 0 {
		return nil
	}
	var running json.RawMessage
	if converter.GetDefaultDataConverter().FromPayload(payloads[0], &running) != nil {
		return nil // encoded by a codec this client does not have
	}
	mine, err := json.Marshal(input)
	if err != nil {
		return nil
	}
	var a, b map[string]json.RawMessage
	if json.Unmarshal(running, &a) != nil || json.Unmarshal(mine, &b) != nil {
		return nil
	}
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		if !jsonEqual(a[k], b[k]) {
			out = append(out, fmt.Sprintf("%s (running: %s; yours: %s)", k, bounded(a[k]), bounded(b[k])))
		}
	}
	return out
}

func jsonEqual(x, y json.RawMessage) bool {
	var a, b any
	if json.Unmarshal(x, &a) != nil || json.Unmarshal(y, &b) != nil {
		return bytes.Equal(x, y)
	}
	return reflect.DeepEqual(a, b)
}

func bounded(v json.RawMessage) string {
	if len(v) == 0 {
		return "none"
	}
	s := string(v)
	if len(s) > maxDifferenceValue {
		return strings.ToValidUTF8(s[:maxDifferenceValue], "") + "..."
	}
	return s
}
