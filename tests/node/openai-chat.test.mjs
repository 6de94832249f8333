// The official OpenAI Node SDK (v6) through behest, DEFAULT project settings, to each
// provider's mock. Every case expects what a direct call to OpenAI would give: the
// prompt reaches the model byte for byte, tool arguments and results carry real place
// names, the SDK helpers (runTools, parse with zod) work unchanged. Only structured
// secrets (e-mail, card number) are kept from the upstream by default.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";

import {
  PROVIDERS,
  startStack,
  upstreamToolCalls,
  upstreamToolResults,
  upstreamUserTexts,
} from "./support/stack.mjs";

let stack;
let client;

before(async () => {
  stack = await startStack();
  client = await stack.openai();
}, { timeout: 150_000 }); // a loaded machine starts four processes slowly

after(async () => {
  await stack?.stop();
});

// Names, places, code identifiers and bare host names: ordinary text a direct call sends as is.
const PROMPTS = [
  "What's the weather in Paris?",
  "Tell me about Ada Lovelace.",
  "Why does user_id.split('.') return a list?",
  "Is acme.openai.ai reachable from build.v2.internal?",
  "Ada Lovelace met Charles Babbage in London; ping acme.openai.ai, then call user_id.split('.') on build.v2.internal.",
];

const CITY = { type: "string", enum: ["Paris", "London"] }; // the mocks sample the first value
const TOOLS = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "The weather in a city",
      parameters: { type: "object", properties: { city: CITY }, required: ["city"] },
    },
  },
  {
    type: "function",
    function: {
      name: "get_time",
      description: "The local time in a city",
      parameters: { type: "object", properties: { city: CITY }, required: ["city"] },
    },
  },
];
const TOOL_PROMPT = "What's the weather and the local time in Paris? Please call tools.";

async function upstreamBody(provider) {
  return (await stack.lastUpstream(provider)).body;
}

function assertParisCalls(calls) {
  assert.deepEqual(
    calls.map((c) => c.function.name),
    ["get_weather", "get_time"],
  );
  for (const call of calls) {
    assert.equal(call.type, "function");
    assert.ok(call.id, "each tool call has an id");
    assert.equal(JSON.parse(call.function.arguments).city, "Paris", call.function.arguments);
  }
}

for (const provider of PROVIDERS) {
  describe(`openai sdk → ${provider}`, () => {
    const model = () => stack.models[provider];

    describe("case 1: text reaches the model byte for byte", () => {
      for (const prompt of PROMPTS) {
        test(`plain: ${prompt}`, async () => {
          const completion = await client.chat.completions.create({
            model: model(),
            messages: [{ role: "user", content: prompt }],
          });
          assert.equal(completion.choices[0].message.content, `Echo: ${prompt}`);
          assert.equal(completion.choices[0].finish_reason, "stop");
          assert.deepEqual(upstreamUserTexts(provider, await upstreamBody(provider)), [prompt]);
        });

        test(`streamed: ${prompt}`, async () => {
          const stream = await client.chat.completions.create({
            model: model(),
            messages: [{ role: "user", content: prompt }],
            stream: true,
          });
          let text = "";
          let finish = null;
          for await (const chunk of stream) {
            text += chunk.choices[0]?.delta?.content ?? "";
            finish = chunk.choices[0]?.finish_reason ?? finish;
          }
          assert.equal(text, `Echo: ${prompt}`);
          assert.equal(finish, "stop");
          assert.deepEqual(upstreamUserTexts(provider, await upstreamBody(provider)), [prompt]);
        });
      }
    });

    describe("case 2: parallel tool calls and a tool-result round trip", () => {
      test("parallel tool calls carry the place name, and the round trip is verbatim", async (t) => {
        const messages = [{ role: "user", content: TOOL_PROMPT }];
        const first = await client.chat.completions.create({ model: model(), messages, tools: TOOLS });
        const firstUpstream = await upstreamBody(provider);
        const message = first.choices[0].message;

        await t.test("the prompt reached the model verbatim", () => {
          assert.deepEqual(upstreamUserTexts(provider, firstUpstream), [TOOL_PROMPT]);
        });
        await t.test("two tool calls, both with city Paris", () => {
          assert.equal(first.choices[0].finish_reason, "tool_calls");
          assertParisCalls(message.tool_calls);
        });

        messages.push(message);
        const results = message.tool_calls.map((call) => ({
          role: "tool",
          tool_call_id: call.id,
          content: `${call.function.name}: sunny and 21 °C in Paris at 14:05`,
        }));
        messages.push(...results);
        const second = await client.chat.completions.create({ model: model(), messages, tools: TOOLS });
        const secondUpstream = await upstreamBody(provider);

        await t.test("the tool calls went back to the model as the client sent them", () => {
          const back = upstreamToolCalls(provider, secondUpstream);
          assert.deepEqual(
            back.map(({ name, args }) => ({ name, args })),
            message.tool_calls.map((c) => ({ name: c.function.name, args: JSON.parse(c.function.arguments) })),
          );
          if (provider === "openai") {
            // an OpenAI-format upstream gets the arguments string itself, byte for byte
            assert.deepEqual(
              back.map((c) => c.raw),
              message.tool_calls.map((c) => c.function.arguments),
            );
          }
        });
        await t.test("the tool results reached the model verbatim", () => {
          assert.deepEqual(
            upstreamToolResults(provider, secondUpstream),
            results.map((r) => r.content),
          );
        });
        await t.test("the final answer mentions Paris", () => {
          assert.equal(second.choices[0].finish_reason, "stop");
          assert.match(second.choices[0].message.content, /Paris/);
        });
      });

      test("streamed parallel tool calls, assembled by the SDK's stream helper", async () => {
        const runner = client.chat.completions.stream({
          model: model(),
          messages: [{ role: "user", content: TOOL_PROMPT }],
          tools: TOOLS,
        });
        const completion = await runner.finalChatCompletion();
        assert.equal(completion.choices[0].finish_reason, "tool_calls");
        assertParisCalls(completion.choices[0].message.tool_calls);
        assert.deepEqual(upstreamUserTexts(provider, await upstreamBody(provider)), [TOOL_PROMPT]);
      });
    });

    test("case 3: chat.completions.runTools runs the tools and finishes", async () => {
      const seen = [];
      const weather = ({ city }) => {
        seen.push(["get_weather", city]);
        return { city, forecast: `sunny in ${city}` };
      };
      const time = ({ city }) => {
        seen.push(["get_time", city]);
        return { city, time: "14:05" };
      };
      const functions = { get_weather: weather, get_time: time };
      const runner = client.chat.completions.runTools({
        model: model(),
        messages: [{ role: "user", content: TOOL_PROMPT }],
        tools: TOOLS.map(({ function: f }) => ({
          type: "function",
          function: { ...f, function: functions[f.name], parse: JSON.parse },
        })),
      });
      const content = await runner.finalContent();
      assert.deepEqual(seen, [
        ["get_weather", "Paris"],
        ["get_time", "Paris"],
      ]);
      assert.ok(content, "a final text answer");
      assert.match(content, /Paris/);
      const upstream = await upstreamBody(provider);
      assert.deepEqual(
        upstreamToolResults(provider, upstream).map((r) => JSON.parse(r)),
        [
          { city: "Paris", forecast: "sunny in Paris" },
          { city: "Paris", time: "14:05" },
        ],
      );
      assert.deepEqual(upstreamUserTexts(provider, upstream), [TOOL_PROMPT]);
    });

    test("case 4: chat.completions.parse with zodResponseFormat", async () => {
      const Weather = z.object({
        city: z.enum(["Paris", "London"]),
        conditions: z.string(),
        temperature_c: z.number(),
        windy: z.boolean(),
      });
      const prompt = "Describe today's weather in Paris for Ada Lovelace.";
      const completion = await client.chat.completions.parse({
        model: model(),
        messages: [{ role: "user", content: prompt }],
        response_format: zodResponseFormat(Weather, "weather"),
      });
      const parsed = completion.choices[0].message.parsed;
      assert.ok(parsed, "the SDK parsed the answer");
      assert.deepEqual(Weather.parse(parsed), parsed);
      assert.equal(parsed.city, "Paris");
      assert.deepEqual(upstreamUserTexts(provider, await upstreamBody(provider)), [prompt]);
    });

    describe("case 8: the guard still keeps structured secrets from the upstream", () => {
      const prompt = "Write to ada@example.com and charge card 4111 1111 1111 1111, please.";
      const hidden = ["ada@example.com", "4111 1111 1111 1111", "4111111111111111"];

      test("plain", async () => {
        const completion = await client.chat.completions.create({
          model: model(),
          messages: [{ role: "user", content: prompt }],
        });
        const sent = upstreamUserTexts(provider, await upstreamBody(provider)).join("\n");
        for (const secret of hidden) assert.ok(!sent.includes(secret), `${secret} reached the upstream: ${sent}`);
        assert.ok(sent.includes("Write to"), `the rest of the prompt is kept: ${sent}`);
        assert.equal(completion.choices[0].message.content, `Echo: ${prompt}`, "placeholders restored");
      });

      test("streamed", async () => {
        const stream = await client.chat.completions.create({
          model: model(),
          messages: [{ role: "user", content: prompt }],
          stream: true,
        });
        let text = "";
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
        const sent = upstreamUserTexts(provider, await upstreamBody(provider)).join("\n");
        for (const secret of hidden) assert.ok(!sent.includes(secret), `${secret} reached the upstream: ${sent}`);
        assert.equal(text, `Echo: ${prompt}`, "placeholders restored across chunks");
      });
    });
  });
}
