package devserver

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/server/common/searchattribute/sadefs"
)

// validateSearchAttributes rejects names and types the server would refuse,
// before anything is started.
func validateSearchAttributes(attrs map[string]enums.IndexedValueType) error {
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		typ := attrs[name]
		switch {
		case strings.TrimSpace(name) == "" || strings.ContainsAny(name, " \t\r\n"):
			return fmt.Errorf("devserver: invalid search attribute name %q", name)
		case sadefs.IsReserved(name):
			return fmt.Errorf("devserver: search attribute name %q is reserved by Temporal; choose another name", name)
		case typ == enums.INDEXED_VALUE_TYPE_UNSPECIFIED:
			return fmt.Errorf("devserver: search attribute %q has no type", name)
		}
		if _, ok := enums.IndexedValueType_name[int32(typ)]; !ok {
			return fmt.Errorf("devserver: search attribute %q has unknown type %d", name, typ)
		}
	}
	return nil
}

// ensureSearchAttributes registers the attributes of want that namespace
// lacks. Attributes already registered with the same type are left alone; one
// registered with another type is an error, since an SQLite server cannot
// change a search attribute's type in place.
func ensureSearchAttributes(ctx context.Context, op operatorservice.OperatorServiceClient, namespace string, want map[string]enums.IndexedValueType) error {
	if len(want) == 0 {
		return nil
	}
	have, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("devserver: listing search attributes of namespace %q: %w", namespace, err)
	}
	missing := map[string]enums.IndexedValueType{}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		typ := want[name]
		if got, ok := have.GetSystemAttributes()[name]; ok {
			return fmt.Errorf("devserver: search attribute %q is a system attribute (%s)", name, got)
		}
		got, ok := have.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = typ
		case got != typ:
			return fmt.Errorf("devserver: search attribute %q is already registered in namespace %q as %s, not %s; "+
				"pick a new name or start from a fresh database file (the type of a registered attribute cannot change)",
				name, namespace, got, typ)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	}); err != nil {
		return fmt.Errorf("devserver: registering search attributes %v in namespace %q: %w",
			slices.Sorted(maps.Keys(missing)), namespace, err)
	}

	// The SQL visibility store ignores (with a warning) an alias that already
	// exists, so read back what was stored rather than trusting the reply.
	have, err = op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("devserver: listing search attributes of namespace %q: %w", namespace, err)
	}
	for _, name := range slices.Sorted(maps.Keys(missing)) {
		if got, ok := have.GetCustomAttributes()[name]; !ok || got != missing[name] {
			return fmt.Errorf("devserver: search attribute %q (%s) was not registered in namespace %q", name, missing[name], namespace)
		}
	}
	return nil
}
