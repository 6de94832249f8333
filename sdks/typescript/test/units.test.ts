// The pure parts, no gateway: header parsing and the token cache's timing and sharing.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Behest, BehestBrowser, BehestError, behestHeaders, durationSeconds, OpenAI, parseGuard } from "@behest/client-ts";
import { TokenCache, usableFor } from "../src/token-cache.js";

describe("headers", () => {
  test("Go-style durations", () => {
    assert.equal(durationSeconds("20ms"), 0.02);
    assert.equal(durationSeconds("1.5s"), 1.5);
    assert.equal(durationSeconds("6m0s"), 360);
    assert.equal(durationSeconds("1h2m3s"), 3723);
    assert.equal(durationSeconds("soon"), undefined);
  });

  test("the guard report", () => {
    assert.deepEqual(parseGuard("pii=email:2,phone:1;action=redact;injection=0.12"), {
      pii: { email: 2, phone: 1 },
      action: "redact",
      injection: 0.12,
      raw: "pii=email:2,phone:1;action=redact;injection=0.12",
    });
    assert.deepEqual(parseGuard("pii=none;action=none").pii, {});
  });

  test("rate limits, retry-after and ids", () => {
    const headers = behestHeaders(
      new Headers({
        "x-request-id": "req_1",
        "x-ratelimit-limit-requests": "60",
        "x-ratelimit-remaining-requests": "59",
        "x-ratelimit-reset-requests": "1s",
        "retry-after": "3",
        "retry-after-ms": "2500",
      }),
    );
    assert.deepEqual(headers, {
      requestId: "req_1",
      rateLimit: { requests: { limit: 60, remaining: 59, reset: "1s", resetSeconds: 1 }, tokens: {} },
      retryAfterSeconds: 2.5,
    });
    assert.deepEqual(behestHeaders({ headers: undefined }), { rateLimit: { requests: {}, tokens: {} } });
  });
});

describe("token cache", () => {
  const minted = (n: number, expires_in = 100) => async () => ({ access_token: `t${n}`, expires_in });

  test("refreshes 10% before expiry, at most a minute early", () => {
    assert.equal(usableFor(30), 27_000);
    assert.equal(usableFor(900), 840_000);
  });

  test("reuses a token until its refresh point, then mints anew", async () => {
    let now = 0;
    const cache = new TokenCache(10, () => now);
    assert.equal(await cache.get("u", minted(1)), "t1");
    now = 89_999;
    assert.equal(await cache.get("u", minted(2)), "t1");
    now = 90_000;
    assert.equal(await cache.get("u", minted(3)), "t3");
  });

  test("concurrent callers share one mint; a failed mint is not kept", async () => {
    const cache = new TokenCache();
    let mints = 0;
    const slow = async () => {
      mints += 1;
      await new Promise((ok) => setTimeout(ok, 10));
      return { access_token: "shared", expires_in: 100 };
    };
    const tokens = await Promise.all(Array.from({ length: 20 }, () => cache.get("u", slow)));
    assert.deepEqual(new Set(tokens), new Set(["shared"]));
    assert.equal(mints, 1);
    await assert.rejects(cache.get("v", () => Promise.reject(new Error("down"))));
    assert.equal(await cache.get("v", minted(9)), "t9");
  });

  test("a refresh replaces only the stale token, once", async () => {
    const cache = new TokenCache();
    await cache.get("u", minted(1));
    const [a, b] = await Promise.all([cache.refresh("u", "t1", minted(2)), cache.refresh("u", "t1", minted(3))]);
    assert.deepEqual([a, b], ["t2", "t2"]);
  });

  test("keeps at most maxEntries, dropping the oldest", async () => {
    const cache = new TokenCache(2);
    for (const user of ["a", "b", "c"]) await cache.get(user, minted(1));
    assert.equal(cache.size, 2);
  });
});

describe("malformed tokens", () => {
  const GATEWAY = "http://gateway.test";
  const NOT_TOKENS: unknown[] = [
    [],
    null,
    "x",
    {},
    { access_token: "", expires_in: 60 },
    { access_token: "t", expires_in: true },
    { access_token: "t", expires_in: -5 },
    { access_token: "t", expires_in: 0 },
  ];
  const answer = (text: string) => new Response(text, { status: 200, headers: { "Content-Type": "application/json" } });
  const ask = (client: BehestBrowser) =>
    client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);

  test("getToken giving a non-token: the call fails with a BehestError and nothing is sent", async () => {
    for (const bad of NOT_TOKENS) {
      let sent = 0;
      const fetch = async () => {
        sent += 1;
        return answer("{}");
      };
      const client = new BehestBrowser({ baseUrl: GATEWAY, getToken: async () => bad as never, fetch, maxRetries: 0 });
      const error = await ask(client);
      assert.ok(error instanceof OpenAI.APIConnectionError && error.cause instanceof BehestError, `${JSON.stringify(bad)}: ${String(error)}`);
      assert.equal(sent, 0);
    }
  });

  test("a token endpoint or a mint answering a non-token: a BehestError", async () => {
    for (const text of [...NOT_TOKENS.map((bad) => JSON.stringify(bad)), "not json {"]) {
      const fetch = async () => answer(text);
      const client = new BehestBrowser({ baseUrl: GATEWAY, tokenUrl: "http://app.test/token", fetch, maxRetries: 0 });
      const error = await ask(client);
      assert.ok(error instanceof OpenAI.APIConnectionError && error.cause instanceof BehestError, `${text}: ${String(error)}`);
      const behest = new Behest({ key: "behest_sk_test", baseUrl: GATEWAY, fetch, maxRetries: 0 });
      await assert.rejects(behest.tokens.mint("u1"), BehestError, text);
    }
  });
});
