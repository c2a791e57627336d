// Command worker runs vpcflow's workflows and activities on the "vpcflow"
// task queue. Run as many as you like, on any machines: Temporal spreads the
// work among them. Temporal and the clouds come from the environment
// (TEMPORAL_ADDRESS, ALIBABA_CLOUD_*, HUAWEICLOUD_SDK_*; README.md); traces
// go where OpenTelemetry's OTEL_* variables say (docs/operations.md).
//
//	go run ./worker
//
// It links no Temporal server, Web UI or cloudsim: for those, on one
// machine with nothing installed, run `go run ./starter dev`, which runs
// this same worker wiring (internal/workerapp) beside them.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/internal/buildinfo"
	"github.com/vpcflow/vpcflow/internal/redact"
	"github.com/vpcflow/vpcflow/internal/workerapp"
)

func main() {
	var cfg workerapp.Config
	var logLevel slog.Level
	flag.StringVar(&cfg.HealthAddr, "health", "127.0.0.1:8234", "address of the health endpoints: GET /livez (the worker runs), GET /readyz and /healthz (it runs and Temporal answers) (empty: none)")
	flag.StringVar(&cfg.MetricsAddr, "metrics", "127.0.0.1:9464", "address of the GET /metrics endpoint, Prometheus text (empty: none)")
	flag.IntVar(&cfg.MaxConcurrentActivities, "max-activities", 11000, "activities run at once: a wait holds one for as long as it waits (docs/operations.md, \"Sizing a worker\")")
	flag.IntVar(&cfg.StickyCacheSize, "sticky-cache", workerapp.DefaultStickyCacheSize, "workflows kept in memory between their tasks: the running ones; a waiting change evicted from it replays its history when its wait ends (docs/operations.md, \"Sizing a worker\")")
	flag.DurationVar(&cfg.StopTimeout, "stop-timeout", 30*time.Second, "on SIGINT/SIGTERM, how long in-flight activities get to finish")
	flag.TextVar(&logLevel, "log-level", slog.LevelInfo, "debug, info, warn or error")
	quotas := flag.String("call-quotas", "", "the account's API quotas, calls per minute: Operation=N,... changes the defaults it names; with *=N it replaces them all (docs/operations.md)")
	flag.Float64Var(&cfg.Quota.Share, "quota-share", activities.DefaultQuotaShare, "the part of each API quota vpcflow's workers take together")
	flag.IntVar(&cfg.Quota.Workers, "workers", 1, "how many workers share the quotas (each takes its part of the share)")
	flag.Float64Var(&cfg.Quota.TaskQueueActivitiesPerSecond, "task-queue-activities-per-second", 10,
		"activities started per second on the task queue by all its workers, enforced by the Temporal server (0: no limit)")
	policy := flag.String("approval-policy", os.Getenv("VPCFLOW_APPROVAL_POLICY"),
		"the approval policy file: who approves which changes, allowed signers, webhooks (docs/approvals.md; default $VPCFLOW_APPROVAL_POLICY; empty: none)")
	// The Temporal Worker Controller runs each build with these two
	// variables set (deploy/kubernetes/worker-deployment-versioned.yaml).
	flag.StringVar(&cfg.Versioning.DeploymentName, "deployment-name", os.Getenv("TEMPORAL_DEPLOYMENT_NAME"),
		"the Temporal Worker Deployment this worker is a version of, e.g. vpcflow (default $TEMPORAL_DEPLOYMENT_NAME; empty: unversioned; docs/operations.md, \"Rolling out new workflow code\")")
	flag.StringVar(&cfg.Versioning.BuildID, "build-id", defaultBuildID(),
		"this build's ID in the deployment: $TEMPORAL_WORKER_BUILD_ID, else the binary's (its -ldflags stamp, else its git commit)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "worker: unexpected arguments %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	var err error
	if cfg.Quota.PerMinute, err = workerapp.ParseQuotas(*quotas); err != nil {
		fmt.Fprintf(os.Stderr, "worker: -call-quotas: %v\n", err)
		os.Exit(2)
	}

	if _, err := cfg.Versioning.DeploymentOptions(); err != nil {
		fmt.Fprintf(os.Stderr, "worker: -deployment-name, -build-id: %v\n", err)
		os.Exit(2)
	}

	if cfg.Approvals, err = workerapp.LoadApprovals(*policy); err != nil {
		fmt.Fprintf(os.Stderr, "worker: -approval-policy: %v\n", redact.Secrets(err.Error()))
		os.Exit(2)
	}

	// Redacted here too: the error Run returns may quote a credentials
	// file or a signed URL.
	cfg.Logger = slog.New(redact.Handler(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel})))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := workerapp.Run(ctx, cfg); err != nil {
		cfg.Logger.Error("worker failed", "error", err)
		os.Exit(1)
	}
}

// defaultBuildID is the build ID the Temporal Worker Controller gives this
// pod, else the one stamped into the binary (internal/buildinfo).
func defaultBuildID() string {
	if id := os.Getenv("TEMPORAL_WORKER_BUILD_ID"); id != "" {
		return id
	}
	return buildinfo.BuildID()
}
