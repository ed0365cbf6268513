/** MAC and IPv4 address parsing and formatting (text forms as Linux prints them). */

export type Mac = Uint8Array; // 6 bytes

const MAC_RE = /^([0-9a-fA-F]{1,2})([:-])([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})$/;

/** Parses "aa:bb:cc:dd:ee:ff" (or with dashes); returns undefined when malformed. */
export function parseMac(text: string): Mac | undefined {
  const m = MAC_RE.exec(text.trim());
  if (!m) return undefined;
  return Uint8Array.from([m[1], m[3], m[4], m[5], m[6], m[7]].map((h) => parseInt(h, 16)));
}

/** Lower-case colon form, as /sys/class/net/<if>/address prints it. */
export function formatMac(mac: Uint8Array, offset = 0): string {
  let s = '';
  for (let i = 0; i < 6; i++) {
    if (i) s += ':';
    s += mac[offset + i].toString(16).padStart(2, '0');
  }
  return s;
}

export function macEquals(a: Uint8Array, aOff: number, b: Uint8Array, bOff = 0): boolean {
  for (let i = 0; i < 6; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}

export function isMulticastMac(frame: Uint8Array, offset = 0): boolean {
  return (frame[offset] & 1) === 1;
}

export function isZeroMac(mac: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (mac[i] !== 0) return false;
  return true;
}

/** Parses dotted-quad IPv4 into an unsigned 32-bit number; undefined when malformed. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.trim().split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v >>> 0;
}

export function formatIpv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

export function readU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 255;
  b[o + 2] = (v >>> 8) & 255;
  b[o + 3] = v & 255;
}

export function readU16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 255;
  b[o + 1] = v & 255;
}

/** Parses "a b c" hex bytes or one run of hex digits ("0180c2000002..."); undefined when malformed. */
export function parseHex(text: string): Uint8Array | undefined {
  const clean = text.replace(/[\s:]/g, '');
  if (clean.length === 0 || clean.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(clean)) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
