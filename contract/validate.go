package contract

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Bounds of an input, so that no input, however large, makes a large error
// or a long validation: the first MaxProblems problems are listed, and a
// count of the rest.
const (
	// MaxExpectedRoutes bounds VerifyVpnRoutes' and NetworkChange's
	// ExpectedRoutes: a VPN connection's routes to watch, read every few
	// seconds while the wait lasts.
	MaxExpectedRoutes = 500
	// MaxWaitForAccepted bounds ApigEndpointConnections' WaitForAccepted:
	// each read of the wait asks for each endpoint not yet accepted.
	MaxWaitForAccepted = 200
	// MaxEndpointsPerChange bounds ApigEndpointChange's EndpointIds: the
	// endpoints AcceptOrRejectEndpointConnections takes in one call.
	MaxEndpointsPerChange = 50
	// MaxProblems bounds the problems a ValidationError lists.
	MaxProblems = 20
)

// Valid values from the API documents.
var (
	// A region ID is lower-case words joined by dashes: cn-hangzhou,
	// ap-southeast-1, cn-north-2-gov-1, cn-hangzhou-finance (every region
	// of the Alibaba SDK's endpoint data matches, as a test checks), and
	// Huawei's cn-north-4 alike. A well-formed ID the pattern accepts but
	// the cloud does not know is refused by the cloud: InvalidRegionId.NotFound.
	regionPattern = regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+){1,5}$`)
	// Resource IDs are a prefix and lowercase letters and digits.
	idBody = `[a-z0-9]{1,60}`
	// Huawei IDs (gateways, endpoint connections) are hex strings or UUIDs.
	huaweiIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

	// The PublishVpcRoutesEntries document names one target type, ECR;
	// any other answers OperationDenied.UnsupportedTargetType.
	targetTypes     = []string{"ECR"}
	routeEntryTypes = []string{VcoRouteCustom, VcoRouteBgp}
	endpointStatus  = []string{EndpointPendingAcceptance, EndpointAccepted,
		EndpointRejected, EndpointFailed}
)

// idPatterns holds, per ID prefix, the pattern of a whole ID. Built once:
// workflows validate concurrently.
var idPatterns = func() map[string]*regexp.Regexp {
	patterns := make(map[string]*regexp.Regexp)
	for _, prefix := range []string{"ri-", "vtb-", "vco-", "cen-", "ecr-"} {
		patterns[prefix] = regexp.MustCompile("^" + regexp.QuoteMeta(prefix) + idBody + "$")
	}
	return patterns
}()

// problems collects what is wrong with an input.
type problems []string

func (p *problems) addf(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

// shown quotes a value for a message, cut short so a huge input does not make
// a huge error.
func shown(v string) string {
	const max = 80
	if len(v) > max {
		return fmt.Sprintf("%q... (%d bytes)", v[:max], len(v))
	}
	return fmt.Sprintf("%q", v)
}

func (p *problems) region(field, v string) {
	switch {
	case v == "":
		p.addf("%s is required (a region ID such as cn-hangzhou)", field)
	case len(v) > 64 || !regionPattern.MatchString(v):
		p.addf("%s %s is not a region ID (lower-case words joined by dashes, such as cn-hangzhou)", field, shown(v))
	}
}

func (p *problems) optionalRegion(field, v string) {
	if v != "" {
		p.region(field, v)
	}
}

func (p *problems) targetType(field, v string) {
	switch {
	case v == "":
		p.addf("%s is required (ECR)", field)
	case !slices.Contains(targetTypes, v):
		p.addf("%s %s is not supported: the PublishVpcRouteEntries document names ECR as the only target type "+
			"(others answer OperationDenied.UnsupportedTargetType)", field, shown(v))
	}
}

func (p *problems) id(field, v, prefix string) {
	switch {
	case v == "":
		p.addf("%s is required (an ID starting %s)", field, prefix)
	case !idPatterns[prefix].MatchString(v):
		p.addf("%s %s is not an ID of the form %s<lowercase letters and digits>", field, shown(v), prefix)
	}
}

func (p *problems) huaweiID(field, v string, required bool) {
	switch {
	case v == "" && required:
		p.addf("%s is required", field)
	case v != "" && !huaweiIDPattern.MatchString(v):
		p.addf("%s %s is not an ID (letters, digits and dashes, at most 64)", field, shown(v))
	}
}

func (p *problems) oneOf(field, v string, allowed []string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	if v == "" {
		p.addf("%s is required (one of %s)", field, strings.Join(allowed, ", "))
		return
	}
	p.addf("%s %s is not one of %s", field, shown(v), strings.Join(allowed, ", "))
}

// cidr accepts an IPv4 or IPv6 prefix with no host bits set, as the route
// table stores it: 10.0.0.1/24 would not match the entry 10.0.0.0/24.
func (p *problems) cidr(field, v string) {
	if v == "" {
		p.addf("%s is required (a CIDR block such as 10.0.0.0/24)", field)
		return
	}
	prefix, err := netip.ParsePrefix(v)
	if err != nil {
		p.addf("%s %s is not a CIDR block (such as 10.0.0.0/24)", field, shown(v))
		return
	}
	if prefix.Masked() != prefix {
		p.addf("%s %s has host bits set; the route's destination is %s", field, shown(v), prefix.Masked())
	}
}

func (p *problems) timeout(field string, d Duration) {
	switch {
	case d < 0:
		p.addf("%s %s is negative; give a positive duration such as 10m, or omit it for %s", field, time.Duration(d), DefaultWaitTimeout)
	case time.Duration(d) > MaxWaitTimeout:
		p.addf("%s %s is longer than %s", field, time.Duration(d), MaxWaitTimeout)
	}
}

func (p *problems) pageSize(field string, v *int) {
	if v != nil && (*v < 1 || *v > MaxVcoRoutesPageSize) {
		p.addf("%s %d is out of range 1..%d (omit it for %d)", field, *v, MaxVcoRoutesPageSize, MaxVcoRoutesPageSize)
	}
}

func (p *problems) routeEntries(field string, entries []RouteEntry) {
	switch {
	case len(entries) == 0:
		p.addf("%s is empty; give 1 to %d route entries", field, MaxRouteEntriesPerPublish)
		return
	case len(entries) > MaxRouteEntriesPerPublish:
		p.addf("%s has %d entries; PublishVpcRouteEntries takes at most %d, so split the change",
			field, len(entries), MaxRouteEntriesPerPublish)
	}
	entries = firstOf(entries, MaxRouteEntriesPerPublish)
	seen := make(map[RouteEntry]int, len(entries))
	for i, e := range entries {
		at := fmt.Sprintf("%s[%d]", field, i)
		p.id(at+".RouteTableId", e.RouteTableId, "vtb-")
		p.cidr(at+".DestinationCidrBlock", e.DestinationCidrBlock)
		key := canonicalEntry(e)
		if first, dup := seen[key]; dup {
			p.addf("%s repeats %s (%s %s)", at, fmt.Sprintf("%s[%d]", field, first), e.RouteTableId, key.DestinationCidrBlock)
		} else {
			seen[key] = i
		}
	}
}

func (p *problems) expectedRoutes(field string, routes []ExpectedVpnRoute, required bool) {
	if len(routes) == 0 && required {
		p.addf("%s is empty; give the routes that must reach the VPN connection", field)
	}
	if len(routes) > MaxExpectedRoutes {
		p.addf("%s has %d entries; at most %d", field, len(routes), MaxExpectedRoutes)
	}
	routes = firstOf(routes, MaxExpectedRoutes)
	seen := make(map[ExpectedVpnRoute]int, len(routes))
	for i, r := range routes {
		at := fmt.Sprintf("%s[%d]", field, i)
		p.cidr(at+".DestinationCidrBlock", r.DestinationCidrBlock)
		p.oneOf(at+".RouteEntryType", r.RouteEntryType, routeEntryTypes)
		key := canonicalRoute(r)
		if first, dup := seen[key]; dup {
			p.addf("%s repeats %s[%d]", at, field, first)
		} else {
			seen[key] = i
		}
	}
}

func (p *problems) crossAccount(field string, c *ExpectedCrossAccount) {
	if c == nil {
		return
	}
	p.id(field+".BindInstance", c.BindInstance, "cen-")
	if c.BindUid <= 0 {
		p.addf("%s.BindUid is required (the Alibaba Cloud account ID that owns the CEN instance)", field)
	}
}

func (p problems) err(input string) error {
	if len(p) == 0 {
		return nil
	}
	total := len(p)
	if total > MaxProblems {
		p = append(p[:MaxProblems:MaxProblems], fmt.Sprintf("and %d more problems", total-MaxProblems))
	}
	return &ValidationError{Input: input, Problems: p, total: total}
}

// firstOf is the part of a list that is validated entry by entry: past max
// the list is refused as too long, and its entries beyond are not looked at.
func firstOf[T any](list []T, max int) []T {
	return list[:min(len(list), max)]
}

// Validate lists every problem of the input, or returns nil.
func (in ConnectRouterInterfaceInput) Validate() error {
	p := problems(slices.Clone(in.decodeRefusals()))
	p.region("RegionId", in.RegionId)
	p.id("RouterInterfaceId", in.RouterInterfaceId, "ri-")
	p.timeout("WaitTimeout", in.WaitTimeout)
	return p.err(ConnectRouterInterface.Type + " input")
}

// Validate lists every problem of the input, or returns nil.
func (in PublishVpcRoutesInput) Validate() error {
	p := problems(slices.Clone(in.decodeRefusals()))
	p.region("RegionId", in.RegionId)
	p.targetType("TargetType", in.TargetType)
	p.id("TargetInstanceId", in.TargetInstanceId, "ecr-")
	p.routeEntries("RouteEntries", in.RouteEntries)
	p.timeout("WaitTimeout", in.WaitTimeout)
	return p.err(PublishVpcRoutes.Type + " input")
}

// Validate lists every problem of the input, or returns nil.
func (in VerifyVpnRoutesInput) Validate() error {
	p := problems(slices.Clone(in.decodeRefusals()))
	p.region("RegionId", in.RegionId)
	p.id("VpnConnectionId", in.VpnConnectionId, "vco-")
	p.expectedRoutes("ExpectedRoutes", in.ExpectedRoutes, true)
	p.pageSize("PageSize", in.PageSize)
	p.crossAccount("CrossAccount", in.CrossAccount)
	p.timeout("WaitTimeout", in.WaitTimeout)
	return p.err(VerifyVpnRoutes.Type + " input")
}

// Validate lists every problem of the input, or returns nil.
func (in NetworkChangeInput) Validate() error {
	p := problems(slices.Clone(in.decodeRefusals()))
	p.region("RegionId", in.RegionId)
	p.id("RouterInterfaceId", in.RouterInterfaceId, "ri-")
	p.targetType("TargetType", in.TargetType)
	p.id("TargetInstanceId", in.TargetInstanceId, "ecr-")
	p.routeEntries("RouteEntries", in.RouteEntries)
	p.id("VpnConnectionId", in.VpnConnectionId, "vco-")
	p.expectedRoutes("ExpectedRoutes", in.ExpectedRoutes, false)
	p.pageSize("PageSize", in.PageSize)
	p.crossAccount("CrossAccount", in.CrossAccount)
	p.timeout("WaitTimeout", in.WaitTimeout)
	p.approval("Approval", in.Approval)
	p.recovery("OnCancel", in.OnCancel)
	p.recovery("OnFailure", in.OnFailure)
	return p.err(NetworkChange.Type + " input")
}

// Validate lists every problem of the input, or returns nil.
func (in ApigEndpointConnectionsInput) Validate() error {
	p := problems(slices.Clone(in.decodeRefusals()))
	p.huaweiID("ProjectId", in.ProjectId, false)
	p.optionalRegion("Region", in.Region)
	p.huaweiID("InstanceId", in.InstanceId, true)
	p.huaweiID("Id", in.Id, false)
	if in.MarkerId != nil && *in.MarkerId < 0 {
		p.addf("MarkerId %d is negative", *in.MarkerId)
	}
	if in.Status != "" {
		p.oneOf("Status", in.Status, endpointStatus)
	}
	if in.Limit != nil && (*in.Limit < 1 || *in.Limit > MaxEndpointConnectionsPage) {
		p.addf("Limit %d is out of range 1..%d (omit it for %d)", *in.Limit,
			MaxEndpointConnectionsPage, MaxEndpointConnectionsPage)
	}
	if len(in.WaitForAccepted) > MaxWaitForAccepted {
		p.addf("WaitForAccepted has %d entries; at most %d", len(in.WaitForAccepted), MaxWaitForAccepted)
	}
	waitFor := firstOf(in.WaitForAccepted, MaxWaitForAccepted)
	seen := make(map[string]int, len(waitFor))
	for i, id := range waitFor {
		at := fmt.Sprintf("WaitForAccepted[%d]", i)
		p.huaweiID(at, id, true)
		if first, dup := seen[id]; dup {
			p.addf("%s repeats WaitForAccepted[%d]", at, first)
		} else {
			seen[id] = i
		}
	}
	p.timeout("WaitTimeout", in.WaitTimeout)
	return p.err(ApigEndpointConnections.Type + " input")
}

// Validate lists every problem of the input, or returns nil.
func (in ApigEndpointChangeInput) Validate() error {
	p := problems(slices.Clone(in.decodeRefusals()))
	p.huaweiID("ProjectId", in.ProjectId, false)
	p.optionalRegion("Region", in.Region)
	p.huaweiID("InstanceId", in.InstanceId, true)
	if in.Action != "" {
		p.oneOf("Action", in.Action, []string{EndpointActionAccept, EndpointActionReject})
	}
	p.endpointIDs("EndpointIds", in.EndpointIds, MaxEndpointsPerChange)
	p.timeout("WaitTimeout", in.WaitTimeout)
	p.approval("Approval", in.Approval)
	p.recovery("OnCancel", in.OnCancel)
	p.recovery("OnFailure", in.OnFailure)
	return p.err(ApigEndpointChange.Type + " input")
}

// endpointIDs checks a required list of endpoint connection IDs: 1..max,
// each an ID, none twice.
func (p *problems) endpointIDs(field string, ids []string, max int) {
	switch {
	case len(ids) == 0:
		p.addf("%s is empty; give the endpoint connections (IDs as ListEndpointConnections shows them)", field)
	case len(ids) > max:
		p.addf("%s has %d entries; at most %d", field, len(ids), max)
	}
	ids = firstOf(ids, max)
	seen := make(map[string]int, len(ids))
	for i, id := range ids {
		at := fmt.Sprintf("%s[%d]", field, i)
		p.huaweiID(at, id, true)
		if first, dup := seen[id]; dup {
			p.addf("%s repeats %s[%d]", at, field, first)
		} else {
			seen[id] = i
		}
	}
}
