/**
 * How `sim traffic` and `sim stream` number their flows: flow f goes to host f mod H (of the
 * world's H hosts) from its own source port, so there may be more flows than hosts.
 *
 * Flow f uses source port BASE_PORT + (f mod H) * PORT_STEP + floor(f / H). The step moves
 * both port bytes, so that with hosts numbered in step with the flows the XOR hashes do not
 * cancel out (ports +1 and addresses +1 would give every flow the same layer3+4 hash); the
 * round number floor(f / H) stays below the step, so a port names exactly one flow.
 */
export const BASE_PORT = 40_000;
export const PORT_STEP = 257;
/** Rounds of H flows each: at most 256 flows per host. */
const MAX_ROUNDS = 256;

/** The most flows `hosts` hosts can carry. */
export function maxFlows(hosts: number): number {
  return hosts * MAX_ROUNDS;
}

/** Index of flow `flow`'s host. */
export function flowHost(flow: number, hosts: number): number {
  return flow % hosts;
}

/** Source port of flow `flow`. */
export function flowSourcePort(flow: number, hosts: number): number {
  return BASE_PORT + (flow % hosts) * PORT_STEP + Math.floor(flow / hosts);
}

/** The flow (below `flows`) that uses source port `port`, or -1. */
export function flowOfPort(port: number, hosts: number, flows: number): number {
  const x = port - BASE_PORT;
  if (x < 0) return -1;
  const host = Math.floor(x / PORT_STEP);
  const round = x % PORT_STEP;
  if (host >= hosts || round >= MAX_ROUNDS) return -1;
  const flow = round * hosts + host;
  return flow < flows ? flow : -1;
}
