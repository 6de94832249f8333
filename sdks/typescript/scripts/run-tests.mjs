// Starts one behest stack (mocks and a gateway) for every test file, then runs them in
// parallel with node:test; each file makes its own project on it (test/stack.ts).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const dir = ".test-build/test";
const files = readdirSync(dir).filter((name) => name.endsWith(".test.js")).map((name) => `${dir}/${name}`);
const python = process.env.BEHEST_PYTHON ?? resolve("../../.venv/bin/python");
const state = mkdtempSync(join(tmpdir(), "behest-sdk-ts-"));
const stack = spawn(python, ["-m", "behest.testing.stack", "--dir", state], { stdio: ["pipe", "pipe", "inherit"] });
const line = await new Promise((ok, fail) => {
  createInterface({ input: stack.stdout }).once("line", ok);
  stack.once("exit", (code) => fail(new Error(`the behest stack exited with ${code} before it was ready`)));
});
const tests = spawn(
  process.execPath,
  ["--test", "--test-concurrency=8", "--test-timeout=120000", ...process.argv.slice(2), ...files],
  { stdio: "inherit", env: { ...process.env, BEHEST_PYTHON: python, BEHEST_TEST_STACK: line } },
);
const code = await new Promise((ok) => tests.once("exit", (status, signal) => ok(status ?? (signal ? 1 : 0))));
stack.stdin.end();
await new Promise((ok) => stack.once("exit", ok));
rmSync(state, { recursive: true, force: true });
process.exit(code);
