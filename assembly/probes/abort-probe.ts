// A module whose configure step fails an assertion: the filter tests compile it to check that
// AssemblyScript's abort reaches proxy_log at critical level, with the plugin's name, the message
// and the location. Not part of build/shadowdiff.wasm.
import { setAbortPrefix } from "../abi/abort";
import { RootContext } from "../abi/context";
import { setRootContextFactory } from "../abi/dispatcher";

export {
  proxy_abi_version_0_2_1, malloc, proxy_on_context_create, proxy_on_configure, proxy_on_done, proxy_on_delete,
} from "../abi/dispatcher";

class AbortingRoot extends RootContext {
  onConfigure(pluginConfigurationSize: usize): bool {
    assert(pluginConfigurationSize == 0, "abort probe: configuration must be empty");
    return true;
  }
}

function createAbortingRoot(id: u32): RootContext {
  return new AbortingRoot(id);
}

setAbortPrefix("shadowdiff");
setRootContextFactory(createAbortingRoot);
