/**
 * The network stack's view of a hal board: its front-panel ports as port devices, frames
 * and link changes from the board, and the switch chip's trunk tables for hardware LAGs.
 */
import type { Board } from '../hal/board.ts';
import { PortDevice } from './net/port-device.ts';
import type { PortHardware } from './net/stack.ts';

export function boardHardware(board: Board): PortHardware {
  const ports = board.ports.map((p) => new PortDevice(board, p));
  const index = new Map(board.ports.map((p, i) => [p, i]));
  const chip = board.chip;
  const sw = (i: number) => board.ports[i].switchPort;
  return {
    ports,
    setReceiver: (fn) => board.setReceiver((p, frame, length) => {
      const i = index.get(p);
      if (i !== undefined) fn(i, frame, length);
    }),
    setLagReceiver: (fn) => board.setLagReceiver(fn),
    onPortChange: (fn) => {
      board.onPortChange(() => fn());
    },
    // mv88e6xxx port_lag_join / lag_change: trunk ID on every member, the mapping of the
    // active members, and the hash masks of every LAG.
    setLag: async (trunkId, members, active, allActive) => {
      for (let i = 0; i < board.ports.length; i++) {
        const inLag = members.includes(i);
        const now = await chip.getPortTrunk(sw(i));
        if (inLag && now !== trunkId) await chip.setPortTrunk(sw(i), trunkId);
        else if (!inLag && now === trunkId) await chip.setPortTrunk(sw(i), null);
      }
      await chip.setTrunkMembers(trunkId, active.map(sw));
      await chip.setTrunkMasks(allActive.map((lag) => lag.map(sw)));
    },
  };
}
