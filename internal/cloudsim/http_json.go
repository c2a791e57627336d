package cloudsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// writeJSON writes v with status and extra headers.
func writeJSON(w http.ResponseWriter, status int, v any, headers map[string]string) {
	for k, val := range headers {
		w.Header().Set(k, val)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
	}
	w.WriteHeader(status)
	_ = newJSONEncoder(w).Encode(v)
}

// encodeJSONBody renders v as writeJSON would, for an answer that is kept
// to be sent again.
func encodeJSONBody(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := newJSONEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func newJSONEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	// Keep "&" in Recommend URLs literal, as the real services do.
	enc.SetEscapeHTML(false)
	return enc
}
