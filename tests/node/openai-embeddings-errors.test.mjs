// The official OpenAI Node SDK (v6) through behest, DEFAULT project settings: embeddings
// with the SDK's default base64 encoding, and every upstream failure as the SDK error
// class (and HTTP status) a direct call to OpenAI would raise.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";

import OpenAI from "openai";

import { PROVIDERS, startStack } from "./support/stack.mjs";

let stack;
let client;

before(async () => {
  stack = await startStack();
  client = await stack.openai();
}, { timeout: 150_000 }); // a loaded machine starts four processes slowly

afterEach(async () => {
  await stack.clearFaults();
});

after(async () => {
  await stack?.stop();
});

const EMBEDDING_PROVIDERS = ["openai", "gemini"];
const DIMENSIONS = { openai: 16, gemini: 768 }; // the mocks' default sizes

describe("case 5: embeddings with the SDK's default base64 encoding", () => {
  for (const provider of EMBEDDING_PROVIDERS) {
    const model = () => stack.embeddingModels[provider];

    test(`${provider}: one input, decoded by the SDK to the same floats as encoding_format float`, async () => {
      const input = "Ada Lovelace lives in Paris";
      const fetched = [];
      const watching = await stack.openai({
        fetch: async (url, init) => {
          fetched.push(JSON.parse(init.body));
          return fetch(url, init);
        },
      });
      const base64 = await watching.embeddings.create({ model: model(), input });
      assert.equal(fetched[0].encoding_format, "base64", "the SDK asks for base64 by default");
      const upstream = (await stack.lastUpstream(provider)).body;

      assert.equal(base64.object, "list");
      assert.equal(base64.data.length, 1);
      const vector = base64.data[0].embedding;
      assert.ok(Array.isArray(vector), `embedding is an array of numbers, got ${typeof vector}`);
      assert.equal(vector.length, DIMENSIONS[provider]);
      assert.ok(vector.every((v) => typeof v === "number" && Number.isFinite(v)));
      const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
      assert.ok(Math.abs(norm - 1) < 1e-3, `a unit vector, norm ${norm}`);
      assert.ok(base64.usage.prompt_tokens > 0);

      const floats = await client.embeddings.create({ model: model(), input, encoding_format: "float" });
      assert.deepEqual(
        vector,
        floats.data[0].embedding.map((v) => Math.fround(v)),
        "base64 decodes to the float32 values of the float answer",
      );
      assert.ok(JSON.stringify(upstream).includes(JSON.stringify(input)), "the input reached the model verbatim");
    });

    test(`${provider}: several inputs keep their order`, async () => {
      const inputs = ["Ada Lovelace", "Paris", "build.v2.internal"];
      const batch = await client.embeddings.create({ model: model(), input: inputs });
      assert.deepEqual(
        batch.data.map((d) => d.index),
        [0, 1, 2],
      );
      for (const [index, text] of inputs.entries()) {
        const single = await client.embeddings.create({ model: model(), input: text });
        assert.deepEqual(batch.data[index].embedding, single.data[0].embedding, text);
      }
    });
  }
});

// upstream status → [SDK error class, status the SDK must see], as from OpenAI itself
const FAILURES = [
  [400, OpenAI.BadRequestError, 400],
  [429, OpenAI.RateLimitError, 429],
  [500, OpenAI.InternalServerError, 500],
  [503, OpenAI.InternalServerError, 503],
];

function assertSdkError(error, ErrorClass, status) {
  assert.ok(error instanceof OpenAI.APIError, `an APIError, got ${error?.constructor?.name}: ${error}`);
  assert.equal(error.constructor.name, ErrorClass.name, `status ${error.status}: ${error.message}`);
  assert.ok(error instanceof ErrorClass);
  assert.equal(error.status, status, error.message);
  assert.equal(typeof error.error?.message, "string", "an OpenAI error body");
  assert.ok(error.requestID || error.headers?.get("x-request-id"), "a request id");
}

describe("case 6: upstream errors as the SDK's error classes", () => {
  for (const provider of PROVIDERS) {
    for (const [upstreamStatus, ErrorClass, status] of FAILURES) {
      const model = () => stack.models[provider];

      test(`${provider}: upstream ${upstreamStatus} → ${ErrorClass.name} ${status}`, async () => {
        await stack.fault(provider, { status: upstreamStatus, remaining: 1, match_model: model() });
        const error = await client.chat.completions
          .create({ model: model(), messages: [{ role: "user", content: "hello" }] })
          .then(() => null, (e) => e);
        assertSdkError(error, ErrorClass, status);
      });

      test(`${provider}: upstream ${upstreamStatus} on a stream → ${ErrorClass.name} ${status}`, async () => {
        await stack.fault(provider, { status: upstreamStatus, remaining: 1, match_model: model() });
        const error = await (async () => {
          const stream = await client.chat.completions.create({
            model: model(),
            messages: [{ role: "user", content: "hello" }],
            stream: true,
          });
          for await (const _ of stream);
        })().then(
          () => null,
          (e) => e,
        );
        assertSdkError(error, ErrorClass, status);
      });
    }
  }

  for (const provider of EMBEDDING_PROVIDERS) {
    test(`${provider} embeddings: upstream 429 → RateLimitError 429`, async () => {
      const model = stack.embeddingModels[provider];
      await stack.fault(provider, { status: 429, remaining: 1, match_model: model });
      const error = await client.embeddings.create({ model, input: "hello" }).then(
        () => null,
        (e) => e,
      );
      assertSdkError(error, OpenAI.RateLimitError, 429);
    });
  }
});
