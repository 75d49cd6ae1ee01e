// Not OpenSSL API: a session store in shared memory for the processes of one machine, behind
// OpenSSL's external-cache callbacks (SSL_CTX_sess_set_new_cb / _remove_cb / _get_cb): the
// embedded equivalent of nginx's `ssl_session_cache shared:NAME:10m`. A fixed-size segment holds
// session DER keyed by (id context, session id), evicting the expired and then the oldest when
// full; every worker of a cluster attaches it by a name the primary hands down. Lookups are
// synchronous (a few microseconds): no Promise, no timeout. See docs/stores.md.
import cluster from 'node:cluster';
import { isMainThread } from 'node:worker_threads';
import { binding } from './binding';
import {
  SSL_CTX_sess_get_get_cb,
  SSL_CTX_sess_get_new_cb,
  SSL_CTX_sess_get_remove_cb,
  SSL_CTX_sess_set_get_cb,
  SSL_CTX_sess_set_new_cb,
  SSL_CTX_sess_set_remove_cb,
} from './ctx';
import { SSL_SESSION_get0_id_context } from './session';
import { SSL_CTX_set_session_id_context } from './ssl';
import type { GetSessionCallback, NewSessionCallback, RemoveSessionCallback, SSL_CTX } from './types';

declare const segmentKind: unique symbol;
/** A mapped shared-memory segment (opaque). */
interface SegmentHandle {
  readonly [segmentKind]: 'shm';
}

const shmCreate: (bytes: number) => SegmentHandle = binding.shmCreate;
const shmAttach: (name: string) => SegmentHandle = binding.shmAttach;
const shmName: (h: SegmentHandle) => string = binding.shmName;
const shmStats: (h: SegmentHandle) => SharedSegmentStats = binding.shmStats;
const shmFlushExpired: (h: SegmentHandle, now: number | bigint) => number = binding.shmFlushExpired;
const shmDetach: (h: SegmentHandle) => void = binding.shmDetach;
const shmUnlink: (name: string) => number = binding.shmUnlink;
const shmStoreSession: (h: SegmentHandle, s: unknown) => string = binding.shmStoreSession;
const shmLookupSession: (h: SegmentHandle, idContext: Uint8Array, id: Uint8Array) => unknown = binding.shmLookupSession;
const shmRemoveSession: (h: SegmentHandle, s: unknown) => number = binding.shmRemoveSession;

/** The environment variable through which a cluster primary hands the segment's name to its workers. */
export const SESSION_SEGMENT_ENV = 'OSC_SESSION_SEGMENT';

/** What a segment holds and has done; counters are the segment's (all processes), lookups this process's. */
export interface SharedSegmentStats {
  totalBytes: number;
  blocksTotal: number;
  blocksUsed: number;
  bytesUsed: number;
  entries: number;
  contexts: number;
  stores: number;
  stored: number;
  replaced: number;
  removes: number;
  evictions: number;
  expiredRemoved: number;
  contextTableFull: number;
  recoveries: number;
  rebuilds: number;
  corruptDropped: number;
  lookups: number;
  hits: number;
  misses: number;
  lockTimeouts: number;
}

/**
 * parseSize reads a segment size as nginx writes a zone's: a number of bytes, or with a k, m or
 * g suffix ('10m' is 10 MiB).
 */
export function parseSize(size: string | number): number {
  if (typeof size === 'number') {
    if (!Number.isSafeInteger(size) || size <= 0)
      throw new RangeError(`segment size must be a positive whole number of bytes, got ${size}`);
    return size;
  }
  const m = /^\s*(\d+)\s*([kmg]?)\s*$/i.exec(String(size));
  if (!m) throw new RangeError(`segment size "${size}": expected bytes, or a number with k, m or g (as nginx's 10m)`);
  return Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
}

/**
 * SharedSessionSegment is a shared-memory segment mapped in this process. The creator picks a
 * random name (mode 0600, created exclusively: nobody can guess or pre-create it); others attach
 * by that name, and are refused a segment of another user, with other permissions, or whose
 * layout is not this build's.
 */
export class SharedSessionSegment {
  private handle: SegmentHandle | null;
  /** The name other processes attach by. */
  readonly name: string;

  private constructor(handle: SegmentHandle) {
    this.handle = handle;
    this.name = shmName(handle);
  }

  /** create makes a new segment of `size` bytes (8 KiB to 1 GiB; '10m' as nginx). */
  static create(size: string | number = '10m'): SharedSessionSegment {
    return new SharedSessionSegment(shmCreate(parseSize(size)));
  }

  /** attach maps the segment another process created. */
  static attach(name: string): SharedSessionSegment {
    if (typeof name !== 'string') throw new TypeError("SharedSessionSegment.attach: expected the segment's name");
    return new SharedSessionSegment(shmAttach(name));
  }

  /** @internal The mapped handle (throws once closed). */
  mapped(): SegmentHandle {
    if (this.handle === null) throw new Error(`shared session segment ${this.name}: closed`);
    return this.handle;
  }

  /** stats returns what the segment holds and its counters. */
  stats(): SharedSegmentStats {
    return shmStats(this.mapped());
  }

  /** flushExpired removes the entries expired at the cache clock; returns how many. */
  flushExpired(now: number | bigint): number {
    return shmFlushExpired(this.mapped(), now);
  }

  /** close unmaps the segment from this process (others keep it). */
  close(): void {
    if (this.handle !== null) shmDetach(this.handle);
    this.handle = null;
  }

  /** unlink removes the name: no process can attach any more (the mapped ones keep working). */
  unlink(): void {
    shmUnlink(this.name);
  }
}

let clusterSegment: SharedSessionSegment | null = null;

const TERMINATING_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

// The segment holds master secrets: its name goes when the process ends, whether by exit or by
// one of the signals that end a Node process by default (which emit no 'exit'). A signal the
// application listens to itself is its own to handle: its handler ends the process (then 'exit'
// removes the name) or keeps it running, and the segment with it.
function removeOnExit(segment: SharedSessionSegment): void {
  const unlink = () => {
    try {
      segment.unlink();
    } catch {
      // already removed
    }
  };
  process.once('exit', unlink);
  for (const signal of TERMINATING_SIGNALS) {
    const onSignal = () => {
      process.removeListener(signal, onSignal);
      if (process.listenerCount(signal) > 0) return;
      unlink();
      process.kill(process.pid, signal); // the default action, now that nobody listens
    };
    process.on(signal, onSignal);
  }
}

/**
 * sharedSessionSegment returns the segment of this cluster. In the primary (or a process outside
 * any cluster) the first call creates it, puts its name in process.env.OSC_SESSION_SEGMENT (which
 * cluster.fork() passes to every worker) and removes the name when the process exits (also on
 * SIGINT, SIGTERM and SIGHUP when nothing else listens to them); in a cluster worker, or a
 * worker thread whose environment names a segment (threads started after the first call), it
 * attaches the segment named there. Call it in the primary before forking.
 */
export function sharedSessionSegment(size: string | number = '10m'): SharedSessionSegment {
  if (clusterSegment !== null) return clusterSegment;
  const inherited = process.env[SESSION_SEGMENT_ENV];
  if (!isMainThread && inherited) {
    // A worker thread of a process that made (or attached) the segment: its copy of the
    // environment names it.
    clusterSegment = SharedSessionSegment.attach(inherited);
  } else if (cluster.isWorker) {
    if (!inherited)
      throw new Error(
        `sharedSessionSegment: no ${SESSION_SEGMENT_ENV} in this worker's environment: call sharedSessionSegment() in the primary before cluster.fork()`,
      );
    clusterSegment = SharedSessionSegment.attach(inherited);
  } else {
    const segment = SharedSessionSegment.create(size);
    process.env[SESSION_SEGMENT_ENV] = segment.name;
    removeOnExit(segment);
    clusterSegment = segment;
  }
  return clusterSegment;
}

/** The options of createSharedSessionStore(): the segment, the id context, and what a removal does. */
export interface SharedSessionStoreOptions {
  /** The segment (or its name): sharedSessionSegment() in a cluster. */
  segment: SharedSessionSegment | string;
  /**
   * The session id context (up to 32 bytes; a string is taken as UTF-8), the same in every
   * process sharing the segment: the store sets it on the context, and it is part of every key.
   */
  idContext: Uint8Array | string;
  /** Whether the remove callback deletes the entry (default true); see docs/stores.md. */
  deleteOnRemove?: boolean;
}

/** The store's counters in this process. */
export interface SharedSessionStoreCounters {
  /** Sessions written. */
  stores: number;
  /** New sessions not written: TLS 1.3 (never looked up by id), no DER form, expired, too large, another id context. */
  skipped: number;
  /** Writes the segment refused (lock timeout, context table full, damage found). */
  errors: number;
  /** Lookups this process made through the get callback. */
  lookups: number;
  /** Lookups answered with a session. */
  hits: number;
  /** Lookups with no answer, the invalid ones included. */
  misses: number;
  /** Entries found that failed the checks of a get callback's answer (undecodable, or another session id): misses. */
  invalid: number;
  /** Entries the remove callback deleted. */
  removes: number;
  /** The last refused write or invalid entry, or null. */
  lastError: string | null;
}

/** SharedSessionStore is what createSharedSessionStore returns. */
export interface SharedSessionStore {
  readonly ctx: SSL_CTX;
  readonly segment: SharedSessionSegment;
  /** stats returns the store's counters in this process and the segment's. */
  stats(): SharedSessionStoreCounters & { segment: SharedSegmentStats };
  /** detach removes the store's callbacks from ctx (those still its own). Call it before SSL_CTX_free. */
  detach(): void;
}

function toBytes(v: Uint8Array | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v);
}

/**
 * createSharedSessionStore makes a shared-memory segment the external session cache of `ctx`: it
 * sets the id context and installs the new, remove and get callbacks (replacing any), as the Redis
 * store does, so attachSessionCache takes either. The get callback answers synchronously; what it
 * reads back is decoded and must carry the id asked for, as any get callback's answer.
 */
export function createSharedSessionStore(ctx: SSL_CTX, options: SharedSessionStoreOptions): SharedSessionStore {
  const fn = 'createSharedSessionStore';
  if (options === null || typeof options !== 'object') throw new TypeError(`${fn}: expected options`);
  const segment = typeof options.segment === 'string' ? SharedSessionSegment.attach(options.segment) : options.segment;
  if (!(segment instanceof SharedSessionSegment)) throw new TypeError(`${fn}: options.segment must be a SharedSessionSegment or its name`);
  if (options.idContext === undefined || options.idContext === null)
    throw new TypeError(`${fn}: options.idContext is required (the same in every process sharing the segment)`);
  const idContext = toBytes(options.idContext);
  if (idContext.length > 32) throw new RangeError(`${fn}: idContext is longer than 32 bytes`);
  const deleteOnRemove = options.deleteOnRemove ?? true;
  if (typeof deleteOnRemove !== 'boolean') throw new TypeError(`${fn}: deleteOnRemove must be a boolean`);
  const h = segment.mapped();
  const c: SharedSessionStoreCounters = {
    stores: 0,
    skipped: 0,
    errors: 0,
    lookups: 0,
    hits: 0,
    misses: 0,
    invalid: 0,
    removes: 0,
    lastError: null,
  };

  const onNew: NewSessionCallback = (_ssl, s) => {
    if (!Buffer.from(SSL_SESSION_get0_id_context(s)).equals(idContext)) {
      c.skipped++; // this process's lookups could never find it
      return 0;
    }
    const r = shmStoreSession(h, s);
    if (r === 'ok') c.stores++;
    else if (r === 'skipped' || r === 'no-der' || r === 'expired' || r === 'too-large') c.skipped++;
    else {
      c.errors++;
      c.lastError = `storing a session: ${r}`;
    }
    return 0; // the store keeps no reference: it holds the DER
  };
  const onRemove: RemoveSessionCallback = (_ctx, s) => {
    if (deleteOnRemove && shmRemoveSession(h, s) === 1) c.removes++;
  };
  const onGet: GetSessionCallback = (_ssl, id, len, copy) => {
    c.lookups++;
    const s = shmLookupSession(h, idContext, id.subarray(0, len)) as ReturnType<GetSessionCallback> | 'undecodable' | 'wrong-id';
    if (s === null || typeof s === 'string') {
      c.misses++;
      if (typeof s === 'string') {
        c.invalid++;
        c.lastError = `the entry for ${Buffer.from(id.subarray(0, len)).toString('hex')} ${s === 'wrong-id' ? 'carries another session id' : 'does not decode'}: a miss`;
      }
      return null;
    }
    c.hits++;
    copy.value = 0; // the decoded session's one reference goes to OpenSSL
    return s;
  };

  SSL_CTX_set_session_id_context(ctx, idContext);
  SSL_CTX_sess_set_new_cb(ctx, onNew);
  SSL_CTX_sess_set_remove_cb(ctx, onRemove);
  SSL_CTX_sess_set_get_cb(ctx, onGet);

  return {
    ctx,
    segment,
    stats: () => ({ ...c, segment: segment.stats() }),
    detach: () => {
      try {
        if (SSL_CTX_sess_get_new_cb(ctx) === onNew) SSL_CTX_sess_set_new_cb(ctx, null);
        if (SSL_CTX_sess_get_remove_cb(ctx) === onRemove) SSL_CTX_sess_set_remove_cb(ctx, null);
        if (SSL_CTX_sess_get_get_cb(ctx) === onGet) SSL_CTX_sess_set_get_cb(ctx, null);
      } catch {
        // ctx was freed already: nothing of ours is left on it.
      }
    },
  };
}
