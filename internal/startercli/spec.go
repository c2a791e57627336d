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
)

// maxSpecBytes bounds a spec file: a real change is a few KB.
const maxSpecBytes = 1 << 20

// loadSpec reads a workflow input from a .json, .yaml or .yml file into in.
// Field names are the JSON ones of the workflows package, in both formats;
// an unknown field is an error (a typo must not be silently ignored).
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

func decodeSpecJSON(path string, data []byte, in any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil {
		return fmt.Errorf("spec file %s: %w", path, err)
	}
	// Anything after the value, even a stray "}", is a broken file.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("spec file %s: more than one JSON value, or text after it", path)
	}
	return nil
}

// decodeSpecYAML reads YAML as generic data and decodes it as JSON, so both
// formats share the field names, the checks and the duration parsing.
func decodeSpecYAML(path string, data []byte, in any) error {
	var generic any
	if err := yaml.Unmarshal(data, &generic); err != nil {
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
