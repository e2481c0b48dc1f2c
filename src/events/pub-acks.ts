import { createInbox, headers, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** What became of one JetStream publish. */
export type PubAckOutcome =
  | { ok: true; seq: number; duplicate: boolean }
  | { ok: false; reason: 'timeout' | 'no-responders' | 'refused'; message: string };

interface Waiting {
  resolve: (outcome: PubAckOutcome) => void;
  deadline: number;
}

/** How often the PubAcks overdue are looked for: a timeout is noticed at most this late. */
const SWEEP_MS = 100;

/**
 * JetStream publishes awaiting their PubAck, all answered on one inbox subscription. What
 * `js.publish` does for each message (a request object, a timer, an Error built to cancel it once
 * answered) costs the publishing thread more than the publish itself; here a publish is one
 * message with a reply subject and one map entry, and one timer finds those overdue.
 */
export class PubAcks {
  private readonly prefix = createInbox();
  private readonly waiting = new Map<number, Waiting>();
  private next = 0;
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.subscription = nc.subscribe(`${this.prefix}.*`, {
      callback: (error, msg) => {
        if (error === null) this.answer(msg);
      },
    });
    this.sweeper = setInterval(() => this.expire(Date.now()), SWEEP_MS);
    // A closed connection answers nothing more: those waiting fail now, not at their deadline.
    void nc.closed().then(() => this.close());
  }

  /** Publishes with the event id as Nats-Msg-Id (JetStream's duplicate check); never rejects. */
  publish(subject: string, payload: Uint8Array, msgId: string): Promise<PubAckOutcome> {
    const token = this.next++;
    const header = headers();
    header.set('Nats-Msg-Id', msgId);
    return new Promise((resolve) => {
      try {
        this.nc.publish(subject, payload, { reply: `${this.prefix}.${token}`, headers: header });
        this.waiting.set(token, { resolve, deadline: Date.now() + this.timeoutMs });
      } catch (error) {
        resolve({ ok: false, reason: 'refused', message: (error as Error).message });
      }
    });
  }

  /** Stops waiting: what is still unanswered fails as the connection closed. */
  close(): void {
    clearInterval(this.sweeper);
    if (!this.nc.isClosed()) this.subscription.unsubscribe();
    for (const { resolve } of this.waiting.values()) resolve({ ok: false, reason: 'refused', message: 'connection closed' });
    this.waiting.clear();
  }

  private answer(msg: Msg): void {
    const token = Number(msg.subject.slice(this.prefix.length + 1));
    const waiting = this.waiting.get(token);
    // Answered after its deadline: already recorded as timed out.
    if (!waiting) return;
    this.waiting.delete(token);
    waiting.resolve(pubAckOf(msg));
  }

  /** Deadlines grow with the token (one timeout for all), so the map is in deadline order. */
  private expire(now: number): void {
    for (const [token, { resolve, deadline }] of this.waiting) {
      if (deadline > now) return;
      this.waiting.delete(token);
      resolve({ ok: false, reason: 'timeout', message: 'timeout' });
    }
  }
}

function pubAckOf(msg: Msg): PubAckOutcome {
  // The server's own answer when nothing listens on the subject: no stream (or no leader yet).
  if (msg.headers?.code === 503 && msg.data.length === 0) return { ok: false, reason: 'no-responders', message: 'no responders' };
  let ack: { stream?: string; seq?: number; duplicate?: boolean; error?: { description?: string } };
  try {
    ack = msg.json();
  } catch {
    return { ok: false, reason: 'refused', message: 'invalid ack response' };
  }
  if (ack.error) return { ok: false, reason: 'refused', message: ack.error.description ?? 'refused' };
  if (!ack.stream || typeof ack.seq !== 'number') return { ok: false, reason: 'refused', message: 'invalid ack response' };
  return { ok: true, seq: ack.seq, duplicate: ack.duplicate === true };
}
