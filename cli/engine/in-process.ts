/**
 * The engines that run the firmware image in this process, behind one face: QuickJS
 * (quickjs-emscripten: the image loaded from its source, as a script) and QuickJS-ng
 * (quickjs-wasi: the image loaded as bytecode without source or debug information, as a
 * device loads it).
 */
import type { BootConfig, BootReport, EngineGuest, EngineHost } from '../../firmware/engine/host.ts';
import { QuickJsFirmware, type HeapFigures } from './quickjs.ts';
import { QuickJsNgFirmware } from './quickjs-ng.ts';

export type InProcessEngine = 'quickjs' | 'quickjs-ng';

/** A firmware image running in an engine in this process. */
export interface InProcessFirmware {
  readonly guest: EngineGuest;
  readonly booted: Promise<BootReport>;
  /** Bytes the engine counted for the image once loaded, before it booted. */
  readonly loadedBytes: number;
  heap(): HeapFigures;
  dispose(): void;
}

/** Loads `script` into `engine` under `memoryLimit` bytes and boots it over `host`. */
export function startInProcess(engine: InProcessEngine, script: string, host: EngineHost, config: BootConfig, memoryLimit?: number): Promise<InProcessFirmware> {
  return engine === 'quickjs-ng'
    ? QuickJsNgFirmware.start(script, host, config, { memoryLimit })
    : QuickJsFirmware.start(script, host, config, { memoryLimit });
}
