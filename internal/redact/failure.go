package redact

import (
	"bytes"
	"encoding/json"

	commonpb "go.temporal.io/api/common/v1"
	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/sdk/converter"
)

// FailureConverter wraps a Temporal failure converter so that every failure
// a worker sends to the server (an activity's error, a workflow's) leaves
// with its message, its stack trace and the JSON of its details redacted,
// along its whole chain of causes. Failures coming back are not touched.
// Install it as client.Options.FailureConverter of the worker's client: it
// is the one door every error of an activity or a workflow goes through on
// its way into a history.
func FailureConverter(next converter.FailureConverter) converter.FailureConverter {
	return failureConverter{next}
}

type failureConverter struct{ next converter.FailureConverter }

func (c failureConverter) ErrorToFailure(err error) *failurepb.Failure {
	f := c.next.ErrorToFailure(err)
	for at := f; at != nil; at = at.GetCause() {
		at.Message = Secrets(at.Message)
		at.StackTrace = Secrets(at.StackTrace)
		if info := at.GetApplicationFailureInfo(); info != nil {
			payloads(info.GetDetails())
		}
		if info := at.GetTimeoutFailureInfo(); info != nil {
			payloads(info.GetLastHeartbeatDetails())
		}
		if info := at.GetCanceledFailureInfo(); info != nil {
			payloads(info.GetDetails())
		}
	}
	return f
}

func (c failureConverter) FailureToError(f *failurepb.Failure) error { return c.next.FailureToError(f) }

// payloads redacts the strings of JSON payloads in place. A payload that is
// not JSON is left alone: vpcflow's details are JSON, and bytes of another
// encoding cannot be redacted without knowing it.
func payloads(p *commonpb.Payloads) {
	for _, payload := range p.GetPayloads() {
		if string(payload.GetMetadata()[converter.MetadataEncoding]) != converter.MetadataEncodingJSON {
			continue
		}
		if data, ok := JSON(payload.GetData()); ok {
			payload.Data = data
		}
	}
}

// JSON redacts every string of a JSON document, keys excepted, and reports
// false if data is not one JSON value. Numbers keep their digits.
func JSON(data []byte) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, false
	}
	out, err := json.Marshal(redactValue(v))
	if err != nil {
		return nil, false
	}
	return out, true
}

func redactValue(v any) any {
	switch x := v.(type) {
	case string:
		return Secrets(x)
	case []any:
		for i := range x {
			x[i] = redactValue(x[i])
		}
	case map[string]any:
		for k, e := range x {
			x[k] = redactValue(e)
		}
	}
	return v
}
