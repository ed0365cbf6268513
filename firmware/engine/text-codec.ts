/**
 * UTF-8 `TextEncoder` and `TextDecoder` for engines that have none (QuickJS has neither;
 * protobufjs's runtime, the configuration's CRC and the console's line splitter use them).
 * Installed on the global object by the image before anything else runs; where the engine
 * has its own, its own stays. Only what the firmware uses: UTF-8, `fatal`, `ignoreBOM`.
 */

const REPLACEMENT = 0xfffd;

function encode(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = REPLACEMENT; // a lone surrogate, as TextEncoder does
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** Decodes UTF-8; a malformed sequence is U+FFFD (one per maximal bad subpart), or throws when `fatal`. */
function decode(bytes: Uint8Array, fatal: boolean, ignoreBOM: boolean): string {
  let out = '';
  let i = 0;
  if (!ignoreBOM && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  const bad = (): void => {
    if (fatal) throw new TypeError('The encoded data was not valid UTF-8');
    out += '\ufffd';
  };
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    let need = 0;
    let c = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      c = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      c = b & 0x0f;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      c = b & 0x07;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else {
      bad();
      i++;
      continue;
    }
    let j = 1;
    for (; j <= need; j++) {
      const n = bytes[i + j];
      if (n === undefined || n < lo || n > hi) break;
      c = (c << 6) | (n & 0x3f);
      lo = 0x80;
      hi = 0xbf;
    }
    if (j <= need) {
      bad();
      i += j;
      continue;
    }
    out += String.fromCodePoint(c);
    i += need + 1;
  }
  return out;
}

class Utf8Encoder {
  readonly encoding = 'utf-8';
  encode(text = ''): Uint8Array {
    return encode(String(text));
  }
}

class Utf8Decoder {
  readonly encoding = 'utf-8';
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;

  constructor(label = 'utf-8', opts: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    if (!/^utf-?8$/i.test(label)) throw new RangeError(`TextDecoder: only UTF-8 here, not '${label}'`);
    this.fatal = opts.fatal === true;
    this.ignoreBOM = opts.ignoreBOM === true;
  }

  decode(input?: ArrayBufferView | ArrayBuffer): string {
    if (input === undefined) return '';
    const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    return decode(bytes, this.fatal, this.ignoreBOM);
  }
}

/** Puts the codecs on the global object where the engine has none. */
export function installTextCodecs(global: Record<string, unknown>): void {
  if (typeof global.TextEncoder !== 'function') global.TextEncoder = Utf8Encoder;
  if (typeof global.TextDecoder !== 'function') global.TextDecoder = Utf8Decoder;
}

export { Utf8Encoder, Utf8Decoder };
