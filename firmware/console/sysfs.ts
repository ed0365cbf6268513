import { FirmwareError } from '../../lib/errors.ts';

/**
 * A tree of virtual files in the style of Linux sysfs and procfs, read by `cat` and written
 * by `echo ... >`. Paths are matched by pattern: `/sys/class/net/{if}/address` binds `if`.
 */
export interface SysFile {
  read?(params: Record<string, string>): string | Promise<string>;
  write?(params: Record<string, string>, value: string): string | void | Promise<string | void>;
}

/** The errno-style text Linux tools print after the path. */
export class FileError extends FirmwareError {
  override name = 'FileError';
}

interface Entry {
  parts: string[];
  file: SysFile;
  /** Checks a bound parameter (e.g. that an interface exists); false = no such file. */
  exists?: (params: Record<string, string>) => boolean;
}

export class SysFs {
  private readonly entries: Entry[] = [];

  add(pattern: string, file: SysFile, exists?: (params: Record<string, string>) => boolean): void {
    this.entries.push({ parts: pattern.split('/'), file, exists });
  }

  /** Finds the file for `path`, or throws "No such file or directory". */
  lookup(path: string): { file: SysFile; params: Record<string, string> } {
    const parts = path.replace(/\/+$/, '').split('/');
    for (const e of this.entries) {
      if (e.parts.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const p = e.parts[i];
        if (p.startsWith('{') && p.endsWith('}')) params[p.slice(1, -1)] = parts[i];
        else ok = p === parts[i];
      }
      if (ok && (!e.exists || e.exists(params))) return { file: e.file, params };
    }
    throw new FileError('No such file or directory');
  }

  async read(path: string): Promise<string> {
    const { file, params } = this.lookup(path);
    if (!file.read) throw new FileError('Permission denied');
    return file.read(params);
  }

  async write(path: string, value: string): Promise<string> {
    const { file, params } = this.lookup(path);
    if (!file.write) throw new FileError('Permission denied');
    return (await file.write(params, value)) ?? '';
  }
}
