package contract

import (
	"errors"
	"fmt"
	"slices"
)

// A change made today can be undone tomorrow by a click in the console. A
// DriftCheck reads, and only reads, whether a change (or every change of a
// fleet) is still as it made it: its interface Active, its routes
// Published to their target, its VPN connection seeing them, its
// cross-account authorization there. `starter watch` runs one on a Temporal
// Schedule.

// DriftCheckInput names what to check: one change (Change) or a fleet
// (Fleet), as their specs give them. With Repair, a drift runs the change
// (or the fleet) again, which asks for approval when its spec does.
type DriftCheckInput struct {
	Change *NetworkChangeInput `json:"Change,omitempty"`
	Fleet  *NetworkFleetInput  `json:"Fleet,omitempty"`
	Repair bool                `json:"Repair,omitempty"`

	decodeProblems // what decoding refused (decode.go)
}

// Kinds of drift, the label of the drift metric.
const (
	DriftInterface     = "interface"     // the router interface is not Active
	DriftRoutes        = "routes"        // a route is not Published to its target
	DriftVpnRoutes     = "vpn-routes"    // an expected route is not on the VPN connection
	DriftAuthorization = "authorization" // the cross-account authorization is gone
)

// DriftKinds are the kinds of drift.
var DriftKinds = []string{DriftInterface, DriftRoutes, DriftVpnRoutes, DriftAuthorization}

// Drift is one thing that moved.
type Drift struct {
	// Change is the workflow ID of the change it belongs to.
	Change string `json:"Change"`
	Kind   string `json:"Kind"`
	// What names the resource; Found says what it is now.
	What  string `json:"What"`
	Found string `json:"Found"`
}

func (d Drift) String() string {
	return fmt.Sprintf("%s: %s %s is %s", d.Change, d.Kind, d.What, d.Found)
}

// DriftResult is what a DriftCheck found and, with Repair, how the repair
// went. A check that found drift without Repair fails DriftedType, this
// in its details.
type DriftResult struct {
	Target  string  `json:"Target"`  // the change's or fleet's workflow ID
	Changes int     `json:"Changes"` // how many changes it checked
	Reads   int     `json:"Reads"`   // cloud calls it made (pages read)
	Drifted []Drift `json:"Drifted"`
	// Repair is the run that made the change again, and how it ended.
	Repair *RepairOutcome `json:"Repair,omitempty"`
	Steps  []Step         `json:"Steps"`
}

// RepairOutcome is the change (or fleet) a DriftCheck ran again.
type RepairOutcome struct {
	WorkflowId string `json:"WorkflowId"`
	RunId      string `json:"RunId,omitempty"`
	State      string `json:"State"` // FleetCompleted, FleetFailed or FleetCancelled
	Error      string `json:"Error,omitempty"`
}

// Drift stages.
const (
	StageCheckDrift = "check-drift"
	StageRepair     = "repair"
	// StageDrifted is where a check that found drift ends (VpcFlowStage
	// 'drifted' finds them).
	StageDrifted = "drifted"
)

// DriftedType: a DriftCheck found what a change made moved; the details
// are its DriftResult.
const DriftedType = "Drifted"

// Target is the workflow ID of what the input checks.
func (in DriftCheckInput) Target() string {
	switch {
	case in.Fleet != nil:
		return NetworkFleet.ID(*in.Fleet)
	case in.Change != nil:
		return NetworkChange.ID(*in.Change)
	}
	return ""
}

// Changes are the changes the input checks, canonical, defaults applied.
func (in DriftCheckInput) Changes() []NetworkChangeInput {
	switch {
	case in.Fleet != nil:
		return in.Fleet.ChangeInputs()
	case in.Change != nil:
		return []NetworkChangeInput{in.Change.Canonical()}
	}
	return nil
}

// DriftScheduleID is the ID of the Schedule that watches target (a change's
// or fleet's workflow ID).
func DriftScheduleID(target string) string { return "drift/" + target }

func driftCheckID(in DriftCheckInput) string { return "drift-check/" + in.Target() }

// Canonical returns the input with its change or fleet in canonical form.
func (in DriftCheckInput) Canonical() DriftCheckInput {
	if in.Change != nil {
		c := in.Change.Canonical()
		in.Change = &c
	}
	if in.Fleet != nil {
		f := in.Fleet.Canonical()
		in.Fleet = &f
	}
	return in
}

// Validate lists every problem of the input: exactly one of Change and
// Fleet, valid as its own workflow's input.
func (in DriftCheckInput) Validate() error {
	p := problems(slices.Clone(in.decodeRefusals()))
	var inner error
	switch {
	case in.Change == nil && in.Fleet == nil:
		p.addf("give Change (a NetworkChange spec) or Fleet (a NetworkFleet spec) to check")
	case in.Change != nil && in.Fleet != nil:
		p.addf("give Change or Fleet, not both")
	case in.Change != nil:
		inner = in.Change.Validate()
	default:
		inner = in.Fleet.Validate()
		if in.Fleet.Carried != nil {
			p.addf("Fleet.Carried is the fleet's own: leave it out")
		}
	}
	var v *ValidationError
	if errors.As(inner, &v) {
		for _, problem := range v.Problems {
			p.addf("%s: %s", v.Input, problem)
		}
	}
	return p.err(DriftCheck.Type + " input")
}
