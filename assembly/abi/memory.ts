// Memory the host asks for (it writes header maps, buffers and properties into it and hands the
// pointer back). Allocated outside the garbage collector, so a collection between the host's
// write and our read cannot reclaim it; hostcalls.ts copies it out and frees it at once, or reads
// it in place and frees it on release().

export function allocateForHost(size: usize): usize {
  // heap.alloc of 0 bytes is legal but the spec reads 0 as failure: hand out one byte instead.
  return heap.alloc(size > 0 ? size : 1);
}

/** Copies `size` bytes the host wrote at `ptr` into a managed buffer and frees the host block. */
export function takeFromHost(ptr: usize, size: usize): ArrayBuffer {
  const copy = new ArrayBuffer(<i32>size);
  if (size > 0) memory.copy(changetype<usize>(copy), ptr, size);
  if (ptr != 0) heap.free(ptr);
  return copy;
}
