/**
 * The network stack's view of a hal board: its front-panel ports as port devices, frames
 * and link changes from the board, and the switch chip's hardware LAG where it has one.
 */
import type { Board } from '../hal/board.ts';
import { PortDevice } from './net/port-device.ts';
import type { PortHardware } from './net/stack.ts';

export function boardHardware(board: Board): PortHardware {
  const ports = board.ports.map((p) => new PortDevice(board, p));
  const index = new Map(board.ports.map((p, i) => [p, i]));
  const lag = board.chip.lag;
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
    onReset: (fn) => {
      board.onReset(fn);
    },
    onLinkInterrupt: (fn) => {
      board.onLinkInterrupt((ports) => fn(ports.map((p) => index.get(p)!)));
    },
    lag: lag && {
      firstId: lag.firstId,
      lastId: lag.lastId,
      setLag: (id, members, active) => lag.setLag(id, members.map(sw), active.map(sw)),
    },
  };
}
