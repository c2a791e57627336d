package startercli

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/devstack"
	"github.com/vpcflow/vpcflow/internal/workerapp"
)

// devCommand runs the dev stack (the embedded Temporal server, its Web UI,
// cloudsim) and vpcflow's worker in this process until Ctrl-C, as the
// temporal CLI's `server start-dev` runs a server: the starter's other
// commands, in another terminal, then work against it.
func (a *App) devCommand() *cobra.Command {
	var opts devstack.Options
	worker := workerapp.Config{StopTimeout: 5 * time.Second}
	logLevel := slog.LevelInfo
	cmd := &cobra.Command{
		Use:         "dev",
		Annotations: map[string]string{stopGraceAnnotation: serverStopGrace.String()},
		Short:       "run an embedded Temporal server, Web UI, cloudsim and a worker until Ctrl-C",
		Long: `Run an embedded Temporal server (its state in a SQLite file, or with
--postgres in PostgreSQL), its Web UI, cloudsim (the emulator of both clouds)
and vpcflow's worker in this process, until Ctrl-C. Start changes from another
terminal with the starter's other commands: they reach Temporal at
localhost:7233 by default.

With --postgres the server keeps its state in a PostgreSQL database, with 4
history shards as a real deployment has several: the database and
<database>_visibility are created if missing and given the server's schema.
A database keeps the shard count it was created with.`,
		Example: `  starter dev
  starter dev --speed 10 --log-level debug --dir /tmp/vpcflow
  starter dev --postgres postgres://temporal:temporal@localhost:5432/vpcflow`,
		GroupID: "try",
		Args:    noArguments,
		RunE: func(cmd *cobra.Command, _ []string) error {
			worker.Logger = slog.New(slog.NewTextHandler(a.Stderr, &slog.HandlerOptions{Level: logLevel}))
			if opts.Postgres == "" {
				opts.Postgres = os.Getenv(devPostgresEnv)
			}
			return a.runDev(cmd.Context(), opts, worker)
		},
	}
	devStackFlags(cmd.Flags(), &opts, 1)
	// The variable is read when the command runs, not shown as the flag's
	// default: --help would print its password.
	cmd.Flags().StringVar(&opts.Postgres, "postgres", "", "keep the Temporal server's state in the PostgreSQL database `URL`, "+
		"postgres://user:password@host:port/dbname (created if missing, with dbname_visibility; 4 history shards), instead of the SQLite file in --dir [$"+devPostgresEnv+"]")
	cmd.Flags().StringVar(&worker.HealthAddr, "health", "127.0.0.1:8234", "address of the worker's health endpoints, GET /livez and /readyz (empty: none)")
	cmd.Flags().StringVar(&worker.MetricsAddr, "metrics", "127.0.0.1:9464", "address of the worker's GET /metrics endpoint (empty: none)")
	cmd.Flags().IntVar(&worker.MaxConcurrentActivities, "max-activities", 0, "activities the worker runs at once (0: the SDK's default)")
	cmd.Flags().TextVar(&logLevel, "log-level", slog.LevelInfo, "debug, info, warn or error")
	return cmd
}

// devPostgresEnv is the default of starter dev's --postgres.
const devPostgresEnv = "VPCFLOW_DEV_POSTGRES"

// devStackFlags are the flags of the commands that start the dev stack;
// speed is cloudsim's default speed-up.
func devStackFlags(f *pflag.FlagSet, opts *devstack.Options, speed float64) {
	f.StringVar(&opts.Dir, "dir", ".vpcflow", "directory of the Temporal server's SQLite file")
	f.IntVar(&opts.FrontendPort, "port", 7233, "Temporal frontend port")
	f.IntVar(&opts.UIPort, "ui-port", 8233, "Web UI port (-1: no UI)")
	f.StringVar(&opts.CloudsimAddr, "cloudsim", "127.0.0.1:8380", "cloudsim listen address")
	f.Float64Var(&opts.CloudsimSpeed, "speed", speed, "how much faster than the wall clock cloudsim's transitions run")
	// The default fixture with a small fleet, docs/examples/fleet.yaml's.
	opts.Fixture = cloudsim.GenerateFleetFixture(cloudsim.DemoFleet)
}

func (a *App) runDev(ctx context.Context, opts devstack.Options, worker workerapp.Config) error {
	opts.Logger = worker.Logger
	stack, err := devstack.Start(ctx, opts)
	if err != nil {
		return failed("starter dev: %v", err)
	}
	defer stack.Stop()
	ready, stopWorker, err := stack.StartWorker(ctx, worker)
	if err != nil {
		return failed("starter dev: %v", err)
	}
	defer stopWorker()

	say(a.Stdout, "vpcflow dev stack: Temporal %s   Web UI %s   cloudsim %s", ready.Frontend, uiOrNone(stack), stack.CloudsimURL)
	if opts.Postgres != "" {
		say(a.Stdout, "   Temporal database %s (%d history shards)", stack.Temporal.Database(), stack.Temporal.HistoryShards())
	}
	if ready.Health != "" {
		say(a.Stdout, "   worker health %s", ready.Health)
	}
	if ready.Metrics != "" {
		say(a.Stdout, "   worker metrics %s", ready.Metrics)
	}
	say(a.Stdout, "\nStart a change from another terminal, for example:\n"+
		"  go run ./starter network-change -f docs/examples/network-change.yaml --wait\n"+
		"Press Ctrl-C to stop.\n")
	<-ctx.Done()
	return nil
}

func uiOrNone(stack *devstack.Stack) string {
	if u := stack.Temporal.UIURL(); u != "" {
		return u
	}
	return "(none)"
}
