package startercli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vpcflow/vpcflow/contract"
)

// maxSpecBytes bounds a spec file: a real change is a few KB.
const maxSpecBytes = 1 << 20

// loadSpec reads a workflow input from a .json, .yaml or .yml file into in.
// Field names are the JSON ones of package contract, in both formats; an
// unknown field is a problem Validate reports (a typo must not be silently
// ignored).
func loadSpec(path string, in any) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("spec file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSpecBytes+1))
	if err != nil {
		return fmt.Errorf("spec file %s: %w", path, err)
	}
	if len(data) > maxSpecBytes {
		return fmt.Errorf("spec file %s is larger than %d bytes", path, maxSpecBytes)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return decodeSpecJSON(path, data, in)
	case ".yaml", ".yml":
		return decodeSpecYAML(path, data, in)
	default:
		return fmt.Errorf("spec file %s: want a .json, .yaml or .yml file", path)
	}
}

// decodeSpecJSON reads one JSON value and decodes it into in as the
// worker decodes an input (contract.DecodeInput): strictly, with what does
// not fit reported by Validate among the input's other problems.
func decodeSpecJSON(path string, data []byte, in any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var value json.RawMessage
	if err := dec.Decode(&value); err != nil {
		return fmt.Errorf("spec file %s: %w", path, err)
	}
	// Anything after the value, even a stray "}", is a broken file.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("spec file %s: more than one JSON value, or text after it", path)
	}
	return contract.DecodeInput(value, in)
}

// Bounds of a YAML spec's document: a change is a few dozen nodes. YAML's
// anchors and aliases let a 1 MB file stand for terabytes once expanded (a
// "billion laughs"); a spec needs none, so they are refused.
const (
	maxSpecNodes = 20000
	maxSpecDepth = 32
)

// decodeSpecYAML reads YAML as generic data and decodes it as JSON, so both
// formats share the field names, the checks and the duration parsing. The
// document is first parsed to its nodes, which expands nothing, and
// checked against the bounds above.
func decodeSpecYAML(path string, data []byte, in any) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("spec file %s: %w", path, err)
	}
	if doc.Kind == 0 {
		return fmt.Errorf("spec file %s is empty", path)
	}
	nodes := 0
	if err := checkSpecNode(&doc, 0, &nodes); err != nil {
		return fmt.Errorf("spec file %s: %w", path, err)
	}
	var generic any
	if err := doc.Decode(&generic); err != nil {
		return fmt.Errorf("spec file %s: %w", path, err)
	}
	if generic == nil {
		return fmt.Errorf("spec file %s is empty", path)
	}
	asJSON, err := json.Marshal(generic)
	if err != nil {
		var unsupported *json.UnsupportedTypeError
		if errors.As(err, &unsupported) {
			return fmt.Errorf("spec file %s: keys must be strings", path)
		}
		return fmt.Errorf("spec file %s: %w", path, err)
	}
	return decodeSpecJSON(path, asJSON, in)
}

// checkSpecNode refuses anchors, aliases, and documents past the bounds.
func checkSpecNode(n *yaml.Node, depth int, nodes *int) error {
	*nodes++
	switch {
	case n.Kind == yaml.AliasNode || n.Anchor != "":
		return fmt.Errorf("line %d: anchors and aliases (& and *) are not accepted in a spec file; write the values out", n.Line)
	case *nodes > maxSpecNodes:
		return fmt.Errorf("more than %d values; a change is far smaller", maxSpecNodes)
	case depth > maxSpecDepth:
		return fmt.Errorf("line %d: nested deeper than %d levels", n.Line, maxSpecDepth)
	}
	for _, c := range n.Content {
		if err := checkSpecNode(c, depth+1, nodes); err != nil {
			return err
		}
	}
	return nil
}
