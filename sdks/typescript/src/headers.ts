/** behest's response headers, typed: use with `.withResponse()` or on a caught APIError. */

export interface RateLimitWindow {
  limit?: number;
  remaining?: number;
  /** As sent, e.g. `"1.5s"`, `"6m0s"`. */
  reset?: string;
  /** `reset` in seconds. */
  resetSeconds?: number;
}

export interface GuardReport {
  /** PII found, by kind: `{ email: 2, phone: 1 }`. */
  pii: Record<string, number>;
  /** What the guard did, e.g. `"redact"`, `"block"`, `"none"`. */
  action: string;
  /** Prompt-injection score from 0 to 1, when scored. */
  injection?: number;
  /** The header as sent: `pii=email:2;action=redact;injection=0.12`. */
  raw: string;
}

export interface BehestHeaders {
  requestId?: string;
  threadId?: string;
  guard?: GuardReport;
  rateLimit: { requests: RateLimitWindow; tokens: RateLimitWindow };
  /** Seconds to wait before retrying (on a 429 or 503). */
  retryAfterSeconds?: number;
}

type HeaderSource = Headers | { headers?: Headers | null | undefined };

export function behestHeaders(source: HeaderSource): BehestHeaders {
  const headers = isHeaders(source) ? source : (source.headers ?? new Headers());
  const get = (name: string): string | undefined => headers.get(name) ?? undefined;
  const guard = get("x-behest-guard");
  const retryMs = number(get("retry-after-ms"));
  const retryS = number(get("retry-after"));
  return compact({
    requestId: get("x-request-id"),
    threadId: get("x-thread-id"),
    guard: guard === undefined ? undefined : parseGuard(guard),
    rateLimit: { requests: window(get, "requests"), tokens: window(get, "tokens") },
    retryAfterSeconds: retryMs === undefined ? retryS : retryMs / 1000,
  });
}

/** Duck-typed: a polyfill's Headers is not the global class. */
function isHeaders(source: HeaderSource): source is Headers {
  return typeof (source as Headers).get === "function";
}

function window(get: (name: string) => string | undefined, unit: string): RateLimitWindow {
  const reset = get(`x-ratelimit-reset-${unit}`);
  return compact({
    limit: number(get(`x-ratelimit-limit-${unit}`)),
    remaining: number(get(`x-ratelimit-remaining-${unit}`)),
    reset,
    resetSeconds: reset === undefined ? undefined : durationSeconds(reset),
  });
}

export function parseGuard(raw: string): GuardReport {
  const fields = new Map<string, string>(
    raw.split(";").map((part): [string, string] => [part.split("=")[0] ?? "", part.slice(part.indexOf("=") + 1)]),
  );
  const pii: Record<string, number> = {};
  for (const item of (fields.get("pii") ?? "none").split(",")) {
    const [kind, count] = item.split(":");
    if (kind && kind !== "none") pii[kind] = Number(count ?? 1);
  }
  return compact({ pii, action: fields.get("action") ?? "none", injection: number(fields.get("injection")), raw });
}

/** Go-style durations (`20ms`, `1.5s`, `6m0s`, `1h2m3s`) in seconds. */
export function durationSeconds(text: string): number | undefined {
  const scale: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  let matched = "";
  for (const [part, value, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(value) * scale[unit as string]!;
    matched += part;
  }
  return matched === text && text ? total : undefined;
}

function number(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
