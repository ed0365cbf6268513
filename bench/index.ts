import type { Benchmark } from './types.ts';
import { portPoll } from './port-poll.ts';
import { dsaFrames } from './dsa-frames.ts';
import { mdio } from './mdio.ts';
import { txSelect } from './tx-select.ts';
import { bondXmit } from './bond-xmit.ts';
import { failover } from './failover.ts';
import { cpuPort } from './cpu-port.ts';
import { failoverLoss } from './failover-loss.ts';
import { soak } from './soak.ts';
import { engine } from './engine.ts';

export const benchmarks: Benchmark[] = [portPoll, dsaFrames, mdio, txSelect, bondXmit, cpuPort, failover, failoverLoss, soak, engine];
