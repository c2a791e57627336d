package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/stacktest"
	"github.com/vpcflow/vpcflow/internal/workerapp"
)

// lockedBuffer is a buffer a logger writes to from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A worker's log, at debug, as the production worker writes it (JSON
// lines through workerapp's client options): every line of an activity
// names the workflow, the run and the activity; every cloud call has a
// line with its RequestId, the cloud's own; no line holds a secret.
func TestActivityLogLinesSayWhichChangeAndRequest(t *testing.T) {
	waitWorkerIdle(t) // nothing of an earlier test calls the cloud now
	resetCloud(t)
	var logs lockedBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := client.Dial(workerapp.ClientOptions(stack.ClientOptions(), logger))
	require.NoError(t, err)
	defer c.Close()
	acts, err := stack.Activities()
	require.NoError(t, err)
	const queue = "vpcflow-logs-test"
	w, err := workerapp.NewWorker(c, queue, acts, nil, worker.Options{})
	require.NoError(t, err)
	require.NoError(t, w.Start())
	defer w.Stop()

	opts := startOptions(t, "network-change/logs")
	opts.TaskQueue = queue
	ctx := stacktest.Ctx(t, 2*time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, opts, contract.NetworkChange.Type, simclients.DefaultNetworkChange())
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))

	answered := map[string]bool{}
	for _, call := range stack.Cloudsim.Calls("") {
		answered[call.RequestID] = true
	}
	text := logs.String()
	var activityLines, callLines int
	lines := bufio.NewScanner(strings.NewReader(text))
	lines.Buffer(make([]byte, 0, 1<<20), 1<<20)
	for lines.Scan() {
		var line map[string]any
		require.NoError(t, json.Unmarshal(lines.Bytes(), &line), "a log line is JSON: %s", lines.Text())
		if line["ActivityType"] == nil {
			continue
		}
		activityLines++
		assert.Equal(t, run.GetID(), line["WorkflowID"], "%s", lines.Text())
		assert.Equal(t, run.GetRunID(), line["RunID"], "%s", lines.Text())
		if line["msg"] == "cloud call" {
			callLines++
			id, _ := line["RequestId"].(string)
			assert.True(t, answered[id], "the line's RequestId %q is one the cloud answered: %s", id, lines.Text())
		}
	}
	assert.Len(t, stack.Cloudsim.Calls(""), callLines, "a line per cloud call")
	assert.Positive(t, activityLines)
	for _, secret := range []string{cloudsim.DefaultAccessKeySecret, cloudsim.DefaultHuaweiSK, "Signature="} {
		assert.NotContains(t, text, secret)
	}
	t.Logf("%d log lines from activities, %d of them cloud calls, %d bytes", activityLines, callLines, len(text))
}
