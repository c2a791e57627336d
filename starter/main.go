// Command starter starts vpcflow workflows and follows them.
//
//	go run ./starter demo                                   # everything in one process, on cloudsim
//	go run ./starter network-change -f change.yaml --wait   # against TEMPORAL_ADDRESS
//	go run ./starter status network-change/ri-...
//
// Run it without arguments for the list of commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/vpcflow/vpcflow/internal/startercli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	app := &startercli.App{Stdout: os.Stdout, Stderr: os.Stderr}
	code := app.Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
