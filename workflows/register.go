// Package workflows holds vpcflow's Temporal workflows: each reads like the
// change it makes, step by step, and calls the activities for everything
// that touches a cloud. What crosses the wire (inputs, results, workflow
// type names, IDs, errors) is in package contract; a service imports that,
// not this.
package workflows

import (
	"fmt"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// registration is a workflow function under the type name of its
// description; bind checks at compile time that the function takes the
// description's input and returns its result.
type registration struct {
	described contract.Described
	fn        any
}

func bind[In contract.Input[In], Out any](w contract.Workflow[In, Out], fn func(workflow.Context, In) (Out, error)) registration {
	return registration{described: w, fn: fn}
}

// registrations are every workflow of contract.Workflows, with its function.
var registrations = []registration{
	bind(contract.ConnectRouterInterface, ConnectRouterInterfaceWorkflow),
	bind(contract.PublishVpcRoutes, PublishVpcRoutesWorkflow),
	bind(contract.VerifyVpnRoutes, VerifyVpnRoutesWorkflow),
	bind(contract.NetworkChange, NetworkChangeWorkflow),
	bind(contract.NetworkChangePlan, NetworkChangePlanWorkflow),
	bind(contract.NetworkFleet, NetworkFleetWorkflow),
	bind(contract.DriftCheck, DriftCheckWorkflow),
	bind(contract.Rollback, RollbackWorkflow),
	bind(contract.ApigEndpointConnections, ApigEndpointConnectionsWorkflow),
	bind(contract.ApigEndpointChange, ApigEndpointChangeWorkflow),
	bind(contract.ApigEndpointChangePlan, ApigEndpointChangePlanWorkflow),
}

// RegisterWorkflows registers every workflow under its type name. A
// workflow described in contract.Workflows without a function here is an
// error, so no worker starts without it.
func RegisterWorkflows(r worker.WorkflowRegistry) error {
	if err := checkRegistrations(); err != nil {
		return err
	}
	for _, reg := range registrations {
		r.RegisterWorkflowWithOptions(reg.fn, workflow.RegisterOptions{Name: reg.described.Describe().Type, VersioningBehavior: versioningBehaviors[reg.described.Describe().Type]})
	}
	return nil
}

// Register registers every workflow and the activities that serve them: the
// one place a worker wires vpcflow. records reads changes through the
// worker's own Temporal client, for the Rollback; approvals holds the
// worker's approval policy and notifier (nil: no policy, no webhooks).
func Register(r worker.Registry, acts *activities.CloudActivities, records *activities.ChangeRecords, approvals *activities.Approvals) error {
	if err := RegisterWorkflows(r); err != nil {
		return err
	}
	if approvals == nil {
		approvals = &activities.Approvals{}
	}
	r.RegisterActivity(acts)
	r.RegisterActivity(records)
	r.RegisterActivity(approvals)
	return nil
}

// checkRegistrations tells whether registrations and contract.Workflows
// name the same workflows.
func checkRegistrations() error {
	bound := make(map[string]bool, len(registrations))
	for _, reg := range registrations {
		bound[reg.described.Describe().Type] = true
	}
	described := contract.Workflows()
	for _, d := range described {
		if !bound[d.Describe().Type] {
			return fmt.Errorf("workflow %s is described in package contract but has no function in package workflows", d.Describe().Type)
		}
	}
	if len(bound) != len(described) {
		return fmt.Errorf("package workflows registers %d workflows and package contract describes %d: add each to contract.Workflows", len(bound), len(described))
	}
	return nil
}
