package workflows

import "github.com/vpcflow/vpcflow/activities"

// Inputs are put in canonical form before any use, so every comparison,
// every call and every workflow ID sees one spelling of each value: an IPv6
// prefix has many (2001:DB8::/32, 2001:db8:0::/32, ...), and the one sent
// to the cloud and compared with its answers is RFC 5952's
// (activities.CanonicalCIDR). Validation accepts any spelling; the
// starter starts the canonical input, and a workflow started by a service
// puts its own input in canonical form after validating it.

func canonicalEntry(e RouteEntry) RouteEntry {
	e.DestinationCidrBlock = activities.CanonicalCIDR(e.DestinationCidrBlock)
	return e
}

func canonicalRoute(r ExpectedVpnRoute) ExpectedVpnRoute {
	r.DestinationCidrBlock = activities.CanonicalCIDR(r.DestinationCidrBlock)
	return r
}

func canonicalEntries(entries []RouteEntry) []RouteEntry {
	if entries == nil {
		return nil
	}
	out := make([]RouteEntry, len(entries))
	for i, e := range entries {
		out[i] = canonicalEntry(e)
	}
	return out
}

func canonicalRoutes(routes []ExpectedVpnRoute) []ExpectedVpnRoute {
	if routes == nil {
		return nil
	}
	out := make([]ExpectedVpnRoute, len(routes))
	for i, r := range routes {
		out[i] = canonicalRoute(r)
	}
	return out
}

// Canonical returns the input with every CIDR block in canonical form.
func (in PublishVpcRoutesInput) Canonical() PublishVpcRoutesInput {
	in.RouteEntries = canonicalEntries(in.RouteEntries)
	return in
}

// Canonical returns the input with every CIDR block in canonical form.
func (in VerifyVpnRoutesInput) Canonical() VerifyVpnRoutesInput {
	in.ExpectedRoutes = canonicalRoutes(in.ExpectedRoutes)
	return in
}

// Canonical returns the input with every CIDR block in canonical form.
func (in NetworkChangeInput) Canonical() NetworkChangeInput {
	in.RouteEntries = canonicalEntries(in.RouteEntries)
	in.ExpectedRoutes = canonicalRoutes(in.ExpectedRoutes)
	return in
}
