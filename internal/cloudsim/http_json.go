package cloudsim

import (
	"encoding/json"
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
	enc := json.NewEncoder(w)
	// Keep "&" in Recommend URLs literal, as the real services do.
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
