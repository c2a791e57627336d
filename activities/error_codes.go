package activities

import "strings"

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
	// user must (the row's Fix says how).
	Permanent ErrorClass = "permanent"
	// DryRunPassed is the answer of a DryRun request whose checks all passed.
	DryRunPassed ErrorClass = "dry-run-passed"
)

// ErrorCode is one row of the error-code table: a code a cloud API answers,
// what vpcflow does with it, what the user must fix, and where the code is
// documented.
type ErrorCode struct {
	Code   string
	Class  ErrorClass
	Fix    string // for Permanent rows: what the user must change
	Source string // the document that names the code
}

// The documents the rows cite. The five API references are kept verbatim in
// testdata/seeds so a test can check that every code they name has a row.
const (
	docConnect      = "Alibaba Cloud VPC API: ConnectRouterInterface, error codes (updated 2024-03-04)"
	docPublish      = "Alibaba Cloud VPC API: PublishVpcRouteEntries, error codes (updated 2025-10-27)"
	docVco          = "Alibaba Cloud VPN Gateway API: DescribeVcoRouteEntries, error codes (updated 2024-04-02)"
	docCrossAcct    = "Alibaba Cloud VPN Gateway API: DescribeVpnCrossAccountAuthorizations (updated 2025-03-21), which defers to the common error codes"
	docAliCommon    = "Alibaba Cloud common error codes (OpenAPI error center; VPC, ECS, CEN tables)"
	docIdempotency  = "Alibaba Cloud VPC: How to ensure idempotence (ClientToken)"
	docAPIG         = "Huawei Cloud APIG API: Querying VPC Endpoint Connections (updated 2023-11-30)"
	docAPIGThrottle = "Huawei Cloud APIG error codes; terraform-provider-huaweicloud issue #1335 (APIGW.0308 over ratelimit)"
	docAPIGGateway  = "Huawei Cloud APIG User Guide: Error Codes (what the gateway answers to an API call), and its FAQ \"Incorrect IAM authentication information\""
	docAPIGManage   = "Huawei Cloud APIG API Reference: Error Codes (what the APIG management API answers)"
)

// errorCodes is the one table that classifies every code vpcflow can meet.
// Codes are matched exactly; a row whose Code ends in ".*" matches every code
// with that prefix that has no row of its own.
var errorCodes = []ErrorCode{
	// ConnectRouterInterface.
	{"IncorrectRole.NotInitiatingSide", Permanent, "connect from the InitiatingSide router interface of the pair; this one is the AcceptingSide", docConnect},
	{"IncorrectRIStatus", Busy, "only an Idle router interface can be connected; vpcflow reads the state and stops if it cannot become Active", docConnect},
	{"IncorrectOppositeInterfaceInfo.NotSet", Permanent, "set OppositeInterfaceId, OppositeRouterId, OppositeRouterType and OppositeInterfaceOwnerId on the initiator (ModifyRouterInterfaceAttribute) before connecting", docConnect},
	{"IncorrectOppositeInterfaceInfo", Permanent, "the opposite interface fields are wrong: they name the same router, a missing interface or router, or an interface that is not AcceptingSide", docConnect},
	{"Forbidden.OnlyOneConnection", Permanent, "these two routers already have a connected pair, or another connection between them is in progress; use the existing pair", docConnect},
	{"Forbidden.BillsOutstanding", Permanent, "the account has overdue bills; settle them before connecting", docConnect},
	{"InvalidAccount.NotFound", Permanent, "the account named by the opposite interface owner does not exist; check OppositeInterfaceOwnerId", docConnect},
	{"ErrCode.Invalid", Permanent, "the cloud rejected the request without detail; check the interface pair in the console and the RequestId with support", docConnect},
	{"AttrMismatching.AcceptingSideRole", Permanent, "the accepting side's role does not match; its Role must be AcceptingSide", docConnect},
	{"AttrMismatching.AcceptingSideInstanceId", Permanent, "the accepting side's interface ID does not match the initiator's OppositeInterfaceId", docConnect},
	{"AttrMismatching.AcceptingSideRegionNo", Permanent, "the accepting side's region does not match the initiator's OppositeRegionId", docConnect},
	{"AttrMismatching.AcceptingSideRouterId", Permanent, "the accepting side's router does not match the initiator's OppositeRouterId", docConnect},
	{"AttrMismatching.AcceptingSideRouterType", Permanent, "the accepting side's router type does not match the initiator's OppositeRouterType", docConnect},
	{"AttrMismatching.AcceptingSideAliUid", Permanent, "the accepting side's owner account does not match the initiator's OppositeInterfaceOwnerId", docConnect},
	{"AttrMismatching.AcceptingSideOppositeInterfaceOwnerId", Permanent, "the accepting side's OppositeInterfaceOwnerId does not name the initiator's account", docConnect},
	{"AttrMismatching.AcceptingSideOppositeRegionNo", Permanent, "the accepting side's OppositeRegionId does not name the initiator's region", docConnect},
	{"AttrMismatching.AcceptingSideOppositeInterfaceId", Permanent, "the accepting side's OppositeInterfaceId does not name the initiator", docConnect},
	{"AttrMismatching.AcceptingSideOppositeRouterId", Permanent, "the accepting side's OppositeRouterId does not name the initiator's router", docConnect},
	{"AttrMismatching.AcceptingSideOppositeRouterType", Permanent, "the accepting side's OppositeRouterType does not name the initiator's router type", docConnect},
	{"IllegalParam.InstanceOwner", Permanent, "the router instance belongs to another owner; connect with the owning account's credentials", docConnect},
	{"InvalidRegionId.NotFound", Permanent, "the RegionId does not exist; use a region ID such as cn-hangzhou", docConnect},
	{"InvalidRouterInterfaceId.NotFound", Permanent, "no router interface has this ID in this region; check RouterInterfaceId and RegionId", docConnect},
	{"CROSS_BID.FORBIDDEN", Permanent, "the two interfaces belong to accounts of different sites (BID); cross-site connections are not allowed", docConnect},

	// PublishVpcRouteEntries.
	{"IncorrectStatus.Vpc", Busy, "", docPublish},
	{"ResourceNotFound.RouteEntry", Permanent, "no route entry with this destination exists in the route table; create it first or fix DestinationCidrBlock/RouteTableId", docPublish},
	{"IncorrectStatus.RouteEntry", Busy, "", docPublish},
	{"Forbidden.OperateCustomRouteTable", Permanent, "routes can only be published from the VPC's system route table; use the system route table's ID", docPublish},
	{"IncorrectStatus.RouteEntryPublishStatus", Busy, "", docPublish},
	{"ResourceNotAssociated.TargetInstance", Permanent, "the target instance is not associated with this VPC; associate the VPC with the ECR first", docPublish},
	{"OperationDenied.UnsupportedTargetType", Permanent, "this TargetType cannot receive published routes; use ECR", docPublish},
	{"IncorrectStatus.RouteTable", Busy, "", docPublish},
	{"OperationUnsupported.PublishSystemRouteEntry", Permanent, "system route entries (the VPC's own CIDR routes) cannot be published; publish custom route entries only", docPublish},
	{"OperationUnsupported.UnsupportedNextHop", Permanent, "the route entry's next-hop type cannot be published; pick routes whose next hop is supported", docPublish},
	{"OperationUnsupported.PublishPrefixListRouteEntry", Permanent, "route entries whose destination is a prefix list cannot be published; publish CIDR routes", docPublish},
	{"DryRunOperation", DryRunPassed, "", docPublish},

	// DescribeVcoRouteEntries.
	{"IllegalParam.RouteEntryType", Permanent, "RouteEntryType must be custom or bgp", docVco},
	{"Vco.StatusNotSupport", Busy, "", docVco},
	{"Forbbiden.SubUser", Permanent, "this RAM user may not read a resource created by another user; grant it access to the VPN connection", docVco}, // sic: the document spells it Forbbiden
	{"Forbidden", Permanent, "the credentials are not authorized for this operation; grant the RAM policy action (for example vpc:DescribeVcoRouteEntries)", docVco},
	{"InvalidVpnConnectionInstanceId.NotFound", Permanent, "no IPsec-VPN connection has this ID in this region; check VpnConnectionId and RegionId", docVco},

	// Alibaba Cloud generic codes, answered by every operation above.
	{"Throttling", Throttled, "", docAliCommon},
	{"Throttling.User", Throttled, "", docAliCommon},
	{"Throttling.Api", Throttled, "", docAliCommon},
	{"ServiceUnavailable", Transient, "", docAliCommon},
	{"InternalError", Transient, "", docAliCommon},
	{"UnknownError", Transient, "", docAliCommon},
	{"SystemBusy", Transient, "", docAliCommon},
	{"OperationConflict", Busy, "", docAliCommon},
	{"LastTokenProcessing", Busy, "", docIdempotency},
	{"OperationFailed.LastTokenProcessing", Busy, "", docIdempotency},
	{"IncorrectStatus.*", Busy, "", docAliCommon},
	{"IdempotentParameterMismatch", Permanent, "the same ClientToken was used with other parameters; vpcflow sends no ClientToken, so report this with the RequestId", docIdempotency},
	{"SignatureDoesNotMatch", Permanent, "the AccessKey secret does not match the AccessKey ID; check ALIBABA_CLOUD_ACCESS_KEY_SECRET", docAliCommon},
	{"InvalidAccessKeyId.NotFound", Permanent, "the AccessKey ID does not exist; check ALIBABA_CLOUD_ACCESS_KEY_ID", docAliCommon},
	{"InvalidAccessKeyId.Inactive", Permanent, "the AccessKey is disabled; enable it or use another", docAliCommon},
	{"InvalidTimeStamp.Expired", Permanent, "the worker's clock is more than 15 minutes off; synchronise it (NTP)", docAliCommon},
	{"SignatureNonceUsed", Transient, "", docAliCommon}, // a fresh nonce is drawn on every attempt
	{"MissingParameter", Permanent, "a required parameter is missing; this is a vpcflow bug, report it with the RequestId", docAliCommon},
	{"InvalidParameter", Permanent, "a parameter is malformed; check the workflow input", docAliCommon},

	// Huawei Cloud APIG ListEndpointConnections.
	{"APIC.7102", Permanent, "the Huawei credentials were refused (incorrect token or signature); check HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK", docAPIG},
	{"APIC.7106", Permanent, "the Huawei credentials lack permission for this APIG method; grant the IAM policy", docAPIG},
	{"APIC.7314", Permanent, "the gateway has no VPC endpoint service; check InstanceId and that the endpoint service is enabled", docAPIG},
	{"APIC.9007", Transient, "", docAPIG},
	{"APIGW.0308", Throttled, "", docAPIGThrottle},

	// Huawei Cloud APIG, codes of the gateway in front of every API and of
	// the APIG management API (which ListEndpointConnections belongs to).
	{"APIG.0101", Permanent, "the API was not found at this endpoint; check HUAWEICLOUD_SDK_REGION or VPCFLOW_HUAWEI_APIG_ENDPOINT", docAPIGGateway},
	{"APIG.0201", Permanent, "the gateway refused the request as malformed or too large; report it with the RequestId", docAPIGGateway},
	{"APIG.0301", Permanent, "the Huawei AK/SK was refused (a wrong SK, an unknown AK, or a clock more than 15 minutes off); check HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (after five failures in a row the gateway locks the AK for 5 minutes)", docAPIGGateway},
	{"APIG.0308", Throttled, "", docAPIGGateway},
	{"APIG.2012", Permanent, "a parameter was refused; check the workflow input (Status, MarkerId, Limit)", docAPIGManage},
	{"APIG.3030", Permanent, "no gateway with this ID in the project; check InstanceId, and ProjectId and Region if the input names them", docAPIGManage},
	{"APIG.9999", Transient, "", docAPIGManage},
}

// errorCodeIndex is errorCodes keyed by code, built once.
var errorCodeIndex = func() map[string]ErrorCode {
	index := make(map[string]ErrorCode, len(errorCodes))
	for _, row := range errorCodes {
		index[row.Code] = row
	}
	return index
}()

// LookupErrorCode returns the table row for a cloud error code: the exact row
// if there is one, else the longest wildcard row ("IncorrectStatus.*") whose
// prefix matches.
func LookupErrorCode(code string) (ErrorCode, bool) {
	if row, ok := errorCodeIndex[code]; ok {
		return row, true
	}
	for prefix := code; ; {
		i := strings.LastIndexByte(prefix, '.')
		if i < 0 {
			return ErrorCode{}, false
		}
		prefix = prefix[:i]
		if row, ok := errorCodeIndex[prefix+".*"]; ok {
			return row, true
		}
	}
}

// ErrorCodes returns a copy of the table, for documentation and tests.
func ErrorCodes() []ErrorCode {
	return append([]ErrorCode(nil), errorCodes...)
}
