package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// recordHistory writes a finished workflow's history to
// workflows/testdata/replay/<name>.json when the tests run with
// -update-replay, for the replay tests of the workflows package: a change
// to a workflow that would break the runs in flight fails there.
func recordHistory(t *testing.T, name, workflowID string) {
	t.Helper()
	if !*updateReplay {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := tc.GetWorkflowHistory(ctx, workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var history historypb.History
	for iter.HasNext() {
		event, err := iter.Next()
		require.NoError(t, err)
		history.Events = append(history.Events, event)
	}
	data, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(&history)
	require.NoError(t, err)
	dir := filepath.Join("..", "..", "workflows", "testdata", "replay")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".json"), append(data, '\n'), 0o644))
}

func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o644) }
