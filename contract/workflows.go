package contract

import (
	"encoding/json"
	"fmt"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// Input is what every workflow input is: it lists its problems
// (Validate), has one canonical form that IDs and calls use (Canonical),
// and decodes strictly (it embeds decodeProblems; decode.go).
type Input[T any] interface {
	Validate() error
	Canonical() T
	decodeRefusals() []string
}

// Workflow describes one of vpcflow's workflows, once: the worker registers
// it under Type, a service starts it with StartOptions, and the starter
// makes the command Command of it.
type Workflow[In Input[In], Out any] struct {
	// Type is the workflow type name, as registered and as started.
	Type string
	// Command is the starter's command that starts it.
	Command string
	// Short says in a line what it does, for the starter's help.
	Short string

	// id is the workflow ID of a canonical input (ids.go).
	id func(In) string
	// summary is the line the Web UI shows for a run.
	summary func(In) string
	// resources are the resources a run touches, set as search attributes.
	resources func(In) Resources
}

// Resources are the cloud resources a workflow touches, which its search
// attributes name.
type Resources struct {
	RegionId, RouterInterfaceId, VpnConnectionId string
}

// The workflows.
var (
	ConnectRouterInterface = Workflow[ConnectRouterInterfaceInput, ConnectRouterInterfaceResult]{
		Type:    "ConnectRouterInterface",
		Command: "connect",
		Short:   "connect an InitiatingSide router interface and wait until it is Active",
		id:      connectRouterInterfaceID,
		summary: func(in ConnectRouterInterfaceInput) string { return "Connect " + in.RouterInterfaceId },
		resources: func(in ConnectRouterInterfaceInput) Resources {
			return Resources{RegionId: in.RegionId, RouterInterfaceId: in.RouterInterfaceId}
		},
	}
	PublishVpcRoutes = Workflow[PublishVpcRoutesInput, PublishVpcRoutesResult]{
		Type:      "PublishVpcRoutes",
		Command:   "publish",
		Short:     "publish VPC route entries to an ECR, after a DryRun",
		id:        publishVpcRoutesID,
		summary:   func(in PublishVpcRoutesInput) string { return "Publish routes to " + in.TargetInstanceId },
		resources: func(in PublishVpcRoutesInput) Resources { return Resources{RegionId: in.RegionId} },
	}
	VerifyVpnRoutes = Workflow[VerifyVpnRoutesInput, VerifyVpnRoutesResult]{
		Type:    "VerifyVpnRoutes",
		Command: "verify",
		Short:   "verify that routes reach an IPsec-VPN connection (and its cross-account CEN authorization)",
		id:      verifyVpnRoutesID,
		summary: func(in VerifyVpnRoutesInput) string { return "Verify routes on " + in.VpnConnectionId },
		resources: func(in VerifyVpnRoutesInput) Resources {
			return Resources{RegionId: in.RegionId, VpnConnectionId: in.VpnConnectionId}
		},
	}
	NetworkChange = Workflow[NetworkChangeInput, NetworkChangeResult]{
		Type:    "NetworkChange",
		Command: "network-change",
		Short:   "the whole change: cross-account check, connect, wait Active, DryRun, publish, verify",
		id:      networkChangeID,
		summary: func(in NetworkChangeInput) string {
			return fmt.Sprintf("Connect %s, publish %s to %s, verify on %s", in.RouterInterfaceId,
				plural(len(in.RouteEntries), "route"), in.TargetInstanceId, in.VpnConnectionId)
		},
		resources: func(in NetworkChangeInput) Resources {
			return Resources{RegionId: in.RegionId, RouterInterfaceId: in.RouterInterfaceId, VpnConnectionId: in.VpnConnectionId}
		},
	}
	NetworkChangePlan = Workflow[NetworkChangeInput, NetworkChangePlanResult]{
		Type:    "NetworkChangePlan",
		Command: "plan",
		Short:   "plan a NetworkChange: read what it would touch and DryRun the publish, changing nothing",
		id:      networkChangePlanID,
		summary: func(in NetworkChangeInput) string {
			return "Plan: " + NetworkChange.summary(in)
		},
		resources: func(in NetworkChangeInput) Resources { return NetworkChange.resources(in) },
	}
	Rollback = Workflow[RollbackInput, RollbackResult]{
		Type:    "Rollback",
		Command: "rollback",
		Short:   "undo what a change changed: withdraw the routes it published (and deactivate the interface it connected), or reject the endpoint connections it accepted",
		id:      rollbackID,
		summary: func(in RollbackInput) string {
			if in.Changed == nil {
				return "Roll back " + in.Change
			}
			return "Roll back " + in.Change + ": " + in.Changed.String()
		},
		resources: func(in RollbackInput) Resources {
			if in.Changed == nil {
				return Resources{}
			}
			return Resources{RegionId: in.Changed.RegionId, RouterInterfaceId: in.Changed.RouterInterfaceId}
		},
	}
	NetworkFleet = Workflow[NetworkFleetInput, NetworkFleetResult]{
		Type:    "NetworkFleet",
		Command: "fleet",
		Short:   "many NetworkChanges as one: one plan and approval, a concurrency cap, conflicting changes one after another, MaxErrors",
		id:      networkFleetID,
		summary: func(in NetworkFleetInput) string {
			return fmt.Sprintf("Fleet %s: %s", in.Name, plural(len(in.Changes), "change"))
		},
		// A fleet touches many resources; its changes name theirs, and
		// carry the fleet's ID in VpcFlowFleet.
		resources: func(NetworkFleetInput) Resources { return Resources{} },
	}
	DriftCheck = Workflow[DriftCheckInput, DriftResult]{
		Type:    "DriftCheck",
		Command: "drift-check",
		Short:   "read whether a change (or a fleet) is still as it made it; with --repair, make it again if not",
		id:      driftCheckID,
		summary: func(in DriftCheckInput) string {
			if in.Repair {
				return "Check and repair drift of " + in.Target()
			}
			return "Check drift of " + in.Target()
		},
		resources: func(in DriftCheckInput) Resources {
			if in.Change != nil {
				return NetworkChange.resources(*in.Change)
			}
			return Resources{}
		},
	}
	ApigEndpointConnections = Workflow[ApigEndpointConnectionsInput, ApigEndpointConnectionsResult]{
		Type:    "ApigEndpointConnections",
		Command: "apig-endpoints",
		Short:   "list a Huawei Cloud APIG gateway's VPC endpoint connections, and wait until some are accepted",
		id:      apigEndpointConnectionsID,
		summary: func(in ApigEndpointConnectionsInput) string { return "VPC endpoint connections of " + in.InstanceId },
		// A gateway is none of the resources the search attributes name;
		// its runs are found by VpcFlowStage and their workflow IDs.
		resources: func(ApigEndpointConnectionsInput) Resources { return Resources{} },
	}
	ApigEndpointChange = Workflow[ApigEndpointChangeInput, ApigEndpointChangeResult]{
		Type:    "ApigEndpointChange",
		Command: "apig-accept",
		Short:   "accept (or, with --action reject, reject) a Huawei Cloud APIG gateway's VPC endpoint connections and wait until they are",
		id:      apigEndpointChangeID,
		summary: func(in ApigEndpointChangeInput) string {
			return capitalized(in.Canonical().Describe())
		},
		resources: func(ApigEndpointChangeInput) Resources { return Resources{} },
	}
	ApigEndpointChangePlan = Workflow[ApigEndpointChangeInput, PlanResult]{
		Type:    "ApigEndpointChangePlan",
		Command: "apig-plan",
		Short:   "plan an ApigEndpointChange: read the endpoint connections it would accept or reject, changing nothing",
		id:      apigEndpointChangePlanID,
		summary: func(in ApigEndpointChangeInput) string {
			return "Plan: " + ApigEndpointChange.summary(in)
		},
		resources: func(ApigEndpointChangeInput) Resources { return Resources{} },
	}
)

// Workflows lists every workflow, in the order the starter lists them.
func Workflows() []Described {
	return []Described{ConnectRouterInterface, PublishVpcRoutes, VerifyVpnRoutes, NetworkChange, NetworkChangePlan, NetworkFleet, DriftCheck, Rollback,
		ApigEndpointConnections, ApigEndpointChange, ApigEndpointChangePlan}
}

// capitalized is s with its first letter upper-case (ASCII).
func capitalized(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// ID is the workflow ID of the change in: derived from the resource it
// changes (and a digest of what it does to it), so starting the same change
// twice attaches to the running workflow instead of making it twice, and
// one resource has one change at a time.
func (w Workflow[In, Out]) ID(in In) string { return w.id(in.Canonical()) }

// StartOptions are the options to start the change in with: its ID on
// vpcflow's task queue, refusing a start while a run of that ID runs
// (WorkflowIDConflictPolicy FAIL, an error when already started: Start
// attaches to it when the input is the same) and allowing a new run once
// one has ended, the input's digest in the memo, a summary and the input
// for the Web UI, and the search attributes that name what it touches. Setting VpcFlowStage at start is what lets the workflow
// upsert its stage: leave TypedSearchAttributes unset on a namespace that
// lacks vpcflow's search attributes (SearchAttributeTypes).
func (w Workflow[In, Out]) StartOptions(in In) client.StartWorkflowOptions {
	in = in.Canonical()
	r := w.resources(in)
	return client.StartWorkflowOptions{
		ID:                                       w.id(in),
		TaskQueue:                                TaskQueue,
		WorkflowIDConflictPolicy:                 enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		WorkflowIDReusePolicy:                    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		Memo:                                     map[string]any{InputDigestMemo: digest(in)},
		StaticSummary:                            truncate(w.summary(in), 200),
		StaticDetails:                            staticDetails(w.Type, in),
		TypedSearchAttributes:                    StartSearchAttributes(r.RegionId, r.RouterInterfaceId, r.VpnConnectionId),
	}
}

// Described is a Workflow seen without its input and result types, for
// code that treats every workflow alike: the starter makes a command of
// each, the worker checks that it registers each.
type Described interface {
	// Describe returns the workflow's names and help.
	Describe() Description
	// NewInput returns a pointer to a zero input, to decode into.
	NewInput() any
	// Prepare validates the input *in points to and returns its canonical
	// form with the options to start it with; the error is a
	// *ValidationError listing every problem.
	Prepare(in any) (canonical any, opts client.StartWorkflowOptions, err error)
	// NewResult returns a pointer to a zero result, to read one into.
	NewResult() any
}

// Description is what names a workflow.
type Description struct {
	Type, Command, Short string
}

// Describe returns the workflow's names and help.
func (w Workflow[In, Out]) Describe() Description {
	return Description{Type: w.Type, Command: w.Command, Short: w.Short}
}

// NewInput returns a new *In.
func (w Workflow[In, Out]) NewInput() any { return new(In) }

// NewResult returns a new *Out.
func (w Workflow[In, Out]) NewResult() any { return new(Out) }

// Prepare validates *in (an *In from NewInput) and returns its canonical
// form and start options.
func (w Workflow[In, Out]) Prepare(in any) (any, client.StartWorkflowOptions, error) {
	p, ok := in.(*In)
	if !ok {
		return nil, client.StartWorkflowOptions{}, fmt.Errorf("%s takes a %T, not a %T", w.Type, p, in)
	}
	if err := (*p).Validate(); err != nil {
		return nil, client.StartWorkflowOptions{}, err
	}
	canonical := (*p).Canonical()
	return canonical, w.StartOptions(canonical), nil
}

// staticDetails is the Markdown the Web UI shows for the workflow: its
// input, within Temporal's limit on details.
func staticDetails(workflowType string, input any) string {
	data, _ := json.MarshalIndent(input, "", "  ")
	return truncate(fmt.Sprintf("**%s**\n\n```json\n%s\n```\n", workflowType, data), 20000)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
