// Starts `python -m behest.testing.stack` (mocks, a gateway, a project, a key) for one test file.
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Fetch } from "@behest/client-ts";

export interface StackInfo {
  gateway_url: string;
  admin_token: string;
  project_id: string;
  api_key: string;
  models: Record<string, string>;
  embedding_models: Record<string, string>;
}

export interface Stack extends StackInfo {
  stop(): Promise<void>;
}

export const python = process.env.BEHEST_PYTHON ?? resolve(process.cwd(), "../../.venv/bin/python");

export async function startStack(settings: object = {}): Promise<Stack> {
  const child = spawn(python, ["-m", "behest.testing.stack", "--settings", JSON.stringify(settings)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const info = await firstLine(child);
  return { ...info, stop: () => stop(child) };
}

async function firstLine(child: ChildProcess): Promise<StackInfo> {
  const lines = createInterface({ input: child.stdout! });
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`the stack exited with ${code} before it was ready`))),
  );
  const line = new Promise<string>((ok) => lines.once("line", ok));
  return JSON.parse(await Promise.race([line, exited])) as StackInfo;
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

export async function admin<T>(stack: StackInfo, path: string): Promise<T> {
  const response = await fetch(`${stack.gateway_url}/admin/v1${path}`, {
    headers: { Authorization: `Bearer ${stack.admin_token}` },
  });
  if (!response.ok) throw new Error(`admin ${path}: ${response.status} ${await response.text()}`);
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
