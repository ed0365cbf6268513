import type { ExecutionContext } from 'ava';
import { haveSocat } from '../../hal/transport/pty.ts';

/**
 * Whether pseudo-terminal pairs can be made here (socat is installed). When not, the test is
 * passed as skipped, with the reason in its log, and the caller returns.
 */
export function ptysOrSkip(t: ExecutionContext): boolean {
  if (haveSocat()) return true;
  t.log('socat is not installed: cannot make a pseudo-terminal pair; test skipped');
  t.pass();
  return false;
}
