// Shared setup of the browser tests of the package: the fixture model, and
// fresh pages (each in its own browser context, so with its own, empty
// localStorage) on tests/js/esm-page.html, with console.warn recorded in
// the page as `window.warnings`.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";

const ROOT = new URL("../../", import.meta.url);

/**
 * Writes the fixture model (48 items, sku-<category>-<n>) for one test file
 * and returns its URL path. One file per caller: node --test runs test files
 * in parallel, and they must not read a model another one is writing.
 */
export function buildFixture(name) {
  mkdirSync(new URL("target/js-fixtures", ROOT), { recursive: true });
  const path = `target/js-fixtures/${name}.shelf`;
  execFileSync("cargo", ["run", "-q", "--example", "make_fixture", "--", path], { cwd: ROOT, stdio: "inherit" });
  return `/${path}`;
}

/** Records console.warn in the page (before any of its scripts run). */
function recordWarnings() {
  window.warnings = [];
  const warn = console.warn.bind(console);
  console.warn = (...args) => {
    window.warnings.push(args.map(String).join(" "));
    warn(...args);
  };
}

/**
 * A new page in a new context (or in `context`, to share its localStorage),
 * with the package loaded as `window.shelfrank` and the model's bytes as
 * `window.modelBytes`. `init` scripts run before the page's own.
 */
export async function openPage(browser, server, modelPath, { context, init = [] } = {}) {
  context ??= await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.addInitScript(recordWarnings);
  for (const script of init) await page.addInitScript(script);
  await load(page, server, modelPath);
  return { page, context, errors };
}

/** (Re)loads the test page and the model bytes. */
export async function load(page, server, modelPath) {
  await page.goto(`${server.url}/tests/js/esm-page.html`);
  await page.waitForFunction(() => window.shelfrank !== undefined);
  await page.evaluate(async (path) => {
    window.modelBytes = new Uint8Array(await (await fetch(path)).arrayBuffer());
  }, modelPath);
}
