package e2e

import (
	"flag"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the Web UI test's screenshots to docs/screenshots")

// screenshotPath is where a screenshot goes: docs/screenshots with
// -update-screenshots, else the test's temporary directory.
func screenshotPath(t *testing.T, name string) string {
	if *updateScreenshots {
		return filepath.Join("..", "..", "docs", "screenshots", name)
	}
	return filepath.Join(t.TempDir(), name)
}

// What a person sees of a NetworkChange in the Web UI, running and
// finished: the summary, the current stage's details, the activities'
// summaries in the history, and the change found by a search on
// VpcFlowStage.
func TestTheWebUIShowsAChangeAsItRunsAndWhenItIsDone(t *testing.T) {
	b := newBrowser(t)
	resetCloud(t)
	// The routes stay Publishing: the change waits in its verify.
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Stuck: []string{routeEntry1, routeEntry2}}))
	in := simclients.DefaultNetworkChange()
	// Started as the starter starts it: with its summary, details and
	// search attributes.
	opts := contract.NetworkChange.StartOptions(in)
	opts.ID = stacktest.ID(t, opts.ID)
	ctx := stacktest.Ctx(t, 2*time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, opts, contract.NetworkChange.Type, in)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tc.TerminateWorkflow(ctx, run.GetID(), "", "test over") })
	require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageVerifyVpnRoutes, run.GetID()))
	summary := "Connect " + in.RouterInterfaceId + ", publish 2 routes to " + in.TargetInstanceId + ", verify on " + in.VpnConnectionId

	b.do("open the running change", chromedp.Navigate(workflowPage(run.GetID(), run.GetRunID())))
	b.openUserMetadata()
	b.waitText("its summary and current details", summary, "Stage: "+contract.StageVerifyVpnRoutes, "connect-router-interface")
	b.do("back to the history", chromedp.Navigate(workflowPage(run.GetID(), run.GetRunID())))
	b.waitText("the activities' summaries in the history", "Connect "+in.RouterInterfaceId+" to ", "Publish 2 routes to ECR "+in.TargetInstanceId)
	b.screenshot(screenshotPath(t, "web-ui-running-change.png"))

	query := contract.VpcFlowStageKey.GetName() + " = '" + contract.StageVerifyVpnRoutes + "'"
	list := stack.Temporal.UIURL() + "/namespaces/" + url.PathEscape(stack.Temporal.Namespace()) + "/workflows?query=" + url.QueryEscape(query)
	b.do("search by VpcFlowStage", chromedp.Navigate(list))
	b.waitText("the running change in the search", run.GetID())
	b.screenshot(screenshotPath(t, "web-ui-search-by-stage.png"))

	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{}))
	require.NoError(t, run.Get(ctx, nil))
	b.do("open the finished change", chromedp.Navigate(workflowPage(run.GetID(), run.GetRunID())))
	b.waitText("its history, completed", "COMPLETED", "Wait until 2 routes reach "+in.VpnConnectionId)
	b.openUserMetadata()
	b.waitText("its details, completed", summary, "Stage: "+contract.StageCompleted, "verify-vpn-routes")
	b.screenshot(screenshotPath(t, "web-ui-completed-change.png"))
}
