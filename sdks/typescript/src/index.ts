/**
 * @behest/client-ts — the official openai SDK, pointed at a behest gateway, with a token
 * minted (and cached) per end user.
 *
 *   const behest = new Behest();                       // BEHEST_KEY, BEHEST_BASE_URL
 *   await behest.chat.completions.create({ model, messages, user_id });
 */
export { Behest, MODELS_USER, type BehestOptions, type UserParams } from "./behest.js";
export { BehestBrowser, type BehestBrowserOptions, type BrowserParams } from "./browser.js";
export { BehestError } from "./errors.js";
export {
  behestHeaders,
  durationSeconds,
  parseGuard,
  type BehestHeaders,
  type GuardReport,
  type RateLimitWindow,
} from "./headers.js";
export type { BehestToken, Fetch, MintOptions } from "./mint.js";
export type { MintedToken } from "./token-cache.js";
export type { RequestOptions } from "./surface.js";
export { OpenAI, APIError, AuthenticationError, RateLimitError } from "openai";
