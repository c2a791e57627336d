// Command starter starts vpcflow workflows and follows them.
//
//	go run ./starter demo                                   # everything in one process, on cloudsim
//	go run ./starter network-change -f change.yaml --wait   # against TEMPORAL_ADDRESS
//	go run ./starter status network-change/ri-...
//
// Run it without arguments for the list of commands.
package main

import (
	"os"

	"github.com/vpcflow/vpcflow/internal/startercli"
)

func main() {
	app := &startercli.App{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	os.Exit(app.RunUntilSignalled(os.Args[1:], os.Exit))
}
