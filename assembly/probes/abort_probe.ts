// A module whose configure step fails an assertion: the filter tests compile it to check that
// AssemblyScript's abort reaches proxy_log at critical level with its message and location.
// Not part of build/shadowdiff.wasm.
import "../abi/abort";
import { RootContext } from "../abi/context";
import { setRootContextFactory } from "../abi/root_factory";

export * from "../abi/dispatcher";

class AbortingRoot extends RootContext {
  onConfigure(pluginConfigurationSize: usize): bool {
    assert(pluginConfigurationSize == 0, "abort probe: configuration must be empty");
    return true;
  }
}

function createAbortingRoot(id: u32): RootContext {
  return new AbortingRoot(id);
}

setRootContextFactory(createAbortingRoot);
