package workflows

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/contract"
)

// TestReplayRecordedHistories replays histories recorded from real runs
// (internal/e2e with -update-replay) against today's workflow code. A change
// that would break a workflow in flight, a non-deterministic one, fails here:
// guard it with workflow.GetVersion, then record the histories again.
//
// Each history replays under its own workflow ID (from its first event):
// a change names its Rollback child after it, and the replayer checks that
// the child's ID is the one recorded.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/replay/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no recorded histories in testdata/replay")
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			f, err := os.Open(file)
			require.NoError(t, err)
			defer f.Close()
			history, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
			require.NoError(t, err)
			started := history.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes()
			replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				DataConverter: contract.StrictInputs(converter.GetDefaultDataConverter())})
			require.NoError(t, err)
			require.NoError(t, RegisterWorkflows(replayer))
			require.NoError(t, replayer.ReplayWorkflowHistoryWithOptions(nil, history, worker.ReplayWorkflowHistoryOptions{
				OriginalExecution: workflow.Execution{ID: started.GetWorkflowId(), RunID: started.GetOriginalExecutionRunId()}}))
		})
	}
}
