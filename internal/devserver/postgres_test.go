package devserver_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/internal/devserver"
)

const pgTaskQueue = "devserver-pg-test"

func pgGreetWorkflow(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out string
	err := workflow.ExecuteActivity(ctx, "pg-greet", name).Get(ctx, &out)
	return out, err
}

func pgGreet(_ context.Context, name string) (string, error) { return "hello " + name, nil }

// TestPostgres runs the server on PostgreSQL with 4 history shards: a few
// workflows complete, survive a restart on the same database, and a restart
// with another shard count is refused.
func TestPostgres(t *testing.T) {
	pgURL := testPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	logger := testLogger(t)
	opts := devserver.Options{
		PostgresURL:      pgURL,
		NumHistoryShards: 4,
		UIPort:           -1,
		SearchAttributes: map[string]enums.IndexedValueType{stateAttr: enums.INDEXED_VALUE_TYPE_KEYWORD},
		Logger:           logger,
	}

	// --- first start: creates both databases and their schema ---
	begin := time.Now()
	srv, err := devserver.Start(ctx, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() })
	t.Logf("first start (new PostgreSQL databases): %v", time.Since(begin))
	assert.Equal(t, int32(4), srv.HistoryShards())
	assert.True(t, strings.HasPrefix(srv.Database(), "PostgreSQL 127.0.0.1:"), "Database() = %q", srv.Database())

	// A second server in this process may not take the same database.
	_, err = devserver.Start(ctx, devserver.Options{PostgresURL: pgURL, UIPort: -1, Logger: logger})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already used by a running dev server")

	// --- workflows on several shards run to completion ---
	c := dial(t, srv)
	w := worker.New(c, pgTaskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(pgGreetWorkflow, workflow.RegisterOptions{Name: "pg-greet-workflow"})
	w.RegisterActivityWithOptions(pgGreet, activity.RegisterOptions{Name: "pg-greet"})
	require.NoError(t, w.Start())
	ids := make([]string, 8) // workflow IDs hash to different shards
	runIDs := map[string]string{}
	for i := range ids {
		ids[i] = fmt.Sprintf("devserver-pg-%d", i)
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[i], TaskQueue: pgTaskQueue}, "pg-greet-workflow", ids[i])
		require.NoError(t, err)
		var out string
		require.NoError(t, run.Get(ctx, &out))
		assert.Equal(t, "hello "+ids[i], out)
		runIDs[ids[i]] = run.GetRunID()
	}
	eventuallyList(t, c, "WorkflowType = 'pg-greet-workflow' AND ExecutionStatus = 'Completed'", len(ids))
	w.Stop()
	c.Close()
	require.NoError(t, srv.Stop())

	// --- restart on the same database: the workflows are still there ---
	restart := opts
	restart.NumHistoryShards = 0 // the database's count
	begin = time.Now()
	srv, err = devserver.Start(ctx, restart)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() })
	t.Logf("restart on the same databases: %v", time.Since(begin))
	assert.Equal(t, int32(4), srv.HistoryShards(), "NumHistoryShards 0 takes the database's count")
	c = dial(t, srv)
	for _, id := range ids {
		desc, err := c.DescribeWorkflowExecution(ctx, id, "")
		require.NoError(t, err, "workflow %s after restart", id)
		info := desc.GetWorkflowExecutionInfo()
		assert.Equal(t, enums.WORKFLOW_EXECUTION_STATUS_COMPLETED, info.GetStatus(), id)
		assert.Equal(t, runIDs[id], info.GetExecution().GetRunId(), id)
	}
	resp, err := c.WorkflowService().CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{
		Namespace: srv.Namespace(), Query: "WorkflowType = 'pg-greet-workflow'"})
	require.NoError(t, err)
	assert.Equal(t, int64(len(ids)), resp.GetCount())
	c.Close()
	require.NoError(t, srv.Stop())

	// --- another shard count is refused, naming both numbers ---
	other := opts
	other.NumHistoryShards = 8
	_, err = devserver.Start(ctx, other)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "created with 4 history shards, not the 8 asked for")
	assert.Contains(t, err.Error(), "cannot change")
}

// TestPostgresBadURL needs no PostgreSQL: a bad URL, or one where nothing
// listens, fails without starting anything and without showing the password.
func TestPostgresBadURL(t *testing.T) {
	ctx := context.Background()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	const secret = "s3cr3t-pw"
	for _, tc := range []struct {
		name, url, want string
	}{
		{"scheme", "mysql://u:" + secret + "@localhost/db", `scheme "mysql" is not postgres`},
		{"no database", "postgres://u:" + secret + "@localhost:5432/", "no database name"},
		{"bad database name", "postgres://u:" + secret + "@localhost:5432/a-b", `database name "a-b"`},
		{"bad port", "postgres://u:" + secret + "@localhost:99999/db", `port "99999"`},
		{"unparsable", "postgres://u:" + secret + "@local host:x/db", "invalid PostgreSQL URL"},
		{"nothing listens", fmt.Sprintf("postgres://u:%s@127.0.0.1:%d/db", secret, closedPort), "connection refused"},
		{"and a file", "postgres://u:" + secret + "@localhost/db", "not both"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := devserver.Options{PostgresURL: tc.url, UIPort: -1, Logger: testLogger(t)}
			if tc.name == "and a file" {
				opts.DBFile = filepath.Join(t.TempDir(), "dev.db")
			}
			srv, err := devserver.Start(ctx, opts)
			if srv != nil {
				_ = srv.Stop()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), secret)
		})
	}
}

// testPostgres returns the URL of an empty database: in the server of
// VPCFLOW_TEST_POSTGRES (a new database, dropped after the test) or else in
// a throwaway cluster started with the PostgreSQL binaries of this machine.
// It skips the test when there are neither.
func testPostgres(t *testing.T) string {
	t.Helper()
	dbName := fmt.Sprintf("vpcflow_test_%d_%d", os.Getpid(), time.Now().UnixNano()%1_000_000)
	if env := os.Getenv("VPCFLOW_TEST_POSTGRES"); env != "" {
		u, err := url.Parse(env)
		require.NoError(t, err, "VPCFLOW_TEST_POSTGRES")
		u.Path = "/" + dbName
		t.Cleanup(func() {
			if err := devserver.DropPostgres(u.String()); err != nil {
				t.Logf("dropping the test databases: %v", err)
			}
		})
		return u.String()
	}

	bin := postgresBinDir()
	if bin == "" {
		t.Skip("PostgreSQL binaries (initdb, pg_ctl) not found in /usr/local/bin, /usr/lib/postgresql/*/bin or PATH; " +
			"set VPCFLOW_TEST_POSTGRES=postgres://user:password@host:port/db to use a running server")
	}
	dir := t.TempDir()
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		cred = unprivilegedUser(t)
		// The user must reach dir (t.TempDir's parent is private) and own it.
		require.NoError(t, os.Chmod(filepath.Dir(dir), 0o755))
		require.NoError(t, os.Chown(dir, int(cred.Uid), int(cred.Gid)))
	}
	run := func(name string, args ...string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, filepath.Join(bin, name), args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return cmd.CombinedOutput()
	}

	data := filepath.Join(dir, "data")
	if out, err := run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"); err != nil {
		t.Skipf("PostgreSQL's initdb cannot run here: %v\n%s", err, out)
	}
	port := freePort(t)
	serverOpts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", port, dir)
	if out, err := run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "postgres.log"), "-o", serverOpts, "-w", "-t", "60", "start"); err != nil {
		logTail, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
		t.Skipf("PostgreSQL cannot start here: %v\n%s\n%s", err, out, logTail)
	}
	t.Cleanup(func() {
		if out, err := run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"); err != nil {
			t.Logf("stopping the test PostgreSQL: %v\n%s", err, out)
		}
	})
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s", port, dbName)
}

// postgresBinDir is a directory holding initdb and pg_ctl, or "".
func postgresBinDir() string {
	dirs := []string{"/usr/local/bin"}
	if more, _ := filepath.Glob("/usr/lib/postgresql/*/bin"); len(more) > 0 {
		dirs = append(dirs, more...)
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "pg_ctl")) {
			return d
		}
	}
	return ""
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// unprivilegedUser is the postgres user, or nobody, to run PostgreSQL as
// when the test runs as root.
func unprivilegedUser(t *testing.T) *syscall.Credential {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 == nil && err2 == nil && uid != 0 {
			return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		}
	}
	t.Skip("running as root, and no unprivileged user (postgres, nobody) to run PostgreSQL as")
	return nil
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
