package contract

// Stages, as the progress query, the steps of a result and the
// VpcFlowStage search attribute name them.
const (
	StageValidate                = "validate"
	StageCheckCrossAccount       = "check-cross-account-authorization"
	StageDescribeRouterInterface = "describe-router-interface"
	StageCheckRouterInterface    = "check-router-interface"
	StageConnectRouterInterface  = "connect-router-interface"
	StageActivateInterface       = "activate-router-interface"
	StageWaitRouterInterface     = "wait-router-interface-active"
	StageAwaitingApproval        = "awaiting-approval"
	StageDryRunPublish           = "dry-run-publish"
	StagePublishRoutes           = "publish-routes"
	StageWaitRoutesPublished     = "wait-routes-published"
	StageVerifyVpnRoutes         = "verify-vpn-routes"
	StageRollback                = "rollback"
	StageReadChange              = "read-change"
	StageWithdrawRoutes          = "withdraw-routes"
	StageWaitRoutesWithdrawn     = "wait-routes-withdrawn"
	StageDeactivateInterface     = "deactivate-router-interface"
	StageWaitInterfaceInactive   = "wait-router-interface-inactive"
	StageListEndpoints           = "list-endpoint-connections"
	StageWaitEndpoints           = "wait-endpoints-accepted"
	StageAcceptEndpoints         = "accept-endpoint-connections"
	StageRejectEndpoints         = "reject-endpoint-connections"
	StageWaitEndpointsRejected   = "wait-endpoints-rejected"
	StageCompleted               = "completed"
	StageFailed                  = "failed"
	StageCancelled               = "cancelled"
)

// WaitingStages are the stages a change can sit in for long (a person's
// decision, a cloud's transition): VpcFlowStage is set for them, so a
// search finds the changes waiting, and the worker's gauges count them.
var WaitingStages = []string{
	StageAwaitingApproval, StageWaitRouterInterface, StageWaitRoutesPublished, StageVerifyVpnRoutes, StageWaitEndpoints,
	StageWaitEndpointsRejected, StageRollback, StageWaitRoutesWithdrawn, StageWaitInterfaceInactive,
}

// ChangingStages are the stages whose call changes the cloud; the others
// read or wait. A plan that would do one of them would change something.
var ChangingStages = []string{
	StageConnectRouterInterface, StageActivateInterface, StagePublishRoutes, StageAcceptEndpoints, StageRejectEndpoints,
}

// EndStages are the stages a workflow ends in.
var EndStages = []string{StageCompleted, StageFailed, StageCancelled, StageDrifted}

// Step outcomes.
const (
	OutcomeDone    = "done"
	OutcomeSkipped = "skipped"
	OutcomeFailed  = "failed"
)
