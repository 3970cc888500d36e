//go:build tools

// Jaeger's all-in-one (collector with an OTLP receiver, in-memory storage, query API), at the
// version go.mod pins, for the trace test (test/e2e/jaeger-trace.test.ts). `go install
// ...@version` refuses it (Jaeger's go.mod has a replace directive), so it is built from this
// module, which carries the same replace.
package tools

import _ "github.com/jaegertracing/jaeger/cmd/all-in-one"
