/** `Behest`: the server-side client. It holds the project key and mints a token per end user. */
import { APIConnectionError, APIError, OpenAI } from "openai";
import { BehestError, MintRefused } from "./errors.js";
import { env, INSPECT, isBrowser, trimSlash } from "./env.js";
import { type BehestToken, type Fetch, type MintOptions, mintToken } from "./mint.js";
import { type Splitter, type Surface, surface } from "./surface.js";
import { TokenCache } from "./token-cache.js";
import { authorizingFetch, SESSION_HEADER, THREAD_HEADER, USER_HEADER } from "./transport.js";

export interface BehestOptions {
  /** The project's API key, `behest_sk_live_…`. Default: `BEHEST_KEY`. */
  key?: string | undefined;
  /** The gateway, e.g. `https://ai.example.com`. Default: `BEHEST_BASE_URL`, else `http://localhost:8080`. */
  baseUrl?: string | undefined;
  /** Used for every request, mints included. Default: the global `fetch`. */
  fetch?: Fetch | undefined;
  /** Retries of 408/409/429/5xx and connection errors, as in the openai SDK. Default 2. */
  maxRetries?: number | undefined;
  /** Milliseconds per request, as in the openai SDK. */
  timeout?: number | undefined;
  defaultHeaders?: Record<string, string> | undefined;
  /** How many (user, session) tokens to keep. Default 10,000. */
  tokenCacheSize?: number | undefined;
  /** Allow this key-holding client in a browser (you almost surely want `BehestBrowser`). */
  dangerouslyAllowBrowser?: boolean | undefined;
}

/** behest's parameters on each call; they travel as headers, never in the body. */
export interface UserParams {
  /** The end user the call is for: tokens, limits and usage are theirs. */
  user_id: string;
  /** Binds the call to a session (a token is minted per user and session). */
  session_id?: string | undefined;
  /** A stored conversation: its history is prepended and this turn appended. */
  thread_id?: string | undefined;
}

/** Whose token `models.list()` uses when no `user_id` is given. */
export const MODELS_USER = "behest-sdk";
const PLACEHOLDER_KEY = "behest-minted-per-user";

export class Behest implements Surface<UserParams, Partial<UserParams>> {
  readonly baseUrl: string;
  readonly chat: Surface<UserParams>["chat"];
  readonly embeddings: Surface<UserParams>["embeddings"];
  readonly moderations: Surface<UserParams>["moderations"];
  readonly models: Surface<UserParams, Partial<UserParams>>["models"];
  readonly tokens: { mint(userId: string, sessionId?: string, options?: MintOptions): Promise<BehestToken> };
  readonly #key: string;
  readonly #fetch: Fetch;
  readonly #cache: TokenCache;
  readonly #authorizing: Fetch;
  readonly #options: BehestOptions;

  constructor(options: BehestOptions = {}) {
    const key = options.key ?? env("BEHEST_KEY");
    if (!key) {
      throw new BehestError(
        "No behest API key: set the BEHEST_KEY environment variable or pass `key` to new Behest({ key }).",
      );
    }
    if (isBrowser() && !options.dangerouslyAllowBrowser) {
      throw new BehestError(
        "Behest holds your project's API key and must not run in a browser; use BehestBrowser with a token endpoint.",
      );
    }
    this.#key = key;
    this.#options = options;
    this.baseUrl = trimSlash(options.baseUrl ?? env("BEHEST_BASE_URL") ?? "http://localhost:8080");
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#cache = new TokenCache(options.tokenCacheSize);
    this.#authorizing = authorizingFetch(this.#fetch, {
      get: (user, session) => this.#cache.get(cacheKey(user, session), this.#minter(user, session)),
      refresh: (user, session, stale) =>
        this.#cache.refresh(cacheKey(user, session), stale, this.#minter(user, session)),
    });
    const client = this.#client({});
    const parts = surface<UserParams, Partial<UserParams>>(client, userSplit(true), userSplit(false));
    this.chat = parts.chat;
    this.embeddings = parts.embeddings;
    this.moderations = parts.moderations;
    this.models = parts.models;
    this.tokens = {
      mint: (userId, sessionId, mintOptions) =>
        this.#mint(userId, sessionId, mintOptions).catch((error: unknown) => {
          throw asApiError(error);
        }),
    };
  }

  /**
   * An official `OpenAI` client whose every request is for this user (and session,
   * thread): the whole openai SDK surface, e.g. `behest.forUser("u1").responses`.
   */
  forUser(userId: string, params: Omit<UserParams, "user_id"> = {}): OpenAI {
    return this.#client(headersFor({ user_id: userId, ...params }));
  }

  /** Minted tokens currently cached. */
  get cachedTokens(): number {
    return this.#cache.size;
  }

  #client(defaultHeaders: Record<string, string>): OpenAI {
    return new OpenAI({
      apiKey: PLACEHOLDER_KEY,
      baseURL: `${this.baseUrl}/v1`,
      organization: null,
      project: null,
      fetch: this.#authorizing,
      maxRetries: this.#options.maxRetries,
      timeout: this.#options.timeout,
      defaultHeaders: { ...this.#options.defaultHeaders, ...defaultHeaders },
      dangerouslyAllowBrowser: true,
    });
  }

  #minter(user: string | undefined, session: string | undefined) {
    return () => {
      if (user === undefined) throw new BehestError("user_id is required.");
      return this.#mint(user, session);
    };
  }

  #mint(userId: string, sessionId?: string, options: MintOptions = {}): Promise<BehestToken> {
    return mintToken(this.#fetch, this.baseUrl, this.#key, { userId, sessionId, ...options });
  }

  toString(): string {
    return `Behest(${this.baseUrl})`;
  }

  toJSON(): object {
    return { baseUrl: this.baseUrl };
  }

  [INSPECT](): string {
    return this.toString();
  }
}

/** As the openai SDK reports a call's failures: by status, or as a connection error. */
function asApiError(error: unknown): unknown {
  if (error instanceof MintRefused) return error.toApiError();
  if (error instanceof APIError || error instanceof BehestError) return error;
  return new APIConnectionError({ cause: error instanceof Error ? error : undefined });
}

function cacheKey(user: string | undefined, session: string | undefined): string {
  return `${user ?? ""}\u0000${session ?? ""}`;
}

function headersFor(params: Partial<UserParams>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (params.user_id !== undefined) headers[USER_HEADER] = encodeURIComponent(checkId(params.user_id, "user_id"));
  if (params.session_id !== undefined) headers[SESSION_HEADER] = checkId(params.session_id, "session_id");
  if (params.thread_id !== undefined) headers[THREAD_HEADER] = checkId(params.thread_id, "thread_id");
  return headers;
}

function userSplit(required: boolean): Splitter {
  return (body) => {
    const { user_id, session_id, thread_id, ...rest } = body as Partial<UserParams>;
    if (required && user_id === undefined) {
      throw new BehestError("user_id is required: behest mints a token per end user (pass user_id on each call).");
    }
    const headers = headersFor({ user_id: user_id ?? MODELS_USER, session_id, thread_id });
    return { body: rest as never, headers };
  };
}

function checkId(value: unknown, name: string): string {
  if (typeof value !== "string" || value === "") throw new BehestError(`${name} must be a non-empty string.`);
  return value;
}
