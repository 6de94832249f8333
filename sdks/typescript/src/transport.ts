/**
 * The `fetch` the openai SDK is given: it puts the caller's minted token on each request,
 * and on a 401 `token_expired` gets a new one and sends the request once more.
 *
 * Which user a request is for travels from the SDK surface to here in an internal header
 * (`x-behest-sdk-user`), removed before the request leaves.
 */
import { isTokenExpired, MintRefused } from "./errors.js";
import type { Fetch } from "./mint.js";

export const USER_HEADER = "x-behest-sdk-user";
export const SESSION_HEADER = "X-Session-Id";
export const THREAD_HEADER = "X-Thread-Id";

/** Where a request's token comes from: the cache, keyed by the request's user and session. */
export interface TokenSource {
  get(user: string | undefined, session: string | undefined): Promise<string>;
  refresh(user: string | undefined, session: string | undefined, stale: string): Promise<string>;
}

/**
 * The openai SDK's own headers a browser would have to ask the gateway's CORS preflight
 * about (and that the gateway does not allow): dropped by `BehestBrowser`.
 */
export function isSdkTelemetry(name: string): boolean {
  return name.startsWith("x-stainless-") || name === "user-agent";
}

export function authorizingFetch(base: Fetch, tokens: TokenSource, drop?: (name: string) => boolean): Fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    if (drop) for (const name of [...headers.keys()].filter(drop)) headers.delete(name);
    const encoded = headers.get(USER_HEADER);
    headers.delete(USER_HEADER);
    const user = encoded === null ? undefined : decodeURIComponent(encoded);
    const session = headers.get(SESSION_HEADER) ?? undefined;
    const send = (token: string): Promise<Response> => {
      headers.set("Authorization", `Bearer ${token}`);
      return base(input, { ...init, headers });
    };
    try {
      const token = await tokens.get(user, session);
      const response = await send(token);
      if (!canResend(init?.body) || !(await isTokenExpired(response))) return response;
      await response.body?.cancel();
      return await send(await tokens.refresh(user, session, token));
    } catch (error) {
      if (error instanceof MintRefused) return error.toResponse();
      throw error;
    }
  };
}

function canResend(body: RequestInit["body"] | undefined): boolean {
  return !(typeof ReadableStream !== "undefined" && body instanceof ReadableStream);
}
