// What goes wrong surfaces as the openai SDK's error classes, with useful messages and no secrets.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Behest, BehestError, behestHeaders, OpenAI } from "@behest/client-ts";
import { type Stack, startStack } from "./stack.js";

let stack: Stack;

before(async () => {
  stack = await startStack({ limits: { user: { rpm: 2 } } });
});
after(() => stack.stop());

const hello = [{ role: "user" as const, content: "hello" }];
const BAD_KEY = "behest_sk_live_notarealkeyid_notarealsecretnotarealsecretnotarealsecret00";

function secretFree(error: unknown): void {
  const text = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`;
  assert.ok(!text.includes(BAD_KEY) && !text.includes(stack.api_key), text);
}

describe("errors", () => {
  test("a bad key: AuthenticationError from the mint, with the gateway's message", async () => {
    const behest = new Behest({ key: BAD_KEY, baseUrl: stack.gateway_url });
    const error = await behest.chat.completions
      .create({ model: stack.models.openai!, messages: hello, user_id: "u-bad" })
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
    assert.equal(error.status, 401);
    assert.match(error.message, /API key/);
    secretFree(error);
  });

  test("tokens.mint() with a bad key: AuthenticationError too", async () => {
    const behest = new Behest({ key: BAD_KEY, baseUrl: stack.gateway_url });
    const error = await behest.tokens.mint("u-bad").catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
    assert.match(error.message, /401 .*API key/);
    secretFree(error);
  });

  test("a user over their rate limit: RateLimitError with retry-after", async () => {
    const behest = new Behest({ key: stack.api_key, baseUrl: stack.gateway_url, maxRetries: 0 });
    const call = () => behest.chat.completions.create({ model: stack.models.openai!, messages: hello, user_id: "u-limited" });
    const { response } = await call().withResponse();
    assert.equal(behestHeaders(response).rateLimit.requests.limit, 2);
    await call();
    const error = await call().catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.RateLimitError, String(error));
    const headers = behestHeaders(error);
    assert.ok(headers.retryAfterSeconds! > 0, JSON.stringify(headers));
    assert.match(error.message, /^429 /);
    assert.match(headers.requestId ?? "", /\S/);
  });

  test("no key: a BehestError naming BEHEST_KEY", () => {
    const saved = process.env.BEHEST_KEY;
    delete process.env.BEHEST_KEY;
    try {
      assert.throws(() => new Behest({ baseUrl: stack.gateway_url }), (error: unknown) => {
        assert.ok(error instanceof BehestError && error instanceof OpenAI.OpenAIError);
        assert.match(error.message, /BEHEST_KEY/);
        assert.match(error.message, /`key`/);
        return true;
      });
    } finally {
      if (saved !== undefined) process.env.BEHEST_KEY = saved;
    }
  });

  test("the environment supplies key and base URL", async () => {
    process.env.BEHEST_KEY = stack.api_key;
    process.env.BEHEST_BASE_URL = stack.gateway_url;
    try {
      const reply = await new Behest().chat.completions.create({ model: stack.models.openai!, messages: hello, user_id: "u-env" });
      assert.equal(reply.choices[0]!.message.content, "Echo: hello");
    } finally {
      delete process.env.BEHEST_KEY;
      delete process.env.BEHEST_BASE_URL;
    }
  });

  test("no user_id: a BehestError before any request", () => {
    const behest = new Behest({ key: stack.api_key, baseUrl: stack.gateway_url });
    const body = { model: stack.models.openai!, messages: hello } as unknown as Parameters<
      typeof behest.chat.completions.create
    >[0];
    assert.throws(() => behest.chat.completions.create(body), /user_id is required/);
  });

  test("a gateway that is down: APIConnectionError", async () => {
    const behest = new Behest({ key: stack.api_key, baseUrl: "http://127.0.0.1:9", maxRetries: 0 });
    const error = await behest.chat.completions
      .create({ model: stack.models.openai!, messages: hello, user_id: "u-down" })
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIConnectionError, String(error));
    secretFree(error);
  });
});
