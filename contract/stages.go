package contract

// Stages, as the progress query, the steps of a result and the
// VpcFlowStage search attribute name them.
const (
	StageValidate                = "validate"
	StageCheckCrossAccount       = "check-cross-account-authorization"
	StageDescribeRouterInterface = "describe-router-interface"
	StageCheckRouterInterface    = "check-router-interface"
	StageConnectRouterInterface  = "connect-router-interface"
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
	StageCompleted               = "completed"
	StageFailed                  = "failed"
	StageCancelled               = "cancelled"
)

// Step outcomes.
const (
	OutcomeDone    = "done"
	OutcomeSkipped = "skipped"
	OutcomeFailed  = "failed"
)
