#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader: no build step. Only tsx's ESM hooks, which
// run in the loader's own thread: its CommonJS hooks would lex required files in this thread
// with a WebAssembly lexer whose memory growth detaches a buffer, and from then on V8 checks
// every typed-array access of the firmware for a detached buffer (bench/README.md, tx-select).
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
