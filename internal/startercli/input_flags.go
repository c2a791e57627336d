package startercli

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vpcflow/vpcflow/contract"
)

// inputFlag is a flag that sets a field of a workflow input. A command gets
// the flags of its input's fields, so a field has the same flag, with the
// same meaning, in every command whose input has it, and a new field of an
// input without a flag here is caught by a test (it is still settable from
// a spec file).
type inputFlag struct {
	field string // the input's field (its JSON name)
	sub   string // for a pointer to a struct: the field of that struct
	name  string
	usage string
	// element parses one value of a repeatable flag whose field is a slice
	// of structs; nil for other fields.
	element func(string) (any, error)
	// complete lists the values the shell completes.
	complete []string
	// def is the value of a command run without a spec file, for a field
	// with one documented value (TargetType ECR).
	def string
}

// inputFlags are the flags of every field of every input.
var inputFlags = []inputFlag{
	{field: "RegionId", name: "region", usage: "region ID, such as cn-hangzhou"},
	{field: "RouterInterfaceId", name: "router-interface", usage: "the InitiatingSide router interface, ri-..."},
	{field: "TargetType", name: "target-type", usage: "type of the publish target", def: "ECR", complete: []string{"ECR"}},
	{field: "TargetInstanceId", name: "target", usage: "the publish target, ecr-..."},
	{field: "RouteEntries", name: "route", element: routeEntry,
		usage: fmt.Sprintf("a route to publish, ROUTE_TABLE_ID=CIDR (repeat for more, at most %d)", contract.MaxRouteEntriesPerPublish)},
	{field: "VpnConnectionId", name: "vpn-connection", usage: "the IPsec-VPN connection, vco-..."},
	{field: "ExpectedRoutes", name: "expect", element: expectedRoute,
		usage: "a route that must reach the VPN connection, TYPE:CIDR with TYPE custom or bgp (repeat for more; network-change defaults to every published CIDR as bgp)"},
	{field: "PageSize", name: "page-size", usage: fmt.Sprintf("DescribeVcoRouteEntries page size, 1..%d (default %d)", contract.MaxVcoRoutesPageSize, contract.MaxVcoRoutesPageSize)},
	{field: "CrossAccount", sub: "BindInstance", name: "cen", usage: "check that the VPN connection is authorized for this CEN instance, cen-..."},
	{field: "CrossAccount", sub: "BindUid", name: "cen-uid", usage: "the account ID that owns the CEN instance"},
	{field: "Approval", sub: "Required", name: "approval", usage: "plan first and wait for a person's decision before changing anything (starter approve / reject)"},
	{field: "Approval", sub: "Timeout", name: "approval-timeout",
		usage: fmt.Sprintf("how long to wait for the decision (default %s, at most %s)", contract.DefaultApprovalTimeout, contract.MaxApprovalTimeout)},
	{field: "OnCancel", name: "on-cancel", usage: "what a cancel does with what the change has changed: keep (default) or rollback",
		complete: []string{contract.RecoveryKeep, contract.RecoveryRollback}},
	{field: "OnFailure", name: "on-failure", usage: "what a failure does with what the change has changed: keep (default) or rollback",
		complete: []string{contract.RecoveryKeep, contract.RecoveryRollback}},
	{field: "DeactivateOnRollback", name: "deactivate-on-rollback", usage: "a rollback also deactivates the router interface the change connected"},
	{field: "ProjectId", name: "project-id", usage: "the gateway's Huawei Cloud project, if not the worker's (HUAWEICLOUD_SDK_PROJECT_ID)"},
	{field: "Region", name: "region", usage: "the gateway's Huawei Cloud region, if not the worker's (HUAWEICLOUD_SDK_REGION)"},
	{field: "InstanceId", name: "instance", usage: "the APIG gateway ID"},
	{field: "Id", name: "id", usage: "only the connection of this VPC endpoint ID"},
	{field: "MarkerId", name: "marker-id", usage: "only the connection with this packet (marker) ID"},
	{field: "Status", name: "status", usage: "only connections in this status",
		complete: []string{contract.EndpointPendingAcceptance, contract.EndpointAccepted, contract.EndpointRejected, contract.EndpointFailed}},
	{field: "Limit", name: "limit", usage: fmt.Sprintf("page size, 1..%d (default %d)", contract.MaxEndpointConnectionsPage, contract.MaxEndpointConnectionsPage)},
	{field: "WaitForAccepted", name: "wait-accepted", usage: "wait until this endpoint connection is accepted (repeat for more)"},
	{field: "Action", name: "action", usage: "what to do to the endpoint connections: accept (default) or reject",
		complete: []string{contract.EndpointActionAccept, contract.EndpointActionReject}},
	{field: "EndpointIds", name: "endpoint", usage: fmt.Sprintf("an endpoint connection to accept or reject (repeat for more, at most %d)", contract.MaxEndpointsPerChange)},
	{field: "Name", name: "name", usage: "the fleet's name: its workflow ID is network-fleet/<name>"},
	{field: "Concurrency", name: "concurrency", usage: fmt.Sprintf("how many changes run at once, 1..%d (default %d)", contract.MaxFleetConcurrency, contract.DefaultFleetConcurrency)},
	{field: "MaxErrors", name: "max-errors", usage: "how many changes may fail before no new one starts: 0 (default) stops at the first, -1 keeps going"},
	{field: "RunLength", name: "run-length", usage: fmt.Sprintf("how many changes one run of the fleet starts before it continues as new (default %d)", contract.DefaultFleetRunLength)},
	{field: "WaitTimeout", name: "wait-timeout", usage: fmt.Sprintf("how long each wait may take (default %s, at most %s)", contract.DefaultWaitTimeout, contract.MaxWaitTimeout)},
}

// specOnlyFields are fields only a spec file sets: a fleet's changes and
// defaults are whole NetworkChange inputs, and Carried is the fleet's own.
var specOnlyFields = []string{"Defaults", "Changes", "Carried"}

func routeEntry(v string) (any, error) {
	table, cidr, ok := strings.Cut(v, "=")
	if !ok || table == "" || cidr == "" {
		return nil, fmt.Errorf("want ROUTE_TABLE_ID=CIDR, such as vtb-123=10.0.0.0/24; got %q", v)
	}
	return contract.RouteEntry{RouteTableId: table, DestinationCidrBlock: cidr}, nil
}

func expectedRoute(v string) (any, error) {
	typ, cidr, ok := strings.Cut(v, ":")
	if !ok || typ == "" || cidr == "" {
		return nil, fmt.Errorf("want TYPE:CIDR with TYPE custom or bgp, such as bgp:10.0.0.0/24; got %q", v)
	}
	return contract.ExpectedVpnRoute{DestinationCidrBlock: cidr, RouteEntryType: typ}, nil
}

// boundFlag is an inputFlag on one command: it keeps the values given, and
// sets them on the input once the spec file, if any, is read.
type boundFlag struct {
	inputFlag
	typ    reflect.Type // the type of the field it sets
	values []string
}

// bindInputFlags defines on cmd a flag for each field of the input in
// points to, and returns them.
func bindInputFlags(cmd *cobra.Command, in any) []*boundFlag {
	inType := reflect.TypeOf(in).Elem()
	var bound []*boundFlag
	for _, f := range inputFlags {
		field, ok := inType.FieldByName(f.field)
		if !ok {
			continue
		}
		typ := field.Type
		if f.sub != "" {
			sub, _ := typ.Elem().FieldByName(f.sub)
			typ = sub.Type
		}
		b := &boundFlag{inputFlag: f, typ: typ}
		flag := cmd.Flags().VarPF(b, f.name, "", f.usage)
		flag.DefValue = f.def
		if typ.Kind() == reflect.Slice {
			flag.DefValue = "" // a repeatable flag shows no default
		}
		if typ.Kind() == reflect.Bool {
			flag.NoOptDefVal = "true" // --approval alone sets it
		}
		if len(f.complete) > 0 {
			_ = cmd.RegisterFlagCompletionFunc(f.name, cobra.FixedCompletions(f.complete, cobra.ShellCompDirectiveNoFileComp))
		}
		bound = append(bound, b)
	}
	return bound
}

// String is the flag's value as given (pflag shows it in errors and help).
func (b *boundFlag) String() string { return strings.Join(b.values, ",") }

// Type names the flag's value in the help.
func (b *boundFlag) Type() string {
	switch {
	case b.name == "route":
		return "ROUTE_TABLE_ID=CIDR"
	case b.name == "expect":
		return "TYPE:CIDR"
	case b.typ == reflect.TypeFor[contract.Duration]():
		return "duration"
	case b.typ.Kind() == reflect.Pointer:
		return b.typ.Elem().Kind().String()
	case b.typ.Kind() == reflect.Slice:
		return b.typ.Elem().Kind().String()
	}
	return b.typ.Kind().String()
}

// Set checks and keeps one value; a repeatable flag keeps each.
func (b *boundFlag) Set(v string) error {
	if err := b.setOn(reflect.New(b.typ).Elem(), []string{v}); err != nil {
		return err
	}
	if b.typ.Kind() != reflect.Slice {
		b.values = b.values[:0]
	}
	b.values = append(b.values, v)
	return nil
}

// apply sets the input in points to from the flag: flags given win over
// the spec file, and a repeatable flag replaces the spec's list.
func (b *boundFlag) apply(in any, fromSpec bool) error {
	values := b.values
	if len(values) == 0 {
		if fromSpec || b.def == "" {
			return nil
		}
		values = []string{b.def}
	}
	field := reflect.ValueOf(in).Elem().FieldByName(b.field)
	if b.sub != "" {
		if field.IsNil() {
			field.Set(reflect.New(field.Type().Elem()))
		}
		field = field.Elem().FieldByName(b.sub)
	}
	return b.setOn(field, values)
}

// setOn sets field (of the flag's type) from values.
func (b *boundFlag) setOn(field reflect.Value, values []string) error {
	if field.Kind() == reflect.Slice {
		list := reflect.MakeSlice(field.Type(), 0, len(values))
		for _, v := range values {
			var elem reflect.Value
			if b.element != nil {
				e, err := b.element(v)
				if err != nil {
					return err
				}
				elem = reflect.ValueOf(e)
			} else {
				elem = reflect.ValueOf(v)
			}
			list = reflect.Append(list, elem)
		}
		field.Set(list)
		return nil
	}
	return setScalar(field, values[len(values)-1])
}

// setScalar sets a string, a boolean, an integer, a pointer to an integer (an
// optional field: 0 given on purpose is told apart from not given, and
// refused by validation when out of range) or a duration.
func setScalar(field reflect.Value, v string) error {
	if field.Kind() == reflect.Pointer {
		p := reflect.New(field.Type().Elem())
		if err := setScalar(p.Elem(), v); err != nil {
			return err
		}
		field.Set(p)
		return nil
	}
	if field.Type() == reflect.TypeFor[contract.Duration]() {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("not a duration (use a value such as 10m or 90s): %q", v)
		}
		field.SetInt(int64(d))
		return nil
	}
	switch field.Kind() {
	case reflect.String:
		field.SetString(v)
	case reflect.Bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("not true or false: %q", v)
		}
		field.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(v, 10, field.Type().Bits())
		if err != nil {
			if field.Kind() == reflect.Int32 {
				return fmt.Errorf("not a 32-bit integer: %q", v)
			}
			return fmt.Errorf("not an integer: %q", v)
		}
		field.SetInt(n)
	default:
		return fmt.Errorf("a flag cannot set a %s", field.Type())
	}
	return nil
}
