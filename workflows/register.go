package workflows

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
)

// workflowsByType maps each workflow type name to its function.
var workflowsByType = map[string]any{
	ConnectRouterInterfaceWorkflowType:  ConnectRouterInterfaceWorkflow,
	PublishVpcRoutesWorkflowType:        PublishVpcRoutesWorkflow,
	VerifyVpnRoutesWorkflowType:         VerifyVpnRoutesWorkflow,
	NetworkChangeWorkflowType:           NetworkChangeWorkflow,
	ApigEndpointConnectionsWorkflowType: ApigEndpointConnectionsWorkflow,
}

// RegisterWorkflows registers every workflow under its type name.
func RegisterWorkflows(r worker.WorkflowRegistry) {
	for name, fn := range workflowsByType {
		r.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: name})
	}
}

// Register registers every workflow and the activities that serve them: the
// one place a worker wires vpcflow.
func Register(r worker.Registry, acts *activities.CloudActivities) {
	RegisterWorkflows(r)
	r.RegisterActivity(acts)
}
