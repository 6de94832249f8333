// One real behest stack per test file: `python -m behest.testing.stack` starts the three
// mock upstreams (OpenAI, Anthropic, Gemini), a gateway and a project with DEFAULT
// settings, prints one JSON line and runs until its stdin closes.
//
// Helpers here talk to it the way a user would (mint a JWT with the project key, then
// the official SDKs), plus the mocks' control routes to read what reached the upstream
// and to inject faults.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import OpenAI from "openai";

const here = dirname(fileURLToPath(import.meta.url));
export const PROVIDERS = ["openai", "anthropic", "gemini"];

function python() {
  if (process.env.BEHEST_PYTHON) return process.env.BEHEST_PYTHON;
  const venv = resolve(here, "../../../.venv/bin/python"); // tests/node/support → the repository root
  if (existsSync(venv)) return venv;
  throw new Error("set BEHEST_PYTHON to a python with behest installed (or create .venv)");
}

/** Starts a stack and resolves once it printed its JSON line. `stop()` ends it. */
export async function startStack({ settings } = {}) {
  const args = ["-m", "behest.testing.stack"];
  if (settings) args.push("--settings", JSON.stringify(settings));
  const child = spawn(python(), args, { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise((done) => child.once("exit", done));
  const info = await new Promise((ok, fail) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => {
      child.kill("SIGTERM"); // the stack stops its mocks and gateway on SIGTERM
      fail(new Error("the stack did not start within 120 s"));
    }, 120_000);
    lines.once("line", (line) => {
      clearTimeout(timer);
      try {
        ok(JSON.parse(line));
      } catch (error) {
        fail(new Error(`the stack printed something else than JSON: ${line}`, { cause: error }));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`the stack exited with ${code} before it was ready`));
    });
  });
  return new Stack(info, child, exited);
}

class Stack {
  constructor(info, child, exited) {
    this.info = info;
    this.child = child;
    this.exited = exited;
    this.users = 0;
  }

  get models() {
    return this.info.models;
  }

  get embeddingModels() {
    return this.info.embedding_models;
  }

  get baseURL() {
    return `${this.info.gateway_url}/v1`;
  }

  /** POST /v1/auth/mint with the project key: a fresh end user's JWT. */
  async mint(userId = `user_${++this.users}`) {
    const response = await fetch(`${this.info.gateway_url}/v1/auth/mint`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${this.info.api_key}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ user_id: userId }),
    });
    const body = await response.json();
    if (response.status !== 200) throw new Error(`mint failed: ${JSON.stringify(body)}`);
    return body;
  }

  /** The official OpenAI client, as a user would create it: only baseURL changes. */
  async openai(options = {}) {
    const token = await this.mint();
    return new OpenAI({ baseURL: this.baseURL, apiKey: token.access_token, maxRetries: 0, ...options });
  }

  /** What the provider's mock last received: `{body, headers, requests_seen}`. */
  async lastUpstream(provider) {
    const response = await fetch(`${this.info.mocks[provider]}/__mock__/last_request`);
    return response.json();
  }

  async fault(provider, fault) {
    const response = await fetch(`${this.info.mocks[provider]}/__mock__/faults`, {
      method: "POST",
      body: JSON.stringify(fault),
    });
    if (!response.ok) throw new Error(`fault not set: ${response.status}`);
  }

  async clearFaults() {
    await Promise.all(PROVIDERS.map((provider) => this.fault(provider, { clear: true })));
  }

  async stop() {
    this.child.stdin.end();
    await this.exited;
  }
}

/** Every string anywhere in a JSON value (object keys excluded). */
export function stringsIn(value, found = []) {
  if (typeof value === "string") found.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsIn(item, found);
  else if (value && typeof value === "object") for (const item of Object.values(value)) stringsIn(item, found);
  return found;
}

/** The text of every user turn the upstream received, in its own API's shape. */
export function upstreamUserTexts(provider, body) {
  if (provider === "gemini") {
    return (body.contents ?? [])
      .filter((c) => (c.role ?? "user") === "user")
      .flatMap((c) => c.parts ?? [])
      .filter((p) => typeof p.text === "string")
      .map((p) => p.text);
  }
  const texts = [];
  for (const message of body.messages ?? []) {
    if (message.role !== "user") continue;
    if (typeof message.content === "string") texts.push(message.content);
    else for (const part of message.content ?? []) if (part.type === "text") texts.push(part.text);
  }
  return texts;
}

/** The tool calls the upstream received back in the history: [{name, args}] (args parsed). */
export function upstreamToolCalls(provider, body) {
  if (provider === "openai") {
    return (body.messages ?? []).flatMap((m) =>
      (m.tool_calls ?? []).map((c) => ({
        name: c.function.name,
        args: JSON.parse(c.function.arguments),
        raw: c.function.arguments,
      })),
    );
  }
  if (provider === "anthropic") {
    return (body.messages ?? [])
      .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
      .filter((b) => b.type === "tool_use")
      .map((b) => ({ name: b.name, args: b.input }));
  }
  return (body.contents ?? [])
    .flatMap((c) => c.parts ?? [])
    .filter((p) => p.functionCall)
    .map((p) => ({ name: p.functionCall.name, args: p.functionCall.args }));
}

/** The tool results the upstream received, as text (Gemini's parsed objects as JSON). */
export function upstreamToolResults(provider, body) {
  if (provider === "openai") {
    return (body.messages ?? []).filter((m) => m.role === "tool").map((m) => m.content);
  }
  if (provider === "anthropic") {
    return (body.messages ?? [])
      .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
      .filter((b) => b.type === "tool_result")
      .map((b) =>
        typeof b.content === "string"
          ? b.content
          : b.content.filter((inner) => inner.type === "text").map((inner) => inner.text).join(""),
      );
  }
  return (body.contents ?? [])
    .flatMap((c) => c.parts ?? [])
    .filter((p) => p.functionResponse)
    .map(({ functionResponse: { response } }) =>
      // Gemini takes an object: JSON results go as parsed, other text as {"result": text}
      Object.keys(response).length === 1 && typeof response.result === "string"
        ? response.result
        : JSON.stringify(response),
    );
}
