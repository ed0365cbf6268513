/**
 * The simulated hosts behind the link partner as the gateway's side of the instrument knows
 * them: 16 of them from 192.168.1.100 up (sim/world.ts puts them there). The firmware image of
 * a simulated board runs `sim traffic` and `sim stream` from the gateway with this list; the
 * world in Node has the hosts themselves.
 */
export const SIM_HOST_BASE = ((192 << 24) | (168 << 16) | (1 << 8) | 100) >>> 0;
export const SIM_HOST_COUNT = 16;

/** The hosts' addresses: `count` of them from `base` up. */
export function simHostIps(count = SIM_HOST_COUNT, base = SIM_HOST_BASE): number[] {
  return Array.from({ length: count }, (_, i) => (base + i) >>> 0);
}
