/**
 * The bench's `ledger_drift` and `events_per_s` workload: its faults are real (arrival order alone
 * gets usage wrong, so a zero drift means the ledger's rules absorbed them), and both the rules and
 * the events function over them end with no drift and no failed message.
 */
import { describe, expect, it } from 'vitest';
import { driftLines, ledgerWorkload, measureLedgerEvents } from '../../../bench/ledger-events';
import { MemoryLedger } from '../../../shared/events/ledger';

describe('bench: ledger under duplicated and reordered delivery', () => {
  it('duplicates and reorders enough that applying in arrival order drifts', () => {
    const { events, deliveries, truth } = ledgerWorkload({ events: 2_000 });
    expect(deliveries.length).toBeGreaterThan(events.length * 1.1);
    // Each event stamped as newer than everything before it: arrival order wins, as with no sequencer check.
    const naive = new MemoryLedger();
    deliveries.forEach((event, index) => {
      naive.apply({ ...event, sequencer: (index + 1).toString(16) });
    });
    expect(driftLines(naive, truth)).toBeGreaterThan(0);
  });

  it('ends with no drift through the rules and through the events function', async () => {
    const figures = await measureLedgerEvents({ events: 2_000, rounds: 1 });
    expect(figures.ledgerDrift).toBe(0);
    expect(figures.handlerDrift).toBe(0);
    expect(figures.failures).toBe(0);
    expect(figures.eventsPerSecond.samples).toBe(1);
    expect(figures.eventsPerSecond.median).toBeGreaterThan(0);
  });
});
