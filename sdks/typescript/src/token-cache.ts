/** Minted tokens per (user, session): reused until shortly before expiry, one mint in flight. */

export interface MintedToken {
  access_token: string;
  expires_in: number;
}

export type Mint = () => Promise<MintedToken>;

interface Entry {
  promise: Promise<MintedToken>;
  token?: MintedToken;
  refreshAt: number;
}

const MAX_MARGIN_MS = 60_000;

/** Refresh 10% of the lifetime before expiry, at most a minute early. */
export function usableFor(expiresInS: number): number {
  const lifetime = expiresInS * 1000;
  return lifetime - Math.min(MAX_MARGIN_MS, lifetime / 10);
}

export class TokenCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  async get(key: string, mint: Mint): Promise<string> {
    const entry = this.#entries.get(key);
    const fresh = entry && (entry.token === undefined || this.now() < entry.refreshAt);
    return (await (fresh ? entry.promise : this.#start(key, mint))).access_token;
  }

  /** A new token unless someone already replaced `stale` (then theirs is shared). */
  async refresh(key: string, stale: string, mint: Mint): Promise<string> {
    const entry = this.#entries.get(key);
    if (entry && entry.token?.access_token !== stale) return this.get(key, mint);
    return (await this.#start(key, mint)).access_token;
  }

  #start(key: string, mint: Mint): Promise<MintedToken> {
    const startedAt = this.now();
    const entry: Entry = { promise: mint(), refreshAt: Infinity };
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.#evict();
    entry.promise.then(
      (token) => {
        entry.token = token;
        entry.refreshAt = startedAt + usableFor(token.expires_in);
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return entry.promise;
  }

  #evict(): void {
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.maxEntries) return;
      this.#entries.delete(key);
    }
  }
}
