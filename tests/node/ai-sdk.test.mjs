// The Vercel AI SDK (ai v6, @ai-sdk/openai v3, Chat Completions model) through behest,
// DEFAULT project settings, to each provider's mock: generateText, streamText,
// generateObject with a zod schema and tool calling with tool(), as against OpenAI.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { createOpenAI } from "@ai-sdk/openai";
import { generateObject, generateText, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";

import { PROVIDERS, startStack, upstreamToolCalls, upstreamToolResults, upstreamUserTexts } from "./support/stack.mjs";

let stack;
let openai;

before(async () => {
  stack = await startStack();
  const token = await stack.mint();
  openai = createOpenAI({ baseURL: stack.baseURL, apiKey: token.access_token });
}, { timeout: 150_000 }); // a loaded machine starts four processes slowly

after(async () => {
  await stack?.stop();
});

const PROMPT = "Ada Lovelace asks: what's the weather in Paris? Check acme.openai.ai and build.v2.internal.";
const TOOL_PROMPT = "What's the weather and the local time in Paris? Please call tools.";
const City = z.object({ city: z.enum(["Paris", "London"]) }); // the mocks pick the first value

function tools(seen) {
  return {
    get_weather: tool({
      description: "The weather in a city",
      inputSchema: City,
      execute: async ({ city }) => {
        seen.push(["get_weather", city]);
        return { city, forecast: `sunny in ${city}` };
      },
    }),
    get_time: tool({
      description: "The local time in a city",
      inputSchema: City,
      execute: async ({ city }) => {
        seen.push(["get_time", city]);
        return { city, time: "14:05" };
      },
    }),
  };
}

for (const provider of PROVIDERS) {
  describe(`ai sdk → ${provider}`, () => {
    const model = () => openai.chat(stack.models[provider]);
    const upstream = async () => (await stack.lastUpstream(provider)).body;

    test("generateText", async () => {
      const result = await generateText({ model: model(), prompt: PROMPT, maxRetries: 0 });
      assert.equal(result.text, `Echo: ${PROMPT}`);
      assert.equal(result.finishReason, "stop");
      assert.ok(result.usage.inputTokens > 0 && result.usage.outputTokens > 0);
      assert.deepEqual(upstreamUserTexts(provider, await upstream()), [PROMPT]);
    });

    test("streamText", async () => {
      const errors = [];
      const result = streamText({
        model: model(),
        prompt: PROMPT,
        maxRetries: 0,
        onError: ({ error }) => errors.push(error),
      });
      let text = "";
      for await (const delta of result.textStream) text += delta;
      assert.deepEqual(errors, []);
      assert.equal(text, `Echo: ${PROMPT}`);
      assert.equal(await result.finishReason, "stop");
      assert.ok((await result.usage).inputTokens > 0, "the usage chunk arrived");
      assert.deepEqual(upstreamUserTexts(provider, await upstream()), [PROMPT]);
    });

    test("generateObject with a zod schema", async () => {
      const Weather = z.object({
        city: z.enum(["Paris", "London"]),
        conditions: z.string(),
        temperature_c: z.number(),
        windy: z.boolean(),
      });
      const prompt = "Describe today's weather in Paris for Ada Lovelace.";
      const { object } = await generateObject({ model: model(), schema: Weather, prompt, maxRetries: 0 });
      assert.deepEqual(Weather.parse(object), object);
      assert.equal(object.city, "Paris");
      assert.deepEqual(upstreamUserTexts(provider, await upstream()), [prompt]);
    });

    test("tool calling with tool(): parallel calls, results, final text", async () => {
      const seen = [];
      const result = await generateText({
        model: model(),
        prompt: TOOL_PROMPT,
        tools: tools(seen),
        stopWhen: stepCountIs(3),
        maxRetries: 0,
      });
      assert.deepEqual(seen, [
        ["get_weather", "Paris"],
        ["get_time", "Paris"],
      ]);
      assert.equal(result.steps.length, 2);
      assert.deepEqual(
        result.steps[0].toolCalls.map((c) => [c.toolName, c.input.city]),
        [
          ["get_weather", "Paris"],
          ["get_time", "Paris"],
        ],
      );
      assert.equal(result.finishReason, "stop");
      assert.match(result.text, /Paris/);
      const body = await upstream();
      assert.deepEqual(
        upstreamToolCalls(provider, body).map((c) => [c.name, c.args.city]),
        [
          ["get_weather", "Paris"],
          ["get_time", "Paris"],
        ],
        "the tool calls went back to the model as made",
      );
      assert.deepEqual(
        upstreamToolResults(provider, body).map((r) => JSON.parse(r)),
        [
          { city: "Paris", forecast: "sunny in Paris" },
          { city: "Paris", time: "14:05" },
        ],
        "the tool results reached the model verbatim",
      );
      assert.deepEqual(upstreamUserTexts(provider, body), [TOOL_PROMPT]);
    });

    test("tool calling with tool(), streamed", async () => {
      const seen = [];
      const errors = [];
      const result = streamText({
        model: model(),
        prompt: TOOL_PROMPT,
        tools: tools(seen),
        stopWhen: stepCountIs(3),
        maxRetries: 0,
        onError: ({ error }) => errors.push(error),
      });
      let text = "";
      for await (const delta of result.textStream) text += delta;
      assert.deepEqual(errors, []);
      assert.deepEqual(seen, [
        ["get_weather", "Paris"],
        ["get_time", "Paris"],
      ]);
      assert.match(text, /Paris/);
      assert.deepEqual(upstreamUserTexts(provider, await upstream()), [TOOL_PROMPT]);
    });

    test("the guard still keeps an e-mail address and a card number from the upstream", async () => {
      const prompt = "Write to ada@example.com and charge card 4111 1111 1111 1111, please.";
      const result = await generateText({ model: model(), prompt, maxRetries: 0 });
      const sent = upstreamUserTexts(provider, await upstream()).join("\n");
      for (const secret of ["ada@example.com", "4111 1111 1111 1111", "4111111111111111"]) {
        assert.ok(!sent.includes(secret), `${secret} reached the upstream: ${sent}`);
      }
      assert.equal(result.text, `Echo: ${prompt}`, "placeholders restored");
    });
  });
}
