// The openai SDK's whole chat surface through Behest, against a real gateway and mocks.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { inspect } from "node:util";
import { zodFunction, zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";
import { Behest, behestHeaders } from "@behest/client-ts";
import { admin, countingFetch, eventually, MINT, type Stack, startStack } from "./stack.js";

let stack: Stack;
let model: string;

before(async () => {
  stack = await startStack({ aliases: { fast: "gpt-4o-mini" } });
  model = stack.models.openai!;
});
after(() => stack.stop());

function client(fetch?: ReturnType<typeof countingFetch>["fetch"]): Behest {
  return new Behest({ key: stack.api_key, baseUrl: stack.gateway_url, fetch });
}

const hello = [{ role: "user" as const, content: "hello there" }];

describe("chat", () => {
  test("a plain completion", async () => {
    const reply = await client().chat.completions.create({ model, messages: hello, user_id: "u-plain" });
    assert.equal(reply.choices[0]!.message.content, "Echo: hello there");
    assert.ok(reply.usage!.total_tokens > 0);
  });

  test("a streamed completion (stream: true)", async () => {
    const stream = await client().chat.completions.create({
      model,
      messages: hello,
      stream: true,
      user_id: "u-stream",
      session_id: "s-1",
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    assert.equal(text, "Echo: hello there");
  });

  test("the .stream() helper", async () => {
    const runner = client().chat.completions.stream({ model, messages: hello, user_id: "u-helper" });
    const deltas: string[] = [];
    runner.on("content", (delta) => deltas.push(delta));
    const final = await runner.finalChatCompletion();
    assert.equal(final.choices[0]!.message.content, "Echo: hello there");
    assert.equal(deltas.join(""), "Echo: hello there");
  });

  test("tool calls", async () => {
    const reply = await client().chat.completions.create({
      model,
      user_id: "u-tools",
      messages: [{ role: "user", content: "please call tools" }],
      tools: [{ type: "function", function: { name: "weather", parameters: { type: "object", properties: {} } } }],
    });
    const call = reply.choices[0]!.message.tool_calls![0]!;
    assert.equal(call.type === "function" && call.function.name, "weather");
    assert.equal(reply.choices[0]!.finish_reason, "tool_calls");
  });

  test("runTools runs the tool and answers", async () => {
    const seen: unknown[] = [];
    const runner = client().chat.completions.runTools({
      model,
      user_id: "u-runtools",
      messages: [{ role: "user", content: "call tools for the weather" }],
      tools: [
        zodFunction({
          name: "weather",
          parameters: z.object({ call: z.number(), city: z.string() }),
          function: (args) => {
            seen.push(args);
            return { city: args.city, temperature: 21 };
          },
        }),
      ],
    });
    const content = await runner.finalContent();
    assert.deepEqual(seen, [{ call: 0, city: "Paris" }]);
    assert.equal(content, "Echo: call tools for the weather");
  });

  test("runTools with stream: true", async () => {
    const runner = client().chat.completions.runTools({
      model,
      user_id: "u-runtools-stream",
      stream: true,
      messages: [{ role: "user", content: "call tools now" }],
      tools: [
        {
          type: "function",
          function: {
            name: "noop",
            description: "does nothing",
            parameters: { type: "object", properties: {} },
            function: () => "done",
          },
        },
      ],
    });
    let text = "";
    runner.on("content", (delta) => (text += delta));
    await runner.done();
    assert.equal(text, "Echo: call tools now");
    assert.equal(runner.messages.filter((m) => m.role === "tool").length, 1);
  });

  test("structured output with parse() and zod", async () => {
    const Weather = z.object({ city: z.string(), temperature: z.number(), sunny: z.boolean() });
    const reply = await client().chat.completions.parse({
      model,
      user_id: "u-parse",
      messages: [{ role: "user", content: "weather in Paris" }],
      response_format: zodResponseFormat(Weather, "weather"),
    });
    const parsed = reply.choices[0]!.message.parsed!;
    assert.equal(typeof parsed.city, "string");
    assert.equal(typeof parsed.temperature, "number");
    assert.equal(typeof parsed.sunny, "boolean");
  });

  test("withResponse() and behestHeaders()", async () => {
    const { data, response } = await client()
      .chat.completions.create({ model, messages: hello, user_id: "u-headers", thread_id: "t-headers" })
      .withResponse();
    const headers = behestHeaders(response);
    assert.equal(data.object, "chat.completion");
    assert.match(headers.requestId ?? "", /\S/);
    assert.equal(headers.threadId, "t-headers");
  });

  test("the guard's report, typed", async () => {
    const text = "mail jane.doe@example.com now";
    const { data, response } = await client()
      .chat.completions.create({ model, messages: [{ role: "user", content: text }], user_id: "u-guard" })
      .withResponse();
    assert.equal(data.choices[0]!.message.content, `Echo: ${text}`);
    const guard = behestHeaders(response).guard!;
    assert.deepEqual(guard.pii, { email: 1 });
    assert.equal(guard.action, "redact");
  });

  test("a thread keeps the conversation", async () => {
    const behest = client();
    const turn = (content: string) =>
      behest.chat.completions.create({ model, messages: [{ role: "user", content }], user_id: "u-thread", thread_id: "t-1" });
    await turn("first");
    const second = await turn("second");
    assert.ok(second.usage!.prompt_tokens > 10, "the stored history is prepended");
  });
});

describe("other endpoints", () => {
  test("embeddings", async () => {
    const reply = await client().embeddings.create({
      model: stack.embedding_models.openai!,
      input: ["one", "two"],
      user_id: "u-embed",
    });
    assert.equal(reply.data.length, 2);
    assert.ok(reply.data[0]!.embedding.length > 0);
  });

  test("moderations", async () => {
    const reply = await client().moderations.create({ model: "omni-moderation-latest", input: "hello", user_id: "u-mod" });
    assert.equal(reply.results.length, 1);
  });

  test("models.list()", async () => {
    const ids: string[] = [];
    for await (const entry of client().models.list()) ids.push(entry.id);
    assert.deepEqual(ids, ["fast"]);
  });

  test("forUser() gives a whole OpenAI client for one user", async () => {
    const openai = client().forUser("u-for-user");
    const reply = await openai.chat.completions.create({ model, messages: hello });
    assert.equal(reply.choices[0]!.message.content, "Echo: hello there");
  });
});

describe("tokens", () => {
  test("each user's usage is attributed to them", async () => {
    const behest = client();
    const users = ["attr-a", "attr-b", "attr-c"];
    await Promise.all(
      users.map((user_id, n) =>
        Promise.all(
          Array.from({ length: n + 1 }, () => behest.chat.completions.create({ model, messages: hello, user_id })),
        ),
      ),
    );
    type Report = { data: { user?: string; requests: number }[] };
    const rows = await eventually(async () => {
      const report = await admin<Report>(stack, `/projects/${stack.project_id}/usage?group_by=user`);
      const mine = report.data.filter((row) => users.includes(row.user ?? ""));
      return mine.reduce((sum, row) => sum + row.requests, 0) >= 6 ? mine : undefined;
    });
    assert.deepEqual(Object.fromEntries(rows.map((row) => [row.user, row.requests])), {
      "attr-a": 1,
      "attr-b": 2,
      "attr-c": 3,
    });
  });

  test("one user's calls share one minted token", async () => {
    const counter = countingFetch();
    const behest = client(counter.fetch);
    for (let i = 0; i < 5; i++) await behest.chat.completions.create({ model, messages: hello, user_id: "u-reuse" });
    await behest.embeddings.create({ model: stack.embedding_models.openai!, input: "x", user_id: "u-reuse" });
    assert.equal(counter.count(MINT), 1);
    assert.equal(counter.count("/v1/chat/completions"), 5);
  });

  test("a session gets its own token", async () => {
    const counter = countingFetch();
    const behest = client(counter.fetch);
    const call = (session_id?: string) =>
      behest.chat.completions.create({ model, messages: hello, user_id: "u-sessions", session_id });
    await call();
    await call("s-a");
    await call("s-a");
    await call("s-b");
    assert.equal(counter.count(MINT), 3);
  });

  test("100 parallel calls across 10 users mint at most 10 tokens", async () => {
    const counter = countingFetch();
    const behest = client(counter.fetch);
    const calls = Array.from({ length: 100 }, (_, n) =>
      behest.chat.completions.create({ model, messages: hello, user_id: `par-${n % 10}` }),
    );
    const replies = await Promise.all(calls);
    assert.equal(replies.length, 100);
    assert.ok(counter.count(MINT) <= 10, `${counter.count(MINT)} mints`);
    assert.equal(counter.count(MINT), 10);
  });

  test("1,000 calls for 10 users: mints per 1,000 calls", async () => {
    const counter = countingFetch();
    const behest = client(counter.fetch);
    const started = Date.now();
    for (let wave = 0; wave < 10; wave++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, n) =>
          behest.embeddings.create({ model: stack.embedding_models.openai!, input: "x", user_id: `k-${n % 10}` }),
        ),
      );
    }
    const mints = counter.count(MINT);
    console.log(`# mints per 1,000 calls for 10 users: ${mints} (in ${Date.now() - started} ms)`);
    assert.equal(mints, 10);
  });

  test("tokens.mint() for an app's token route", async () => {
    const token = await client().tokens.mint("u-route", "s-route");
    assert.equal(token.session_id, "s-route");
    assert.ok(token.expires_in > 0);
    assert.deepEqual(Object.keys(token).sort(), ["access_token", "expires_in", "session_id"]);
  });

  test("neither key nor tokens show: inspect, String, JSON", async () => {
    const behest = client();
    await behest.chat.completions.create({ model, messages: hello, user_id: "u-inspect" });
    const texts = [behest, behest.chat, behest.embeddings, behest.tokens, behest.forUser("u-inspect")].map((value) =>
      inspect(value, { showHidden: true, depth: 10 }),
    );
    texts.push(String(behest), JSON.stringify(behest));
    for (const text of texts) {
      assert.ok(!text.includes("behest_sk_"), text);
      assert.ok(!/eyJ[\w-]+\.eyJ/.test(text), `a JWT in ${text}`);
    }
  });
});
