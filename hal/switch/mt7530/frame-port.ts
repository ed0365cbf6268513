/**
 * Frame I/O through an MT7530/MT7531 CPU port: a FramePort over the CPU's MAC (Conduit) that
 * adds the MediaTek special tag on send and takes it off on receive, as Linux's tag_mtk.c
 * does. Nothing is allocated per frame.
 */
import { ETH_MAX_FRAME, sendRefusal, type SendLimits, type Conduit, type ReceiveHandler } from '../../frames.ts';
import type { SwitchFramePort } from '../chip.ts';
import { MTK_HDR_LEN, MTK_XMIT_MAX_PORT, decodeRecv, encodeXmit, stripRecv } from './tag.ts';

/** Why a received frame was dropped. */
export type MtkRxDropReason =
  /** Too short for the tag and an EtherType, or a length that does not fit the buffer. */
  | 'short'
  /** The tag names the CPU port itself or a port the switch does not have. */
  | 'bad-port'
  /** Larger than maxFrame once untagged. */
  | 'long'
  /** No receiver installed. */
  | 'no-receiver';

/** Why a frame could not be sent. */
export type MtkTxDropReason = 'bad-port' | 'short' | 'long';

export interface MtkFramePortCounters {
  tx: number;
  rx: number;
  txDropped: Record<MtkTxDropReason, number>;
  rxDropped: Record<MtkRxDropReason, number>;
}

export interface MtkFramePortOptions {
  /** Switch ports (0..portCount-1); the tag's source field can name 0-7. */
  portCount: number;
  /** The CPU port: frames are never sent to it, nor accepted from it. */
  cpuPort: number;
  /** Largest untagged frame sent or delivered (default ETH_MAX_FRAME). */
  maxFrame?: number;
}

export class MtkFramePort implements SwitchFramePort {
  readonly counters: MtkFramePortCounters = {
    tx: 0,
    rx: 0,
    txDropped: { 'bad-port': 0, short: 0, long: 0 },
    rxDropped: { short: 0, 'bad-port': 0, long: 0, 'no-receiver': 0 },
  };
  private readonly portCount: number;
  private readonly cpuPort: number;
  private readonly maxFrame: number;
  private readonly txBuf: Uint8Array;
  private readonly rxBuf: Uint8Array;
  private receiver: ReceiveHandler | undefined;

  private readonly limits: SendLimits;

  constructor(
    private readonly conduit: Conduit,
    opts: MtkFramePortOptions,
  ) {
    this.portCount = opts.portCount;
    this.cpuPort = opts.cpuPort;
    this.maxFrame = opts.maxFrame ?? ETH_MAX_FRAME;
    this.txBuf = new Uint8Array(this.maxFrame + MTK_HDR_LEN);
    this.rxBuf = new Uint8Array(this.maxFrame);
    // The transmit bitmap has bits for ports 0-5 only.
    this.limits = { maxPort: Math.min(this.portCount - 1, MTK_XMIT_MAX_PORT), cpuPort: this.cpuPort, maxFrame: this.maxFrame };
    conduit.setReceiver((frame, length) => this.receive(frame, length));
  }

  /** Sends an untagged (or VLAN-tagged) frame out of `port` with a special tag naming it. */
  send(port: number, frame: Uint8Array, length: number): boolean {
    const c = this.counters;
    const refused = sendRefusal(port, frame, length, this.limits);
    if (refused) {
      c.txDropped[refused]++;
      return false;
    }
    const n = encodeXmit(this.txBuf, frame, length, port);
    if (n < 0) {
      c.txDropped.long++;
      return false;
    }
    this.conduit.send(this.txBuf, n);
    c.tx++;
    return true;
  }

  setReceiver(handler: ReceiveHandler): void {
    this.receiver = handler;
  }

  private receive(frame: Uint8Array, length: number): void {
    const c = this.counters;
    const port = decodeRecv(frame, length);
    if (port < 0) {
      c.rxDropped.short++;
      return;
    }
    if (port >= this.portCount || port === this.cpuPort) {
      c.rxDropped['bad-port']++;
      return;
    }
    const n = stripRecv(frame, length, this.rxBuf);
    if (n < 0) {
      c.rxDropped.long++;
      return;
    }
    if (!this.receiver) {
      c.rxDropped['no-receiver']++;
      return;
    }
    c.rx++;
    this.receiver(port, this.rxBuf, n);
  }
}
