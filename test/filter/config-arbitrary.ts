// Generated plugin configurations: every key the filter reads, each usually with a value it should
// accept and now and then with one it should refuse (control characters, out-of-range numbers,
// names that would strip what the primary needs). Used by the in-process property test and by the
// sample of accepted configurations run in a real Envoy.
import fc from "fast-check";

// Names that matter to the filter or to the primary, beside arbitrary ones.
export const NOTABLE_NAMES = [
  "x-shadow-request", "x_shadow_request", "x-mirror", "X_Mirror", "x-request-id", "x_request_id", "host", ":path",
  ":authority", "content-length", "transfer-encoding", "connection", "te", "cookie", "authorization", "x-session",
  "x-forwarded-for", "x-envoy-upstream-rq-timeout-ms", "accept",
];
const anyText = fc.string({ maxLength: 12, unit: "binary" });
const anyNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 1e9));

/** Mostly a value the filter should accept, now and then one it should refuse: most generated
 * configurations are accepted (the property is about those), and the refusals stay exercised. */
function mostly<T, U>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ arbitrary: valid, weight: 24 }, { arbitrary: hostile, weight: 1 });
}

const token = fc.stringMatching(/^[A-Za-z0-9_.!#-]{1,16}$/);
const headerName = mostly(fc.oneof({ arbitrary: token, weight: 3 }, { arbitrary: fc.constantFrom(...NOTABLE_NAMES), weight: 1 }), anyText);
const headerValue = mostly(fc.stringMatching(/^[!-~]([ -~]{0,14}[!-~])?$/), fc.oneof(fc.constantFrom("a\r\nx-injected: 1", "", " padded "), anyText));
const authority = mostly(fc.stringMatching(/^[a-z0-9.-]{1,24}(:[0-9]{1,5})?$/), anyText);
const integer = (min: number, max: number) => mostly(fc.integer({ min, max }), anyNumber);
const nameList = mostly(fc.array(fc.oneof(token, fc.constantFrom(...NOTABLE_NAMES)), { maxLength: 4 }), fc.array(anyText, { minLength: 1, maxLength: 2 }));
export const PATHS = ["/", "/items", "/items/", "/a", "/users"];
const pathList = mostly(fc.array(fc.constantFrom(...PATHS), { maxLength: 2 }), fc.array(anyText, { minLength: 1, maxLength: 2 }));

/** Plugin configurations, without the cluster names (the test adds its own). */
export const configuration = fc.record(
  {
    shadow_authority: authority,
    shadow_timeout_ms: integer(1, 60000),
    sample_percent: mostly(fc.oneof({ arbitrary: fc.constantFrom(0, 50, 100), weight: 1 }, { arbitrary: fc.constant(100), weight: 2 }, { arbitrary: fc.double({ min: 0, max: 100, noNaN: true }), weight: 1 }), anyNumber),
    sample_header: headerName,
    methods: mostly(fc.subarray(["GET", "HEAD"], { minLength: 1 }), fc.array(fc.constantFrom("GET", "POST", "get"), { maxLength: 2 })),
    include_paths: pathList,
    exclude_paths: pathList,
    tag_header: headerName,
    tag_value: headerValue,
    request_headers: nameList,
    response_headers: nameList,
    redact_headers: nameList,
    redact_query_params: mostly(fc.array(fc.stringMatching(/^[a-z_]{1,8}$/), { maxLength: 3 }), fc.array(anyText, { minLength: 1, maxLength: 2 })),
    max_body_bytes: integer(0, 1048576),
    max_path_bytes: integer(64, 8192),
    collector_authority: authority,
    collector_token: mostly(fc.stringMatching(/^[!-~]{16,40}$/), anyText),
    batch_max_pairs: integer(1, 1000),
    max_in_flight: integer(1, 100000),
  },
  { requiredKeys: [] },
);
