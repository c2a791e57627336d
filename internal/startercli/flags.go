package startercli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vpcflow/vpcflow/contract"
)

// routeFlag collects --route ROUTE_TABLE_ID=CIDR, repeatable.
type routeFlag struct{ entries *[]contract.RouteEntry }

func (f routeFlag) String() string { return "" }

func (f routeFlag) Set(v string) error {
	table, cidr, ok := strings.Cut(v, "=")
	if !ok || table == "" || cidr == "" {
		return fmt.Errorf("want ROUTE_TABLE_ID=CIDR, such as vtb-123=10.0.0.0/24; got %q", v)
	}
	*f.entries = append(*f.entries, contract.RouteEntry{RouteTableId: table, DestinationCidrBlock: cidr})
	return nil
}

// expectFlag collects --expect TYPE:CIDR (custom or bgp), repeatable.
type expectFlag struct{ routes *[]contract.ExpectedVpnRoute }

func (f expectFlag) String() string { return "" }

func (f expectFlag) Set(v string) error {
	typ, cidr, ok := strings.Cut(v, ":")
	if !ok || typ == "" || cidr == "" {
		return fmt.Errorf("want TYPE:CIDR with TYPE custom or bgp, such as bgp:10.0.0.0/24; got %q", v)
	}
	*f.routes = append(*f.routes, contract.ExpectedVpnRoute{DestinationCidrBlock: cidr, RouteEntryType: typ})
	return nil
}

// listFlag collects a repeatable string flag.
type listFlag struct{ values *[]string }

func (f listFlag) String() string { return "" }

func (f listFlag) Set(v string) error {
	*f.values = append(*f.values, v)
	return nil
}

// intPtrFlag sets an optional integer, so 0 given on purpose is told apart
// from not given (and refused by validation when out of range).
type intPtrFlag struct{ p **int }

func (f intPtrFlag) String() string { return "" }

func (f intPtrFlag) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("not an integer: %q", v)
	}
	*f.p = &n
	return nil
}

// int32PtrFlag is intPtrFlag for int32 fields.
type int32PtrFlag struct{ p **int32 }

func (f int32PtrFlag) String() string { return "" }

func (f int32PtrFlag) Set(v string) error {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return fmt.Errorf("not a 32-bit integer: %q", v)
	}
	n32 := int32(n)
	*f.p = &n32
	return nil
}

// crossAccountFlags fill ExpectedCrossAccount from --cen and --cen-uid.
type crossAccountFlags struct {
	cen string
	uid int64
}

func (c crossAccountFlags) value(spec *contract.ExpectedCrossAccount) *contract.ExpectedCrossAccount {
	if c.cen == "" && c.uid == 0 {
		return spec
	}
	out := contract.ExpectedCrossAccount{}
	if spec != nil {
		out = *spec
	}
	if c.cen != "" {
		out.BindInstance = c.cen
	}
	if c.uid != 0 {
		out.BindUid = c.uid
	}
	return &out
}
