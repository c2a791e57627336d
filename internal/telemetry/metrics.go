package telemetry

// The one list of vpcflow's metrics and their tags (Prometheus labels),
// recorded through the Temporal SDK's metrics handler: the cloud calls and
// waits by package activities, the rest here. docs/operations.md describes
// each; a test checks that no other package names one again.
const (
	// MetricCloudCalls counts cloud calls by operation, code (OK for a
	// success, the cloud's error code when the error table has it,
	// NetworkError without an answer, "other" for any other code:
	// activities.MetricLabel) and class (ok, transient, throttled, busy,
	// permanent, dry-run-passed).
	MetricCloudCalls = "vpcflow_cloud_calls"
	// MetricCloudCallLatency is the time of one cloud call, by operation.
	MetricCloudCallLatency = "vpcflow_cloud_call_latency"
	// MetricCloudCallsHeld counts the calls the worker did not make because
	// its limit for the API (its share of the account's quota) would have
	// queued them too long, by operation (activities.CallLimits).
	MetricCloudCallsHeld = "vpcflow_cloud_calls_held"
	// MetricCloudCallLimit is the worker's limit of an API in a region, in
	// calls a second, after the last throttle or climb, by operation and
	// region.
	MetricCloudCallLimit = "vpcflow_cloud_call_limit"
	// MetricWaitReads counts the reads of the waits, by wait (activity).
	MetricWaitReads = "vpcflow_wait_reads"
	// MetricWaitDuration is how long a wait took from when the workflow
	// scheduled it to its end, by wait and outcome (reached, timeout,
	// unreachable, failed, handed-over, cancelled).
	MetricWaitDuration = "vpcflow_wait_duration"
	// MetricChanges counts the workflows that ended, by workflow (type),
	// outcome (completed, failed, cancelled) and error_type (a failure's
	// type, through the label function Outcomes was given: a bounded set).
	MetricChanges = "vpcflow_changes"
	// MetricActivityRetries counts activity attempts after the first, by
	// activity (type).
	MetricActivityRetries = "vpcflow_activity_retries"
	// MetricOpenChanges is the number of running workflows in a waiting
	// stage (contract.WaitingStages), by stage.
	MetricOpenChanges = "vpcflow_open_changes"
	// MetricOpenChangesOld is the number of those started more than
	// OldChange ago.
	MetricOpenChangesOld = "vpcflow_open_changes_started_over_1h"
	// MetricOpenChangesCountFailures counts the counts of open changes
	// that failed (the visibility store refused or did not answer): the
	// two gauges above then keep their last count.
	MetricOpenChangesCountFailures = "vpcflow_open_changes_count_failures"
	// MetricDrift counts what drift checks found moved, by kind
	// (contract.DriftKinds: interface, routes, vpn-routes, authorization).
	MetricDrift = "vpcflow_drift"
	// MetricNotifications counts the notifications changes sent, by event
	// (contract.Event*) and outcome (sent, failed): a failed one never
	// fails its change, it shows here and in the change's progress.
	MetricNotifications = "vpcflow_notifications"
)

// The tags of the metrics.
const (
	TagOperation = "operation"
	TagCode      = "code"
	TagClass     = "class"
	TagWait      = "wait"
	TagOutcome   = "outcome"
	TagWorkflow  = "workflow"
	TagErrorType = "error_type"
	TagActivity  = "activity"
	TagStage     = "stage"
	TagKind      = "kind"
	TagRegion    = "region"
	TagEvent     = "event"
)
