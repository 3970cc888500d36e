// Every bound the filter keeps, in one place. The capture limits mirror the comments of
// proto/shadowdiff/v1/capture.proto: the filter never emits a pair past them, so the collector
// never has a reason to refuse one. The configuration limits bound what an operator can make the
// filter hold.

// ---- capture.proto ---------------------------------------------------------------------------

/** Pair.id: a longer id keeps ID_KEPT_BYTES, then "~" and ID_HASH_DIGITS hex digits of a hash. */
export const MAX_ID_BYTES: i32 = 128;
export const ID_KEPT_BYTES: i32 = 112;
export const ID_HASH_DIGITS: i32 = 15;
/** Pair.proxy_id and Pair.authority, cut. */
export const MAX_PROXY_ID_BYTES: i32 = 256;
export const MAX_AUTHORITY_BYTES: i32 = 256;
/** Header.name: configured names are refused past it, so captured ones never exceed it. */
export const MAX_HEADER_NAME_BYTES: i32 = 256;
/** Header.value, cut. */
export const MAX_HEADER_VALUE_BYTES: i32 = 8192;
/** Entries per header list (request headers, each side's headers). */
export const MAX_HEADERS: i32 = 64;
/** Pair.path: max_path_bytes ranges up to this. */
export const MAX_PATH_BYTES: i32 = 8192;
/** Response.body: max_body_bytes ranges up to this. */
export const MAX_BODY_BYTES: i32 = 1048576;
/** Pair.targets: the configured targets, 1 to this many. */
export const MAX_TARGETS: i32 = 4;
/** Response.name: a target's configured name. */
export const MAX_TARGET_NAME_CHARS: i32 = 32;

// ---- the plugin configuration ----------------------------------------------------------------

/** The whole configuration, before it is read. */
export const MAX_CONFIG_BYTES: i32 = 262144;
/** Arrays and objects nested at most this deep. */
export const MAX_JSON_DEPTH: i32 = 32;
/** Any JSON string (the token is the longest value). */
export const MAX_JSON_STRING: i32 = 1024;
/** Entries of any JSON array or object. */
export const MAX_JSON_ENTRIES: i32 = 64;
/** Names, cluster names, authorities, path prefixes, the tag's value. */
export const MAX_NAME_CHARS: i32 = 256;
/** collector_token: long enough to be a secret, short enough for a header. */
export const MIN_TOKEN_CHARS: i32 = 16;
export const MAX_TOKEN_CHARS: i32 = 1024;
/** max_path_bytes. */
export const MIN_PATH_BYTES: i32 = 64;
export const DEFAULT_PATH_BYTES: i32 = 2048;
/** request_bodies.max_bytes: the largest body a copy carries, whole. */
export const MAX_MIRRORED_BODY_BYTES: i32 = 1048576;
/** request_bodies.budget_bytes: what one worker's body copies may hold together. */
export const MAX_BODY_BUDGET_BYTES: i32 = 67108864;
