/** What the image sets up before any other module of it runs: the text codecs the engine may lack. */
import { installTextCodecs } from './text-codec.ts';

installTextCodecs(globalThis as unknown as Record<string, unknown>);
