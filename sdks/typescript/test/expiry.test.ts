// Tokens near or past expiry: refreshed before they lapse, and re-minted once on token_expired.
// The project's jwt_ttl_s is the gateway's minimum (30 s) and it allows 5 s of leeway, so
// both tests wait (in parallel) for about half a minute.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Behest, type Fetch } from "@behest/client-ts";
import { countingFetch, MINT, type Stack, startStack } from "./stack.js";

const TTL_S = 30;
let stack: Stack;

before(async () => {
  stack = await startStack({ jwt_ttl_s: TTL_S });
});
after(() => stack.stop());

const hello = [{ role: "user" as const, content: "hello" }];

/** Makes the client believe each token lives an hour, so the gateway is first to say no. */
function optimisticFetch(): { fetch: Fetch; mints: () => number; statuses: number[] } {
  const counter = countingFetch();
  const fetch: Fetch = async (input, init) => {
    const response = await counter.fetch(input, init);
    if (!String(input).endsWith(MINT) || !response.ok) return response;
    const body = { ...((await response.json()) as object), expires_in: 3600 };
    return new Response(JSON.stringify(body), { status: 200, headers: response.headers });
  };
  return { fetch, mints: () => counter.count(MINT), statuses: counter.statuses };
}

describe("expiry", { concurrency: true }, () => {
  test("a token is refreshed shortly before it expires, without a failed call", async () => {
    const counter = countingFetch();
    const behest = new Behest({ key: stack.api_key, baseUrl: stack.gateway_url, fetch: counter.fetch });
    const call = () => behest.chat.completions.create({ model: stack.models.openai!, messages: hello, user_id: "early" });
    await call();
    await call();
    assert.equal(counter.count(MINT), 1);
    await sleep(TTL_S * 900 + 200); // past the refresh point (10% before expiry)
    await call();
    assert.equal(counter.count(MINT), 2);
    assert.ok(!counter.statuses.includes(401), `statuses: ${counter.statuses.join(",")}`);
  });

  test("on 401 token_expired the token is minted again and the call retried once", async () => {
    const probe = optimisticFetch();
    const behest = new Behest({ key: stack.api_key, baseUrl: stack.gateway_url, fetch: probe.fetch, maxRetries: 0 });
    const call = (user_id: string) =>
      behest.chat.completions.create({ model: stack.models.openai!, messages: hello, user_id });
    await Promise.all([call("late"), call("late-stream")]);
    assert.equal(probe.mints(), 2);
    await sleep((TTL_S + 6) * 1000);
    const [reply, stream] = await Promise.all([
      Promise.all([call("late"), call("late"), call("late")]),
      behest.chat.completions.create({
        model: stack.models.openai!,
        messages: hello,
        user_id: "late-stream",
        stream: true,
      }),
    ]);
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    assert.equal(reply[0].choices[0]!.message.content, "Echo: hello");
    assert.equal(text, "Echo: hello");
    assert.equal(probe.mints(), 4, "one new token per user, shared by concurrent retries");
    assert.equal(probe.statuses.filter((s) => s === 401).length, 4);
  });
});
