// BehestBrowser: no key, a token from the app's own endpoint, behest called directly (CORS).
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { Behest, BehestBrowser, BehestError, behestHeaders, type Fetch, OpenAI } from "@behest/client-ts";
import { type Stack, startStack } from "./stack.js";

const ORIGIN = "http://app.example";
let stack: Stack;
let app: Server;
let tokenUrl: string;
let tokenRequests = 0;

/** The app's /api/token: the signed-in user (here a header stands in for the session cookie). */
function startApp(behest: Behest): Promise<string> {
  app = createServer(async (request, response) => {
    const user = request.headers["x-app-user"];
    if (request.method !== "POST" || request.url !== "/api/token" || typeof user !== "string") {
      response.writeHead(401, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ error: { message: "Sign in first.", type: "authentication_error" } }));
      return;
    }
    tokenRequests += 1;
    const { access_token, expires_in } = await behest.tokens.mint(user);
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end(JSON.stringify({ access_token, expires_in }));
  });
  return new Promise((ok) => app.listen(0, "127.0.0.1", () => ok(`http://127.0.0.1:${(app.address() as AddressInfo).port}/api/token`)));
}

const SAFELISTED = new Set(["accept", "accept-language", "content-language"]);

/** What a browser on ORIGIN does: a preflight that must allow every header sent, then the call. */
const corsFetch: Fetch = async (input, init) => {
  const headers = new Headers(init?.headers);
  if (!String(input).startsWith(stack.gateway_url)) return fetch(input, { ...init, headers });
  const asked = [...headers.keys()].filter((name) => !SAFELISTED.has(name));
  const preflight = await fetch(input, {
    method: "OPTIONS",
    headers: {
      Origin: ORIGIN,
      "Access-Control-Request-Method": init?.method ?? "GET",
      "Access-Control-Request-Headers": asked.join(","),
    },
  });
  const allowed = (preflight.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/\s*,\s*/);
  assert.equal(preflight.headers.get("access-control-allow-origin"), ORIGIN);
  for (const name of asked) assert.ok(allowed.includes(name), `the preflight does not allow ${name}`);
  headers.set("Origin", ORIGIN);
  const response = await fetch(input, { ...init, headers });
  assert.equal(response.headers.get("access-control-allow-origin"), ORIGIN);
  return response;
};

before(async () => {
  stack = await startStack({ cors_origins: [ORIGIN] });
  tokenUrl = await startApp(new Behest({ key: stack.api_key, baseUrl: stack.gateway_url }));
});
after(async () => {
  app.close();
  await stack.stop();
});

const hello = [{ role: "user" as const, content: "hello from the browser" }];

function browser(user = "browser-user"): BehestBrowser {
  return new BehestBrowser({
    baseUrl: stack.gateway_url,
    tokenUrl,
    tokenRequest: { headers: { "x-app-user": user } },
    fetch: corsFetch,
  });
}

describe("browser", () => {
  test("chat, a stream and embeddings with a token from the app's endpoint, fetched once", async () => {
    tokenRequests = 0;
    const client = browser();
    const reply = await client.chat.completions.create({ model: stack.models.openai!, messages: hello });
    assert.equal(reply.choices[0]!.message.content, "Echo: hello from the browser");
    const stream = await client.chat.completions.create({ model: stack.models.openai!, messages: hello, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    assert.equal(text, "Echo: hello from the browser");
    const vectors = await client.embeddings.create({ model: stack.embedding_models.openai!, input: "x" });
    assert.equal(vectors.data.length, 1);
    assert.equal(tokenRequests, 1);
  });

  test("behest's headers are readable cross-origin", async () => {
    const { response } = await browser()
      .chat.completions.create({ model: stack.models.openai!, messages: hello, thread_id: "t-browser" })
      .withResponse();
    const exposed = response.headers.get("access-control-expose-headers") ?? "";
    for (const name of ["x-request-id", "x-thread-id", "x-ratelimit-remaining-requests", "retry-after"]) {
      assert.ok(exposed.includes(name), `${name} in ${exposed}`);
    }
    assert.equal(behestHeaders(response).threadId, "t-browser");
  });

  test("getToken instead of tokenUrl", async () => {
    const behest = new Behest({ key: stack.api_key, baseUrl: stack.gateway_url });
    let calls = 0;
    const client = new BehestBrowser({
      baseUrl: stack.gateway_url,
      fetch: corsFetch,
      getToken: () => {
        calls += 1;
        return behest.tokens.mint("getter-user");
      },
    });
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: stack.models.openai!, messages: hello });
    assert.equal(calls, 1);
  });

  test("the app refusing a token: AuthenticationError with the app's message", async () => {
    const client = new BehestBrowser({ baseUrl: stack.gateway_url, tokenUrl, fetch: corsFetch, maxRetries: 0 });
    const error = await client.chat.completions
      .create({ model: stack.models.openai!, messages: hello })
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
    assert.match(error.message, /Sign in first/);
  });

  test("user_id and session_id are the token's, not the caller's", () => {
    const body = { model: "m", messages: hello, user_id: "someone-else" } as never;
    assert.throws(() => browser().chat.completions.create(body), BehestError);
  });

  test("in a browser, Behest (which holds the key) refuses to start; BehestBrowser works", async () => {
    const g = globalThis as Record<string, unknown>;
    const hadNavigator = "navigator" in g;
    g.window = { document: {} };
    if (!hadNavigator) g.navigator = {};
    try {
      assert.throws(() => new Behest({ key: stack.api_key, baseUrl: stack.gateway_url }), /BehestBrowser/);
      const reply = await browser().chat.completions.create({ model: stack.models.openai!, messages: hello });
      assert.equal(reply.object, "chat.completion");
    } finally {
      delete g.window;
      if (!hadNavigator) delete g.navigator;
    }
  });
});
