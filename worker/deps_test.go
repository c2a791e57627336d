package main

import (
	"testing"

	"github.com/vpcflow/vpcflow/internal/linktest"
)

// The production worker links no Temporal server, Web UI or cloudsim: the
// dev stack is the starter's (`starter dev`), and the worker runs the same
// wiring, internal/workerapp, without it.
func TestTheWorkerLinksNoDevStack(t *testing.T) {
	linktest.Forbid(t, "github.com/vpcflow/vpcflow/worker", "github.com/vpcflow/vpcflow/internal/workerapp", []string{
		"go.temporal.io/server",           // the Temporal server
		"github.com/temporalio/ui-server", // its Web UI
		"modernc.org/sqlite",              // the server's persistence
		"github.com/vpcflow/vpcflow/internal/devserver",
		"github.com/vpcflow/vpcflow/internal/devstack",
		"github.com/vpcflow/vpcflow/internal/cloudsim",
		"github.com/vpcflow/vpcflow/internal/simclients",
		"github.com/vpcflow/vpcflow/internal/startercli",
	})
}
