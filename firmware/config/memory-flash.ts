/**
 * A flash part in memory, with NOR flash's rules: an erase sets a block to 0xff, a write can
 * only clear bits (programming a 0 back to 1 is refused, as the part would silently not do
 * it). For tests and for hosts that keep the partition elsewhere (a file: flash-file.ts).
 */
import type { FlashBlocks } from './flash-copies.ts';

export class MemoryFlash implements FlashBlocks {
  readonly bytes: Uint8Array;
  erases = 0;
  writes = 0;

  constructor(
    readonly blockSize: number,
    readonly blocks: number,
    contents?: Uint8Array,
  ) {
    this.bytes = new Uint8Array(blockSize * blocks).fill(0xff);
    if (contents) this.bytes.set(contents.subarray(0, this.bytes.length));
  }

  private check(block: number, offset: number, length: number): number {
    if (!(Number.isInteger(block) && block >= 0 && block < this.blocks)) throw new RangeError(`flash: no block ${block} (0 to ${this.blocks - 1})`);
    if (!(offset >= 0 && length >= 0 && offset + length <= this.blockSize)) throw new RangeError(`flash: ${length} bytes at ${offset} cross the end of a ${this.blockSize}-byte block`);
    return block * this.blockSize + offset;
  }

  read(block: number, offset: number, length: number): Uint8Array {
    const at = this.check(block, offset, length);
    return this.bytes.slice(at, at + length);
  }

  erase(block: number): void {
    const at = this.check(block, 0, this.blockSize);
    this.bytes.fill(0xff, at, at + this.blockSize);
    this.erases++;
  }

  write(block: number, offset: number, data: Uint8Array): void {
    const at = this.check(block, offset, data.length);
    for (let i = 0; i < data.length; i++) {
      if ((this.bytes[at + i] & data[i]) !== data[i]) throw new Error(`flash: block ${block} byte ${offset + i} programmed again without an erase`);
    }
    for (let i = 0; i < data.length; i++) this.bytes[at + i] &= data[i];
    this.writes++;
  }
}
