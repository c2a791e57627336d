package workflows

import (
	"context"
	"errors"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// serveDriftReads answers a drift check's reads: the interfaces in the
// status given, every route in publish status, the VPN connection with
// every expected route unless vpnRoutes is false.
func (s *workflowSuite) serveDriftReads(status, publish string, vpnRoutes bool) {
	s.env.OnActivity(s.acts.DescribeRouterInterfaces, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RouterInterfacesRef) (activities.RouterInterfaces, error) {
			out := activities.RouterInterfaces{CallTrace: activities.CallTrace{RequestIds: []string{"RID-RI"}}}
			for _, id := range in.RouterInterfaceIds {
				out.Found = append(out.Found, activities.RouterInterface{RouterInterfaceId: id, Status: status})
			}
			return out, nil
		})
	s.env.OnActivity(s.acts.ReadPublishStatus, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in contract.RouteSet) (activities.PublishStatuses, error) {
			out := activities.PublishStatuses{CallTrace: activities.CallTrace{RequestIds: []string{"RID-PUB"}}}
			for _, e := range in.RouteEntries {
				out.Routes = append(out.Routes, contract.RoutePublishStatus{RouteTableId: e.RouteTableId, DestinationCidrBlock: e.DestinationCidrBlock, PublishStatus: publish})
			}
			return out, nil
		})
	s.env.OnActivity(s.acts.ReadVpnRoutes, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.WaitVpnRoutesInput) (activities.VpnRoutes, error) {
			out := activities.VpnRoutes{CallTrace: activities.CallTrace{RequestIds: []string{"RID-VCO"}}}
			if vpnRoutes {
				for _, e := range in.ExpectedRoutes {
					out.Routes = append(out.Routes, contract.VpnRoute{RouteDest: e.DestinationCidrBlock, RouteEntryType: e.RouteEntryType,
						State: activities.VcoStateActive, Source: activities.VcoSourceCloud})
				}
			}
			return out, nil
		})
}

// A fleet still as it was made: one read of its interfaces, one of its
// routes, one of its VPN connection; nothing drifted.
func (s *workflowSuite) TestADriftCheckOfAnUnchangedFleetFindsNothing() {
	s.serveDriftReads(activities.RouterInterfaceActive, activities.PublishStatusPublished, true)
	fleet := fleetInput(3)
	s.env.ExecuteWorkflow(DriftCheckWorkflow, contract.DriftCheckInput{Fleet: &fleet})
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.DriftResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Empty(res.Drifted)
	s.Equal(3, res.Changes)
	s.Equal(3, res.Reads)
}

// Drift fails the check, naming each thing that moved by its change.
func (s *workflowSuite) TestADriftCheckNamesWhatMoved() {
	s.serveDriftReads(activities.RouterInterfaceInactive, activities.PublishStatusNonPublished, false)
	fleet := fleetInput(2)
	s.env.ExecuteWorkflow(DriftCheckWorkflow, contract.DriftCheckInput{Fleet: &fleet})
	var appErr *temporal.ApplicationError
	s.Require().True(errors.As(s.env.GetWorkflowError(), &appErr))
	s.Equal(contract.DriftedType, appErr.Type())
	var res contract.DriftResult
	s.Require().NoError(appErr.Details(&res))
	s.Len(res.Drifted, 6, "per change: its interface, its route, its VPN route")
	s.Equal(contract.Drift{Change: "network-change/ri-f1", Kind: contract.DriftInterface, What: "router interface ri-f1", Found: "Inactive"}, res.Drifted[1])
	s.Equal(contract.StageDrifted, s.progress().Stage)
}

// With Repair, a drifted change is made again, as a child NetworkChange
// under its own ID, and the check completes with the repair's outcome.
func (s *workflowSuite) TestADriftCheckRepairsByMakingTheChangeAgain() {
	s.serveDriftReads(activities.RouterInterfaceInactive, activities.PublishStatusPublished, true)
	var repaired []string
	s.env.OnWorkflow(contract.NetworkChange.Type, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in contract.NetworkChangeInput) (contract.NetworkChangeResult, error) {
			repaired = append(repaired, workflow.GetInfo(ctx).WorkflowExecution.ID)
			return contract.NetworkChangeResult{Activated: true}, nil
		})
	change := fleetInput(1).ChangeInputs()[0]
	s.env.ExecuteWorkflow(DriftCheckWorkflow, contract.DriftCheckInput{Change: &change, Repair: true})
	s.Require().NoError(s.env.GetWorkflowError())
	var res contract.DriftResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Len(res.Drifted, 1)
	s.Require().NotNil(res.Repair)
	s.Equal(contract.FleetCompleted, res.Repair.State)
	s.Equal([]string{"network-change/ri-f0"}, repaired)
}
