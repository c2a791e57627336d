package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"google.golang.org/grpc"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/devserver"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/workerapp"
)

// stack is the embedded Temporal server the whole run shares.
type stack struct {
	temporal *devserver.Server
	dbDesc   string // "in memory", the SQLite file or the PostgreSQL database
	logger   *slog.Logger
	dropDB   func() // after the server stops; nil: nothing to drop
}

// postgresURL is -postgres: the servers run on that PostgreSQL server
// rather than SQLite (db and dir are then unused), each in a new database
// named after the URL's, dropped when it stops, as each gets a new SQLite
// file: a throughput batch starts on an empty database, and the servers a
// run has at once (the shared one and a batch's) may not share one.
var postgresURL string

var postgresStacks atomic.Int64 // databases made so far

// setPostgres sets postgresURL from -postgres and puts the URL without its
// password in os.Args, which the report quotes as its command.
func setPostgres(v string) error {
	postgresURL = v
	redacted := devserver.RedactPostgresURL(v)
	for i, a := range os.Args {
		os.Args[i] = strings.ReplaceAll(a, v, redacted)
	}
	return nil
}

// postgresRedacted is postgresURL without its password, for config.Postgres
// (the report).
func postgresRedacted() string {
	if postgresURL == "" {
		return ""
	}
	return devserver.RedactPostgresURL(postgresURL)
}

func startStack(ctx context.Context, db, dir string, dc map[string]any, logger *slog.Logger) (*stack, error) {
	opts := devserver.Options{UIPort: -1, SearchAttributes: contract.SearchAttributeTypes(), Logger: logger, DynamicConfig: dc}
	if postgresURL != "" {
		return startPostgresStack(ctx, opts, logger)
	}
	desc := "in memory (SQLite shared-cache :memory:)"
	if db == "file" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		opts.DBFile = filepath.Join(dir, "temporal.db")
		desc = "SQLite file " + opts.DBFile + " (WAL, synchronous=normal)"
	}
	srv, err := devserver.Start(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &stack{temporal: srv, dbDesc: desc, logger: logger}, nil
}

// startPostgresStack starts a server on a new database of postgresURL's
// server, with the default number of history shards (4).
func startPostgresStack(ctx context.Context, opts devserver.Options, logger *slog.Logger) (*stack, error) {
	u, err := url.Parse(postgresURL)
	if err != nil {
		return nil, fmt.Errorf("-postgres: not a URL: %s", devserver.RedactPostgresURL(postgresURL))
	}
	base := strings.TrimPrefix(u.Path, "/")
	if base == "" {
		base = "bench"
	}
	u.Path = fmt.Sprintf("/%s_b%d_%d", base, os.Getpid(), postgresStacks.Add(1))
	opts.PostgresURL = u.String()
	drop := func() {
		if err := devserver.DropPostgres(opts.PostgresURL); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
	}
	srv, err := devserver.Start(ctx, opts)
	if err != nil {
		if !strings.Contains(err.Error(), "invalid PostgreSQL URL") {
			drop()
		}
		return nil, err
	}
	desc := fmt.Sprintf("%s (%d history shards), a new database per server", srv.Database(), srv.HistoryShards())
	return &stack{temporal: srv, dbDesc: desc, logger: logger, dropDB: drop}, nil
}

func (s *stack) stop() {
	_ = s.temporal.Stop()
	if s.dropDB != nil {
		s.dropDB()
	}
}

// rpcCounter counts the gRPC calls a client makes, by method name; the
// heartbeats that reach the server (billable) are RecordActivityTaskHeartbeat.
type rpcCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func newRPCCounter() *rpcCounter { return &rpcCounter{counts: map[string]int{}} }

func (c *rpcCounter) interceptor(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
	invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	name := method[strings.LastIndex(method, "/")+1:]
	c.mu.Lock()
	c.counts[name]++
	c.mu.Unlock()
	return invoker(ctx, method, req, reply, cc, opts...)
}

func (c *rpcCounter) get(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[name]
}

// dial connects a client whose RPCs are counted by counter (nil: none). The
// SDK gzips every request by default; noCompression turns that off.
func (s *stack) dial(ctx context.Context, counter *rpcCounter, noCompression bool) (client.Client, error) {
	return client.DialContext(ctx, s.clientOptions(counter, noCompression))
}

func (s *stack) clientOptions(counter *rpcCounter, noCompression bool) client.Options {
	opts := client.Options{
		HostPort:  s.temporal.FrontendHostPort(),
		Namespace: s.temporal.Namespace(),
		Logger:    sdklog.NewStructuredLogger(s.logger),
	}
	if noCompression {
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	if counter != nil {
		opts.ConnectionOptions.DialOptions = []grpc.DialOption{grpc.WithChainUnaryInterceptor(counter.interceptor)}
	}
	return opts
}

// tuning is the worker options a run varies; the zero value is the SDK's
// defaults, which is what internal/workerapp runs with.
type tuning struct {
	WorkflowPollers   int  `json:"workflowPollers,omitempty"`
	ActivityPollers   int  `json:"activityPollers,omitempty"`
	WorkflowTaskSlots int  `json:"workflowTaskSlots,omitempty"`
	ActivitySlots     int  `json:"activitySlots,omitempty"`
	DisableEager      bool `json:"disableEager,omitempty"`
	NoCompression     bool `json:"noCompression,omitempty"`
}

func (t tuning) options() worker.Options {
	return worker.Options{
		MaxConcurrentWorkflowTaskPollers:       t.WorkflowPollers,
		MaxConcurrentActivityTaskPollers:       t.ActivityPollers,
		MaxConcurrentWorkflowTaskExecutionSize: t.WorkflowTaskSlots,
		MaxConcurrentActivityExecutionSize:     t.ActivitySlots,
		DisableEagerActivities:                 t.DisableEager,
	}
}

func (t tuning) String() string {
	var parts []string
	if t.WorkflowPollers > 0 {
		parts = append(parts, fmt.Sprintf("workflow pollers %d", t.WorkflowPollers))
	}
	if t.ActivityPollers > 0 {
		parts = append(parts, fmt.Sprintf("activity pollers %d", t.ActivityPollers))
	}
	if t.WorkflowTaskSlots > 0 {
		parts = append(parts, fmt.Sprintf("workflow task slots %d", t.WorkflowTaskSlots))
	}
	if t.ActivitySlots > 0 {
		parts = append(parts, fmt.Sprintf("activity slots %d", t.ActivitySlots))
	}
	if t.DisableEager {
		parts = append(parts, "eager activities off")
	}
	if t.NoCompression {
		parts = append(parts, "gRPC compression off")
	}
	if len(parts) == 0 {
		return "SDK defaults (2 workflow + 2 activity pollers, 1000 slots each, eager activities on)"
	}
	return strings.Join(parts, ", ")
}

// benchWorker is an in-process worker on its own task queue, with its own
// client (so its RPCs are counted apart from the load generator's).
type benchWorker struct {
	queue  string
	client client.Client
	rpcs   *rpcCounter
	acts   *activities.CloudActivities
	w      worker.Worker
	once   sync.Once // stop stops it once
}

// startWorker runs vpcflow's worker as internal/workerapp wires it (its
// client's redaction and strict inputs, the workflows and activities acts)
// with the bench's no-op chain beside it, on queue.
func (s *stack) startWorker(ctx context.Context, queue string, acts *activities.CloudActivities, t tuning) (*benchWorker, error) {
	rpcs := newRPCCounter()
	c, err := client.DialContext(ctx, workerapp.ClientOptions(s.clientOptions(rpcs, t.NoCompression), s.logger))
	if err != nil {
		return nil, err
	}
	w, err := workerapp.NewWorker(c, queue, acts, nil, t.options())
	if err != nil {
		c.Close()
		return nil, err
	}
	registerChain(w)
	if err := w.Start(); err != nil {
		c.Close()
		return nil, fmt.Errorf("worker on %s: %w", queue, err)
	}
	return &benchWorker{queue: queue, client: c, rpcs: rpcs, acts: acts, w: w}, nil
}

func (b *benchWorker) stop() {
	b.once.Do(func() {
		b.w.Stop()
		b.client.Close()
	})
}

// sim is one cloudsim instance served over HTTP on a free loopback port,
// behind a small front that records when each ConnectRouterInterface was
// processed and can hold its response back (connectDelay), so that the wait
// that follows starts a chosen time after the cloud's transition began.
type sim struct {
	srv  *cloudsim.Server
	url  string
	http *http.Server

	connectDelay func(routerInterfaceID string) time.Duration // nil: none
	mu           sync.Mutex
	connected    map[string]time.Time // RouterInterfaceId -> just before cloudsim processed the connect
	requests     atomic.Int64
}

func startSim(fixture *cloudsim.Fixture, clock cloudsim.Clock) (*sim, error) {
	srv, err := cloudsim.New(cloudsim.Options{Fixture: fixture, Clock: clock, Seed: 1})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sim{srv: srv, url: "http://" + ln.Addr().String(), connected: map[string]time.Time{}}
	s.http = cloudsim.NewHTTPServer(ln.Addr().String(), s)
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "bench: cloudsim:", err)
		}
	}()
	return s, nil
}

func (s *sim) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.http.Shutdown(ctx)
}

// ServeHTTP passes every request to cloudsim; a ConnectRouterInterface is
// timed, and its answer held back by connectDelay.
func (s *sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	action, id := alibabaActionOf(r)
	if action != "ConnectRouterInterface" {
		s.srv.ServeHTTP(w, r)
		return
	}
	rec := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
	t0 := time.Now()
	s.srv.ServeHTTP(rec, r)
	if rec.status == http.StatusOK {
		s.mu.Lock()
		if _, seen := s.connected[id]; !seen {
			s.connected[id] = t0
		}
		s.mu.Unlock()
	}
	if s.connectDelay != nil {
		time.Sleep(s.connectDelay(id))
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

func (s *sim) connectedAt(id string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.connected[id]
	return t, ok
}

// alibabaActionOf reads Action and RouterInterfaceId from the query and the
// form body, leaving the body readable for cloudsim.
func alibabaActionOf(r *http.Request) (action, routerInterfaceID string) {
	q := r.URL.Query()
	action, routerInterfaceID = q.Get("Action"), q.Get("RouterInterfaceId")
	if action != "" && action != "ConnectRouterInterface" {
		return action, ""
	}
	if r.Body != nil && r.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		_ = r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err == nil {
			if form, err := url.ParseQuery(string(body)); err == nil {
				if action == "" {
					action = form.Get("Action")
				}
				if routerInterfaceID == "" {
					routerInterfaceID = form.Get("RouterInterfaceId")
				}
			}
		}
	}
	return action, routerInterfaceID
}

type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) WriteHeader(status int)      { b.status = status }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }

// simActivities builds vpcflow's activities against a cloudsim, paced by poll.
func simActivities(s *sim, poll activities.PollSchedule) (*activities.CloudActivities, error) {
	acts, err := simclients.Activities(s.url)
	if err != nil {
		return nil, err
	}
	acts.Poll = poll
	return acts, nil
}
