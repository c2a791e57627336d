package workerapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/internal/devserver"
	"github.com/vpcflow/vpcflow/internal/redact"
)

// unreachable is a client whose health check fails with an error quoting
// what its connection carried.
type unreachable struct{ client.Client }

func (unreachable) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return nil, errors.New("dial tcp 10.0.0.7:7233: connection refused; authorization: Bearer eyJhbGciOiJIUzI1NiJ9abcDEF123456789xyz")
}

// get answers a GET of url: its status and its JSON body.
func get(t *testing.T, url string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body), url)
	return resp.StatusCode, body
}

// While Temporal is unreachable the worker is alive (restarting it would
// not bring Temporal back) but not ready; whoever reaches the endpoints
// learns that Temporal is unreachable, not why: the worker's log has why,
// redacted.
func TestLivenessDoesNotDependOnTemporal(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(redact.Handler(slog.NewJSONHandler(&logs, nil)))
	base, stop, err := serveHealth("127.0.0.1:0", newWorkerStatus(unreachable{}, logger), logger)
	require.NoError(t, err)
	defer stop()

	code, body := get(t, base+"/livez")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, map[string]string{"status": "ok", "worker": "running", "taskQueue": "vpcflow"}, body)

	for _, path := range []string{"/readyz", "/healthz"} {
		code, body := get(t, base+path)
		assert.Equal(t, http.StatusServiceUnavailable, code, path)
		assert.Equal(t, map[string]string{"status": "unavailable", "worker": "running", "temporal": "unreachable", "taskQueue": "vpcflow"}, body, path)
	}
	assert.Contains(t, logs.String(), "connection refused")
	assert.NotContains(t, logs.String(), "eyJhbGciOiJIUzI1NiJ9")
}

// The SDK calls OnFatalError once; a second call (there is none today)
// would not replace the error that stopped the worker. A very long error
// is cut, after it is redacted, to valid UTF-8.
func TestTheFirstFatalErrorIsReported(t *testing.T) {
	status := newWorkerStatus(unreachable{}, slog.New(slog.DiscardHandler))
	status.workerFailed(serviceerror.NewNamespaceNotFound("vpcflow"))
	status.workerFailed(errors.New("a later error"))
	<-status.failed
	body := map[string]string{}
	assert.False(t, status.live(body))
	assert.Equal(t, "stopped", body["worker"])
	assert.Equal(t, "Namespace vpcflow is not found.", body["error"])

	status = newWorkerStatus(unreachable{}, slog.New(slog.DiscardHandler))
	status.workerFailed(errors.New(strings.Repeat("é", 1000)))
	body = map[string]string{}
	status.live(body)
	assert.LessOrEqual(t, len(body["error"]), maxErrorInBody+len("..."))
	assert.True(t, strings.HasSuffix(body["error"], "é..."), "cut between runes")
}

// A worker whose SDK worker stops on a fatal error fails /livez and
// /readyz with the error, redacted, and Run returns it (the worker binary
// exits 1).
//
// The worker runs against a real Temporal server (in memory), but the
// fatal error is not produced by it: the SDK reports a refused poll
// (NamespaceNotFound, InvalidArgument) as fatal only after two minutes of
// refusals (retryLongPollGracePeriod, settable only inside the SDK). So
// the test takes the OnFatalError Run gives the SDK worker (runHooks) and
// calls it as the SDK's poller does: once, on a goroutine of its own.
func TestAFatalErrorFailsLivenessAndStopsTheWorker(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	srv, err := devserver.Start(ctx, devserver.Options{UIPort: -1, Logger: quiet})
	require.NoError(t, err)
	defer func() { _ = srv.Stop() }()

	const token = "eyJhbGciOiJIUzI1NiJ9abcDEF123456789xyz"
	fatal := serviceerror.NewInvalidArgument("poll refused; authorization: Bearer " + token)
	var logs bytes.Buffer
	var onFatalError func(error)
	ready := make(chan Ready, 1)
	failedAnswers := make(chan map[string]map[string]string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{
			Temporal:    &client.Options{HostPort: srv.FrontendHostPort(), Namespace: srv.Namespace()},
			Activities:  &activities.CloudActivities{},
			HealthAddr:  "127.0.0.1:0",
			StopTimeout: time.Second,
			Logger:      slog.New(slog.NewJSONHandler(&logs, nil)),
			Ready:       func(r Ready) { ready <- r },
			hooks: &runHooks{
				workerOptions: func(opts worker.Options) { onFatalError = opts.OnFatalError },
				workerFailed: func() {
					r := <-ready
					answers := map[string]map[string]string{}
					for _, url := range []string{r.Live, r.Health} {
						code, body := get(t, url)
						body["code"] = http.StatusText(code)
						answers[url[strings.LastIndex(url, "/"):]] = body
					}
					failedAnswers <- answers
				},
			},
		})
	}()
	var r Ready
	select {
	case r = <-ready:
		ready <- r // for workerFailed
	case err := <-done:
		t.Fatalf("the worker did not start: %v", err)
	}
	require.NotNil(t, onFatalError, "Run gives the SDK worker an OnFatalError")
	code, body := get(t, r.Live)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "running", body["worker"])
	code, body = get(t, r.Health)
	assert.Equal(t, http.StatusOK, code, "%v", body)
	assert.Equal(t, "reachable", body["temporal"])

	go onFatalError(fatal)
	var runErr error
	select {
	case runErr = <-done:
	case <-time.After(time.Minute):
		t.Fatal("Run did not return after the worker's fatal error")
	}
	var invalid *serviceerror.InvalidArgument
	assert.ErrorAs(t, runErr, &invalid, "Run returns the fatal error")
	assert.ErrorContains(t, runErr, "temporal worker stopped")

	answers := <-failedAnswers
	for _, path := range []string{"/livez", "/readyz"} {
		body := answers[path]
		assert.Equal(t, http.StatusText(http.StatusServiceUnavailable), body["code"], path)
		assert.Equal(t, "stopped", body["worker"], path)
		assert.True(t, strings.HasPrefix(body["error"], "poll refused; authorization: "), "%s: %q", path, body["error"])
		assert.Contains(t, body["error"], redact.Redacted, path)
		assert.NotContains(t, body["error"], token, path)
	}
	assert.Equal(t, "reachable", answers["/readyz"]["temporal"], "Temporal answers: the worker is what failed")
	assert.Contains(t, logs.String(), "poll refused")
	assert.NotContains(t, logs.String(), token)
}
