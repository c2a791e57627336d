package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The production worker links no Temporal server, Web UI or cloudsim: the
// dev stack is the starter's (`starter dev`), and the worker runs the same
// wiring, internal/workerapp, without it.
func TestTheWorkerLinksNoDevStack(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(goCmd, "list", "-deps", "github.com/vpcflow/vpcflow/worker").CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/vpcflow/vpcflow/internal/workerapp", "the list is the real one")
	forbidden := []string{
		"go.temporal.io/server",           // the Temporal server
		"github.com/temporalio/ui-server", // its Web UI
		"github.com/vpcflow/vpcflow/internal/devserver",
		"github.com/vpcflow/vpcflow/internal/devstack",
		"github.com/vpcflow/vpcflow/internal/cloudsim",
		"github.com/vpcflow/vpcflow/internal/simclients",
		"github.com/vpcflow/vpcflow/internal/startercli",
		"modernc.org/sqlite", // the server's persistence
	}
	for _, dep := range deps {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("./worker depends on %s", dep)
			}
		}
	}
	t.Logf("./worker links %d packages", len(deps))
}
