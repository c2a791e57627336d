package contract

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
)

// A fleet makes many NetworkChanges as one: one plan and one approval for
// all of them, a cap on how many run at once, the changes the cloud would
// refuse to run together run one after another, and a stop after MaxErrors
// failures. Each change is an ordinary NetworkChange workflow, with its
// usual ID, started by the fleet as its child and found by the
// VpcFlowFleet search attribute.

// Bounds of a fleet.
const (
	// MaxFleetChanges bounds a fleet's Changes: with its Defaults, 5,000
	// changes fit in MaxInputBytes (a change is then its interface and
	// routes, a few hundred bytes).
	MaxFleetChanges = 5000
	// DefaultFleetConcurrency is how many changes run at once when the
	// fleet sets no Concurrency.
	DefaultFleetConcurrency = 10
	// MaxFleetConcurrency bounds Concurrency: each running change polls the
	// cloud, and the account's API rate limit is shared.
	MaxFleetConcurrency = 200
	// DefaultFleetRunLength is how many changes one run of a fleet starts
	// before it continues as new, keeping each history bounded (a change
	// costs its fleet about 6.5 events).
	DefaultFleetRunLength = 500
)

// FleetProgressQuery is the name of the query a fleet answers with its
// FleetProgress (it answers ProgressQuery too, for its own steps: planning
// and approval).
const FleetProgressQuery = "fleet-progress"

// FleetConnectedSignal is the signal a fleet's change sends the fleet
// once its router interface is Active, its workflow ID as the argument:
// the fleet then lets the next change connect from the same router.
const FleetConnectedSignal = "change-connected"

// NetworkFleetInput is a fleet: Defaults applied to every change (a field a
// change leaves empty takes the default's value), then the changes, each a
// NetworkChange input.
type NetworkFleetInput struct {
	// Name names the fleet: its workflow ID is network-fleet/<Name>.
	Name     string               `json:"Name"`
	Defaults *NetworkChangeInput  `json:"Defaults,omitempty"`
	Changes  []NetworkChangeInput `json:"Changes"`
	// Concurrency caps the changes running at once (default 10).
	Concurrency int `json:"Concurrency,omitempty"`
	// MaxErrors is how many changes may fail before no new change starts
	// (running ones finish): 0, the default, stops at the first failure;
	// -1 keeps going whatever fails.
	MaxErrors int `json:"MaxErrors,omitempty"`
	// Approval, when Required, plans every change first and waits for one
	// decision on the fleet's plan. The changes themselves ask no one.
	Approval *Approval `json:"Approval,omitempty"`
	// RunLength is how many changes one run of the fleet starts before it
	// continues as new (default DefaultFleetRunLength).
	RunLength int `json:"RunLength,omitempty"`
	// Carried is what the fleet's earlier runs did, handed to the next run
	// when it continues as new; set by the fleet only.
	Carried *FleetCarried `json:"Carried,omitempty"`

	decodeProblems // what decoding refused (decode.go)
}

// FleetCarried is what one run of a fleet hands to the next.
type FleetCarried struct {
	Changes   []FleetChange    `json:"Changes"`
	Decisions []DecisionRecord `json:"Decisions,omitempty"`
	StartedAt time.Time        `json:"StartedAt"`
	Runs      int              `json:"Runs"`
	// Approval is the fleet's approval, as its first run took it: the
	// changes a later run starts are covered by it too.
	Approval *ApprovalProgress `json:"Approval,omitempty"`
}

// Fleet change states.
const (
	FleetPending   = "pending"   // not started yet
	FleetRunning   = "running"   // its workflow runs
	FleetCompleted = "completed" // its workflow completed
	FleetFailed    = "failed"    // its workflow failed, or could not start
	FleetCancelled = "cancelled" // its workflow was cancelled
	FleetSkipped   = "skipped"   // never started: the fleet stopped starting
)

// FleetStates are the states of a fleet's changes, in the order they are
// counted.
var FleetStates = []string{FleetPending, FleetRunning, FleetCompleted, FleetFailed, FleetCancelled, FleetSkipped}

// FleetChange is one change of a fleet as the fleet knows it.
type FleetChange struct {
	Index      int    `json:"Index"`
	WorkflowId string `json:"WorkflowId"`
	RunId      string `json:"RunId,omitempty"`
	State      string `json:"State"`
	// Attached is set when the change was already running with the same
	// input (started outside the fleet): the fleet followed that run.
	Attached bool `json:"Attached,omitempty"`
	// Keys are what it runs one at a time with other changes on
	// (route-table/<id>, router-pair/<a>+<b>).
	Keys      []string `json:"Keys,omitempty"`
	ErrorType string   `json:"ErrorType,omitempty"`
	Error     string   `json:"Error,omitempty"`
}

// Finished tells whether the change has ended one way or another.
func (c FleetChange) Finished() bool {
	return c.State != FleetPending && c.State != FleetRunning
}

// FleetProgress is what a fleet answers FleetProgressQuery with, and its
// result: counts by state, each change, and why it stopped starting.
type FleetProgress struct {
	Fleet  string         `json:"Fleet"`
	Stage  string         `json:"Stage"`
	Total  int            `json:"Total"`
	Counts map[string]int `json:"Counts"`
	// Planned counts the plan's changes by what they would do, when the
	// fleet asked for approval: will do, already done, would fail.
	Planned map[string]int `json:"Planned,omitempty"`
	// Stopped says why no new change starts ("" while they do).
	Stopped   string           `json:"Stopped,omitempty"`
	Changes   []FleetChange    `json:"Changes"`
	Decisions []DecisionRecord `json:"Decisions,omitempty"`
	StartedAt time.Time        `json:"StartedAt"`
	// Runs is how many runs of the fleet there were (it continues as new
	// every RunLength changes).
	Runs int `json:"Runs"`
}

// NetworkFleetResult is the progress of a fleet that has ended.
type NetworkFleetResult = FleetProgress

// Fleet stages, beside the change stages it shares (validate,
// awaiting-approval, completed, failed, cancelled).
const (
	StageFleetReadInterfaces = "read-router-interfaces"
	StagePlanChanges         = "plan-changes"
	StageRunChanges          = "run-changes"
)

// fleetNamePattern is a fleet's Name: it ends up in a workflow ID and a
// search attribute.
var fleetNamePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$`)

// FleetID is the workflow ID of the fleet named name.
func FleetID(name string) string { return "network-fleet/" + name }

// IsFleetID tells whether a workflow ID is a fleet's.
func IsFleetID(id string) bool { return strings.HasPrefix(id, "network-fleet/") }

func networkFleetID(in NetworkFleetInput) string { return FleetID(in.Name) }

// ChangeInputs are the fleet's changes with the defaults applied, in
// canonical form.
func (in NetworkFleetInput) ChangeInputs() []NetworkChangeInput {
	out := make([]NetworkChangeInput, len(in.Changes))
	for i, c := range in.Changes {
		if in.Defaults != nil {
			c = withDefaults(c, *in.Defaults)
		}
		out[i] = c.Canonical()
	}
	return out
}

// withDefaults fills each exported field c leaves at its zero value with
// d's.
func withDefaults(c, d NetworkChangeInput) NetworkChangeInput {
	cv, dv := reflect.ValueOf(&c).Elem(), reflect.ValueOf(d)
	for i := range cv.NumField() {
		if !cv.Type().Field(i).IsExported() {
			continue
		}
		if f := cv.Field(i); f.IsZero() {
			f.Set(dv.Field(i))
		}
	}
	return c
}

// Canonical returns the fleet with its defaults and changes in canonical
// form.
func (in NetworkFleetInput) Canonical() NetworkFleetInput {
	if in.Defaults != nil {
		d := in.Defaults.Canonical()
		in.Defaults = &d
	}
	in.Changes = canonicalized(in.Changes, NetworkChangeInput.Canonical)
	return in
}

// ConcurrencyOrDefault is the cap on changes running at once.
func (in NetworkFleetInput) ConcurrencyOrDefault() int {
	if in.Concurrency == 0 {
		return DefaultFleetConcurrency
	}
	return in.Concurrency
}

// RunLengthOrDefault is how many changes a run starts before it continues
// as new.
func (in NetworkFleetInput) RunLengthOrDefault() int {
	if in.RunLength == 0 {
		return DefaultFleetRunLength
	}
	return in.RunLength
}

// Validate lists every problem of the fleet: its own fields, then each
// change's (with the defaults applied) under its index, so every bad entry
// is named at once and nothing starts.
func (in NetworkFleetInput) Validate() error {
	p := problems(slices.Clone(in.decodeRefusals()))
	if !fleetNamePattern.MatchString(in.Name) {
		p.addf("Name %s is not a fleet name: 1 to 64 lower-case letters, digits, '.', '_' or '-', starting and ending with a letter or digit", shown(in.Name))
	}
	switch {
	case len(in.Changes) == 0:
		p.addf("Changes is empty: list the changes, each a NetworkChange input")
	case len(in.Changes) > MaxFleetChanges:
		p.addf("Changes has %d entries; at most %d (split the fleet)", len(in.Changes), MaxFleetChanges)
	}
	if in.Concurrency < 0 || in.Concurrency > MaxFleetConcurrency {
		p.addf("Concurrency %d is out of range 1..%d (omit it for %d)", in.Concurrency, MaxFleetConcurrency, DefaultFleetConcurrency)
	}
	if in.MaxErrors < -1 {
		p.addf("MaxErrors %d: give 0 (stop at the first failure), a number of failures, or -1 (keep going)", in.MaxErrors)
	}
	if in.RunLength < 0 {
		p.addf("RunLength %d is negative (omit it for %d)", in.RunLength, DefaultFleetRunLength)
	}
	p.approval("Approval", in.Approval)
	if in.Defaults != nil && len(in.Defaults.decodeRefusals()) > 0 {
		for _, r := range in.Defaults.decodeRefusals() {
			p.addf("Defaults: %s", r)
		}
	}

	var bad []string
	seen := make(map[string]int)
	for i, c := range firstOf(in.ChangeInputs(), MaxFleetChanges) {
		at := fmt.Sprintf("Changes[%d]", i)
		before := len(p)
		if err := c.Validate(); err != nil {
			var v *ValidationError
			if errors.As(err, &v) {
				for _, problem := range v.Problems {
					p.addf("%s: %s", at, problem)
				}
			}
		}
		if c.Approval != nil {
			p.addf("%s: Approval is the fleet's: a fleet asks one approval for all its changes (set the fleet's Approval)", at)
		}
		if first, dup := seen[c.RouterInterfaceId]; dup && c.RouterInterfaceId != "" {
			p.addf("%s changes router interface %s as Changes[%d] does: one change per interface (merge their routes)", at, c.RouterInterfaceId, first)
		} else {
			seen[c.RouterInterfaceId] = i
		}
		if len(p) > before {
			bad = append(bad, strconv.Itoa(i))
		}
	}
	if in.Carried != nil && len(in.Carried.Changes) != len(in.Changes) {
		p.addf("Carried is the fleet's own (set when it continues as new): leave it out")
	}
	if len(bad) > 0 {
		// Every bad entry named, even past the problems listed.
		p = append(problems{fmt.Sprintf("Changes %s have problems", strings.Join(firstOf(bad, 100), ", "))}, p...)
	}
	return p.err(NetworkFleet.Type + " input")
}

// EndOf is how a workflow ended, from the error its result came with: its
// fleet state (FleetCompleted, FleetFailed or FleetCancelled), and for a
// failure the error's type and message.
func EndOf(err error) (state, errorType, message string) {
	var canceled *temporal.CanceledError
	var appErr *temporal.ApplicationError
	switch {
	case err == nil:
		return FleetCompleted, "", ""
	case errors.As(err, &canceled):
		return FleetCancelled, "", canceled.Error()
	case errors.As(err, &appErr):
		return FleetFailed, appErr.Type(), appErr.Error()
	}
	return FleetFailed, "", err.Error()
}
