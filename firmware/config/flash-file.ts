/**
 * A flash partition kept in a file, for running the firmware image on a host without the
 * part: the file holds the partition's bytes (created erased, 0xff), and each erase or write
 * reaches it before returning, synced, as a flash operation completes before the SDK call
 * returns. NOR flash's rules hold as on the part (memory-flash.ts). Node-specific.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync, constants } from 'node:fs';
import { MemoryFlash } from './memory-flash.ts';
import type { FlashBlocks } from './flash-copies.ts';

/** The partition a host gives the image by default: 192 blocks of 4 KiB (12 slots of 64 KiB). */
export const DEFAULT_FLASH = { blockSize: 4096, blocks: 192 } as const;

export class FileFlash implements FlashBlocks {
  private readonly part: MemoryFlash;

  private constructor(
    private readonly fd: number,
    readonly path: string,
    part: MemoryFlash,
  ) {
    this.part = part;
  }

  /** Opens (or creates, erased) the partition file at `path`; never through a symbolic link. */
  static open(path: string, geometry: { blockSize: number; blocks: number } = DEFAULT_FLASH): FileFlash {
    const size = geometry.blockSize * geometry.blocks;
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    try {
      const have = fstatSync(fd).size;
      if (have !== 0 && have !== size) throw new Error(`${path}: ${have} bytes is not a flash partition of ${geometry.blocks} blocks of ${geometry.blockSize} bytes`);
      const bytes = new Uint8Array(size).fill(0xff);
      if (have === 0) {
        writeSync(fd, bytes, 0, size, 0);
        fsyncSync(fd);
      } else {
        let off = 0;
        while (off < size) {
          const n = readSync(fd, bytes, off, size - off, off);
          if (n === 0) break;
          off += n;
        }
      }
      return new FileFlash(fd, path, new MemoryFlash(geometry.blockSize, geometry.blocks, bytes));
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  get blockSize(): number {
    return this.part.blockSize;
  }

  get blocks(): number {
    return this.part.blocks;
  }

  read(block: number, offset: number, length: number): Uint8Array {
    return this.part.read(block, offset, length);
  }

  erase(block: number): void {
    this.part.erase(block);
    this.flush(block);
  }

  write(block: number, offset: number, bytes: Uint8Array): void {
    this.part.write(block, offset, bytes);
    this.flush(block);
  }

  private flush(block: number): void {
    const at = block * this.part.blockSize;
    writeSync(this.fd, this.part.bytes, at, this.part.blockSize, at);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
