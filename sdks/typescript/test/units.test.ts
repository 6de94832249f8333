// The pure parts, no gateway: header parsing and the token cache's timing and sharing.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { behestHeaders, durationSeconds, parseGuard } from "@behest/client-ts";
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
