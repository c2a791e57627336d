package startercli

import (
	"bytes"
	"context"
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

// loadSpec reads a workflow input from a .json, .yaml or .yml file into in,
// or, with path "-", from stdin (JSON if it starts with '{', else YAML).
// Field names are the JSON ones of package contract, in both formats; an
// unknown field is a problem Validate reports (a typo must not be silently
// ignored).
//
// Only a regular file is read: a FIFO, a device or a directory given by
// mistake would block the starter or feed it without end. Stdin is read up
// to maxSpecBytes, and the read gives up when ctx ends (Ctrl-C).
func loadSpec(ctx context.Context, path string, stdin io.Reader, in any) error {
	spec, err := readSpec(ctx, path, stdin)
	if err != nil {
		return err
	}
	return spec.decode(in)
}

// spec is a spec file's text, read and bounded, and its format.
type spec struct {
	path, format string
	data         []byte
}

// readSpec reads the spec of path ("-": stdin) and tells its format.
func readSpec(ctx context.Context, path string, stdin io.Reader) (spec, error) {
	var data []byte
	var err error
	if path == "-" {
		if data, err = readStdin(ctx, stdin); err != nil {
			return spec{}, fmt.Errorf("spec from stdin: %w", err)
		}
	} else if data, err = readSpecFile(path); err != nil {
		return spec{}, err
	}
	if len(data) > maxSpecBytes {
		return spec{}, fmt.Errorf("spec %s is larger than %d bytes", specName(path), maxSpecBytes)
	}
	format := strings.ToLower(filepath.Ext(path))
	if path == "-" {
		format = ".yaml"
		if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
			format = ".json"
		}
	}
	if format != ".json" && format != ".yaml" && format != ".yml" {
		return spec{}, fmt.Errorf("spec file %s: want a .json, .yaml or .yml file (or - for stdin)", path)
	}
	return spec{path: path, format: format, data: data}, nil
}

// decode decodes the spec into the input in points to.
func (s spec) decode(in any) error {
	if s.format == ".json" {
		return decodeSpecJSON(specName(s.path), s.data, in)
	}
	return decodeSpecYAML(specName(s.path), s.data, in)
}

// hasTopLevelKey tells whether the spec is a mapping with key at its top
// level (JSON is YAML; nothing is expanded to look).
func (s spec) hasTopLevelKey(key string) bool {
	var doc yaml.Node
	if yaml.Unmarshal(s.data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return false
	}
	m := doc.Content[0].Content
	for i := 0; i+1 < len(m); i += 2 {
		if m[i].Value == key {
			return true
		}
	}
	return false
}

func specName(path string) string {
	if path == "-" {
		return "from stdin"
	}
	return "file " + path
}

// readSpecFile reads a regular file of at most maxSpecBytes (one byte
// more tells that it is larger). The file is opened without waiting for a
// writer (openNonBlocking) and refused unless it is a regular file, checked
// on the open file itself so that nothing can be swapped in between.
func readSpecFile(path string) ([]byte, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, fmt.Errorf("spec file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("spec file %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("spec file %s is not a regular file (it is a %s); give a .json or .yaml file, or - to read stdin",
			path, fileKind(info.Mode()))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSpecBytes+1))
	if err != nil {
		return nil, fmt.Errorf("spec file %s: %w", path, err)
	}
	return data, nil
}

// fileKind names what a non-regular file is.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&os.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// readStdin reads stdin up to maxSpecBytes and one byte more, giving up
// when ctx ends: a read from a terminal or an idle pipe blocks in the
// kernel, where no signal reaches it, so it runs aside and is left behind
// (the starter exits soon after).
func readStdin(ctx context.Context, stdin io.Reader) ([]byte, error) {
	if stdin == nil {
		return nil, errors.New("no stdin")
	}
	type read struct {
		data []byte
		err  error
	}
	done := make(chan read, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(stdin, maxSpecBytes+1))
		done <- read{data, err}
	}()
	select {
	case r := <-done:
		return r.data, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("interrupted while reading: %w", context.Cause(ctx))
	}
}

// decodeSpecJSON reads one JSON value and decodes it into in as the
// worker decodes an input (contract.DecodeInput): strictly, with what does
// not fit reported by Validate among the input's other problems.
func decodeSpecJSON(name string, data []byte, in any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var value json.RawMessage
	if err := dec.Decode(&value); err != nil {
		return fmt.Errorf("spec %s: %w", name, err)
	}
	// Anything after the value, even a stray "}", is a broken file.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("spec %s: more than one JSON value, or text after it", name)
	}
	// The whole text, not value: its line numbers are the file's.
	return contract.DecodeInput(data, in)
}

// Bounds of a YAML spec's document: a change is a few dozen nodes. YAML's
// anchors and aliases let a 1 MB file stand for terabytes once expanded (a
// "billion laughs"); a spec needs none, so they are refused.
const (
	maxSpecNodes = 100000 // a fleet of 5,000 changes is about 50,000
	maxSpecDepth = 32
)

// decodeSpecYAML reads YAML and decodes it as JSON, so both formats share
// the field names, the checks and the duration parsing. The document is
// first parsed to its nodes, which expands nothing, and checked against the
// bounds above; it is then written as JSON whose every value stands on the
// line it stands on in the YAML file, so a problem's line number is the
// file's.
func decodeSpecYAML(name string, data []byte, in any) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("spec %s: %w", name, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return fmt.Errorf("spec %s is empty", name)
	}
	nodes := 0
	if err := checkSpecNode(&doc, 0, &nodes); err != nil {
		return fmt.Errorf("spec %s: %w", name, err)
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return fmt.Errorf("spec %s is empty", name)
	}
	var out lineKeepingJSON
	if err := out.write(root); err != nil {
		return fmt.Errorf("spec %s: %w", name, err)
	}
	return decodeSpecJSON(name, out.Bytes(), in)
}

// lineKeepingJSON writes a YAML node tree as JSON, each value on the line
// of its node.
type lineKeepingJSON struct {
	bytes.Buffer
	line int // the line being written, from 1
}

func (w *lineKeepingJSON) at(n *yaml.Node) {
	if w.line == 0 {
		w.line = 1
	}
	for ; w.line < n.Line; w.line++ {
		w.WriteByte('\n')
	}
}

func (w *lineKeepingJSON) write(n *yaml.Node) error {
	w.at(n)
	switch n.Kind {
	case yaml.MappingNode:
		w.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i]
			if key.Kind != yaml.ScalarNode || key.ShortTag() != "!!str" {
				return fmt.Errorf("line %d: keys must be strings", key.Line)
			}
			if i > 0 {
				w.WriteByte(',')
			}
			w.at(key)
			name, _ := json.Marshal(key.Value)
			w.Write(name)
			w.WriteByte(':')
			if err := w.write(n.Content[i+1]); err != nil {
				return err
			}
		}
		w.WriteByte('}')
	case yaml.SequenceNode:
		w.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := w.write(c); err != nil {
				return err
			}
		}
		w.WriteByte(']')
	default:
		var v any
		if err := n.Decode(&v); err != nil {
			return err
		}
		value, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("line %d: a value JSON cannot hold: %w", n.Line, err)
		}
		w.Write(value)
	}
	return nil
}

// checkSpecNode refuses anchors, aliases, and documents past the bounds.
func checkSpecNode(n *yaml.Node, depth int, nodes *int) error {
	*nodes++
	switch {
	case n.Kind == yaml.AliasNode || n.Anchor != "":
		return fmt.Errorf("line %d: anchors and aliases (& and *) are not accepted in a spec file; write the values out", n.Line)
	case *nodes > maxSpecNodes:
		return fmt.Errorf("more than %d values; a fleet of %d changes is far smaller", maxSpecNodes, contract.MaxFleetChanges)
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
