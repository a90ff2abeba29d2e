import { Agent } from 'node:http';
import axios, { type AxiosInstance } from 'axios';
import type { Observable, Subscription } from 'rxjs';
import type { EndpointChange, EndpointResolution } from '../../src/endpoints/types.js';

/** The part of a resolution the invariants compare. */
export function outcome(r: EndpointResolution): string {
  return `${r.phase}|${r.source}|${r.reason}|${r.urls.join(',')}`;
}

const LIST_PATH = /\/clusters\/([^/]+)\/apis\/apis\.kcp\.io\/[^/]+\/([a-z]+)$/;

/**
 * An axios instance without keep-alive (so "no open sockets" is observable right after unsubscribe) that
 * records when each collection's list first succeeded: `listedAt.get('<cluster>|<resource>')`.
 */
export function instrumentedHttp(): { http: AxiosInstance; listedAt: Map<string, number>; agent: Agent } {
  const agent = new Agent({ keepAlive: false });
  const http = axios.create({ httpAgent: agent });
  const listedAt = new Map<string, number>();
  http.interceptors.response.use((res) => {
    const url = new URL(res.config.url ?? '', 'http://x');
    const m = LIST_PATH.exec(url.pathname);
    if (res.status === 200 && m !== null && url.searchParams.get('watch') !== 'true') {
      const key = `${decodeURIComponent(m[1] ?? '')}|${m[2] ?? ''}`;
      if (!listedAt.has(key)) listedAt.set(key, performance.now());
    }
    return res;
  });
  return { http, listedAt, agent };
}

/**
 * When something was observed: `at` (`performance.now()`), `seq` (a counter shared by every recorder of the
 * process, so histories of different subscribers can be ordered) and `burst` (the same for everything
 * observed in one synchronous run of code, before the microtask queue moves on).
 */
export interface Stamp {
  at: number;
  seq: number;
  burst: number;
}

let seq = 0;
let burst = 0;
let burstOpen = false;

/** A {@link Stamp} for now. */
export function stamp(): Stamp {
  if (!burstOpen) {
    burstOpen = true;
    burst += 1;
    queueMicrotask(() => {
      burstOpen = false;
    });
  }
  seq += 1;
  return { at: performance.now(), seq, burst };
}

/** One watchEndpoints subscriber and everything it emitted. */
export class Subscriber {
  /** Emissions with their {@link Stamp}. */
  readonly emissions: Array<Stamp & { change: EndpointChange }> = [];
  private readonly subscription: Subscription;
  /** An error the stream ended with (it never should). */
  error: unknown;
  completed = false;

  constructor(
    /** A label for reports, e.g. `A root:org:p1:e0`. */
    readonly label: string,
    source: Observable<EndpointChange>,
    /** When the subscription was made. */
    readonly since = performance.now(),
  ) {
    this.subscription = source.subscribe({
      next: (change) => this.emissions.push({ ...stamp(), change }),
      error: (e: unknown) => {
        this.error = e;
      },
      complete: () => {
        this.completed = true;
      },
    });
  }

  /** The last emission, if any. */
  get last(): EndpointChange | undefined {
    return this.emissions.at(-1)?.change;
  }

  /** Ends the subscription. */
  stop(): void {
    this.subscription.unsubscribe();
  }
}

/** Active handles of this process by type (`Timeout`, `TCPSocketWrap`, `ProcessWrap`, …). */
export function activeHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of process.getActiveResourcesInfo()) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

/** Resolves when `pred` holds (checked every 5 ms) or the deadline passes; returns whether it held. */
export async function until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!pred()) {
    if (performance.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}
