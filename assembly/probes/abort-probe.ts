// A module that fails on demand, built by test/filter/abort.test.ts to check that AssemblyScript's
// abort reaches proxy_log at critical level with the plugin's name, and that the ABI layer keeps
// its error convention. Its plugin configuration says what to do; not part of build/shadowdiff.wasm.
import { setAbortPrefix } from "../abi/abort";
import { RootContext } from "../abi/context";
import { setRootContextFactory } from "../abi/dispatcher";
import { InPlace, bufferBytesInPlace, getBufferBytes, getProperty, log, removeHeader } from "../abi/hostcalls";
import { BufferType, LogLevel, MapType } from "../abi/types";

export {
  proxy_abi_version_0_2_1, malloc, proxy_on_context_create, proxy_on_configure, proxy_on_done, proxy_on_delete,
} from "../abi/dispatcher";

const ANY_HEADER = String.UTF8.encode("x-any");

class ProbeRoot extends RootContext {
  onConfigure(size: usize): bool {
    const bytes = getBufferBytes(BufferType.PluginConfiguration, 0, size);
    const command = bytes !== null ? String.UTF8.decode(bytes) : "";
    if (command == "absent property") {
      log(LogLevel.Info, getProperty("no\0such\0property") === null ? "property: null" : "property: found");
    } else if (command == "unexpected status") {
      // Request headers exist only in a stream's callbacks: BAD_ARGUMENT here.
      removeHeader(MapType.HttpRequestHeaders, ANY_HEADER);
    } else if (command == "read in place, released") {
      this.readInPlace().release();
      this.readInPlace().release();
    } else if (command == "read in place twice") {
      this.readInPlace();
      this.readInPlace();
    } else {
      assert(size == 0, "abort probe: configuration must be empty");
    }
    return true;
  }

  private readInPlace(): InPlace {
    const view = bufferBytesInPlace(BufferType.PluginConfiguration, 0, 4);
    assert(view !== null && view.size == 4, "abort probe: the configuration reads in place");
    return view!;
  }
}

function createProbeRoot(id: u32): RootContext {
  return new ProbeRoot(id);
}

setAbortPrefix("shadowdiff");
setRootContextFactory(createProbeRoot);
