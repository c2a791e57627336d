package workflows

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/vpcflow/vpcflow/contract"
)

// Every workflow contract describes has its function here, under its type
// name; a worker refuses to start with one missing.
func TestEveryDescribedWorkflowIsRegistered(t *testing.T) {
	require.NoError(t, checkRegistrations())
	replayer := worker.NewWorkflowReplayer()
	require.NoError(t, RegisterWorkflows(replayer))

	saved := registrations
	t.Cleanup(func() { registrations = saved })
	registrations = saved[:len(saved)-1]
	err := RegisterWorkflows(worker.NewWorkflowReplayer())
	require.Error(t, err)
	assert.Contains(t, err.Error(), contract.Workflows()[len(saved)-1].Describe().Type)
}
