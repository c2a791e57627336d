package devserver_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/internal/devserver"
)

const (
	stateAttr   = "VpcflowTestState"
	attemptAttr = "VpcflowTestAttempt"
	taskQueue   = "devserver-test"
	workflowID  = "devserver-test-upsert"
)

var stateKey = temporal.NewSearchAttributeKeyKeyword(stateAttr)

// upsertState sets the state search attribute and returns a marker.
func upsertState(ctx workflow.Context, state string) (string, error) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, stateKey.ValueSet(state)); err != nil {
		return "", err
	}
	return "state=" + state, nil
}

func TestStartRunRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dbFile := filepath.Join(t.TempDir(), "nested", "dev.db")
	logger := testLogger(t)

	// --- first start: fresh file, free ports ---
	begin := time.Now()
	srv, err := devserver.Start(ctx, devserver.Options{
		DBFile:           dbFile,
		SearchAttributes: map[string]enums.IndexedValueType{stateAttr: enums.INDEXED_VALUE_TYPE_KEYWORD},
		Logger:           logger,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() })
	t.Logf("first start (new database file): %v", time.Since(begin))

	require.FileExists(t, dbFile)
	assert.Equal(t, "default", srv.Namespace())
	host, portStr, err := net.SplitHostPort(srv.FrontendHostPort())
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host)
	frontendPort, err := strconv.Atoi(portStr)
	require.NoError(t, err)
	require.NotZero(t, frontendPort)
	require.True(t, strings.HasPrefix(srv.UIURL(), "http://127.0.0.1:"), "UI URL %q", srv.UIURL())
	uiPort, err := strconv.Atoi(strings.TrimPrefix(srv.UIURL(), "http://127.0.0.1:"))
	require.NoError(t, err)
	require.NotEqual(t, frontendPort, uiPort)

	c := dial(t, srv)
	ns, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "default"})
	require.NoError(t, err)
	assert.Equal(t, devserver.NamespaceRetention, ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration())

	// --- a workflow upserts the search attribute; visibility finds it ---
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(upsertState)
	require.NoError(t, w.Start())
	begin = time.Now()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflowID, TaskQueue: taskQueue}, upsertState, "ready")
	require.NoError(t, err)
	var result string
	require.NoError(t, run.Get(ctx, &result))
	assert.Equal(t, "state=ready", result)
	t.Logf("workflow round trip: %v", time.Since(begin))
	w.Stop()

	begin = time.Now()
	ids := eventuallyList(t, c, stateAttr+" = 'ready'", 1)
	assert.Equal(t, []string{workflowID}, ids)
	t.Logf("visibility query saw the upsert after %v", time.Since(begin))
	assert.Empty(t, listIDs(t, c, stateAttr+" = 'other'"), "query on another value must find nothing")

	// --- the Web UI: HTML page, and its API reaches the frontend ---
	resp, err := http.Get(srv.UIURL())
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	assert.Contains(t, strings.ToLower(string(body)), "<!doctype html")

	apiURL := srv.UIURL() + "/api/v1/namespaces/default/workflows?query=" + url.QueryEscape(stateAttr+" = 'ready'")
	resp, err = http.Get(apiURL)
	require.NoError(t, err)
	body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "UI API: %s", body)
	assert.Contains(t, string(body), workflowID)

	// --- a second server cannot take the running one's port or file ---
	_, err = devserver.Start(ctx, devserver.Options{FrontendPort: frontendPort, UIPort: -1, Logger: logger})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "frontend port "+portStr)
	assert.Contains(t, err.Error(), "in use")
	_, err = devserver.Start(ctx, devserver.Options{UIPort: uiPort, Logger: logger})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "UI port "+strconv.Itoa(uiPort))
	_, err = devserver.Start(ctx, devserver.Options{DBFile: dbFile, UIPort: -1, Logger: logger})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already used by a running dev server")

	c.Close()
	begin = time.Now()
	require.NoError(t, srv.Stop())
	t.Logf("stop: %v", time.Since(begin))
	require.NoError(t, srv.Stop(), "Stop is idempotent")

	// --- restart on the same file and the same ports: history is still there,
	// the old attribute is kept and a new one is added ---
	begin = time.Now()
	srv2, err := devserver.Start(ctx, devserver.Options{
		DBFile:       dbFile,
		FrontendPort: frontendPort,
		UIPort:       uiPort,
		SearchAttributes: map[string]enums.IndexedValueType{
			stateAttr:   enums.INDEXED_VALUE_TYPE_KEYWORD,
			attemptAttr: enums.INDEXED_VALUE_TYPE_INT,
		},
		Logger: logger,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv2.Stop() })
	t.Logf("restart (existing database file, same ports): %v", time.Since(begin))
	assert.Equal(t, srv.FrontendHostPort(), srv2.FrontendHostPort())
	assert.Equal(t, srv.UIURL(), srv2.UIURL())

	c2 := dial(t, srv2)
	desc, err := c2.DescribeWorkflowExecution(ctx, workflowID, "")
	require.NoError(t, err)
	assert.Equal(t, enums.WORKFLOW_EXECUTION_STATUS_COMPLETED, desc.GetWorkflowExecutionInfo().GetStatus())
	var events []enums.EventType
	var completedResult string
	iter := c2.GetWorkflowHistory(ctx, workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		events = append(events, ev.GetEventType())
		if a := ev.GetWorkflowExecutionCompletedEventAttributes(); a != nil {
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(a.GetResult(), &completedResult))
		}
	}
	require.NotEmpty(t, events)
	assert.Equal(t, enums.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, events[0])
	assert.Equal(t, enums.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, events[len(events)-1])
	assert.Equal(t, "state=ready", completedResult)
	assert.Equal(t, []string{workflowID}, eventuallyList(t, c2, stateAttr+" = 'ready'", 1))

	attrs, err := c2.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	require.NoError(t, err)
	assert.Equal(t, enums.INDEXED_VALUE_TYPE_KEYWORD, attrs.GetCustomAttributes()[stateAttr])
	assert.Equal(t, enums.INDEXED_VALUE_TYPE_INT, attrs.GetCustomAttributes()[attemptAttr])

	resp, err = http.Get(srv2.UIURL())
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	c2.Close()
	require.NoError(t, srv2.Stop())

	// --- a conflicting type for a registered attribute is a clear error, and
	// the failed start releases the file and ports for the next one ---
	_, err = devserver.Start(ctx, devserver.Options{
		DBFile:           dbFile,
		FrontendPort:     frontendPort,
		UIPort:           -1,
		SearchAttributes: map[string]enums.IndexedValueType{stateAttr: enums.INDEXED_VALUE_TYPE_INT},
		Logger:           logger,
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), stateAttr)
	assert.Contains(t, err.Error(), "already registered")
	assert.Contains(t, err.Error(), "Keyword")
	require.NoError(t, checkListen(frontendPort), "failed start must release the frontend port")
}

func TestInMemoryHeadless(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	begin := time.Now()
	srv, err := devserver.Start(ctx, devserver.Options{
		UIPort:           -1,
		Namespace:        "scratch",
		SearchAttributes: map[string]enums.IndexedValueType{attemptAttr: enums.INDEXED_VALUE_TYPE_INT},
		Logger:           testLogger(t),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() })
	t.Logf("in-memory start: %v", time.Since(begin))
	assert.Empty(t, srv.UIURL())
	assert.Equal(t, "scratch", srv.Namespace())

	c := dial(t, srv)
	attrs, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "scratch"})
	require.NoError(t, err)
	assert.Equal(t, map[string]enums.IndexedValueType{attemptAttr: enums.INDEXED_VALUE_TYPE_INT}, attrs.GetCustomAttributes())
	c.Close()
	require.NoError(t, srv.Stop())
}

func TestBadOptions(t *testing.T) {
	ctx := context.Background()
	notDir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notDir, []byte("x"), 0o644))
	held, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer held.Close()
	heldPort := held.Addr().(*net.TCPAddr).Port

	for _, tc := range []struct {
		name string
		opts devserver.Options
		want string
	}{
		{"frontend port too big", devserver.Options{FrontendPort: 70000}, "frontend port 70000 is out of range"},
		{"frontend port negative", devserver.Options{FrontendPort: -5}, "frontend port -5 is out of range"},
		{"UI port too big", devserver.Options{UIPort: 65536}, "UI port 65536 is out of range"},
		{"default UI port too big", devserver.Options{FrontendPort: 65000}, "default UI port 66000"},
		{"bad IP", devserver.Options{IP: "not-an-ip"}, `IP "not-an-ip"`},
		{"DB under a file", devserver.Options{DBFile: filepath.Join(notDir, "dev.db")}, "cannot create directory"},
		{"DB is a directory", devserver.Options{DBFile: t.TempDir()}, "is not a regular file"},
		{"reserved attribute", devserver.Options{SearchAttributes: map[string]enums.IndexedValueType{"WorkflowId": enums.INDEXED_VALUE_TYPE_KEYWORD}}, `"WorkflowId" is reserved`},
		{"untyped attribute", devserver.Options{SearchAttributes: map[string]enums.IndexedValueType{"X": enums.INDEXED_VALUE_TYPE_UNSPECIFIED}}, `"X" has no type`},
		{"frontend port in use", devserver.Options{FrontendPort: heldPort, UIPort: -1}, fmt.Sprintf("frontend port %d on 127.0.0.1 is already in use", heldPort)},
		{"UI port in use", devserver.Options{UIPort: heldPort}, fmt.Sprintf("UI port %d on 127.0.0.1 is already in use", heldPort)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := devserver.Start(ctx, tc.opts)
			if srv != nil {
				_ = srv.Stop()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func dial(t *testing.T, srv *devserver.Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  srv.FrontendHostPort(),
		Namespace: srv.Namespace(),
		Logger:    sdklog.NewStructuredLogger(testLogger(t)),
	})
	require.NoError(t, err)
	return c
}

// eventuallyList waits until the visibility query returns want executions
// (visibility is updated asynchronously) and returns their IDs.
func eventuallyList(t *testing.T, c client.Client, query string, want int) []string {
	t.Helper()
	var ids []string
	require.Eventually(t, func() bool {
		ids = listIDs(t, c, query)
		return len(ids) == want
	}, 15*time.Second, 100*time.Millisecond, "query %q: got %v", query, ids)
	return ids
}

func listIDs(t *testing.T, c client.Client, query string) []string {
	t.Helper()
	resp, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
	require.NoError(t, err)
	var ids []string
	for _, e := range resp.GetExecutions() {
		ids = append(ids, e.GetExecution().GetWorkflowId())
	}
	return ids
}

func checkListen(port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return l.Close()
}

// testLogger sends warnings and errors to t.Log while the test runs.
func testLogger(t *testing.T) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(w.close)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) close() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}
