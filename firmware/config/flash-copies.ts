/**
 * The saved configuration in a flash partition, for a board with no filesystem: the same two
 * checksummed copies and rollback history as the files (generations.ts), one slot of erase
 * blocks each. Slot 0 is `<name>`, slot 1 `<name>.bak`, slot 1 + n the rollback `<name>.<n>`.
 *
 * A slot is a header (magic, text length) and the text. A write erases the slot, programs the
 * text, then the length, then the magic last: a write cut short by power loss leaves a slot
 * whose header is still erased (or whose text fails its CRC-32), which a load reports as
 * damaged and skips for the other copy; the two copies are written one after the other, so
 * one of them always holds a complete configuration. Portable: the flash comes through
 * `FlashBlocks` (the engine's host interface, or a file standing in for the part).
 */
import { FirmwareError } from '../../lib/errors.ts';
import { ConfigStore, DEFAULT_HISTORY, UnsafeFileError, type CopyStore } from './generations.ts';

/** Erase blocks of a flash partition, as a microcontroller SDK offers them. */
export interface FlashBlocks {
  readonly blockSize: number;
  readonly blocks: number;
  read(block: number, offset: number, length: number): Uint8Array;
  /** Every byte of the block reads 0xff afterwards. */
  erase(block: number): void;
  /** Programs erased bytes (NOR flash: bits only go from 1 to 0). */
  write(block: number, offset: number, bytes: Uint8Array): void;
}

/** "bfc1" little-endian: a slot that holds a copy. */
const MAGIC = 0x31636662;
const HEADER = 8;
const ERASED = 0xffffffff;

const u32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const le32 = (v: number): Uint8Array => Uint8Array.of(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255);

/** Copies in slots of a flash partition, named as the file store names its files. */
export class FlashCopies implements CopyStore {
  readonly slotBlocks: number;

  constructor(
    private readonly flash: FlashBlocks,
    private readonly base: string,
    readonly slots: number,
  ) {
    this.slotBlocks = Math.floor(flash.blocks / slots);
    if (this.slotBlocks < 1) throw new FirmwareError(`flash partition of ${flash.blocks} blocks holds no ${slots} configuration slots`);
  }

  /** Bytes of text a slot holds. */
  get capacity(): number {
    return this.slotBlocks * this.flash.blockSize - HEADER;
  }

  private slot(name: string): number {
    if (name === this.base) return 0;
    if (name === `${this.base}.bak`) return 1;
    const m = name.startsWith(`${this.base}.`) ? /^(\d{1,3})$/.exec(name.slice(this.base.length + 1)) : null;
    const n = m ? Number(m[1]) : 0;
    if (n >= 1 && n + 1 < this.slots) return n + 1;
    throw new UnsafeFileError(`${name}: no such configuration slot in flash`);
  }

  /** Reads `length` bytes of the slot from `offset`, across its blocks. */
  private readSlot(slot: number, offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    const size = this.flash.blockSize;
    let done = 0;
    while (done < length) {
      const at = offset + done;
      const block = slot * this.slotBlocks + Math.floor(at / size);
      const n = Math.min(size - (at % size), length - done);
      out.set(this.flash.read(block, at % size, n), done);
      done += n;
    }
    return out;
  }

  private writeSlot(slot: number, offset: number, bytes: Uint8Array): void {
    const size = this.flash.blockSize;
    let done = 0;
    while (done < bytes.length) {
      const at = offset + done;
      const block = slot * this.slotBlocks + Math.floor(at / size);
      const n = Math.min(size - (at % size), bytes.length - done);
      this.flash.write(block, at % size, bytes.subarray(done, done + n));
      done += n;
    }
  }

  private eraseSlot(slot: number): void {
    for (let b = 0; b < this.slotBlocks; b++) this.flash.erase(slot * this.slotBlocks + b);
  }

  read(name: string, maxBytes: number): Uint8Array | undefined {
    const slot = this.slot(name);
    const head = this.readSlot(slot, 0, HEADER + 1);
    const magic = u32(head, 0);
    if (magic === ERASED) {
      // Erased header over programmed text: a write that never finished.
      if (head[HEADER] !== 0xff) throw new UnsafeFileError('write cut short (no header)');
      return undefined;
    }
    const length = u32(head, 4);
    if (magic !== MAGIC || length > this.capacity) throw new UnsafeFileError('not a configuration copy (bad header)');
    if (length > maxBytes) throw new UnsafeFileError(`too large (${length} bytes)`);
    return this.readSlot(slot, HEADER, length);
  }

  write(name: string, text: string): void {
    const slot = this.slot(name);
    const bytes = new TextEncoder().encode(text);
    if (bytes.length > this.capacity) throw new FirmwareError(`configuration too large for its flash slot (${bytes.length} bytes; at most ${this.capacity})`);
    this.eraseSlot(slot);
    this.writeSlot(slot, HEADER, bytes);
    this.writeSlot(slot, 4, le32(bytes.length));
    this.writeSlot(slot, 0, le32(MAGIC));
  }

  remove(name: string): void {
    const slot = this.slot(name);
    const head = this.readSlot(slot, 0, HEADER + 1);
    if (head.every((b) => b === 0xff)) return; // erased already: spare the flash a cycle
    this.eraseSlot(slot);
  }

  move(from: string, to: string): void {
    const src = this.slot(from);
    const dst = this.slot(to);
    const head = this.readSlot(src, 0, HEADER + 1);
    if (head.every((b) => b === 0xff)) return;
    // Block by block as it is, a damaged copy included (the file store moves what is there too).
    for (let b = 0; b < this.slotBlocks; b++) {
      const data = this.flash.read(src * this.slotBlocks + b, 0, this.flash.blockSize);
      this.flash.erase(dst * this.slotBlocks + b);
      this.flash.write(dst * this.slotBlocks + b, 0, data);
    }
    this.eraseSlot(src);
  }

  checkWritable(name: string): void {
    this.slot(name);
  }
}

/**
 * The configuration store in flash: as many rollbacks as the partition has slots for, up to
 * `history` (two slots are the copies).
 */
export class FlashConfig extends ConfigStore {
  readonly slotStore: FlashCopies;

  constructor(flash: FlashBlocks, name = 'flash:config', history = DEFAULT_HISTORY) {
    if (flash.blocks < 2) throw new FirmwareError(`flash partition of ${flash.blocks} block${flash.blocks === 1 ? '' : 's'} cannot hold two configuration copies`);
    const kept = Math.min(history, flash.blocks - 2);
    const copies = new FlashCopies(flash, name, kept + 2);
    super(copies, name, kept);
    this.slotStore = copies;
  }
}
