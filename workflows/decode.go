package workflows

import (
	"bytes"
	"encoding/json"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// Inputs decode strictly: an unknown field (a typo such as "RouteEntrys") or
// a value of the wrong type is not silently dropped. But a decode error in
// the SDK would fail the workflow task over and over, so instead the problem
// is kept with the input and Validate reports it: the workflow fails at once
// with InvalidInput, before any cloud call, naming the field.

// decodeProblems is what an input's decoding refused: strict JSON decoding
// (an unknown field, a wrong type), or a payload that is not JSON at all
// (StrictInputs). Validate reports them with the input's other problems.
type decodeProblems struct{ problems []string }

func (d *decodeProblems) refuseDecoding(problem string) { d.problems = append(d.problems, problem) }

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
	in.decodeProblems = decodeProblems{problems}
	return nil
}

// UnmarshalJSON decodes strictly; problems surface in Validate.
func (in *PublishVpcRoutesInput) UnmarshalJSON(data []byte) error {
	type plain PublishVpcRoutesInput
	var p plain
	problems := decodeStrictly(data, &p)
	*in = PublishVpcRoutesInput(p)
	in.decodeProblems = decodeProblems{problems}
	return nil
}

// UnmarshalJSON decodes strictly; problems surface in Validate.
func (in *VerifyVpnRoutesInput) UnmarshalJSON(data []byte) error {
	type plain VerifyVpnRoutesInput
	var p plain
	problems := decodeStrictly(data, &p)
	*in = VerifyVpnRoutesInput(p)
	in.decodeProblems = decodeProblems{problems}
	return nil
}

// UnmarshalJSON decodes strictly; problems surface in Validate.
func (in *NetworkChangeInput) UnmarshalJSON(data []byte) error {
	type plain NetworkChangeInput
	var p plain
	problems := decodeStrictly(data, &p)
	*in = NetworkChangeInput(p)
	in.decodeProblems = decodeProblems{problems}
	return nil
}

// UnmarshalJSON decodes strictly; problems surface in Validate.
func (in *ApigEndpointConnectionsInput) UnmarshalJSON(data []byte) error {
	type plain ApigEndpointConnectionsInput
	var p plain
	problems := decodeStrictly(data, &p)
	*in = ApigEndpointConnectionsInput(p)
	in.decodeProblems = decodeProblems{problems}
	return nil
}

// StrictInputs wraps the data converter of a worker's client so that a
// workflow input that does not decode at all (a payload that is not JSON,
// such as binary/plain bytes from a service that sent raw data) reaches the
// workflow as an input with a decode problem: the workflow then fails at
// once with InvalidInput, naming the problem, where the SDK would fail it
// with a decode error of its own. Only the inputs of vpcflow's workflows
// are decoded this way; every other value decodes as dc decodes it.
func StrictInputs(dc converter.DataConverter) converter.DataConverter {
	return strictInputs{dc}
}

type strictInputs struct{ converter.DataConverter }

// undecodable is what the inputs of vpcflow's workflows have (the embedded
// decodeProblems).
type undecodable interface{ refuseDecoding(problem string) }

func (c strictInputs) FromPayload(payload *commonpb.Payload, valuePtr any) error {
	err := c.DataConverter.FromPayload(payload, valuePtr)
	if in, ok := valuePtr.(undecodable); ok && err != nil {
		in.refuseDecoding(fmt.Sprintf("the input does not decode: it is %s, not a JSON object (%s)",
			encodingOf(payload), shorten(err.Error())))
		return nil
	}
	return err
}

func (c strictInputs) FromPayloads(payloads *commonpb.Payloads, valuePtrs ...any) error {
	for i, p := range payloads.GetPayloads() {
		if i >= len(valuePtrs) {
			break
		}
		if err := c.FromPayload(p, valuePtrs[i]); err != nil {
			return fmt.Errorf("payload item %d: %w", i, err)
		}
	}
	return nil
}

func encodingOf(p *commonpb.Payload) string {
	if e := string(p.GetMetadata()[converter.MetadataEncoding]); e != "" {
		return shorten(e)
	}
	return "a payload without an encoding"
}
