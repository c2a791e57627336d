package contract

import (
	"fmt"
	"time"
)

// The inputs and results of the workflows, and the progress query's answer.
// Every input embeds decodeProblems: what its strict decoding refused
// (decode.go), reported by Validate with its other problems.

// ConnectRouterInterfaceInput connects an InitiatingSide router interface and
// waits until it is Active.
type ConnectRouterInterfaceInput struct {
	RegionId          string   `json:"RegionId"`
	RouterInterfaceId string   `json:"RouterInterfaceId"`
	WaitTimeout       Duration `json:"WaitTimeout,omitempty"`

	decodeProblems // what decoding refused (decode.go)
}

// ConnectRouterInterfaceResult reports the connection. Connected is true
// when this change connected the interface: its connect call succeeded, or
// a retried call found the interface connecting after an earlier attempt's
// answer was lost (ConnectRequestId is then empty). It is false when the
// interface was already Connecting or Active before: nothing was connected
// twice.
type ConnectRouterInterfaceResult struct {
	RouterInterfaceId   string `json:"RouterInterfaceId"`
	Status              string `json:"Status"`
	OppositeInterfaceId string `json:"OppositeInterfaceId"`
	Connected           bool   `json:"Connected"`
	ConnectRequestId    string `json:"ConnectRequestId,omitempty"`
	// Activated is true when the change found the interface Inactive (a
	// rollback deactivated it) and activated it; ActivateRequestId is that
	// call's, empty when its answer was lost.
	Activated         bool   `json:"Activated,omitempty"`
	ActivateRequestId string `json:"ActivateRequestId,omitempty"`
	Steps             []Step `json:"Steps"`
}

// RouteSet is route entries of VPC route tables published (or to publish,
// or withdrawn) to one target in a region: what one PublishVpcRouteEntries
// or WithdrawVpcPublishedRouteEntries call names. It is embedded where its
// fields are an input's own (PublishVpcRoutesInput); NetworkChangeInput
// and ChangeRecord name the same things in their own order and words, and
// give theirs with Routes.
type RouteSet struct {
	RegionId         string       `json:"RegionId"`
	TargetType       string       `json:"TargetType"`
	TargetInstanceId string       `json:"TargetInstanceId"`
	RouteEntries     []RouteEntry `json:"RouteEntries"`
}

// Describe says in a few words what the set is, toward ("to", "from") its
// target: "2 routes to ECR ecr-...". Activity summaries are made of it, as
// their histories have them ("1 routes" too).
func (r RouteSet) Describe(toward string) string {
	return fmt.Sprintf("%d routes %s %s %s", len(r.RouteEntries), toward, r.TargetType, r.TargetInstanceId)
}

// Routes is the route set the change publishes.
func (in NetworkChangeInput) Routes() RouteSet {
	return RouteSet{RegionId: in.RegionId, TargetType: in.TargetType, TargetInstanceId: in.TargetInstanceId, RouteEntries: in.RouteEntries}
}

// PublishVpcRoutesInput publishes route entries of a VPC's system route table
// to a target (an ECR), after a DryRun of the same call, and waits until
// they are Published.
type PublishVpcRoutesInput struct {
	RouteSet
	WaitTimeout Duration `json:"WaitTimeout,omitempty"`

	decodeProblems // what decoding refused (decode.go)
}

// PublishVpcRoutesResult reports the publish. Published lists the entries
// this change published (its call succeeded, or a retry found them
// Publishing after an earlier attempt's answer was lost), AlreadyPublished
// those it found published by someone else; PublishStatus is every entry's
// status as the wait last read it: Published, all of them, once the workflow
// completes.
type PublishVpcRoutesResult struct {
	Published         []RouteEntry         `json:"Published"`
	AlreadyPublished  []RouteEntry         `json:"AlreadyPublished,omitempty"`
	PublishStatus     []RoutePublishStatus `json:"PublishStatus,omitempty"`
	DryRunRequestIds  []string             `json:"DryRunRequestIds"`
	PublishRequestIds []string             `json:"PublishRequestIds,omitempty"`
	Steps             []Step               `json:"Steps"`
}

// ExpectedCrossAccount is the cross-account authorization a VPN connection
// must have to join another account's CEN instance.
type ExpectedCrossAccount struct {
	BindInstance string `json:"BindInstance"` // the CEN instance, cen-...
	BindUid      int64  `json:"BindUid"`      // the account that owns it
}

// VerifyVpnRoutesInput checks that routes reach an IPsec-VPN connection and,
// optionally, that the connection may join a cross-account CEN.
type VerifyVpnRoutesInput struct {
	RegionId        string                `json:"RegionId"`
	VpnConnectionId string                `json:"VpnConnectionId"`
	ExpectedRoutes  []ExpectedVpnRoute    `json:"ExpectedRoutes"`
	PageSize        *int                  `json:"PageSize,omitempty"` // 1..50, default 50
	CrossAccount    *ExpectedCrossAccount `json:"CrossAccount,omitempty"`
	WaitTimeout     Duration              `json:"WaitTimeout,omitempty"`

	decodeProblems // what decoding refused (decode.go)
}

// VerifyVpnRoutesResult lists the expected routes as the VPN connection
// reports them.
type VerifyVpnRoutesResult struct {
	Routes []VpnRoute `json:"Routes"`
	Steps  []Step     `json:"Steps"`
}

// NetworkChangeInput is the whole change: check the VPN connection's
// cross-account authorization (optional), connect the router interface and
// wait until it is Active, DryRun then publish the routes, and verify that
// they reach the VPN connection.
type NetworkChangeInput struct {
	RegionId          string       `json:"RegionId"`
	RouterInterfaceId string       `json:"RouterInterfaceId"`
	TargetType        string       `json:"TargetType"`
	TargetInstanceId  string       `json:"TargetInstanceId"`
	RouteEntries      []RouteEntry `json:"RouteEntries"`
	VpnConnectionId   string       `json:"VpnConnectionId"`
	// ExpectedRoutes defaults to every published destination as a bgp route
	// (Active, Source CLOUD) on the VPN connection.
	ExpectedRoutes []ExpectedVpnRoute    `json:"ExpectedRoutes,omitempty"`
	PageSize       *int                  `json:"PageSize,omitempty"`
	CrossAccount   *ExpectedCrossAccount `json:"CrossAccount,omitempty"`
	WaitTimeout    Duration              `json:"WaitTimeout,omitempty"`
	// Approval, when Required, makes the change ask a person before it
	// changes anything (approval.go).
	Approval *Approval `json:"Approval,omitempty"`
	// OnCancel and OnFailure say what becomes of what the change has
	// changed when it is cancelled or fails after changing something:
	// RecoveryKeep (the default) leaves it, RecoveryRollback undoes it with
	// a Rollback child workflow (rollback.go), which also deactivates the
	// interface the change connected if DeactivateOnRollback.
	OnCancel             string `json:"OnCancel,omitempty"`
	OnFailure            string `json:"OnFailure,omitempty"`
	DeactivateOnRollback bool   `json:"DeactivateOnRollback,omitempty"`

	decodeProblems // what decoding refused (decode.go)
}

// NetworkChangeResult summarises every step with its timings, and lists the
// RequestIds of the calls that changed something. Connected, Published and AlreadyPublished mean what they mean in the
// results of ConnectRouterInterface and PublishVpcRoutes; PublishStatus is
// the routes' publish status as the verify-vpn-routes wait read it.
type NetworkChangeResult struct {
	Connected        bool                 `json:"Connected"`
	Activated        bool                 `json:"Activated,omitempty"`
	Published        []RouteEntry         `json:"Published"`
	AlreadyPublished []RouteEntry         `json:"AlreadyPublished,omitempty"`
	PublishStatus    []RoutePublishStatus `json:"PublishStatus,omitempty"`
	Routes           []VpnRoute           `json:"Routes"`
	ChangeRequestIds []string             `json:"ChangeRequestIds"`
	StartedAt        time.Time            `json:"StartedAt"`
	CompletedAt      time.Time            `json:"CompletedAt"`
	DurationMillis   int64                `json:"DurationMillis"`
	// Decisions are the decisions taken, one per plan shown, the last the
	// approval the change went on with; none without Approval.
	Decisions []DecisionRecord `json:"Decisions,omitempty"`
	Steps     []Step           `json:"Steps"`
}

// NetworkChangePlanResult is what a NetworkChange of the same input would
// do, read from the cloud and checked by a DryRun of the publish, changing
// nothing. The verify is always "will do": it checks, and changes nothing.
type NetworkChangePlanResult = PlanResult

// PlanResult is what a change would do, read from the cloud, changing
// nothing: each planned step, in the change's order, with its action.
// WouldChange is true when some step would change the cloud (connect,
// activate, publish, accept, reject); WouldFail when some step would fail
// (its Code and Reason say why and what to fix).
type PlanResult struct {
	Plan        []PlannedStep `json:"Plan"`
	WouldChange bool          `json:"WouldChange"`
	WouldFail   bool          `json:"WouldFail"`
	PlannedAt   time.Time     `json:"PlannedAt"`
	Steps       []Step        `json:"Steps"`
}

// PlannedStep is one step of a planned change.
type PlannedStep struct {
	Stage  string `json:"Stage"`  // the change's stage (stages.go)
	Action string `json:"Action"` // PlanWillDo, PlanAlreadyDone or PlanWouldFail
	What   string `json:"What"`   // what the step does, to what
	// Code and Reason, when it would fail: the cloud's error code, or one
	// of vpcflow's error types, and the message with its fix.
	Code   string `json:"Code,omitempty"`
	Reason string `json:"Reason,omitempty"`
	// RequestId of the read or DryRun the step was planned from.
	RequestId string `json:"RequestId,omitempty"`
}

// Planned actions.
const (
	PlanWillDo      = "will do"
	PlanAlreadyDone = "already done"
	PlanWouldFail   = "would fail"
)

// ApigEndpointConnectionsInput lists a Huawei Cloud APIG gateway's VPC
// endpoint connections and, when WaitForAccepted names some, waits until
// they are accepted. ProjectId and Region name the gateway's project and
// region when they are not the worker's own (HUAWEICLOUD_SDK_PROJECT_ID,
// HUAWEICLOUD_SDK_REGION): the worker signs with its own AK/SK there.
type ApigEndpointConnectionsInput struct {
	ProjectId       string   `json:"ProjectId,omitempty"`
	Region          string   `json:"Region,omitempty"`
	InstanceId      string   `json:"InstanceId"`
	Id              string   `json:"Id,omitempty"`
	MarkerId        *int32   `json:"MarkerId,omitempty"`
	Status          string   `json:"Status,omitempty"`
	Limit           *int32   `json:"Limit,omitempty"` // page size 1..500, default 500
	WaitForAccepted []string `json:"WaitForAccepted,omitempty"`
	WaitTimeout     Duration `json:"WaitTimeout,omitempty"`

	decodeProblems // what decoding refused (decode.go)
}

// ApigEndpointConnectionsResult lists the connections.
type ApigEndpointConnectionsResult struct {
	Connections []EndpointConnection `json:"Connections"`
	Total       int64                `json:"Total"`
	Steps       []Step               `json:"Steps"`
}

// Endpoint connection actions of an ApigEndpointChange.
const (
	EndpointActionAccept = "accept"
	EndpointActionReject = "reject"
)

// ApigEndpointChangeInput accepts (Action accept, the default) or rejects
// VPC endpoint connections of a Huawei Cloud APIG gateway
// (AcceptOrRejectEndpointConnections) and waits until each is accepted (or
// rejected). ProjectId and Region are as for ApigEndpointConnections.
// Approval, OnCancel and OnFailure are those of a NetworkChange: the
// change can plan and wait for a person's decision first, and what it
// changed can be rolled back, the rollback of an accept being a reject
// of the connections it accepted (and of a reject, an accept).
type ApigEndpointChangeInput struct {
	ProjectId   string    `json:"ProjectId,omitempty"`
	Region      string    `json:"Region,omitempty"`
	InstanceId  string    `json:"InstanceId"`
	Action      string    `json:"Action,omitempty"`
	EndpointIds []string  `json:"EndpointIds"`
	WaitTimeout Duration  `json:"WaitTimeout,omitempty"`
	Approval    *Approval `json:"Approval,omitempty"`
	OnCancel    string    `json:"OnCancel,omitempty"`
	OnFailure   string    `json:"OnFailure,omitempty"`

	decodeProblems // what decoding refused (decode.go)
}

// Target is the status the change moves its connections to.
func (in ApigEndpointChangeInput) Target() string { return EndpointStatusAfter(in.Action) }

// EndpointStatusAfter is the status an action (accept, or reject) moves
// an endpoint connection to.
func EndpointStatusAfter(action string) string {
	if action == EndpointActionReject {
		return EndpointRejected
	}
	return EndpointAccepted
}

// Describe says what the change does, as "accept 2 endpoint connections
// of gateway ...", for plans and summaries.
func (in ApigEndpointChangeInput) Describe() string {
	return fmt.Sprintf("%s %s of gateway %s", in.Action, plural(len(in.EndpointIds), "endpoint connection"), in.InstanceId)
}

// ApigEndpointChangeResult reports the change: the connections it moved
// (Changed), those it found so already (AlreadyDone), each connection as
// the wait last read it, and the RequestIds of the calls that changed
// something.
type ApigEndpointChangeResult struct {
	Action           string               `json:"Action"`
	Changed          []string             `json:"Changed"`
	AlreadyDone      []string             `json:"AlreadyDone,omitempty"`
	Connections      []EndpointConnection `json:"Connections"`
	ChangeRequestIds []string             `json:"ChangeRequestIds"`
	StartedAt        time.Time            `json:"StartedAt"`
	CompletedAt      time.Time            `json:"CompletedAt"`
	DurationMillis   int64                `json:"DurationMillis"`
	Decisions        []DecisionRecord     `json:"Decisions,omitempty"`
	Steps            []Step               `json:"Steps"`
}

// Step is one step of a workflow as it ran.
type Step struct {
	Name           string    `json:"Name"`
	Outcome        string    `json:"Outcome"` // done, skipped or failed
	StartedAt      time.Time `json:"StartedAt"`
	CompletedAt    time.Time `json:"CompletedAt"`
	DurationMillis int64     `json:"DurationMillis"`
	Attempts       int32     `json:"Attempts,omitempty"`
	// RetriedReads are the reads a wait retried itself after a throttled
	// or failed answer, without a new attempt.
	RetriedReads int32    `json:"RetriedReads,omitempty"`
	CloudState   string   `json:"CloudState,omitempty"`
	RequestIds   []string `json:"RequestIds,omitempty"`
	Note         string   `json:"Note,omitempty"`
}

// Progress is the answer to the progress query.
type Progress struct {
	Stage          string   `json:"Stage"`
	Attempts       int32    `json:"Attempts"`
	LastCloudState string   `json:"LastCloudState,omitempty"`
	RequestIds     []string `json:"RequestIds,omitempty"`
	// ChangeRequestIds are the RequestIds of the calls that changed
	// something: after a failure, what was done before it.
	ChangeRequestIds []string  `json:"ChangeRequestIds,omitempty"`
	StartedAt        time.Time `json:"StartedAt"`
	Steps            []Step    `json:"Steps"`
	// Plan is the plan a change waiting for approval shows.
	Plan []PlannedStep `json:"Plan,omitempty"`
	// Changed is what a NetworkChange has changed so far: after a failure
	// or a cancel, what `starter rollback` undoes.
	Changed *ChangeRecord `json:"Changed,omitempty"`
	// Rollback is how the rollback a NetworkChange ran (OnCancel or
	// OnFailure rollback) went: its workflow ID and outcome.
	Rollback *RollbackOutcome `json:"Rollback,omitempty"`
	// Approval is where the change's approval stands (a change the policy
	// or its input asked approval for).
	Approval *ApprovalProgress `json:"Approval,omitempty"`
	// Notifications are the webhooks the change has sent and failed to.
	Notifications *NotificationProgress `json:"Notifications,omitempty"`
}

// RollbackOutcome is a rollback run by a NetworkChange: the Rollback
// child workflow's ID, and its result or error.
type RollbackOutcome struct {
	WorkflowId string          `json:"WorkflowId"`
	Result     *RollbackResult `json:"Result,omitempty"`
	Error      string          `json:"Error,omitempty"`
}

// ExpectedVpnRoutes are the routes the change verifies: its ExpectedRoutes,
// or else every published destination as a bgp route the VPN connection
// learns from the transit router.
func (in NetworkChangeInput) ExpectedVpnRoutes() []ExpectedVpnRoute {
	if len(in.ExpectedRoutes) > 0 {
		return in.ExpectedRoutes
	}
	seen := make(map[string]bool)
	var routes []ExpectedVpnRoute
	for _, e := range in.RouteEntries {
		if !seen[e.DestinationCidrBlock] {
			seen[e.DestinationCidrBlock] = true
			routes = append(routes, ExpectedVpnRoute{DestinationCidrBlock: e.DestinationCidrBlock, RouteEntryType: VcoRouteBgp})
		}
	}
	return routes
}
