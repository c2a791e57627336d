// Command leanworker is the production path of ./worker (envconfig, the
// clouds' credential chains, the "vpcflow" task queue, SIGTERM to stop)
// without the dev stack, which links the whole Temporal server and Web UI
// into ./worker. The bench's footprint section runs both to show what that
// costs a worker that never uses --dev; it is a measurement, not a second
// worker to deploy.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	"go.temporal.io/sdk/worker"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudclients"
	"github.com/vpcflow/vpcflow/workflows"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "leanworker:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	opts, err := envconfig.LoadDefaultClientOptions()
	if err != nil {
		return err
	}
	cfg := cloudclients.ConfigFromEnv(os.Getenv)
	aliCred, err := cloudclients.AlibabaCredentials()
	if err != nil {
		return err
	}
	vpcClient, err := cloudclients.NewVPCClient(cfg, aliCred)
	if err != nil {
		return err
	}
	hwCred, err := cloudclients.HuaweiCredentials()
	if err != nil {
		return err
	}
	apigClient, err := cloudclients.NewAPIGClient(cfg, hwCred)
	if err != nil {
		return err
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	w := worker.New(c, contract.TaskQueue, worker.Options{})
	if err := workflows.Register(w, &activities.CloudActivities{VPC: vpcClient, APIG: apigClient}); err != nil {
		return err
	}
	return w.Run(stopChannel(ctx))
}

func stopChannel(ctx context.Context) <-chan any {
	ch := make(chan any)
	go func() { <-ctx.Done(); close(ch) }()
	return ch
}
