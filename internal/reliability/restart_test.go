package reliability

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/devserver"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// freePort returns a TCP port free on 127.0.0.1 at the time of the call.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestServerRestart: the Temporal server itself (embedded, state in an
// SQLite file) stops, stays down 5 s and starts again on the same file and
// port while 20
// NetworkChange workflows run: 10 wait for Active, 10 are connecting,
// publishing and verifying with every cloud call slowed by 100-300 ms. The
// worker process and the client reconnect by themselves; every workflow
// completes, exactly once.
func TestServerRestart(t *testing.T) {
	needStack(t)
	const waiting, moving = 10, 10
	const outage = 5 * time.Second
	ctx := stacktest.Ctx(t, 5*time.Minute)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts := devserver.Options{
		DBFile:           filepath.Join(t.TempDir(), "temporal.db"),
		FrontendPort:     freePort(t),
		UIPort:           -1,
		SearchAttributes: contract.SearchAttributeTypes(),
		Logger:           quiet,
	}
	began := time.Now()
	srv, err := devserver.Start(ctx, opts)
	require.NoError(t, err)
	// Whichever server runs at the end stops last, after the workers and
	// the clean-ups that talk to it.
	t.Cleanup(func() { _ = srv.Stop() })
	measured(t, "server started on a new SQLite file in %.1fs", time.Since(began).Seconds())
	frontend := srv.FrontendHostPort()
	require.Equal(t, "127.0.0.1:"+strconv.Itoa(opts.FrontendPort), frontend)

	c, err := client.Dial(client.Options{HostPort: frontend, Namespace: srv.Namespace(), Logger: stacktest.QuietLogger()})
	require.NoError(t, err)
	t.Cleanup(c.Close)

	cloud := startCloud(t, cloudsim.GenerateFixture(waiting+moving), 20)
	var stuck []string
	for i := range waiting {
		ri, _ := cloudsim.LoadRouterInterfaceIDs(i)
		stuck = append(stuck, ri)
	}
	latency := map[string]cloudsim.ActionFaults{"*": {LatencyMin: cloudsim.D(100 * time.Millisecond), LatencyMax: cloudsim.D(300 * time.Millisecond)}}
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{Stuck: stuck, Actions: latency}))
	w := startWorker(t, "worker", workerConfig{frontend: frontend, cloud: cloud})

	var changes []contract.NetworkChangeInput
	var runs []client.WorkflowRun
	var waitIDs []string
	for i := range waiting + moving {
		if i == waiting {
			require.NoError(t, stacktest.WaitStage(ctx, c, contract.StageWaitRouterInterface, waitIDs...))
		}
		in := loadChange(i, 5*time.Minute)
		changes = append(changes, in)
		run := startChange(ctx, t, c, in)
		runs = append(runs, run)
		if i < waiting {
			waitIDs = append(waitIDs, run.GetID())
		}
	}
	// Stop while the moving ones are on their way.
	waitFor(ctx, t, "the moving workflows to start connecting", func() (bool, string) {
		n := len(cloud.callsOf("ConnectRouterInterface", succeeded))
		return n >= waiting+3, fmt.Sprintf("%d connects", n)
	})
	before := stages(ctx, c, runs)
	stopAt := time.Now()
	require.NoError(t, srv.Stop())
	stoppedIn := time.Since(stopAt)
	// The outage lasts a few seconds: activities that finish meanwhile
	// cannot report, heartbeats and polls fail.
	time.Sleep(outage)

	srv, err = devserver.Start(ctx, opts)
	require.NoError(t, err)
	require.Equal(t, frontend, srv.FrontendHostPort(), "same port: the worker reconnects to the address it has")
	downFor := time.Since(stopAt)
	measured(t, "server stopped in %.1fs and was back after %.1fs (same SQLite file, same port %d); stages at the stop: %v",
		stoppedIn.Seconds(), downFor.Seconds(), opts.FrontendPort, before)
	require.GreaterOrEqual(t, downFor, outage)

	require.NoError(t, cloud.SetFaults(cloudsim.Faults{Actions: latency})) // the waiting interfaces may now connect
	outs := awaitAll(ctx, runs)
	completed := requireAllCompleted(t, outs)
	measured(t, "%d of %d workflows completed, the last %.1fs after the restart", completed, len(runs), time.Since(stopAt).Seconds())
	counts := assertAppliedOnce(t, cloud, changes)
	measured(t, "cloudsim: %s", counts)
	require.True(t, w.alive(), "the worker process rode out the restart")

	// The histories on this server, too, hold no secret.
	found, scanned, _, err := secretsEverywhere(ctx, c)
	require.NoError(t, err)
	require.Empty(t, found, "histories on the restarted server hold secrets")
	measured(t, "%d histories on the restarted server hold no secret", scanned)
}

// stages counts the workflows per stage, from their progress queries.
func stages(ctx context.Context, c client.Client, runs []client.WorkflowRun) map[string]int {
	out := map[string]int{}
	for _, run := range runs {
		p, err := stacktest.Progress(ctx, c, run.GetID())
		if err != nil {
			out["(query failed)"]++
			continue
		}
		out[p.Stage]++
	}
	return out
}
