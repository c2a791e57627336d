// Package e2e runs vpcflow end to end: a real Temporal server (embedded,
// in memory), the real worker, cloudsim over HTTP and the real cloud SDKs.
package e2e

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/devstack"
	"github.com/vpcflow/vpcflow/internal/stacktest"
	"github.com/vpcflow/vpcflow/internal/startercli"
	"github.com/vpcflow/vpcflow/internal/workerapp"
)

var updateReplay = flag.Bool("update-replay", false, "write the histories of these runs to workflows/testdata/replay")

// The stack every test shares: starting a Temporal server takes seconds.
var (
	stack      *devstack.Stack
	tc         client.Client
	healthURL  string
	metricsURL string
	// tracer is the shared worker's tracer provider; spans has every span
	// it ended.
	tracer *sdktrace.TracerProvider
	spans  *tracetest.InMemoryExporter
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var err error
	stack, err = devstack.Start(ctx, devstack.Options{InMemory: true, FrontendPort: 0, UIPort: 0,
		CloudsimAddr: "127.0.0.1:0", CloudsimSpeed: 20, Logger: quiet, Fixture: cloudsim.GenerateFleetFixture(cloudsim.DemoFleet, e2eFleet)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: dev stack:", err)
		return 1
	}
	defer stack.Stop()

	// Every span the worker makes is kept in memory, for the trace tests.
	spans = tracetest.NewInMemoryExporter()
	tracer = sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	ready, stopWorker, err := stack.StartWorker(ctx, workerapp.Config{Logger: quiet, StopTimeout: time.Second,
		HealthAddr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0", OpenChangesInterval: time.Second, Tracer: tracer})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer stopWorker() // before the stack stops
	healthURL, metricsURL = ready.Health, ready.Metrics

	tc, err = client.Dial(client.Options{HostPort: stack.Temporal.FrontendHostPort(), Namespace: stack.Temporal.Namespace(),
		Logger: stacktest.QuietLogger()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: client:", err)
		return 1
	}
	defer tc.Close()
	return m.Run()
}

// starterApp is the starter, its output in out and errOut, on the tests'
// Temporal client.
func starterApp(out, errOut *bytes.Buffer) *startercli.App {
	return &startercli.App{Stdout: out, Stderr: errOut, Namespace: stack.Temporal.Namespace(), PollInterval: 100 * time.Millisecond,
		Dial: func(context.Context) (client.Client, error) {
			return client.NewClientFromExisting(tc, client.Options{})
		}}
}

// resetCloud puts cloudsim back to its default fixture between tests.
func resetCloud(t *testing.T) {
	t.Helper()
	stack.Cloudsim.Reset()
	t.Cleanup(stack.Cloudsim.Reset)
}

func startOptions(t *testing.T, id string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{ID: stacktest.ID(t, id), TaskQueue: "vpcflow",
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}
}

// waitVisible waits until a visibility query finds n workflows.
func waitVisible(ctx context.Context, t *testing.T, query string, n int) []string {
	t.Helper()
	for {
		resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err == nil && len(resp.GetExecutions()) >= n {
			var ids []string
			for _, e := range resp.GetExecutions() {
				ids = append(ids, e.GetExecution().GetWorkflowId())
			}
			return ids
		}
		select {
		case <-ctx.Done():
			t.Fatalf("visibility query %q: found fewer than %d workflows (last error %v)", query, n, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
