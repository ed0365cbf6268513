/**
 * A board whose switch sits behind a serial-MDIO bridge follows the bridge: a PHY interrupt
 * the bridge reports is the board's link interrupt (its listeners, then a poll at once; a
 * line's release only polls); a bridge that is lost leaves every port's carrier unknown; a
 * bridge that answers again, or that rebooted, has the switch probed and set up again. A
 * bridge that runs interrupt programs (capability 64) is asked, each time it is ready, to
 * read each port's status when its line is asserted, so the interrupt brings the reading.
 */
import type { Board } from './board.ts';
import type { BridgeClient } from './bridge/client.ts';

export function followBridge(board: Board, client: BridgeClient): void {
  client.onLinkEvent((line, asserted, read) => {
    if (asserted) board.linkInterrupt(line, read);
    else board.requestPoll(line);
  });
  client.onLost((reason) => board.pathLost(`serial-MDIO bridge: ${reason}`));
  const arm = (lines: number): void => {
    // A bridge that runs interrupt programs reads each port's status with its interrupt.
    if (client.runsIrqPrograms) void board.armInterruptReads((line, ops) => client.setIrqProgram(line, ops), lines);
  };
  client.onReady((info, why) => {
    if (why === 'reboot') board.pathReturned('the serial-MDIO bridge rebooted');
    else if (why === 'return') board.pathReturned('the serial-MDIO bridge answers again');
    arm(info.irqLines);
  });
  if (client.isReady && client.info) arm(client.info.irqLines);
}
