-- wrk's summary as one JSON line, latencies in microseconds (bench/envoy.ts parses it).
-- With SHADOWDIFF_WRK_METHOD and SHADOWDIFF_WRK_BODY_BYTES set (runWrk's `body`), every request
-- carries a body of that many bytes.
local method = os.getenv("SHADOWDIFF_WRK_METHOD")
if method ~= nil and method ~= "" then
  wrk.method = method
  wrk.body = string.rep("x", tonumber(os.getenv("SHADOWDIFF_WRK_BODY_BYTES")))
  wrk.headers["Content-Type"] = "application/octet-stream"
end

done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
