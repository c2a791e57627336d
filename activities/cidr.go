package activities

import "net/netip"

// CanonicalCIDR returns a CIDR block in the one form vpcflow sends and
// compares: an IPv6 prefix has many spellings (2001:DB8::/32,
// 2001:db8:0::/32, ...) and a string compare matches none of the others,
// so every CIDR from an input or a cloud answer is compared in RFC 5952
// form (lower case, zeros compressed), the form netip prints. A value that
// is not a CIDR block (a prefix list ID, pl-...) is returned unchanged.
func CanonicalCIDR(s string) string {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return s
	}
	return p.String()
}
