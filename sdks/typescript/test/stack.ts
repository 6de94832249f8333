// The gateway the tests call: one `python -m behest.testing.stack` (mocks, a gateway) shared
// by every test file (scripts/run-tests.mjs starts it and passes its JSON line in
// BEHEST_TEST_STACK), or one of its own when a file is run alone. Each file gets a project
// of its own, with the settings it needs, made through the admin API.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Fetch } from "@behest/client-ts";

export interface StackInfo {
  gateway_url: string;
  admin_token: string;
  project_id: string;
  api_key: string;
  mocks: Record<string, string>;
  models: Record<string, string>;
  embedding_models: Record<string, string>;
}

export interface Stack extends StackInfo {
  stop(): Promise<void>;
}

export const python = process.env.BEHEST_PYTHON ?? resolve(process.cwd(), "../../.venv/bin/python");

/** The credentials `behest.testing.stack` gives its own project: path suffix, model patterns. */
const CREDENTIALS: Record<string, [string, string[]]> = {
  openai: ["/v1", ["gpt-*", "text-embedding-*", "omni-moderation-*", "o*"]],
  anthropic: ["", ["claude-*"]],
  gemini: ["", ["gemini-*"]],
};

/** A project with `settings` on the shared stack (or on a new one), with its own API key. */
export async function startStack(settings: object = {}): Promise<Stack> {
  const shared = process.env.BEHEST_TEST_STACK;
  const own = shared ? undefined : await spawnStack();
  const info = own?.info ?? (JSON.parse(shared!) as StackInfo);
  const project = await adminPost<{ id: string }>(info, "/projects", { name: "sdk-ts", settings });
  for (const [provider, [suffix, models]] of Object.entries(CREDENTIALS)) {
    const credential = { provider, base_url: info.mocks[provider] + suffix, api_key: `mock-key-${provider}`, models };
    await adminPost(info, `/projects/${project.id}/credentials`, credential);
  }
  const key = await adminPost<{ key: string }>(info, `/projects/${project.id}/keys`, { name: "sdk-ts" });
  return { ...info, project_id: project.id, api_key: key.key, stop: own?.stop ?? (async () => {}) };
}

export async function spawnStack(): Promise<{ info: StackInfo; line: string; stop(): Promise<void> }> {
  const state = mkdtempSync(join(tmpdir(), "behest-sdk-ts-"));
  const child = spawn(python, ["-m", "behest.testing.stack", "--dir", state], { stdio: ["pipe", "pipe", "inherit"] });
  const line = await firstLine(child);
  const end = async () => {
    await stop(child);
    rmSync(state, { recursive: true, force: true });
  };
  return { info: JSON.parse(line) as StackInfo, line, stop: end };
}

async function firstLine(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`the stack exited with ${code} before it was ready`))),
  );
  return Promise.race([new Promise<string>((ok) => lines.once("line", ok)), exited]);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
  child.stdin!.end();
  return exited;
}

/** A fetch that counts requests by path, for "how many mints" assertions. */
export function countingFetch(): { fetch: Fetch; count(path: string): number; statuses: number[] } {
  const counts = new Map<string, number>();
  const statuses: number[] = [];
  const fetch: Fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
    const response = await globalThis.fetch(input, init);
    statuses.push(response.status);
    return response;
  };
  return { fetch, count: (path) => counts.get(path) ?? 0, statuses };
}

export const MINT = "/v1/auth/mint";

export function admin<T>(stack: StackInfo, path: string): Promise<T> {
  return adminCall<T>(stack, "GET", path);
}

function adminPost<T = unknown>(stack: StackInfo, path: string, body: object): Promise<T> {
  return adminCall<T>(stack, "POST", path, body);
}

async function adminCall<T>(stack: StackInfo, method: string, path: string, body?: object): Promise<T> {
  const response = await fetch(`${stack.gateway_url}/admin/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${stack.admin_token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`admin ${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((ok) => setTimeout(ok, 100));
  }
}
