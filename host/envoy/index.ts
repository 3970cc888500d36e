export * from "./admin.js";
export * from "./bootstrap.js";
export * from "./direct-response.js";
export * from "./gate.js";
export * from "./paths.js";
export * from "./process.js";
