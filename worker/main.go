// Command worker runs vpcflow's workflows and activities on the "vpcflow"
// task queue. Run as many as you like, on any machines: Temporal spreads the
// work among them.
//
//	go run ./worker --dev      # embedded Temporal + Web UI + cloudsim, nothing to install
//	go run ./worker            # TEMPORAL_ADDRESS, ALIBABA_CLOUD_*, HUAWEICLOUD_SDK_* from the environment
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

	"github.com/vpcflow/vpcflow/internal/devstack"
	"github.com/vpcflow/vpcflow/internal/workerapp"
)

func main() {
	var cfg workerapp.Config
	var dev devstack.Options
	var logLevel slog.Level
	flag.BoolVar(&cfg.Dev, "dev", false, "start the embedded Temporal server, its Web UI and cloudsim, and work against them")
	flag.StringVar(&dev.Dir, "dev-dir", ".vpcflow", "with --dev: directory of the Temporal server's SQLite file")
	flag.IntVar(&dev.FrontendPort, "dev-port", 7233, "with --dev: Temporal frontend port")
	flag.IntVar(&dev.UIPort, "dev-ui-port", 8233, "with --dev: Web UI port (-1: no UI)")
	flag.StringVar(&dev.CloudsimAddr, "dev-cloudsim", "127.0.0.1:8380", "with --dev: cloudsim listen address")
	flag.Float64Var(&dev.CloudsimSpeed, "dev-cloudsim-speed", 1, "with --dev: how much faster than the wall clock cloudsim's transitions run")
	flag.StringVar(&cfg.HealthAddr, "health", "127.0.0.1:8234", "address of the GET /healthz endpoint (empty: none)")
	flag.IntVar(&cfg.MaxConcurrentActivities, "max-activities", 0, "activities run at once (0: the SDK's default)")
	flag.DurationVar(&cfg.StopTimeout, "stop-timeout", 30*time.Second, "on SIGINT/SIGTERM, how long in-flight activities get to finish")
	flag.TextVar(&logLevel, "log-level", slog.LevelInfo, "debug, info, warn or error")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "worker: unexpected arguments %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}

	cfg.DevStack = dev
	cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel}))
	cfg.Ready = func(r workerapp.Ready) {
		if r.UI != "" {
			fmt.Fprintf(os.Stderr, "vpcflow worker ready: Temporal at %s, Web UI at %s\n", r.Frontend, r.UI)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := workerapp.Run(ctx, cfg); err != nil {
		cfg.Logger.Error("worker failed", "error", err)
		os.Exit(1)
	}
}
