package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// VerifyVpnRoutesWorkflow checks the VPN connection's cross-account
// authorization (when asked) and waits until the expected routes reach it.
func VerifyVpnRoutesWorkflow(ctx workflow.Context, in contract.VerifyVpnRoutesInput) (contract.VerifyVpnRoutesResult, error) {
	run, in, err := startChange(ctx, in)
	if err != nil {
		return contract.VerifyVpnRoutesResult{}, err
	}
	if in.CrossAccount != nil {
		if err := checkCrossAccount(ctx, run, in.RegionId, in.VpnConnectionId, *in.CrossAccount); err != nil {
			return contract.VerifyVpnRoutesResult{}, err
		}
	}
	verified, err := verifyVpnRoutes(ctx, run.steps, in.RegionId, in.VpnConnectionId, in.ExpectedRoutes, in.PageSize, nil, in.WaitTimeout.OrDefault())
	if err != nil {
		return contract.VerifyVpnRoutesResult{}, err
	}
	return contract.VerifyVpnRoutesResult{Routes: verified.Routes, Steps: run.steps.completed(ctx)}, nil
}

// checkCrossAccount reads the VPN connection's cross-account authorizations
// and fails unless one lets it join the expected account's CEN instance.
func checkCrossAccount(ctx workflow.Context, run *changeRun, regionID, vpnConnectionID string, want contract.ExpectedCrossAccount) error {
	auths, err := readCrossAccount(ctx, run, regionID, vpnConnectionID)
	if err != nil {
		return err
	}
	if err := crossAccountMissing(vpnConnectionID, want, auths.Authorizations); err != nil {
		return run.steps.check(ctx, contract.StageCheckCrossAccount, err)
	}
	return nil
}

// readCrossAccount is the step that reads a VPN connection's cross-account
// authorizations.
func readCrossAccount(ctx workflow.Context, run *changeRun, regionID, vpnConnectionID string) (activities.CrossAccountAuthorizations, error) {
	var a *activities.CloudActivities
	var auths activities.CrossAccountAuthorizations
	err := run.steps.step(ctx, contract.StageCheckCrossAccount, func() (activities.CallTrace, error) {
		err := run.shape.read(ctx, "Read cross-account authorizations of "+vpnConnectionID,
			a.DescribeVpnCrossAccountAuthorizations, activities.VpnConnectionRef{RegionId: regionID, VpnConnectionId: vpnConnectionID},
		).Get(ctx, &auths)
		return auths.CallTrace, err
	})
	return auths, err
}

// crossAccountMissing is the CrossAccountMissingType error when none of
// auths authorizes the VPN connection for the CEN instance want names, nil
// when one does.
func crossAccountMissing(vpnConnectionID string, want contract.ExpectedCrossAccount, auths []contract.CrossAccountAuthorization) error {
	for _, auth := range auths {
		if auth.BindInstance == want.BindInstance && auth.BindUid == want.BindUid && auth.BindProduct == "CEN" {
			return nil
		}
	}
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
		"VPN connection %s is not authorized to join CEN %s of account %d (it has %d authorizations: %v); "+
			"authorize it for that CEN instance from the VPN connection's account first",
		vpnConnectionID, want.BindInstance, want.BindUid, len(auths), auths),
		contract.CrossAccountMissingType, nil, auths)
}

// verifyVpnRoutes waits until every expected route is on the VPN connection
// in its expected state, on two reads in a row; with a publication, after
// confirming that its routes are Published.
func verifyVpnRoutes(ctx workflow.Context, steps *stepRecorder, regionID, vpnConnectionID string, expected []contract.ExpectedVpnRoute, pageSize *int,
	publication *activities.Publication, timeout time.Duration) (activities.WaitVpnRoutesResult, error) {
	var a *activities.CloudActivities
	in := activities.WaitVpnRoutesInput{
		RegionId:        regionID,
		VpnConnectionId: vpnConnectionID,
		ExpectedRoutes:  expected,
		Publication:     publication,
		Deadline:        workflow.Now(ctx).Add(timeout),
	}
	if pageSize != nil {
		in.PageSize = *pageSize
	}
	var seen activities.WaitVpnRoutesResult
	err := steps.step(ctx, contract.StageVerifyVpnRoutes, func() (activities.CallTrace, error) {
		err := workflow.ExecuteActivity(withWait(ctx, timeout, fmt.Sprintf("Wait until %d routes reach %s", len(expected), vpnConnectionID)),
			a.WaitVpnRoutes, in).Get(ctx, &seen)
		return seen.CallTrace, err
	})
	return seen, err
}
