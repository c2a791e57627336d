// Package workerapp runs a vpcflow worker: it connects to Temporal, builds
// the cloud clients, registers the workflows and activities on the task
// queue, serves a health endpoint, and stops gracefully. worker/main.go only
// turns flags into a Config.
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
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudclients"
	"github.com/vpcflow/vpcflow/internal/devstack"
	"github.com/vpcflow/vpcflow/internal/redact"
	"github.com/vpcflow/vpcflow/workflows"
)

// Config of a worker.
type Config struct {
	// Dev starts the embedded Temporal server, its Web UI and cloudsim in
	// this process and works against them. Otherwise the Temporal
	// connection comes from envconfig (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
	// TEMPORAL_API_KEY, TLS, profiles) and the clouds from cloudclients.
	Dev      bool
	DevStack devstack.Options
	// Stack, when set, is an already running dev stack to work against
	// (the starter's demo runs one in-process); Dev is then implied.
	Stack *devstack.Stack

	// HealthAddr serves GET /healthz; "" serves none.
	HealthAddr string
	// MaxConcurrentActivities bounds the activities this worker runs at
	// once; 0 means the SDK's default.
	MaxConcurrentActivities int
	// StopTimeout is how long in-flight activities get to finish after
	// SIGINT/SIGTERM; waits heartbeat, so another worker takes them over.
	StopTimeout time.Duration
	Logger      *slog.Logger
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// Ready, when set, is called once the worker polls.
	Ready func(Ready)
}

// Ready tells where a running worker's neighbours are.
type Ready struct {
	Frontend string // the Temporal frontend, host:port
	UI       string // the Web UI URL; "" without the dev stack
	Health   string // the health endpoint URL; "" without one
}

// Run runs the worker until ctx is cancelled.
func Run(ctx context.Context, cfg Config) error {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	// What leaves this process is redacted (internal/redact): log lines
	// here, failures on their way into histories below.
	logger = slog.New(redact.Handler(logger.Handler()))
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}

	var (
		clientOpts client.Options
		acts       *activities.CloudActivities
		uiURL      string
		err        error
	)
	if cfg.Dev || cfg.Stack != nil {
		stack := cfg.Stack
		if stack == nil {
			if stack, err = devstack.Start(ctx, cfg.DevStack); err != nil {
				return err
			}
			defer stack.Stop()
		}
		// The dev server is in this process, over loopback: gzip of every
		// gRPC request (the SDK's default, worth it over a WAN) only costs
		// CPU, 5-8 ms per NetworkChange (docs/benchmarks.md).
		clientOpts = client.Options{HostPort: stack.Temporal.FrontendHostPort(), Namespace: stack.Temporal.Namespace(),
			ConnectionOptions: client.ConnectionOptions{GrpcCompression: &client.GrpcCompressionNone{}}}
		if acts, err = stack.Activities(); err != nil {
			return err
		}
		uiURL = stack.Temporal.UIURL()
		logger.Info("dev stack running", "temporal", clientOpts.HostPort, "ui", uiURL, "cloudsim", stack.CloudsimURL)
	} else {
		if clientOpts, err = envconfig.LoadDefaultClientOptions(); err != nil {
			return fmt.Errorf("temporal connection (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ...): %w", err)
		}
		if acts, err = cloudActivities(cloudclients.ConfigFromEnv(getenv)); err != nil {
			return err
		}
	}
	clientOpts.Logger = sdklog.NewStructuredLogger(logger)
	clientOpts.FailureConverter = redact.FailureConverter(temporal.GetDefaultFailureConverter())
	if clientOpts.DataConverter == nil {
		clientOpts.DataConverter = converter.GetDefaultDataConverter()
	}
	clientOpts.DataConverter = contract.StrictInputs(clientOpts.DataConverter)

	c, err := client.DialContext(ctx, clientOpts)
	if err != nil {
		return fmt.Errorf("temporal at %s: %w", clientOpts.HostPort, err)
	}
	defer c.Close()

	w := worker.New(c, contract.TaskQueue, worker.Options{
		MaxConcurrentActivityExecutionSize: cfg.MaxConcurrentActivities,
		WorkerStopTimeout:                  cfg.StopTimeout,
	})
	if err := workflows.Register(w, acts); err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	defer w.Stop()
	logger.Info("worker polling", "taskQueue", contract.TaskQueue, "namespace", clientOpts.Namespace, "temporal", clientOpts.HostPort)

	ready := Ready{Frontend: clientOpts.HostPort, UI: uiURL}
	if cfg.HealthAddr != "" {
		url, stopHealth, err := serveHealth(cfg.HealthAddr, c, logger)
		if err != nil {
			return err
		}
		defer stopHealth()
		ready.Health = url
	}
	if cfg.Ready != nil {
		cfg.Ready(ready)
	}
	<-ctx.Done()
	logger.Info("stopping worker", "stopTimeout", cfg.StopTimeout)
	return nil
}

// cloudActivities builds the activities for the real clouds. A cloud whose
// credentials are missing is left out with a warning-free error only when it
// is used: a worker that serves only Alibaba workflows needs no Huawei keys.
func cloudActivities(cfg cloudclients.Config) (*activities.CloudActivities, error) {
	acts := &activities.CloudActivities{}
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

// serveHealth answers GET /healthz with 200 while Temporal answers its
// health check, 503 otherwise.
func serveHealth(addr string, c client.Client, logger *slog.Logger) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("health endpoint %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		status := map[string]string{"status": "ok", "taskQueue": contract.TaskQueue}
		code := http.StatusOK
		if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			// Whoever can reach the endpoint learns that Temporal is
			// unreachable, not why: the error names addresses and may
			// quote what the connection carried. The log has it.
			status["status"], status["temporal"] = "unavailable", "unreachable"
			code = http.StatusServiceUnavailable
			logger.Warn("health check: Temporal unreachable", "error", err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(status)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("health endpoint stopped", "error", err)
		}
	}()
	url = "http://" + ln.Addr().String() + "/healthz"
	logger.Info("health endpoint", "url", url)
	return url, func() { _ = srv.Close() }, nil
}
