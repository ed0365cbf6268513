/**
 * DataViews kept for long-lived frame buffers, such as the host stack's transmit scratch.
 *
 * Why: a per-frame reader of headers (the bond's transmit hash) pays a bounds check for every
 * read of a typed array, and in V8, once any ArrayBuffer in the process has been detached, a
 * check that the buffer is not detached as well (tsx's CommonJS hooks did that to the whole
 * process: the firmware runs with the ESM hooks only, see bench/README.md). Read byte by
 * byte, a header costs several such checks per field; through a DataView one 2- or 4-byte
 * read costs them once. But a
 * DataView is an allocation, and the transmit path allocates nothing per frame: so a view is
 * made where a buffer is made to last (`keepFrameView`), never on the per-frame path, which
 * only looks it up (`frameViewOf`), and a buffer without one is read byte by byte, with the
 * same results.
 *
 * Two slots (the host stack's scratch, and one more), reused oldest first: a third buffer
 * kept pushes out the view of the first, whose frames are then read byte by byte again. A
 * lookup compares identities only; it is inlined into the per-frame path, so it stays small.
 */

const NONE = new Uint8Array(0);
const NO_VIEW = new DataView(new ArrayBuffer(0));

/** The slots, as fields of one record: a lookup is a few plain loads, no bounds or hole checks. */
const slots: { buf0: Uint8Array; view0: DataView; buf1: Uint8Array; view1: DataView; next: number } = {
  buf0: NONE, view0: NO_VIEW, buf1: NONE, view1: NO_VIEW, next: 0,
};

/**
 * The DataView kept for `buf`, or undefined. Its byte length is what `buf` had when kept; a
 * reader bounds its reads by `buf.length` (0 once the buffer is detached) before using it, or
 * lets the view's own checks do that and catches what they throw (a read past the end, a
 * detached buffer), as the transmit hash's layer2 path does.
 * An arrow function in a const, so that callers' compiled code can count on it.
 */
export const frameViewOf = (buf: Uint8Array): DataView | undefined => {
  const s = slots;
  return buf === s.buf0 ? s.view0 : buf === s.buf1 ? s.view1 : undefined;
};

/**
 * Keep a DataView over `buf` (its whole byte range, so that index i of the view is `buf[i]`).
 * Does nothing for a buffer already kept, an empty one, or one over a buffer that can grow
 * (a view made now could not follow it).
 */
export function keepFrameView(buf: Uint8Array): void {
  if (buf.length === 0 || frameViewOf(buf) !== undefined) return;
  const b = buf.buffer as { resizable?: boolean; growable?: boolean };
  if (b.resizable === true || b.growable === true) return;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const s = slots;
  if (s.next === 0) (s.buf0 = buf), (s.view0 = view);
  else (s.buf1 = buf), (s.view1 = view);
  s.next ^= 1;
}

/** Drop the view kept for `buf`, if any (a buffer that will not be used again, such as a benchmark's). */
export function forgetFrameView(buf: Uint8Array): void {
  const s = slots;
  if (buf === s.buf0) (s.buf0 = NONE), (s.view0 = NO_VIEW);
  else if (buf === s.buf1) (s.buf1 = NONE), (s.view1 = NO_VIEW);
}
