/**
 * Errors. Everything the gateway refuses surfaces as the openai SDK's own classes,
 * chosen by HTTP status, so `catch (e) { if (e instanceof OpenAI.RateLimitError) … }`
 * works unchanged; refused token mints included:
 *
 *   OpenAIError                      (openai)
 *   ├── BehestError                  misuse found before any request: no key, no user_id
 *   └── APIError                     (openai) the gateway answered with an error status
 *       ├── AuthenticationError      401: bad key, expired or invalid token
 *       ├── RateLimitError           429: a limit or budget; see behestHeaders(e)
 *       └── …                        BadRequestError, PermissionDeniedError, InternalServerError
 *
 * Messages never carry the project key or a minted token.
 */
import { APIError, OpenAIError } from "openai";

export class BehestError extends OpenAIError {}

/** A mint (or an app's token endpoint) that answered with an error status. */
export class MintRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: Headers,
  ) {
    super(`token request refused with status ${status}`);
  }

  static async from(response: Response): Promise<MintRefused> {
    return new MintRefused(response.status, await response.text(), response.headers);
  }

  /** The response the openai SDK turns into its error class (and may retry). */
  toResponse(): Response {
    return new Response(this.body, { status: this.status, headers: this.headers });
  }

  toApiError(): APIError {
    const parsed = parseJson(this.body);
    const message = parsed === undefined ? this.body.slice(0, 500) || undefined : undefined;
    return APIError.generate(this.status, parsed as object | undefined, message, this.headers);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** True for the gateway's 401 `{"error": {"code": "token_expired"}}`. */
export async function isTokenExpired(response: Response): Promise<boolean> {
  if (response.status !== 401) return false;
  const body = parseJson(await response.clone().text()) as { error?: { code?: unknown } } | undefined;
  return body?.error?.code === "token_expired";
}
