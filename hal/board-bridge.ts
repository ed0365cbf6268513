/**
 * A board whose switch sits behind a serial-MDIO bridge follows the bridge: a PHY interrupt
 * the bridge reports is the board's link interrupt (its listeners, then a poll at once; a
 * line's release only polls); a bridge that is lost leaves every port's carrier unknown; a
 * bridge that answers again, or that rebooted, has the switch probed and set up again.
 */
import type { Board } from './board.ts';
import type { BridgeClient } from './bridge/client.ts';

export function followBridge(board: Board, client: BridgeClient): void {
  client.onLinkEvent((line, asserted) => {
    if (asserted) board.linkInterrupt(line);
    else board.requestPoll(line);
  });
  client.onLost((reason) => board.pathLost(`serial-MDIO bridge: ${reason}`));
  client.onReady((_info, why) => {
    if (why === 'reboot') board.pathReturned('the serial-MDIO bridge rebooted');
    else if (why === 'return') board.pathReturned('the serial-MDIO bridge answers again');
  });
}
