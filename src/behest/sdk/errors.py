"""The SDK's errors are the official ``openai`` SDK's, plus one for its own set-up.

    openai.OpenAIError
     ├── BehestConfigError          no key, or not a behest_sk_ key (raised by Behest())
     ├── MintReplyError             a mint answered 200 with something that is not a token
     ├── openai.APIConnectionError  gateway unreachable (a call or a mint)
     │    └── openai.APITimeoutError
     └── openai.APIStatusError      the gateway answered an error (a call or a mint)
          ├── AuthenticationError   401: bad key; an expired token is refreshed once first
          ├── RateLimitError        429, with retry-after on ``.response.headers``
          └── …                     BadRequestError, PermissionDeniedError, InternalServerError

Mints go through the official client too, so a refused mint raises the same classes as a
refused call. No message carries a key or a token.
"""

from __future__ import annotations

import openai

TOKEN_EXPIRED = "token_expired"


class BehestConfigError(openai.OpenAIError):
    """The client cannot be set up: the message says what to set."""


class MintReplyError(openai.OpenAIError):
    """The gateway's mint answer was not a JSON object with a non-empty ``access_token``
    and ``session_id`` and a positive integer ``expires_in``."""


def is_token_expired(error: BaseException) -> bool:
    """The gateway refused an access token only because it expired (minting again helps)."""
    return isinstance(error, openai.AuthenticationError) and error.code == TOKEN_EXPIRED
