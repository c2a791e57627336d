package workflows

import (
	"bytes"
	"encoding/json"
)

// Inputs decode strictly: an unknown field (a typo such as "RouteEntrys") or
// a value of the wrong type is not silently dropped. But a decode error in
// the SDK would fail the workflow task over and over, so instead the problem
// is kept with the input and Validate reports it: the workflow fails at once
// with InvalidInput, before any cloud call, naming the field.

// decodeStrictly decodes data into v (a pointer to an input's plain type,
// without the UnmarshalJSON method) and returns what did not fit.
func decodeStrictly(data []byte, v any) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	// Keep what does decode, so the other problems are reported too.
	_ = json.Unmarshal(data, v)
	return []string{"the input does not decode: " + shorten(err.Error())}
}

func shorten(s string) string {
	const max = 300
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// UnmarshalJSON decodes strictly; problems surface in Validate.
func (in *ConnectRouterInterfaceInput) UnmarshalJSON(data []byte) error {
	type plain ConnectRouterInterfaceInput
	var p plain
	problems := decodeStrictly(data, &p)
	*in = ConnectRouterInterfaceInput(p)
	in.decodeProblems = problems
	return nil
}

// UnmarshalJSON decodes strictly; problems surface in Validate.
func (in *PublishVpcRoutesInput) UnmarshalJSON(data []byte) error {
	type plain PublishVpcRoutesInput
	var p plain
	problems := decodeStrictly(data, &p)
	*in = PublishVpcRoutesInput(p)
	in.decodeProblems = problems
	return nil
}

// UnmarshalJSON decodes strictly; problems surface in Validate.
func (in *VerifyVpnRoutesInput) UnmarshalJSON(data []byte) error {
	type plain VerifyVpnRoutesInput
	var p plain
	problems := decodeStrictly(data, &p)
	*in = VerifyVpnRoutesInput(p)
	in.decodeProblems = problems
	return nil
}

// UnmarshalJSON decodes strictly; problems surface in Validate.
func (in *NetworkChangeInput) UnmarshalJSON(data []byte) error {
	type plain NetworkChangeInput
	var p plain
	problems := decodeStrictly(data, &p)
	*in = NetworkChangeInput(p)
	in.decodeProblems = problems
	return nil
}

// UnmarshalJSON decodes strictly; problems surface in Validate.
func (in *ApigEndpointConnectionsInput) UnmarshalJSON(data []byte) error {
	type plain ApigEndpointConnectionsInput
	var p plain
	problems := decodeStrictly(data, &p)
	*in = ApigEndpointConnectionsInput(p)
	in.decodeProblems = problems
	return nil
}
