/**
 * The saved configuration in files (generations.ts says what is kept and how): `<path>`,
 * `<path>.bak` and the rollback history `<path>.<n>`, each replaced atomically (temporary file
 * created exclusively, fsync, rename, fsync of the directory) and never read or written
 * through a symbolic link (safe-file.ts). Node-specific; the flash store (flash-copies.ts) is
 * the portable one.
 */
import { ConfigStore, DEFAULT_HISTORY, type CopyStore } from './generations.ts';
import { checkWritable, moveFile, readNoFollow, removeFile, writeAtomically } from './safe-file.ts';

export { MAX_GENERATION, DEFAULT_HISTORY, crc32, formatConfig, parseConfig, type LoadResult, type ParsedConfig, type HistoryEntry } from './generations.ts';

/** Copies as files, by path. */
const FILES: CopyStore = {
  read: readNoFollow,
  write: writeAtomically,
  remove: removeFile,
  move: moveFile,
  checkWritable,
};

export class ConfigFile extends ConfigStore {
  constructor(path: string, history = DEFAULT_HISTORY) {
    super(FILES, path, history);
  }
}
