// node run-sample.mjs <sample.ts|sample.js>: TypeScript is transpiled (types stripped) by
// the pinned typescript package, then the sample runs as an ES module next to this
// folder's node_modules.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import ts from "typescript";

const [source] = process.argv.slice(2);
let code = readFileSync(source, "utf8");
if (source.endsWith(".ts")) {
  code = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
}
const target = source.replace(/\.(ts|js)$/, ".mjs");
writeFileSync(target, code);
await import(pathToFileURL(target).href);
