import { UsageError } from '../../lib/errors.ts';
import type { BridgeClient } from '../../hal/bridge/client.ts';
import { printable, type Dispatcher } from './dispatcher.ts';

/** `show bridge`: the serial-MDIO bridge's identity and the host side's error counters. */
export function registerBridgeCommands(d: Dispatcher, client: BridgeClient): void {
  d.register({
    name: 'bridge',
    summary: 'the serial-MDIO bridge: identity, link state and error counters (add json)',
    usage: 'bridge [json]',
    access: 'read',
    run: (args) => {
      if (args.length > 1 || (args.length === 1 && args[0] !== 'json')) throw new UsageError(`bridge: unknown argument '${printable(args.join(' '))}' (bridge [json])`);
      const i = client.info;
      const c = client.counters;
      const data = {
        ready: client.isReady,
        firmware: i?.firmwareVersion ?? null,
        mdioClockHz: i?.mdioClockHz ?? null,
        maxOps: i?.maxOps ?? null,
        bootId: i?.bootId ?? null,
        // null: a bridge from before boot nonces (its reboots are known by boot id and its boot Info).
        bootNonce: i?.bootNonce ? i.bootNonce.toString(16).padStart(8, '0') : null,
        // Whether the bridge runs the Marvell SMI indirection itself (opcode 6, capability 32).
        smiOps: client.features.smi,
        // Whether the bridge reads a port's status itself when its PHY interrupts (capability 64).
        irqPrograms: client.runsIrqPrograms,
        linkEvents: c.linkEvents,
        linkEventReads: c.linkEventReads,
        silentMs: Math.round(client.silentMs),
        // How late an answer may be before it counts as lost: learned from the answers.
        answerSlackMs: Math.round(client.slack),
        livenessMs: client.livenessMs,
        losses: c.losses,
        heartbeats: c.heartbeats,
        requests: c.requests,
        resent: c.resent,
        timeouts: c.timeouts,
        failed: c.rejected,
        unmatchedAnswers: c.unknownSeq,
        reboots: c.reboots,
        linkLosses: c.linkDowns,
        badFrames: { ...c.badFrames },
      };
      if (args[0] === 'json') return JSON.stringify(data);
      const bad = Object.entries(data.badFrames).map(([k, v]) => `${k} ${v}`).join(', ');
      return [
        `bridge: ${data.ready ? 'ready' : 'not ready'}, ${data.firmware ?? 'unknown firmware'}, MDC ${data.mdioClockHz ? data.mdioClockHz / 1e6 : '?'} MHz, boot id ${data.bootId ?? '?'}`,
        `requests ${data.requests}, resent ${data.resent}, timeouts ${data.timeouts}, failed ${data.failed}, unmatched answers ${data.unmatchedAnswers}`,
        `bridge reboots ${data.reboots}, serial link losses ${data.linkLosses}, bridge lost ${data.losses} time${data.losses === 1 ? '' : 's'} (silent ${data.livenessMs} ms), heartbeats ${data.heartbeats}`,
        `last heard ${data.silentMs} ms ago, answers late by up to ${data.answerSlackMs} ms count, boot nonce ${data.bootNonce ?? 'none (an older bridge)'}`,
        `operations: ${data.smiOps ? 'plain and indirect SMI (the bridge runs the SMI and Global2 PHY sequences)' : 'plain only (an older bridge: SMI sequences go over the UART)'}`,
        `interrupts: ${data.linkEvents} link event${data.linkEvents === 1 ? '' : 's'}, ${data.irqPrograms ? `${data.linkEventReads} with the port's status the bridge read for it (interrupt programs)` : 'the host reads each port after its event (an older bridge: no interrupt programs)'}`,
        `bad frames: ${bad}`,
      ].join('\n');
    },
  });
}
