// The WASI functions Envoy provides, with proxy-wasm-cpp-host's behaviour (src/exports.cc): stdout
// and stderr go to the log (info and error, one trailing newline dropped), clocks read the host's
// clock, random_get fills up to 64 KiB, there are no arguments, environment or files.
import { LogLevel } from "./abi.js";
import type { ModuleMemory } from "./memory.js";

export interface WasiEnv {
  readonly memory: ModuleMemory;
  log(level: number, message: string): void;
  realtimeNanos(): bigint;
  monotonicNanos(): bigint;
  randomBytes(size: number): Uint8Array;
  procExit(code: number): never;
}

const ESUCCESS = 0;
const EBADF = 8;
const EFAULT = 21;
const EINVAL = 28;
const ENOENT = 44;
const ENOSYS = 52;
const ENOTSUP = 58;
const ENOTDIR = 20;
const RANDOM_GET_MAX_BYTES = 64 * 1024;

type WasiFunction = (...args: never[]) => number | void;
const u = (value: number) => value >>> 0;
const isStdio = (fd: number) => fd === 1 || fd === 2;

export function createWasiImports(env: WasiEnv): Record<string, WasiFunction> {
  const mem = () => env.memory;

  const writev = (fd: number, iovs: number, iovsLength: number): { errno: number; written: number } => {
    if (!isStdio(fd)) return { errno: EBADF, written: 0 };
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < iovsLength; i++) {
      const base = mem().readU32(iovs + i * 8);
      const length = mem().readU32(iovs + i * 8 + 4);
      if (base === undefined || length === undefined) return { errno: EFAULT, written: 0 };
      if (length === 0) continue;
      const chunk = mem().read(base, length);
      if (chunk === undefined) return { errno: EFAULT, written: 0 };
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    const written = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    if (written > 0) env.log(fd === 1 ? LogLevel.Info : LogLevel.Error, text.endsWith("\n") ? text.slice(0, -1) : text);
    return { errno: ESUCCESS, written };
  };

  const fd_write = (fd: number, iovs: number, iovsLength: number, writtenPointer: number): number => {
    const { errno, written } = writev(u(fd), u(iovs), u(iovsLength));
    if (errno !== ESUCCESS) return errno;
    return mem().writeU32(u(writtenPointer), written) ? ESUCCESS : EFAULT;
  };

  const fd_pwrite = (fd: number, iovs: number, iovsLength: number, _offset: bigint, writtenPointer: number): number =>
    fd_write(fd, iovs, iovsLength, writtenPointer);

  const clock_time_get = (clockId: number, _precision: bigint, resultPointer: number): number => {
    let value: bigint;
    if (u(clockId) === 0) value = env.realtimeNanos();
    else if (u(clockId) === 1) value = env.monotonicNanos();
    else return ENOTSUP;
    return mem().writeU64(u(resultPointer), value) ? ESUCCESS : EFAULT;
  };

  const clock_res_get = (clockId: number, resultPointer: number): number => {
    if (u(clockId) > 1) return ENOTSUP;
    return mem().writeU64(u(resultPointer), 1n) ? ESUCCESS : EFAULT;
  };

  const random_get = (pointer: number, length: number): number => {
    if (u(length) > RANDOM_GET_MAX_BYTES) return EINVAL;
    if (u(length) === 0) return ESUCCESS;
    return mem().write(u(pointer), env.randomBytes(u(length))) ? ESUCCESS : EFAULT;
  };

  const writeZeros = (...pointers: number[]): boolean => pointers.every((pointer) => mem().writeU32(u(pointer), 0));

  const stdioOnly = (fd: number): number => (isStdio(u(fd)) ? ESUCCESS : EBADF);

  return {
    fd_write,
    fd_pwrite,
    fd_read: () => ENOSYS,
    fd_seek: () => ESUCCESS,
    fd_close: () => ESUCCESS,
    fd_fdstat_get: (fd: number, statPointer: number): number => {
      if (!isStdio(u(fd))) return EBADF;
      const stat = new Uint8Array(24);
      new DataView(stat.buffer).setBigUint64(8, 64n, true); // fs_rights_base = FD_WRITE
      mem().write(u(statPointer), stat);
      return ESUCCESS;
    },
    fd_fdstat_set_flags: () => ENOSYS,
    fd_fdstat_set_rights: stdioOnly,
    environ_get: () => ESUCCESS,
    environ_sizes_get: (countPointer: number, sizePointer: number): number =>
      writeZeros(countPointer, sizePointer) ? ESUCCESS : EFAULT,
    args_get: () => ESUCCESS,
    args_sizes_get: (countPointer: number, sizePointer: number): number =>
      writeZeros(countPointer, sizePointer) ? ESUCCESS : EFAULT,
    clock_time_get,
    clock_res_get,
    fd_advise: () => ESUCCESS,
    fd_allocate: stdioOnly,
    fd_datasync: stdioOnly,
    fd_filestat_set_size: stdioOnly,
    fd_filestat_set_times: stdioOnly,
    fd_pread: () => ENOSYS,
    fd_readdir: (_fd: number, _buf: number, _len: number, _cookie: bigint, readPointer: number): number =>
      writeZeros(readPointer) ? ENOTDIR : EFAULT,
    fd_renumber: (fd: number, to: number): number => (isStdio(u(fd)) && isStdio(u(to)) ? ENOTSUP : EBADF),
    fd_sync: stdioOnly,
    fd_tell: (fd: number, offsetPointer: number): number => {
      if (!isStdio(u(fd))) return EBADF;
      return mem().writeU64(u(offsetPointer), 0n) ? ESUCCESS : EFAULT;
    },
    path_create_directory: () => ENOTSUP,
    path_filestat_set_times: () => ENOTSUP,
    path_link: () => ENOTSUP,
    path_readlink: (...args: number[]): number => (writeZeros(args[5] ?? 0) ? ENOTSUP : EFAULT),
    path_remove_directory: () => ENOTSUP,
    path_rename: () => ENOTSUP,
    path_symlink: () => ENOTSUP,
    path_unlink_file: () => ENOTSUP,
    sock_accept: (_fd: number, _flags: number, fdPointer: number): number =>
      mem().writeU64(u(fdPointer), 0n) ? ENOTSUP : EFAULT,
    sock_recv: (...args: number[]): number => (writeZeros(args[4] ?? 0) ? ENOTSUP : EFAULT),
    sock_send: (...args: number[]): number => (writeZeros(args[4] ?? 0) ? ENOTSUP : EFAULT),
    sock_shutdown: () => ENOTSUP,
    random_get,
    sched_yield: () => ESUCCESS,
    poll_oneoff: (_in: number, _out: number, _count: number, eventsPointer: number): number =>
      writeZeros(eventsPointer) ? ESUCCESS : EFAULT,
    proc_exit: (code: number): void => env.procExit(code | 0),
    path_open: () => ENOENT,
    fd_prestat_get: () => EBADF,
    fd_prestat_dir_name: () => ENOSYS,
    path_filestat_get: () => ENOTSUP,
    fd_filestat_get: () => EBADF,
  } as unknown as Record<string, WasiFunction>;
}
