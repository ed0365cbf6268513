/**
 * Frame I/O through a Marvell switch's CPU port: a FramePort over the CPU MAC (Conduit)
 * that adds a FROM_CPU tag on send and takes the TO_CPU/FORWARD tag off on receive, as
 * Linux's tag_dsa.c does for standalone ports. Nothing is allocated per frame.
 */
import { ETH_MAX_FRAME, sendRefusal, type SendLimits, type Conduit, type FramePort, type ReceiveHandler } from '../../frames.ts';
import {
  DSA_CMD_FORWARD,
  DSA_CMD_TO_CPU,
  DSA_CODE_FRAME2REG,
  DSA_CODE_POLICY_MIRROR,
  DsaTag,
  EDSA_HLEN,
  TAG_ERR_ETHERTYPE,
  decodeTag,
  encodeFromCpu,
  stripTag,
  type TagMode,
} from './dsa.ts';

/** Why a received frame was dropped. */
export type RxDropReason =
  /** Shorter than header + tag + EtherType, or a length that does not fit the buffer. */
  | 'short'
  /** EDSA mode and the EtherType is not 0xDADA. */
  | 'bad-ethertype'
  /** FROM_CPU or TO_SNIFFER: never sent to the CPU by a standalone setup. */
  | 'bad-command'
  /** TO_CPU FRAME2REG (register access replies, which Linux drops too) or a reserved code. */
  | 'bad-code'
  /** A device other than ours, or a port the switch does not have. */
  | 'bad-port'
  /** FORWARD from a trunk and no trunk receiver installed. */
  | 'trunk'
  /** Larger than maxFrame once untagged. */
  | 'long'
  /** No receiver installed. */
  | 'no-receiver';

/** Why a frame could not be sent. */
export type TxDropReason = 'bad-port' | 'short' | 'long';

export interface DsaFramePortCounters {
  /** Frames handed to the conduit. */
  tx: number;
  /** Frames delivered to the receiver (per port or trunk). */
  rx: number;
  txDropped: Record<TxDropReason, number>;
  rxDropped: Record<RxDropReason, number>;
}

/** Receives frames a trunk forwarded: tag_dsa.c only knows the trunk, not the member port. */
export type TrunkReceiveHandler = (trunkId: number, frame: Uint8Array, length: number) => void;

export interface DsaFramePortOptions {
  /** Tag format on the CPU port. */
  mode: TagMode;
  /** Switch ports (0..portCount-1); frames for others are refused. Default 32, all the tag can name. */
  portCount?: number;
  /** The CPU port itself: frames are never sent to it, nor accepted from it. Default: none. */
  cpuPort?: number;
  /** DSA device number of the switch (0 for a single chip). */
  device?: number;
  /** Largest untagged frame sent or delivered (default ETH_MAX_FRAME). */
  maxFrame?: number;
}

/** FramePort for one 88E6xxx switch behind a DSA- or EDSA-tagging CPU port. */
export class DsaFramePort implements FramePort {
  readonly counters: DsaFramePortCounters = {
    tx: 0,
    rx: 0,
    txDropped: { 'bad-port': 0, short: 0, long: 0 },
    rxDropped: { short: 0, 'bad-ethertype': 0, 'bad-command': 0, 'bad-code': 0, 'bad-port': 0, trunk: 0, long: 0, 'no-receiver': 0 },
  };
  private readonly mode: TagMode;
  private readonly portCount: number;
  private readonly cpuPort: number;
  private readonly device: number;
  private readonly maxFrame: number;
  private readonly txBuf: Uint8Array;
  private readonly rxBuf: Uint8Array;
  private readonly tag = new DsaTag();
  private receiver: ReceiveHandler | undefined;
  private trunkReceiver: TrunkReceiveHandler | undefined;

  private readonly limits: SendLimits;

  constructor(
    private readonly conduit: Conduit,
    opts: DsaFramePortOptions,
  ) {
    this.mode = opts.mode;
    this.portCount = opts.portCount ?? 32;
    this.cpuPort = opts.cpuPort ?? -1;
    this.device = opts.device ?? 0;
    this.maxFrame = opts.maxFrame ?? ETH_MAX_FRAME;
    // Tagged frames grow by at most the EDSA header.
    this.txBuf = new Uint8Array(this.maxFrame + EDSA_HLEN);
    this.rxBuf = new Uint8Array(this.maxFrame + 4);
    this.limits = { maxPort: this.portCount - 1, cpuPort: this.cpuPort, maxFrame: this.maxFrame };
    conduit.setReceiver((frame, length) => this.receive(frame, length));
  }

  /** Sends an untagged (or 802.1Q-tagged) frame out of `port` with a FROM_CPU tag. */
  send(port: number, frame: Uint8Array, length: number): boolean {
    const c = this.counters;
    const refused = sendRefusal(port, frame, length, this.limits);
    if (refused) {
      c.txDropped[refused]++;
      return false;
    }
    const n = encodeFromCpu(this.txBuf, frame, length, this.mode, port, this.device);
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

  /** Installs the handler for FORWARD frames whose source is a trunk (LAG offload). */
  setTrunkReceiver(handler: TrunkReceiveHandler): void {
    this.trunkReceiver = handler;
  }

  private receive(frame: Uint8Array, length: number): void {
    const c = this.counters;
    const tag = this.tag;
    const hlen = decodeTag(frame, length, this.mode, tag);
    if (hlen < 0) {
      c.rxDropped[hlen === TAG_ERR_ETHERTYPE ? 'bad-ethertype' : 'short']++;
      return;
    }
    if (tag.command === DSA_CMD_TO_CPU) {
      // tag_dsa.c dsa_rcv_ll drops FRAME2REG replies (we send no register requests) and the reserved codes 6, 7.
      if (tag.code === DSA_CODE_FRAME2REG || tag.code > DSA_CODE_POLICY_MIRROR) {
        c.rxDropped['bad-code']++;
        return;
      }
    } else if (tag.command !== DSA_CMD_FORWARD) {
      c.rxDropped['bad-command']++;
      return;
    }
    if (tag.device !== this.device || (!tag.trunk && (tag.port >= this.portCount || tag.port === this.cpuPort))) {
      c.rxDropped['bad-port']++;
      return;
    }
    const n = stripTag(frame, length, hlen, tag, this.rxBuf);
    if (n < 0) {
      c.rxDropped.long++;
      return;
    }
    if (tag.trunk) {
      if (!this.trunkReceiver) {
        c.rxDropped.trunk++;
        return;
      }
      c.rx++;
      this.trunkReceiver(tag.port, this.rxBuf, n);
      return;
    }
    if (!this.receiver) {
      c.rxDropped['no-receiver']++;
      return;
    }
    c.rx++;
    this.receiver(tag.port, this.rxBuf, n);
  }
}
