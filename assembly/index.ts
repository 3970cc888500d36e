// shadowdiff's proxy-wasm module: the ABI exports, with the filter's root context behind them.
// Top-level code runs during _initialize, when Envoy allows no host call: it only wires the factory.
import "./abi/abort"; // the abort handler asconfig.json routes AssemblyScript's abort to
import { setRootContextFactory } from "./abi/root_factory";
import { createShadowRoot } from "./filter/root";

export * from "./abi/dispatcher";

setRootContextFactory(createShadowRoot);
