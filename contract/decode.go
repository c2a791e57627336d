package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// Inputs decode strictly: an unknown field (a typo such as "RouteEntrys") or
// a value of the wrong type is not silently dropped. But a decode error in
// the SDK would fail the workflow task over and over, so instead the problem
// is kept with the input and Validate reports it: the workflow fails at once
// with InvalidInput, before any cloud call, naming the field.
//
// The worker decodes inputs with StrictInputs; DecodeInput does the same
// for a spec file or a service's own check.

// decodeProblems is what an input's decoding refused: strict JSON decoding
// (an unknown field, a wrong type), or a payload that is not JSON at all.
// Every input embeds it; Validate reports them with the input's other
// problems.
type decodeProblems struct{ problems []string }

func (d *decodeProblems) refuseDecoding(problem string) { d.problems = append(d.problems, problem) }

func (d decodeProblems) decodeRefusals() []string { return d.problems }

// strictlyDecoded is a pointer to an input: what StrictInputs and
// DecodeInput decode strictly.
type strictlyDecoded interface{ refuseDecoding(problem string) }

// DecodeInput decodes JSON into in, a pointer to one of the inputs (as
// Described.NewInput makes), strictly: what does not fit is reported by
// the input's Validate, with what did decode kept, so its other problems
// are reported too. in of another type is an error.
func DecodeInput(data []byte, in any) error {
	target, ok := in.(strictlyDecoded)
	if !ok {
		return fmt.Errorf("%T is not a pointer to a vpcflow workflow input", in)
	}
	decodeStrictly(data, target)
	return nil
}

func decodeStrictly(data []byte, in strictlyDecoded) {
	if dup := duplicateKey(data); dup != "" {
		in.refuseDecoding(dup)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil {
		_ = json.Unmarshal(data, in) // keep what does decode
		in.refuseDecoding(decodeProblem(data, dec, err))
	}
}

// decodeProblem says what strict decoding refused, by the field's name or
// path and its line, never quoting more of the text than a bounded, escaped
// prefix of a name: a file given by mistake (a password file, a key) must
// not be echoed into an error, a terminal or a history.
func decodeProblem(data []byte, dec *json.Decoder, err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		where := "the input"
		if typeErr.Field != "" {
			where = shown(typeErr.Field)
		}
		// Value is the JSON kind, and a number's digits after it: not echoed.
		kind, _, _ := strings.Cut(typeErr.Value, " ")
		return fmt.Sprintf("%s (line %d) is a JSON %s where %s is wanted", where, lineAt(data, typeErr.Offset-1),
			kind, jsonKind(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("the input is not valid JSON at line %d: %s", lineAt(data, syntaxErr.Offset-1), shorten(syntaxErr.Error()))
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		if unquoted, uerr := strconv.Unquote(name); uerr == nil {
			name = unquoted
		}
		return fmt.Sprintf("unknown field %s (line %d): see the input's fields in docs/integration.md", shown(name), unknownFieldLine(data, dec, name))
	}
	return "the input does not decode: " + shorten(msg)
}

// unknownFieldLine is the line of the first key name of data, searched from
// where the decoder stopped backwards: the decoder stops just past the
// unknown key.
func unknownFieldLine(data []byte, dec *json.Decoder, name string) int {
	quoted, _ := json.Marshal(name)
	end := min(int(dec.InputOffset()), len(data))
	if i := bytes.LastIndex(data[:end], quoted); i >= 0 {
		return lineAt(data, int64(i))
	}
	if i := bytes.Index(data, quoted); i >= 0 {
		return lineAt(data, int64(i))
	}
	return lineAt(data, int64(end))
}

// jsonKind names what JSON value a Go kind takes.
func jsonKind(kind string) string {
	switch kind {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "a list"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	}
	return "a " + kind
}

func shorten(s string) string {
	const max = 300
	if len(s) > max {
		return strings.ToValidUTF8(s[:max], "") + "..."
	}
	return s
}

// StrictInputs wraps the data converter of a worker's client so that the
// inputs of vpcflow's workflows decode strictly (above), and an input that
// does not decode at all (a payload that is not JSON, such as binary/plain
// bytes from a service that sent raw data) reaches the workflow as an input
// with a decode problem: the workflow then fails at once with InvalidInput,
// naming the problem, where the SDK would fail it with a decode error of its
// own. Every other value decodes as dc decodes it.
func StrictInputs(dc converter.DataConverter) converter.DataConverter {
	return strictInputs{dc}
}

type strictInputs struct{ converter.DataConverter }

func (c strictInputs) FromPayload(payload *commonpb.Payload, valuePtr any) error {
	in, ok := valuePtr.(strictlyDecoded)
	if !ok {
		return c.DataConverter.FromPayload(payload, valuePtr)
	}
	// The wrapped converter turns the payload into JSON text (undoing a
	// codec, such as encryption, as it always does), then it is decoded
	// strictly.
	var text json.RawMessage
	err := c.DataConverter.FromPayload(payload, &text)
	if err == nil && !json.Valid(text) {
		err = errors.New("not JSON")
	}
	if err != nil {
		in.refuseDecoding(fmt.Sprintf("the input does not decode: it is %s, not a JSON object (%s)",
			encodingOf(payload), shorten(err.Error())))
		return nil
	}
	decodeStrictly(text, in)
	return nil
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
