/**
 * `BehestBrowser`: calls behest straight from a browser (CORS), with no key. Its token
 * comes from your app (`tokenUrl`, a route that calls `behest.tokens.mint(user.id)`
 * for the signed-in user) or from your own `getToken`.
 */
import { OpenAI } from "openai";
import { BehestError } from "./errors.js";
import { INSPECT, trimSlash } from "./env.js";
import { checkToken, type Fetch, readToken, timeoutSignal } from "./mint.js";
import { type Splitter, type Surface, surface } from "./surface.js";
import { type MintedToken, TokenCache } from "./token-cache.js";
import { authorizingFetch, isSdkTelemetry, THREAD_HEADER } from "./transport.js";

export interface BehestBrowserOptions {
  /** The gateway, e.g. `https://ai.example.com` (its project must list your origin in `cors_origins`). */
  baseUrl: string;
  /** Your app's endpoint answering `{ access_token, expires_in }`; POSTed with the page's cookies. */
  tokenUrl?: string | undefined;
  /** Instead of `tokenUrl`: fetch a token any way you like. */
  getToken?: (() => Promise<MintedToken>) | undefined;
  /** Extra `fetch` options for the `tokenUrl` request (method, headers, credentials). */
  tokenRequest?: RequestInit | undefined;
  fetch?: Fetch | undefined;
  maxRetries?: number | undefined;
  timeout?: number | undefined;
}

/** behest's parameters in the browser: the user and session are the token's. */
export interface BrowserParams {
  thread_id?: string | undefined;
}

const PLACEHOLDER_KEY = "behest-token-from-app";
const ONLY_KEY = "token";

export class BehestBrowser implements Surface<BrowserParams> {
  readonly baseUrl: string;
  readonly chat: Surface<BrowserParams>["chat"];
  readonly embeddings: Surface<BrowserParams>["embeddings"];
  readonly moderations: Surface<BrowserParams>["moderations"];
  readonly models: Surface<BrowserParams>["models"];
  /** The OpenAI client underneath, for the rest of the openai SDK's surface. */
  readonly openai: OpenAI;
  readonly #cache = new TokenCache(1);

  constructor(options: BehestBrowserOptions) {
    if (!options?.baseUrl) throw new BehestError("BehestBrowser needs `baseUrl`, the gateway's address.");
    this.baseUrl = trimSlash(options.baseUrl);
    const fetch: Fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const getToken = options.getToken ?? tokenFromUrl(fetch, options);
    const mint = async () => checkToken<MintedToken>(await getToken());
    this.openai = new OpenAI({
      apiKey: PLACEHOLDER_KEY,
      baseURL: `${this.baseUrl}/v1`,
      organization: null,
      project: null,
      fetch: authorizingFetch(fetch, {
        get: () => this.#cache.get(ONLY_KEY, mint),
        refresh: (_user, _session, stale) => this.#cache.refresh(ONLY_KEY, stale, mint),
      }, isSdkTelemetry),
      maxRetries: options.maxRetries,
      timeout: options.timeout,
      dangerouslyAllowBrowser: true,
    });
    const parts = surface<BrowserParams>(this.openai, threadSplit);
    this.chat = parts.chat;
    this.embeddings = parts.embeddings;
    this.moderations = parts.moderations;
    this.models = parts.models;
  }

  toString(): string {
    return `BehestBrowser(${this.baseUrl})`;
  }

  [INSPECT](): string {
    return this.toString();
  }
}

function tokenFromUrl(fetch: Fetch, options: BehestBrowserOptions): () => Promise<MintedToken> {
  const url = options.tokenUrl;
  if (!url) throw new BehestError("BehestBrowser needs `tokenUrl` (your app's token route) or `getToken`.");
  return async () => {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      signal: timeoutSignal(30_000),
      ...options.tokenRequest,
      headers: { Accept: "application/json", ...(options.tokenRequest?.headers as Record<string, string>) },
    });
    return readToken<MintedToken>(response);
  };
}

const threadSplit: Splitter = (body) => {
  const { thread_id, ...rest } = body as BrowserParams & { user_id?: unknown; session_id?: unknown };
  if ("user_id" in rest || "session_id" in rest) {
    throw new BehestError("In the browser, the user and session are the token's: drop user_id and session_id.");
  }
  const headers: Record<string, string> = thread_id === undefined ? {} : { [THREAD_HEADER]: thread_id };
  return { body: rest as never, headers };
};


