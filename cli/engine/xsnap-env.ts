/**
 * What @agoric/xsnap's Node side needs before it loads, without locking the process down:
 * SES's `assert` and the HandledPromise shim, and a `harden` (SES gives one only with
 * lockdown, which would freeze every intrinsic of this process). This `harden` freezes an
 * object and what its own properties hold, which is what xsnap's checks look for.
 */
import 'ses';
import '@endo/eventual-send/shim.js';

const hardened = new WeakSet<object>();

function harden<T>(x: T): T {
  if ((typeof x !== 'object' && typeof x !== 'function') || x === null || hardened.has(x as object)) return x;
  hardened.add(x as object);
  Object.freeze(x);
  for (const k of Reflect.ownKeys(x as object)) {
    const d = Object.getOwnPropertyDescriptor(x, k);
    if (d && 'value' in d) harden(d.value);
  }
  return x;
}

const g = globalThis as unknown as { harden?: typeof harden };
g.harden ??= harden;
