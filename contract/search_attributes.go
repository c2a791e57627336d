package contract

import (
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Search attributes vpcflow sets, so the Web UI and `temporal workflow list`
// can find a change by what it touches: for example
// `RouterInterfaceId = 'ri-...' AND VpcFlowStage = 'failed'`.
// A namespace must have them registered (the embedded dev server does it;
// for another cluster see README.md).
var (
	RegionIdKey          = temporal.NewSearchAttributeKeyKeyword("RegionId")
	RouterInterfaceIdKey = temporal.NewSearchAttributeKeyKeyword("RouterInterfaceId")
	VpnConnectionIdKey   = temporal.NewSearchAttributeKeyKeyword("VpnConnectionId")
	VpcFlowStageKey      = temporal.NewSearchAttributeKeyKeyword("VpcFlowStage")
	// VpcFlowFleetKey is the workflow ID of the fleet that started a
	// change: `VpcFlowFleet = 'network-fleet/<name>'` lists its changes.
	VpcFlowFleetKey = temporal.NewSearchAttributeKeyKeyword("VpcFlowFleet")
)

// SearchAttributeTypes lists the search attributes to register in a
// namespace, with their types.
func SearchAttributeTypes() map[string]enums.IndexedValueType {
	return map[string]enums.IndexedValueType{
		RegionIdKey.GetName():          enums.INDEXED_VALUE_TYPE_KEYWORD,
		RouterInterfaceIdKey.GetName(): enums.INDEXED_VALUE_TYPE_KEYWORD,
		VpnConnectionIdKey.GetName():   enums.INDEXED_VALUE_TYPE_KEYWORD,
		VpcFlowStageKey.GetName():      enums.INDEXED_VALUE_TYPE_KEYWORD,
		VpcFlowFleetKey.GetName():      enums.INDEXED_VALUE_TYPE_KEYWORD,
	}
}

// StartSearchAttributes are the search attributes a starter sets for a
// workflow, from its input. Setting VpcFlowStage at start is what tells the
// workflow it may upsert the stage as it moves: a workflow started without
// it (by a service whose namespace lacks the attributes) never upserts, so
// it cannot fail on an unregistered attribute.
func StartSearchAttributes(regionID, routerInterfaceID, vpnConnectionID string) temporal.SearchAttributes {
	updates := []temporal.SearchAttributeUpdate{VpcFlowStageKey.ValueSet(StageValidate)}
	if regionID != "" {
		updates = append(updates, RegionIdKey.ValueSet(regionID))
	}
	if routerInterfaceID != "" {
		updates = append(updates, RouterInterfaceIdKey.ValueSet(routerInterfaceID))
	}
	if vpnConnectionID != "" {
		updates = append(updates, VpnConnectionIdKey.ValueSet(vpnConnectionID))
	}
	return temporal.NewSearchAttributes(updates...)
}
