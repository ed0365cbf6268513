import type { Benchmark } from './types.ts';
import { portPoll } from './port-poll.ts';
import { dsaFrames } from './dsa-frames.ts';

export const benchmarks: Benchmark[] = [portPoll, dsaFrames];
