package e2e

// nilLogger keeps the test client quiet.
type nilLogger struct{}

func (nilLogger) Debug(string, ...any) {}
func (nilLogger) Info(string, ...any)  {}
func (nilLogger) Warn(string, ...any)  {}
func (nilLogger) Error(string, ...any) {}
