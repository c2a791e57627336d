// Package workerapp is the one wiring of a vpcflow worker: it connects to
// Temporal, builds the cloud clients, registers the workflows and
// activities on the task queue, serves its health endpoints (liveness and
// readiness), and stops gracefully. The production worker (worker/main.go)
// only turns flags into a Config; the dev stack (internal/devstack,
// `starter dev` and `starter demo`), the tests and the bench run the same
// wiring with their own Temporal and clouds. It links no Temporal server,
// Web UI or cloudsim.
package workerapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudclients"
	"github.com/vpcflow/vpcflow/internal/redact"
	"github.com/vpcflow/vpcflow/internal/telemetry"
	"github.com/vpcflow/vpcflow/workflows"
)

// DefaultStickyCacheSize is the worker binary's sticky cache: room for the
// changes that are running, not for those that wait. A waiting change in
// the cache holds its workflow's goroutines and state; evicted, it holds
// only its wait, and replays its short history once when the wait ends.
// Measured (docs/benchmarks.md, "Sizing the sticky cache"): 1,000 waiting
// took 203 MiB with every change cached and 139 MiB with 100 cached, and
// 5,000 waiting with 1,000 cached took 491 MiB.
const DefaultStickyCacheSize = 1000

// Config of a worker.
type Config struct {
	// Temporal says how to reach Temporal; nil reads envconfig
	// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS,
	// profiles). Its logger, failure converter and data converter are
	// completed by ClientOptions either way.
	Temporal *client.Options
	// Activities are the activities with their cloud clients; nil builds
	// them for the real clouds from the credential chains
	// (internal/cloudclients, read through Getenv).
	Activities *activities.CloudActivities

	// HealthAddr serves GET /livez (the worker runs), GET /readyz (it runs
	// and Temporal answers) and GET /healthz (readiness, kept for the
	// probes written before /readyz); "" serves none.
	HealthAddr string
	// MetricsAddr serves GET /metrics (Prometheus text: the SDK's metrics
	// and vpcflow's, docs/operations.md); "" serves none.
	MetricsAddr string
	// OpenChangesInterval paces the count of open changes by stage for the
	// metrics (telemetry.CountOpenChanges); 0 means a minute.
	OpenChangesInterval time.Duration
	// Tracer receives the spans of the workflows, activities and cloud
	// requests this worker runs; nil exports them where OpenTelemetry's
	// OTEL_* variables say (internal/telemetry), and nowhere without them.
	Tracer trace.TracerProvider
	// Quota says how the worker's cloud calls share the account's API
	// quota with its other workers and the account's other tools.
	Quota Quota
	// MaxConcurrentActivities bounds the activities this worker runs at
	// once; 0 means the SDK's default (1,000). A wait holds a slot for as
	// long as it waits: the worker binary's default is sized for 10,000
	// (docs/operations.md, "Sizing a worker").
	MaxConcurrentActivities int
	// StickyCacheSize is how many workflows the worker keeps in memory
	// between their tasks (worker.SetStickyWorkflowCacheSize, one cache per
	// process); 0 keeps the SDK's default (10,000). The worker binary's
	// default is DefaultStickyCacheSize.
	StickyCacheSize int
	// Versioning makes the worker a version of a Temporal Worker
	// Deployment (versioning.go); the zero value runs it unversioned.
	Versioning Versioning
	// Approvals is the approval policy and the notifier of the worker's
	// changes (LoadApprovals reads them from the policy file); nil: no
	// policy (a change asks approval when its input does, decisions
	// unsigned) and no webhooks.
	Approvals *activities.Approvals
	// StopTimeout is how long in-flight activities get to finish after
	// SIGINT/SIGTERM; waits heartbeat, so another worker takes them over.
	StopTimeout time.Duration
	Logger      *slog.Logger
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// Ready, when set, is called once the worker polls.
	Ready func(Ready)

	// hooks let a test see inside Run; nil outside tests.
	hooks *runHooks
}

// runHooks are the points where a test sees inside Run. The SDK reports a
// refused poll (NamespaceNotFound, InvalidArgument) as fatal only after two
// minutes of refusals, so a test stops the worker as the SDK does, through
// the OnFatalError it takes from the worker's options.
type runHooks struct {
	// workerOptions is given the options the SDK worker is made with.
	workerOptions func(worker.Options)
	// workerFailed is called once the worker has failed, before Run stops
	// it and its endpoints: the health endpoints still answer.
	workerFailed func()
}

// Ready tells where a running worker's neighbours are.
type Ready struct {
	Frontend string // the Temporal frontend, host:port
	Health   string // the readiness endpoint URL (/readyz); "" without one
	Live     string // the liveness endpoint URL (/livez); "" without one
	Metrics  string // the metrics endpoint URL; "" without one
}

// Run runs the worker until ctx is cancelled, or until the SDK worker stops
// on a fatal error (the namespace gone, the worker refused): then it
// returns that error, so that the process exits and is restarted, and
// /livez says why until the worker has stopped.
func Run(ctx context.Context, cfg Config) error {
	logger := redactedLogger(cfg.Logger)
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	deployment, err := cfg.Versioning.DeploymentOptions()
	if err != nil {
		return err
	}

	var clientOpts client.Options
	if cfg.Temporal != nil {
		clientOpts = *cfg.Temporal
	} else {
		var err error
		if clientOpts, err = envconfig.LoadDefaultClientOptions(); err != nil {
			return fmt.Errorf("temporal connection (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ...): %w", err)
		}
	}
	acts := cfg.Activities
	if acts == nil {
		var err error
		if acts, err = cloudActivities(cloudclients.ConfigFromEnv(getenv)); err != nil {
			return err
		}
		if acts.Calls, err = cfg.Quota.callLimits(); err != nil {
			return err
		}
	}

	tel, err := telemetry.Setup(ctx, telemetry.Options{Service: "vpcflow-worker", Metrics: cfg.MetricsAddr != "", Tracer: cfg.Tracer})
	if err != nil {
		return err
	}
	defer func() {
		// Spans still buffered are sent before the worker exits.
		flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tel.Shutdown(flushCtx); err != nil {
			logger.Warn("telemetry not flushed", "error", err)
		}
	}()

	c, err := client.DialContext(ctx, ClientOptions(tel.Apply(clientOpts), cfg.Logger))
	if err != nil {
		return fmt.Errorf("temporal at %s: %w", clientOpts.HostPort, err)
	}
	defer c.Close()

	if cfg.StickyCacheSize > 0 {
		worker.SetStickyWorkflowCacheSize(cfg.StickyCacheSize)
	}
	status := newWorkerStatus(c, logger)
	workerOpts := worker.Options{
		MaxConcurrentActivityExecutionSize: cfg.MaxConcurrentActivities,
		WorkerStopTimeout:                  cfg.StopTimeout,
		TaskQueueActivitiesPerSecond:       cfg.Quota.TaskQueueActivitiesPerSecond,
		DeploymentOptions:                  deployment,
		// The server tells the worker how many polls its queue needs: a
		// burst of starts gets pollers, a quiet queue few.
		WorkflowTaskPollerBehavior: worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{}),
		ActivityTaskPollerBehavior: worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{}),
		// A poll the server refuses for good (the namespace gone, the
		// client refused) stops the SDK worker, which then polls no more
		// while the process would run on: /livez turns 503 and Run
		// returns the error.
		OnFatalError: status.workerFailed,
	}
	if cfg.hooks != nil && cfg.hooks.workerOptions != nil {
		cfg.hooks.workerOptions(workerOpts)
	}
	w, err := NewWorker(c, contract.TaskQueue, acts, cfg.Approvals, workerOpts)
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	defer w.Stop()
	logger.Info("worker polling", "taskQueue", contract.TaskQueue, "namespace", clientOpts.Namespace, "temporal", clientOpts.HostPort, "version", cfg.Versioning)
	// What the workers before this one learned of the waits' pace is in
	// the histories of recent changes: recalled while the worker polls.
	go func() {
		started := time.Now()
		n, err := activities.RecallRecentWaits(ctx, acts, c, contract.TaskQueue)
		if err != nil {
			logger.Warn("waits' pace not recalled: this worker learns it from its own waits", "error", err)
			return
		}
		logger.Info("waits' pace recalled from recent changes", "waits", n, "ms", time.Since(started).Milliseconds())
	}()

	ready := Ready{Frontend: clientOpts.HostPort}
	if cfg.HealthAddr != "" {
		base, stopHealth, err := serveHealth(cfg.HealthAddr, status, logger)
		if err != nil {
			return err
		}
		defer stopHealth()
		ready.Health, ready.Live = base+"/readyz", base+"/livez"
	}
	if cfg.MetricsAddr != "" {
		url, stopMetrics, err := tel.Serve(cfg.MetricsAddr, logger)
		if err != nil {
			return err
		}
		defer stopMetrics()
		ready.Metrics = url
		interval := cfg.OpenChangesInterval
		if interval <= 0 {
			interval = time.Minute
		}
		countCtx, stopCounting := context.WithCancel(ctx)
		defer stopCounting()
		go telemetry.CountOpenChanges(countCtx, c, tel.MetricsHandler, interval, logger)
	}
	if cfg.Ready != nil {
		cfg.Ready(ready)
	}
	select {
	case <-ctx.Done():
		logger.Info("stopping worker", "stopTimeout", cfg.StopTimeout)
		return nil
	case <-status.failed:
		err := status.fatalError()
		logger.Error("the Temporal worker stopped on a fatal error: exiting", "error", err)
		if cfg.hooks != nil && cfg.hooks.workerFailed != nil {
			cfg.hooks.workerFailed()
		}
		// Stopped here, while /livez still answers why; the SDK stops it
		// too, and both wait for the same cleanup.
		w.Stop()
		return fmt.Errorf("temporal worker stopped (namespace %q, task queue %s): %w", clientOpts.Namespace, contract.TaskQueue, err)
	}
}

// ClientOptions completes opts as the client of every vpcflow worker needs
// them: its log lines and the failures it sends into histories redacted
// (internal/redact), and the workflows' inputs decoded strictly
// (contract.StrictInputs) over opts' data converter or the default one.
func ClientOptions(opts client.Options, logger *slog.Logger) client.Options {
	opts.Logger = sdklog.NewStructuredLogger(redactedLogger(logger))
	opts.FailureConverter = redact.FailureConverter(temporal.GetDefaultFailureConverter())
	if opts.DataConverter == nil {
		opts.DataConverter = converter.GetDefaultDataConverter()
	}
	opts.DataConverter = contract.StrictInputs(opts.DataConverter)
	return opts
}

// NewWorker makes a worker of c on taskQueue with vpcflow's workflows and
// acts registered; it is not started.
//
// Every workflow's outcome and every activity retry is recorded
// (telemetry.Outcomes) through c's metrics handler.
//
// approvals holds the approval policy and the notifier; nil: no policy (a
// change asks approval when its input does) and no webhooks. Its Temporal
// client and task queue are c and taskQueue.
func NewWorker(c client.Client, taskQueue string, acts *activities.CloudActivities, approvals *activities.Approvals, opts worker.Options) (worker.Worker, error) {
	opts.Interceptors = append(append([]interceptor.WorkerInterceptor(nil), opts.Interceptors...), telemetry.Outcomes(activities.MetricLabel))
	if opts.MaxHeartbeatThrottleInterval == 0 {
		// The SDK sends an activity's heartbeats 80 % of its heartbeat
		// timeout apart, but no more than a minute apart unless told: a
		// long wait's 3-minute timeout (workflows.MaxWaitHeartbeat) would
		// still heartbeat every minute.
		opts.MaxHeartbeatThrottleInterval = workflows.MaxWaitHeartbeat * 4 / 5
	}
	w := worker.New(c, taskQueue, opts)
	if approvals == nil {
		approvals = &activities.Approvals{}
	}
	approvals.Temporal, approvals.TaskQueue = c, taskQueue
	if err := workflows.Register(w, acts, &activities.ChangeRecords{Temporal: c}, approvals); err != nil {
		return nil, err
	}
	return w, nil
}

// redactedLogger is logger (nil: slog's default) with every line redacted
// on its way out of the process.
func redactedLogger(logger *slog.Logger) *slog.Logger {
	if logger == nil {
		logger = slog.Default()
	}
	return slog.New(redact.Handler(logger.Handler()))
}

// cloudActivities builds the activities for the real clouds. A cloud whose
// credentials are missing is left out with a warning-free error only when it
// is used: a worker that serves only Alibaba workflows needs no Huawei keys.
func cloudActivities(cfg cloudclients.Config) (*activities.CloudActivities, error) {
	acts := &activities.CloudActivities{ReadWindow: activities.DefaultReadWindow}
	aliCred, err := cloudclients.AlibabaCredentials()
	if err != nil {
		return nil, fmt.Errorf("alibaba cloud credentials: %w", err)
	}
	if acts.VPC, err = cloudclients.NewVPCClient(cfg, aliCred); err != nil {
		return nil, err
	}
	hwCred, hwErr := cloudclients.HuaweiCredentials()
	if hwErr == nil {
		acts.APIG, hwErr = cloudclients.NewAPIGClient(cfg, hwCred)
	}
	if hwErr != nil {
		acts.APIGUnavailable = hwErr
		return acts, nil
	}
	if scopes, err := cloudclients.NewAPIGScopes(cfg, hwCred); err == nil {
		acts.APIGFor = func(s activities.APIGScope) (activities.APIGAPI, error) { return scopes.For(s.Region, s.ProjectId) }
	}
	return acts, nil
}

// workerStatus is what the health endpoints report: whether the SDK worker
// runs (it has not stopped on a fatal error) and whether Temporal answers.
type workerStatus struct {
	temporal client.Client
	logger   *slog.Logger
	// failed is closed when the SDK worker stops on a fatal error.
	failed chan struct{}

	mu    sync.Mutex
	fatal error // the first fatal error; nil while the worker runs
}

func newWorkerStatus(temporal client.Client, logger *slog.Logger) *workerStatus {
	return &workerStatus{temporal: temporal, logger: logger, failed: make(chan struct{})}
}

// workerFailed is the SDK worker's OnFatalError: the SDK calls it once, on
// a goroutine of its own, then stops the worker.
func (s *workerStatus) workerFailed(err error) {
	if err == nil {
		err = errors.New("the SDK reported a fatal error without one")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fatal != nil {
		return
	}
	s.fatal = err
	close(s.failed)
}

func (s *workerStatus) fatalError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fatal
}

// maxErrorInBody bounds the fatal error quoted by /livez: the probe's
// reader (kubelet, a person with curl) needs its start.
const maxErrorInBody = 512

// live reports the liveness check: the worker runs, or the fatal error
// that stopped it (redacted, cut to maxErrorInBody bytes).
func (s *workerStatus) live(body map[string]string) bool {
	err := s.fatalError()
	if err == nil {
		body["worker"] = "running"
		return true
	}
	text := redact.Secrets(err.Error())
	if len(text) > maxErrorInBody {
		text = strings.ToValidUTF8(text[:maxErrorInBody], "") + "..."
	}
	body["worker"], body["error"] = "stopped", text
	return false
}

// ready reports the readiness checks: live, and Temporal answers its
// health check.
func (s *workerStatus) ready(ctx context.Context, body map[string]string) bool {
	live := s.live(body)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		// Whoever can reach the endpoint learns that Temporal is
		// unreachable, not why: the error names addresses and may quote
		// what the connection carried. The log has it.
		body["temporal"] = "unreachable"
		s.logger.Warn("health check: Temporal unreachable", "error", err)
		return false
	}
	body["temporal"] = "reachable"
	return live
}

// serveHealth serves the worker's health on addr and returns its base URL:
//
//   - GET /livez: 200 while the SDK worker runs, whether Temporal answers
//     or not (an orchestrator restarts a worker that fails it: restarting
//     every worker because Temporal is down helps nothing); 503 once it
//     has stopped on a fatal error, quoting the error redacted;
//   - GET /readyz: 200 while the worker runs and Temporal answers its
//     health check, 503 otherwise;
//   - GET /healthz: /readyz, under the name probes used before.
//
// Each answers a JSON object of flat strings: "status" (ok or
// unavailable), "taskQueue", and each check by name with its state
// ("worker": running or stopped, with "error"; "temporal": reachable or
// unreachable).
func serveHealth(addr string, status *workerStatus, logger *slog.Logger) (baseURL string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("health endpoint %s: %w", addr, err)
	}
	answer := func(w http.ResponseWriter, ok bool, body map[string]string) {
		body["taskQueue"], body["status"] = contract.TaskQueue, "ok"
		code := http.StatusOK
		if !ok {
			body["status"], code = "unavailable", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, r *http.Request) {
		body := map[string]string{}
		answer(w, status.live(body), body)
	})
	readiness := func(w http.ResponseWriter, r *http.Request) {
		body := map[string]string{}
		answer(w, status.ready(r.Context(), body), body)
	}
	mux.HandleFunc("GET /readyz", readiness)
	mux.HandleFunc("GET /healthz", readiness)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("health endpoint stopped", "error", err)
		}
	}()
	baseURL = "http://" + ln.Addr().String()
	logger.Info("health endpoints", "livez", baseURL+"/livez", "readyz", baseURL+"/readyz")
	return baseURL, func() { _ = srv.Close() }, nil
}
