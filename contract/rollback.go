package contract

import (
	"fmt"
	"slices"
)

// What a NetworkChange does with what it has changed when it is cancelled
// (NetworkChangeInput.OnCancel) or fails (OnFailure).
const (
	// RecoveryKeep leaves it: the change stops where it is. The default.
	RecoveryKeep = "keep"
	// RecoveryRollback undoes it with a Rollback child workflow, then stops.
	RecoveryRollback = "rollback"
)

var recoveries = []string{RecoveryKeep, RecoveryRollback}

// ChangeRecord is what one NetworkChange changed, and only that: the
// interface it connected (it was Idle before) and the routes it published
// (they were not published before). It is what a Rollback undoes.
// A connect or publish whose answer never came (the change was cancelled
// while the call was retried) counts as made: the rollback reads before it
// undoes anything, and undoes only what it finds.
type ChangeRecord struct {
	RegionId string `json:"RegionId"`
	// RouterInterfaceId is the interface the change connected, or, with
	// Activated, activated (it was Inactive); "" if none.
	RouterInterfaceId string `json:"RouterInterfaceId,omitempty"`
	Activated         bool   `json:"Activated,omitempty"`
	// Published are the routes it published to TargetType TargetInstanceId.
	TargetType       string       `json:"TargetType,omitempty"`
	TargetInstanceId string       `json:"TargetInstanceId,omitempty"`
	Published        []RouteEntry `json:"Published,omitempty"`
	// Endpoints are the APIG endpoint connections an ApigEndpointChange
	// accepted or rejected.
	Endpoints *EndpointChangeRecord `json:"Endpoints,omitempty"`
	// RequestIds of the calls that made the changes.
	RequestIds []string `json:"RequestIds,omitempty"`
}

// EndpointChangeRecord is what an ApigEndpointChange did: Action (accept
// or reject) to the connections EndpointIds of gateway InstanceId, which
// were not so before. Its rollback does the opposite to them.
type EndpointChangeRecord struct {
	ProjectId   string   `json:"ProjectId,omitempty"`
	Region      string   `json:"Region,omitempty"`
	InstanceId  string   `json:"InstanceId"`
	Action      string   `json:"Action"`
	EndpointIds []string `json:"EndpointIds"`
}

// Status is the status the change moved its connections to.
func (e EndpointChangeRecord) Status() string { return EndpointStatusAfter(e.Action) }

// Undo is the action that undoes the record's.
func (e EndpointChangeRecord) Undo() string {
	if e.Action == EndpointActionReject {
		return EndpointActionAccept
	}
	return EndpointActionReject
}

// String says what was done, in a line.
func (e EndpointChangeRecord) String() string {
	return fmt.Sprintf("%sed %s of gateway %s", e.Action, plural(len(e.EndpointIds), "endpoint connection"), e.InstanceId)
}

// Routes is the route set the change published ("" target and no entries
// if none).
func (c ChangeRecord) Routes() RouteSet {
	return RouteSet{RegionId: c.RegionId, TargetType: c.TargetType, TargetInstanceId: c.TargetInstanceId, RouteEntries: c.Published}
}

// Empty tells whether nothing was changed.
func (c ChangeRecord) Empty() bool {
	return c.RouterInterfaceId == "" && len(c.Published) == 0 && (c.Endpoints == nil || len(c.Endpoints.EndpointIds) == 0)
}

// String says what was changed, in a line.
func (c ChangeRecord) String() string {
	if c.Endpoints != nil && len(c.Endpoints.EndpointIds) > 0 {
		return c.Endpoints.String()
	}
	verb := "connected"
	if c.Activated {
		verb = "activated"
	}
	switch {
	case c.Empty():
		return "nothing was changed"
	case c.RouterInterfaceId == "":
		return fmt.Sprintf("published %s to %s", plural(len(c.Published), "route"), c.TargetInstanceId)
	case len(c.Published) == 0:
		return verb + " " + c.RouterInterfaceId
	}
	return fmt.Sprintf("%s %s and published %s to %s", verb, c.RouterInterfaceId, plural(len(c.Published), "route"), c.TargetInstanceId)
}

// RollbackInput undoes what one change (a NetworkChange, or a
// PublishVpcRoutes or ConnectRouterInterface) changed: it withdraws the
// routes the change published (WithdrawVpcPublishedRouteEntries) and waits
// until they are NonPublished, then, with DeactivateInterface, deactivates
// the interface the change connected (DeactivateRouterInterface) and waits
// until it is Inactive. Each undo reads first, is made once, and is skipped
// when the read finds it done.
//
// What to undo is read from the change itself (ChangeOf), never taken from
// the input: the Rollback refuses a Change that does not exist, is not a
// change, or is still running (unless it is the change that started it),
// and a Changed that differs from the change's own record. Changed may be
// left out; `starter rollback` sends the record it read, so the Web UI's
// summary says what will be undone.
type RollbackInput struct {
	// Change is the workflow ID of the change undone.
	Change string `json:"Change"`
	// Changed, when given, must be what the change changed (its record,
	// RequestIds aside).
	Changed *ChangeRecord `json:"Changed,omitempty"`
	// DeactivateInterface also deactivates the interface the change
	// connected; without it the interface stays connected.
	DeactivateInterface bool     `json:"DeactivateInterface,omitempty"`
	WaitTimeout         Duration `json:"WaitTimeout,omitempty"`

	decodeProblems // what decoding refused (decode.go)
}

// RollbackResult reports a rollback. Withdrawn are the routes this rollback
// withdrew, AlreadyWithdrawn those it found withdrawn (by an earlier
// attempt or someone else); Deactivated is true when it deactivated the
// interface, InterfaceStatus the interface's state as last read ("" when
// the interface was left alone).
type RollbackResult struct {
	Change           string       `json:"Change"`
	Withdrawn        []RouteEntry `json:"Withdrawn,omitempty"`
	AlreadyWithdrawn []RouteEntry `json:"AlreadyWithdrawn,omitempty"`
	Deactivated      bool         `json:"Deactivated"`
	InterfaceStatus  string       `json:"InterfaceStatus,omitempty"`
	// Reverted are the endpoint connections this rollback moved back
	// (rejected what the change accepted, or accepted what it rejected),
	// AlreadyReverted those it found so.
	Reverted         []string `json:"Reverted,omitempty"`
	AlreadyReverted  []string `json:"AlreadyReverted,omitempty"`
	ChangeRequestIds []string `json:"ChangeRequestIds,omitempty"`
	// Fleet is, for the rollback of a fleet, how each of its changes was
	// rolled back (each by a Rollback of its own).
	Fleet []FleetChangeRollback `json:"Fleet,omitempty"`
	Steps []Step                `json:"Steps"`
}

// FleetChangeRollback is how one change of a fleet was rolled back.
type FleetChangeRollback struct {
	WorkflowId string `json:"WorkflowId"`
	// Outcome is rolled back, nothing to undo, failed or not started (the
	// fleet rollback stopped starting after a failure or a cancel).
	Outcome string          `json:"Outcome"`
	Result  *RollbackResult `json:"Result,omitempty"`
	Error   string          `json:"Error,omitempty"`
}

// Outcomes of a fleet change's rollback.
const (
	FleetRolledBack      = "rolled back"
	FleetNothingToUndo   = "nothing to undo"
	FleetRollbackFailed  = "failed"
	FleetRollbackSkipped = "not started"
)

// ChangeStopped is the details of the CanceledError a cancelled
// NetworkChange ends with: what it had changed, and, with OnCancel
// rollback, how the rollback went (RollbackError says why it failed).
type ChangeStopped struct {
	Changed       ChangeRecord    `json:"Changed"`
	Rollback      *RollbackResult `json:"Rollback,omitempty"`
	RollbackError string          `json:"RollbackError,omitempty"`
}

// RollbackID is the workflow ID of the rollback of the change whose
// workflow ID is change: one rollback of a change at a time.
func RollbackID(change string) string { return "rollback/" + change }

// Validate lists every problem of the input, or returns nil.
func (in RollbackInput) Validate() error {
	p := problems(slices.Clone(in.decodeRefusals()))
	if in.Change == "" {
		p.addf("Change is required (the workflow ID of the change to undo)")
	} else if len(in.Change) > 1000 {
		p.addf("Change is %d bytes long; a workflow ID is at most 1000", len(in.Change))
	}
	if c := in.Changed; c != nil && c.Endpoints != nil {
		e := c.Endpoints
		p.huaweiID("Changed.Endpoints.ProjectId", e.ProjectId, false)
		p.optionalRegion("Changed.Endpoints.Region", e.Region)
		p.huaweiID("Changed.Endpoints.InstanceId", e.InstanceId, true)
		p.oneOf("Changed.Endpoints.Action", e.Action, []string{EndpointActionAccept, EndpointActionReject})
		p.endpointIDs("Changed.Endpoints.EndpointIds", e.EndpointIds, MaxEndpointsPerChange)
	} else if c != nil {
		p.region("Changed.RegionId", c.RegionId)
		if c.RouterInterfaceId != "" {
			p.id("Changed.RouterInterfaceId", c.RouterInterfaceId, "ri-")
		}
		if len(c.Published) > 0 {
			p.targetType("Changed.TargetType", c.TargetType)
			p.id("Changed.TargetInstanceId", c.TargetInstanceId, "ecr-")
			p.routeEntries("Changed.Published", c.Published)
		}
	}
	p.timeout("WaitTimeout", in.WaitTimeout)
	return p.err(Rollback.Type + " input")
}

// Canonical returns the input with every CIDR block in canonical form.
func (in RollbackInput) Canonical() RollbackInput {
	if in.Changed != nil {
		c := in.Changed.Canonical()
		in.Changed = &c
	}
	return in
}

// Canonical returns the record with every CIDR block in canonical form
// and its endpoints in order.
func (c ChangeRecord) Canonical() ChangeRecord {
	c.Published = canonicalized(c.Published, canonicalEntry)
	if c.Endpoints != nil {
		e := *c.Endpoints
		e.EndpointIds = slices.Sorted(slices.Values(e.EndpointIds))
		c.Endpoints = &e
	}
	return c
}

// Same tells whether two records name the same changes: the same
// interface, target and published routes (in any order), RequestIds aside.
func (c ChangeRecord) Same(o ChangeRecord) bool {
	c, o = c.Canonical(), o.Canonical()
	if c.RegionId != o.RegionId || c.RouterInterfaceId != o.RouterInterfaceId || len(c.Published) != len(o.Published) {
		return false
	}
	if (c.Endpoints == nil) != (o.Endpoints == nil) {
		return false
	}
	if c.Endpoints != nil {
		ce, oe := *c.Endpoints, *o.Endpoints
		if ce.ProjectId != oe.ProjectId || ce.Region != oe.Region || ce.InstanceId != oe.InstanceId ||
			ce.Action != oe.Action || !slices.Equal(ce.EndpointIds, oe.EndpointIds) {
			return false
		}
	}
	if len(c.Published) > 0 && (c.TargetType != o.TargetType || c.TargetInstanceId != o.TargetInstanceId) {
		return false
	}
	counts := make(map[RouteEntry]int, len(c.Published))
	for _, e := range c.Published {
		counts[e]++
	}
	for _, e := range o.Published {
		if counts[e]--; counts[e] < 0 {
			return false
		}
	}
	return true
}

func rollbackID(in RollbackInput) string { return RollbackID(in.Change) }

func (p *problems) recovery(field, v string) {
	if v != "" {
		p.oneOf(field, v, recoveries)
	}
}
