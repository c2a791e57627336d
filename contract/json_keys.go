package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode"
)

// Go's encoding/json lets the last of two equal keys win, and it matches a
// key to a field case-insensitively: {"RouterInterfaceId": "ri-a",
// "routerinterfaceid": "ri-b"} decodes to ri-b. A reviewer reading the
// first key would approve a change of another interface, so a key that
// repeats another of its object (equal under that folding) is refused,
// named by its path and line. YAML parsers refuse duplicates already.

// jsonFrame is an object or array being read by duplicateKey.
type jsonFrame struct {
	object bool
	path   string
	keys   map[string]int64 // an object's folded keys → their offsets
	key    string           // an object's key whose value is next; "" before a key
	keyed  bool             // an object expects a value (key was read)
	index  int              // an array's next element
}

// child is the path of the value about to be read in f.
func (f *jsonFrame) child() string {
	if !f.object {
		return fmt.Sprintf("%s[%d]", f.path, f.index)
	}
	if f.path == "" {
		return f.key
	}
	return f.path + "." + f.key
}

// valueRead moves f past the value just read.
func (f *jsonFrame) valueRead() {
	if f.object {
		f.keyed = false
	} else {
		f.index++
	}
}

// duplicateKey returns the problem of the first key of data that repeats
// one of its object, or "". Text that is not JSON has no duplicate here:
// the decoder reports what is wrong with it.
func duplicateKey(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []*jsonFrame
	for {
		offset := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		var top *jsonFrame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && !top.keyed {
			if tok == json.Delim('}') {
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return ""
				}
				stack[len(stack)-1].valueRead()
				continue
			}
			key, _ := tok.(string)
			top.key, top.keyed = key, true
			folded := foldKey(key)
			if first, seen := top.keys[folded]; seen {
				return fmt.Sprintf("duplicate key %s at %s (line %d; the first at line %d): only one may be given",
					shown(key), shown(top.child()), lineAt(data, offset), lineAt(data, first))
			}
			top.keys[folded] = offset
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			f := &jsonFrame{object: tok == json.Delim('{'), keys: map[string]int64{}}
			if top != nil {
				f.path = top.child()
			}
			stack = append(stack, f)
			continue
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			return ""
		}
		stack[len(stack)-1].valueRead()
	}
}

// foldKey maps a key to one spelling of every key encoding/json would
// match to the same field: each rune to the smallest of its case-folding
// orbit (as bytes.EqualFold, which the decoder's matching agrees with).
func foldKey(key string) string {
	b := make([]rune, 0, len(key))
	for _, r := range key {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b = append(b, least)
	}
	return string(b)
}

// lineAt is the line (from 1) of data's byte offset; a key's offset is
// where the token before it ended, so leading blanks are skipped first.
func lineAt(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	for offset < int64(len(data)) {
		c := data[offset]
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ',' && c != ':' {
			break
		}
		offset++
	}
	return 1 + bytes.Count(data[:offset], []byte{'\n'})
}
