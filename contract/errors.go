package contract

import (
	"fmt"
	"strings"
)

// Error types: the Type of the *temporal.ApplicationError a workflow fails
// with, for a caller to tell failures apart without reading messages. A
// refusal by a cloud has the cloud's own error code as its Type
// (IncorrectRole.NotInitiatingSide, APIG.3030, ...) and CloudErrorDetails as
// its details; these are the types vpcflow gives its own findings. Each is
// made in one place in the worker.
const (
	// InvalidInputType: the workflow refused its input before any cloud
	// call. The details are ValidationError.Problems.
	InvalidInputType = "InvalidInput"
	// CrossAccountMissingType: the VPN connection is not authorized for the
	// expected CEN instance. The details are the authorizations it has.
	CrossAccountMissingType = "CrossAccountAuthorizationMissing"
	// WaitTimeoutType: a wait reached its deadline before the target state.
	WaitTimeoutType = "WaitTimeout"
	// UnreachableStateType: a read saw a state from which the target cannot
	// be reached (an interface gone Inactive, an endpoint rejected).
	UnreachableStateType = "UnreachableState"
	// WorkerStoppingType: a wait gave its attempt up because its worker is
	// stopping (a deploy, a scale-down). It is retried on another worker,
	// which resumes from the heartbeat at once; a workflow never fails with it.
	WorkerStoppingType = "WorkerStopping"
	// DryRunIgnoredType: a DryRun publish answered success, so the endpoint
	// did not honour DryRun and may have published for real.
	DryRunIgnoredType = "DryRunIgnored"
	// ListingDidNotEndType: a paged listing went on past the page cap.
	ListingDidNotEndType = "ListingDidNotEnd"
	// NetworkErrorType: a call got no answer (connection refused, reset,
	// timed out); it is retried, and the workflow fails with it only when
	// the call's retry budget is spent.
	NetworkErrorType = "NetworkError"
	// ApprovalTimeoutType: a change waiting for approval got no decision
	// within its Approval.Timeout; nothing was changed.
	ApprovalTimeoutType = "ApprovalTimeout"
	// ChangeRejectedType: a person rejected the change's plan; nothing was
	// changed. The details are the DecisionRecord.
	ChangeRejectedType = "ChangeRejected"
	// PlanWouldFailType: a change waiting for approval planned a step that
	// would fail, so it asks no one and stops; the details are the plan.
	PlanWouldFailType = "PlanWouldFail"
	// RollbackRefusedType: a Rollback was asked to undo what it cannot
	// vouch for: a Change that does not exist, is not a change or is still
	// running, or a Changed that is not the change's own record. Nothing
	// was undone.
	RollbackRefusedType = "RollbackRefused"
	// HuaweiCloudNotConfiguredType: the worker has no Huawei Cloud client
	// for the project and region asked (no credentials, or no endpoint).
	HuaweiCloudNotConfiguredType = "HuaweiCloudNotConfigured"
	// AlibabaCredentialsUnavailableType: no source of the worker's Alibaba
	// Cloud credential chain gave credentials.
	AlibabaCredentialsUnavailableType = "AlibabaCredentialsUnavailable"
	// ConflictingStartType: a fleet's change was already running with
	// another input (started outside the fleet); the fleet did not start
	// it. The message is the ConflictingStartError's.
	ConflictingStartType = "ConflictingStart"
	// FleetChangesFailedType: a fleet ended with changes failed or not
	// started (MaxErrors); the details are its FleetProgress.
	FleetChangesFailedType = "FleetChangesFailed"
	// CallLimitedType: the worker held a cloud call back, unmade, because
	// its limit for the API (activities.CallLimits) would have queued it
	// too long; retried after the time the limit gives.
	CallLimitedType = "CallLimited"
)

// ErrorTypes lists the error types above: the types of the failures
// vpcflow makes itself (a cloud's refusal has the cloud's code).
func ErrorTypes() []string {
	return []string{InvalidInputType, CrossAccountMissingType, WaitTimeoutType, UnreachableStateType, WorkerStoppingType,
		DryRunIgnoredType, ListingDidNotEndType, NetworkErrorType, ApprovalTimeoutType, ChangeRejectedType, PlanWouldFailType,
		RollbackRefusedType, HuaweiCloudNotConfiguredType, AlibabaCredentialsUnavailableType, ConflictingStartType, FleetChangesFailedType, DriftedType,
		CallLimitedType}
}

// ErrorClass says what vpcflow does when a cloud call answers an error code.
type ErrorClass string

const (
	// Transient errors are retried with Temporal's exponential backoff.
	Transient ErrorClass = "transient"
	// Throttled errors are retried with a longer, growing delay so that a
	// throttled account is not hammered by its own retries.
	Throttled ErrorClass = "throttled"
	// Busy errors mean the resource is in a state that does not accept the
	// call yet (a task in flight, a non-steady state): retried at a slower pace.
	Busy ErrorClass = "busy"
	// Permanent errors end the step at once: retrying cannot fix them, the
	// user must (the Fix says how).
	Permanent ErrorClass = "permanent"
	// DryRunPassed is the answer of a DryRun request whose checks all passed.
	DryRunPassed ErrorClass = "dry-run-passed"
)

// CloudErrorDetails travels as the details of every ApplicationError that a
// failed cloud call produces, so a caller can read the code and RequestId
// without parsing the message.
type CloudErrorDetails struct {
	Operation  string     `json:"Operation"`
	Resource   string     `json:"Resource"`
	Code       string     `json:"Code"`
	HTTPStatus int        `json:"HTTPStatus,omitempty"`
	RequestId  string     `json:"RequestId,omitempty"`
	Message    string     `json:"Message,omitempty"`
	Class      ErrorClass `json:"Class"`
	Fix        string     `json:"Fix,omitempty"`
}

// String is the one-line message users read in the Web UI and the CLI.
func (d CloudErrorDetails) String() string {
	msg := fmt.Sprintf("%s %s: %s", d.Operation, d.Resource, d.Code)
	if d.HTTPStatus != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", d.HTTPStatus)
	}
	if d.Message != "" {
		msg += ": " + d.Message
	}
	if d.Fix != "" {
		msg += ". Fix: " + d.Fix
	}
	if d.RequestId != "" {
		msg += ". RequestId: " + d.RequestId
	}
	return msg
}

// ValidationError lists every problem of an input (up to MaxProblems, and
// how many more), so one round trip fixes them all. A workflow fails with
// it as an InvalidInputType error whose details are the Problems.
type ValidationError struct {
	Input    string   `json:"Input"`
	Problems []string `json:"Problems"`
	total    int      // the problems found, listed or not; 0: len(Problems)
}

// Headline says how many problems the input has, those left out of
// Problems counted too: "the input has 3 problems".
func (e *ValidationError) Headline() string {
	n := e.total
	if n == 0 {
		n = len(e.Problems)
	}
	return "the input has " + plural(n, "problem")
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Input, strings.Join(e.Problems, "; "))
}
