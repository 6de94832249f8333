// The published package: `npm pack`, installed into a scratch app, used from ESM and CommonJS.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { type Stack, startStack } from "./stack.js";

const run = promisify(execFile);
const root = process.cwd();
let stack: Stack;
let app: string;
let packed: { files: { path: string }[] };

const script = (load: string) => `${load}
const behest = new Behest();
const { data, response } = await behest.chat.completions
  .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "packed" }], user_id: "pack-user" })
  .withResponse();
const stream = await behest.chat.completions.create({
  model: "gpt-4o-mini", messages: [{ role: "user", content: "streamed" }], user_id: "pack-user", stream: true,
});
let text = "";
for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
console.log(JSON.stringify({
  reply: data.choices[0].message.content,
  text,
  requestId: behestHeaders(response).requestId,
  rateLimitError: typeof RateLimitError,
}));`;

const typed = `import { Behest, BehestBrowser, behestHeaders, type BehestHeaders } from "@behest/client-ts";
declare const process: { env: Record<string, string | undefined> };
const behest = new Behest({ key: process.env.BEHEST_KEY });
export async function go(): Promise<string | null> {
  const reply = await behest.chat.completions.create({ model: "m", messages: [], user_id: "u" });
  const browser = new BehestBrowser({ baseUrl: "https://ai.example", tokenUrl: "/api/token" });
  const headers: BehestHeaders = behestHeaders(new Headers());
  void browser;
  void headers;
  return reply.choices[0]!.message.content;
}
`;

before(async () => {
  stack = await startStack();
  app = await mkdtemp(join(tmpdir(), "behest-pack-"));
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", app], { cwd: root });
  packed = (JSON.parse(stdout) as (typeof packed & { filename: string })[])[0]!;
  const tarball = join(app, (packed as unknown as { filename: string }).filename);
  await writeFile(join(app, "package.json"), JSON.stringify({ name: "scratch-app", private: true }));
  await run("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: app });
  await writeFile(join(app, "esm.mjs"), script('import { Behest, behestHeaders, RateLimitError } from "@behest/client-ts";'));
  await writeFile(
    join(app, "cjs.cjs"),
    `(async () => {\n${script('const { Behest, behestHeaders, RateLimitError } = require("@behest/client-ts");')}\n})();`,
  );
  await writeFile(join(app, "typed.mts"), typed);
  await writeFile(join(app, "typed.cts"), typed);
});
after(async () => {
  await stack.stop();
  await rm(app, { recursive: true, force: true });
});

const env = () => ({ ...process.env, BEHEST_KEY: stack.api_key, BEHEST_BASE_URL: stack.gateway_url });

test("the tarball holds the builds and no sources or tests", () => {
  const paths = packed.files.map((file) => file.path);
  assert.ok(paths.includes("dist/esm/index.js") && paths.includes("dist/cjs/index.js"));
  assert.ok(paths.includes("dist/esm/index.d.ts") && paths.includes("dist/cjs/package.json"));
  assert.deepEqual(
    paths.filter((path) => !path.startsWith("dist/") && !["package.json", "README.md"].includes(path)),
    [],
  );
});

for (const file of ["esm.mjs", "cjs.cjs"]) {
  test(`installed from the tarball, ${file} calls the gateway`, async () => {
    const { stdout } = await run(process.execPath, [file], { cwd: app, env: env() });
    const result = JSON.parse(stdout) as Record<string, string>;
    assert.equal(result.reply, "Echo: packed");
    assert.equal(result.text, "Echo: streamed");
    assert.match(result.requestId ?? "", /\S/);
    assert.equal(result.rateLimitError, "function");
  });
}

test("its types resolve from both ESM and CommonJS consumers", async () => {
  const tsc = resolve(root, "node_modules/typescript/bin/tsc");
  const flags = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--lib", "es2022,dom"];
  await run(process.execPath, [tsc, ...flags, "typed.mts", "typed.cts"], { cwd: app });
});
