// Which RootContext the dispatcher creates for a new plugin. Set from module top level, which
// runs during _initialize: storing a function is all that may happen there (no host calls).
import { RootContext } from "./context";

let factory: ((id: u32) => RootContext) | null = null;

export function setRootContextFactory(create: (id: u32) => RootContext): void {
  factory = create;
}

export function createRootContext(id: u32): RootContext {
  const create = factory;
  return create !== null ? create(id) : new RootContext(id);
}
