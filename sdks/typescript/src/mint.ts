/** `POST /v1/auth/mint`: the project key buys a short-lived token for one end user. */
import { BehestError, MintRefused } from "./errors.js";
import type { MintedToken } from "./token-cache.js";

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** What `POST /v1/auth/mint` answers. */
export interface BehestToken extends MintedToken {
  access_token: string;
  /** Seconds the token is valid for, from when it was minted. */
  expires_in: number;
  /** The session the token is bound to (the gateway makes one up when none is given). */
  session_id: string;
}

export interface MintOptions {
  /** Seconds, from 30 to the project's `jwt_ttl_s` (the default). */
  expiresIn?: number;
  /** The user's limit tier (the project's `limits.user.tiers`). */
  tier?: string;
}

export interface MintRequest extends MintOptions {
  userId: string;
  sessionId?: string | undefined;
}

const MINT_TIMEOUT_MS = 30_000;
const NOT_A_TOKEN = "The token answer is not a token";

export async function mintToken(
  fetch: Fetch,
  baseUrl: string,
  key: string,
  request: MintRequest,
): Promise<BehestToken> {
  const body = {
    user_id: request.userId,
    session_id: request.sessionId,
    expires_in: request.expiresIn,
    tier: request.tier,
  };
  const response = await fetch(`${baseUrl}/v1/auth/mint`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal: timeoutSignal(MINT_TIMEOUT_MS),
  });
  const { access_token, expires_in, session_id } = await readToken(response);
  return { access_token, expires_in, session_id };
}

/** A token answer (from the gateway or an app's token endpoint), checked for shape. */
export async function readToken<T extends MintedToken = BehestToken>(response: Response): Promise<T> {
  if (!response.ok) throw await MintRefused.from(response);
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    if (error instanceof SyntaxError) throw new BehestError(`${NOT_A_TOKEN} (not JSON)`);
    throw error;
  }
  return checkToken<T>(body);
}

/** A token (from an answer or an app's `getToken`): a non-empty `access_token`, a positive `expires_in`. */
export function checkToken<T extends MintedToken = MintedToken>(value: unknown): T {
  const token = (typeof value === "object" && value !== null && !Array.isArray(value) ? value : {}) as Partial<MintedToken>;
  const { access_token, expires_in } = token;
  if (typeof access_token !== "string" || access_token === "") throw new BehestError(`${NOT_A_TOKEN} (no access_token)`);
  if (typeof expires_in !== "number" || !Number.isFinite(expires_in) || expires_in <= 0) {
    throw new BehestError(`${NOT_A_TOKEN} (expires_in must be a positive number of seconds)`);
  }
  return token as T;
}

export function timeoutSignal(ms: number): AbortSignal | undefined {
  return typeof AbortSignal.timeout === "function" ? AbortSignal.timeout(ms) : undefined;
}
