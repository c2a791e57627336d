package contract

import "slices"

// Inputs are put in canonical form before any use, so every comparison,
// every call and every workflow ID sees one spelling of each value: an IPv6
// prefix has many (2001:DB8::/32, 2001:db8:0::/32, ...), and the one sent
// to the cloud and compared with its answers is RFC 5952's
// (CanonicalCIDR). Validation accepts any spelling; workflow IDs and
// StartOptions use the canonical input, and a workflow puts its input in
// canonical form after validating it.

func canonicalEntry(e RouteEntry) RouteEntry {
	e.DestinationCidrBlock = CanonicalCIDR(e.DestinationCidrBlock)
	return e
}

func canonicalRoute(r ExpectedVpnRoute) ExpectedVpnRoute {
	r.DestinationCidrBlock = CanonicalCIDR(r.DestinationCidrBlock)
	return r
}

// canonicalized is a copy of xs with canon applied to each element.
func canonicalized[T any](xs []T, canon func(T) T) []T {
	if xs == nil {
		return nil
	}
	out := make([]T, len(xs))
	for i, x := range xs {
		out[i] = canon(x)
	}
	return out
}

// Canonical returns the input with every CIDR block in canonical form.
func (in PublishVpcRoutesInput) Canonical() PublishVpcRoutesInput {
	in.RouteEntries = canonicalized(in.RouteEntries, canonicalEntry)
	return in
}

// Canonical returns the input with every CIDR block in canonical form.
func (in VerifyVpnRoutesInput) Canonical() VerifyVpnRoutesInput {
	in.ExpectedRoutes = canonicalized(in.ExpectedRoutes, canonicalRoute)
	return in
}

// Canonical returns the input with every CIDR block in canonical form.
func (in NetworkChangeInput) Canonical() NetworkChangeInput {
	in.RouteEntries = canonicalized(in.RouteEntries, canonicalEntry)
	in.ExpectedRoutes = canonicalized(in.ExpectedRoutes, canonicalRoute)
	return in
}

// Canonical returns the input: it holds no CIDR block.
func (in ConnectRouterInterfaceInput) Canonical() ConnectRouterInterfaceInput { return in }

// Canonical returns the input: it holds no CIDR block.
func (in ApigEndpointConnectionsInput) Canonical() ApigEndpointConnectionsInput { return in }

// Canonical returns the input with its Action spelled out and its
// endpoints in order: one change, however its input lists them.
func (in ApigEndpointChangeInput) Canonical() ApigEndpointChangeInput {
	if in.Action == "" {
		in.Action = EndpointActionAccept
	}
	in.EndpointIds = slices.Sorted(slices.Values(in.EndpointIds))
	return in
}
