// The WASI functions Envoy provides, with proxy-wasm-cpp-host's behaviour (src/exports.cc): stdout
// and stderr go to the log (info and error, one trailing newline dropped), clocks read the host's
// clock, random_get fills up to 64 KiB, there are no arguments, environment or files.
import { LogLevel, WasiClock, WasiErrno } from "./abi.js";
import type { ModuleMemory } from "./memory.js";

export interface WasiEnv {
  readonly memory: ModuleMemory;
  log(level: number, message: string): void;
  realtimeNanos(): bigint;
  monotonicNanos(): bigint;
  randomBytes(size: number): Uint8Array;
  procExit(code: number): never;
}

const RANDOM_GET_MAX_BYTES = 64 * 1024;

type WasiFunction = (...args: never[]) => number | void;
const u = (value: number) => value >>> 0;
const isStdio = (fd: number) => fd === 1 || fd === 2;

export function createWasiImports(env: WasiEnv): Record<string, WasiFunction> {
  const mem = () => env.memory;

  const writev = (fd: number, iovs: number, iovsLength: number): { errno: number; written: number } => {
    if (!isStdio(fd)) return { errno: WasiErrno.Badf, written: 0 };
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < iovsLength; i++) {
      const base = mem().readU32(iovs + i * 8);
      const length = mem().readU32(iovs + i * 8 + 4);
      if (base === undefined || length === undefined) return { errno: WasiErrno.Fault, written: 0 };
      if (length === 0) continue;
      const chunk = mem().read(base, length);
      if (chunk === undefined) return { errno: WasiErrno.Fault, written: 0 };
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    const written = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    if (written > 0) env.log(fd === 1 ? LogLevel.Info : LogLevel.Error, text.endsWith("\n") ? text.slice(0, -1) : text);
    return { errno: WasiErrno.Success, written };
  };

  const fd_write = (fd: number, iovs: number, iovsLength: number, writtenPointer: number): number => {
    const { errno, written } = writev(u(fd), u(iovs), u(iovsLength));
    if (errno !== WasiErrno.Success) return errno;
    return mem().writeU32(u(writtenPointer), written) ? WasiErrno.Success : WasiErrno.Fault;
  };

  const fd_pwrite = (fd: number, iovs: number, iovsLength: number, _offset: bigint, writtenPointer: number): number =>
    fd_write(fd, iovs, iovsLength, writtenPointer);

  const clock_time_get = (clockId: number, _precision: bigint, resultPointer: number): number => {
    let value: bigint;
    if (u(clockId) === WasiClock.Realtime) value = env.realtimeNanos();
    else if (u(clockId) === WasiClock.Monotonic) value = env.monotonicNanos();
    else return WasiErrno.Notsup;
    return mem().writeU64(u(resultPointer), value) ? WasiErrno.Success : WasiErrno.Fault;
  };

  const clock_res_get = (clockId: number, resultPointer: number): number => {
    if (u(clockId) > WasiClock.Monotonic) return WasiErrno.Notsup;
    return mem().writeU64(u(resultPointer), 1n) ? WasiErrno.Success : WasiErrno.Fault;
  };

  const random_get = (pointer: number, length: number): number => {
    if (u(length) > RANDOM_GET_MAX_BYTES) return WasiErrno.Inval;
    if (u(length) === 0) return WasiErrno.Success;
    return mem().write(u(pointer), env.randomBytes(u(length))) ? WasiErrno.Success : WasiErrno.Fault;
  };

  const writeZeros = (...pointers: number[]): boolean => pointers.every((pointer) => mem().writeU32(u(pointer), 0));

  const stdioOnly = (fd: number): number => (isStdio(u(fd)) ? WasiErrno.Success : WasiErrno.Badf);

  return {
    fd_write,
    fd_pwrite,
    fd_read: () => WasiErrno.Nosys,
    fd_seek: () => WasiErrno.Success,
    fd_close: () => WasiErrno.Success,
    fd_fdstat_get: (fd: number, statPointer: number): number => {
      if (!isStdio(u(fd))) return WasiErrno.Badf;
      const stat = new Uint8Array(24);
      new DataView(stat.buffer).setBigUint64(8, 64n, true); // fs_rights_base = FD_WRITE
      mem().write(u(statPointer), stat);
      return WasiErrno.Success;
    },
    fd_fdstat_set_flags: () => WasiErrno.Nosys,
    fd_fdstat_set_rights: stdioOnly,
    environ_get: () => WasiErrno.Success,
    environ_sizes_get: (countPointer: number, sizePointer: number): number =>
      writeZeros(countPointer, sizePointer) ? WasiErrno.Success : WasiErrno.Fault,
    args_get: () => WasiErrno.Success,
    args_sizes_get: (countPointer: number, sizePointer: number): number =>
      writeZeros(countPointer, sizePointer) ? WasiErrno.Success : WasiErrno.Fault,
    clock_time_get,
    clock_res_get,
    fd_advise: () => WasiErrno.Success,
    fd_allocate: stdioOnly,
    fd_datasync: stdioOnly,
    fd_filestat_set_size: stdioOnly,
    fd_filestat_set_times: stdioOnly,
    fd_pread: () => WasiErrno.Nosys,
    fd_readdir: (_fd: number, _buf: number, _len: number, _cookie: bigint, readPointer: number): number =>
      writeZeros(readPointer) ? WasiErrno.Notdir : WasiErrno.Fault,
    fd_renumber: (fd: number, to: number): number => (isStdio(u(fd)) && isStdio(u(to)) ? WasiErrno.Notsup : WasiErrno.Badf),
    fd_sync: stdioOnly,
    fd_tell: (fd: number, offsetPointer: number): number => {
      if (!isStdio(u(fd))) return WasiErrno.Badf;
      return mem().writeU64(u(offsetPointer), 0n) ? WasiErrno.Success : WasiErrno.Fault;
    },
    path_create_directory: () => WasiErrno.Notsup,
    path_filestat_set_times: () => WasiErrno.Notsup,
    path_link: () => WasiErrno.Notsup,
    path_readlink: (...args: number[]): number => (writeZeros(args[5] ?? 0) ? WasiErrno.Notsup : WasiErrno.Fault),
    path_remove_directory: () => WasiErrno.Notsup,
    path_rename: () => WasiErrno.Notsup,
    path_symlink: () => WasiErrno.Notsup,
    path_unlink_file: () => WasiErrno.Notsup,
    sock_accept: (_fd: number, _flags: number, fdPointer: number): number =>
      mem().writeU64(u(fdPointer), 0n) ? WasiErrno.Notsup : WasiErrno.Fault,
    sock_recv: (...args: number[]): number => (writeZeros(args[4] ?? 0) ? WasiErrno.Notsup : WasiErrno.Fault),
    sock_send: (...args: number[]): number => (writeZeros(args[4] ?? 0) ? WasiErrno.Notsup : WasiErrno.Fault),
    sock_shutdown: () => WasiErrno.Notsup,
    random_get,
    sched_yield: () => WasiErrno.Success,
    poll_oneoff: (_in: number, _out: number, _count: number, eventsPointer: number): number =>
      writeZeros(eventsPointer) ? WasiErrno.Success : WasiErrno.Fault,
    proc_exit: (code: number): void => env.procExit(code | 0),
    path_open: () => WasiErrno.Noent,
    fd_prestat_get: () => WasiErrno.Badf,
    fd_prestat_dir_name: () => WasiErrno.Nosys,
    path_filestat_get: () => WasiErrno.Notsup,
    fd_filestat_get: () => WasiErrno.Badf,
  } as unknown as Record<string, WasiFunction>;
}
