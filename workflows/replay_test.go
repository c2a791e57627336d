package workflows

import (
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/converter"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/vpcflow/vpcflow/contract"
)

// TestReplayRecordedHistories replays histories recorded from real runs
// (internal/e2e with -update-replay) against today's workflow code. A change
// that would break a workflow in flight, a non-deterministic one, fails here:
// guard it with workflow.GetVersion, then record the histories again.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/replay/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no recorded histories in testdata/replay")
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				DataConverter: contract.StrictInputs(converter.GetDefaultDataConverter())})
			require.NoError(t, err)
			require.NoError(t, RegisterWorkflows(replayer))
			require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(nil, file))
		})
	}
}
