package startercli

import (
	"context"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/spf13/cobra"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/devstack"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/workerapp"
)

// demoCommand starts the dev stack and a worker in this process, runs
// NetworkChange on the default fixture and follows it, then keeps the Web UI
// up until Ctrl-C (or exits at once with --exit).
func (a *App) demoCommand() *cobra.Command {
	var opts devstack.Options
	var exit bool
	cmd := &cobra.Command{
		Use:         "demo",
		Annotations: map[string]string{stopGraceAnnotation: serverStopGrace.String()},
		Short:       "start an embedded Temporal server, Web UI and cloudsim, and run NetworkChange",
		Example:     "  starter demo\n  starter demo --exit",
		GroupID:     "try",
		Args:        noArguments,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDemo(cmd.Context(), opts, exit)
		},
	}
	devStackFlags(cmd.Flags(), &opts, 5)
	cmd.Flags().BoolVar(&exit, "exit", false, "exit when the change is done instead of keeping the Web UI up")
	return cmd
}

func (a *App) runDemo(ctx context.Context, opts devstack.Options, exit bool) error {
	quiet := slog.New(slog.NewTextHandler(a.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	opts.Logger = quiet

	sayln(a.Stdout, "Starting the embedded Temporal server, its Web UI and cloudsim...")
	stack, err := devstack.Start(ctx, opts)
	if err != nil {
		return failed("starter demo: %v", err)
	}
	defer stack.Stop()
	say(a.Stdout, "Temporal: %s   Web UI: %s   cloudsim: %s\n", stack.Temporal.FrontendHostPort(), uiOrNone(stack), stack.CloudsimURL)

	_, stopWorker, err := stack.StartWorker(ctx, workerapp.Config{Logger: quiet, StopTimeout: 5 * time.Second})
	if err != nil {
		return failed("starter demo: %v", err)
	}
	defer stopWorker()

	c, err := client.DialContext(ctx, client.Options{HostPort: stack.Temporal.FrontendHostPort(), Namespace: stack.Temporal.Namespace()})
	if err != nil {
		return failed("starter demo: %v", err)
	}
	defer c.Close()
	a.Namespace, a.UIBase = stack.Temporal.Namespace(), stack.Temporal.UIURL()

	in := simclients.DefaultNetworkChange()
	say(a.Stdout, "\nNetworkChange: connect %s, publish %s and %s to %s, verify them on %s\n\n",
		in.RouterInterfaceId, in.RouteEntries[0].DestinationCidrBlock, in.RouteEntries[1].DestinationCidrBlock, in.TargetInstanceId, in.VpnConnectionId)
	err = a.startWith(ctx, c, contract.NetworkChange.Type, in, contract.NetworkChange.StartOptions(in),
		contract.NetworkChange.NewResult(), followFlags{wait: true})
	if exit || ctx.Err() != nil {
		return err
	}
	say(a.Stdout, "\nThe Web UI stays up at %s. Press Ctrl-C to stop.\n", stack.Temporal.UIURL())
	<-ctx.Done()
	return err
}
