// Bundles the demo storefront (www/) into www/dist/.
//
//   npx webpack            (or: node scripts/demo.mjs build, which first
//                           prepares the data and trains target/demo/model.shelf)
//
// How the page gets the npm package: a webpack alias `shelfrank` → ./pkg.
// The page's code imports it exactly as a shop would
// (`import { Recommender } from "shelfrank"`), and webpack resolves it through
// pkg/package.json like any installed package. We deliberately do NOT declare
// "shelfrank": "file:./pkg" as a dependency: on a fresh clone pkg/ does not
// exist when `npm ci` runs (scripts/setup.sh runs before `npm run build`), so
// npm would either fail or leave a dangling link whose lockfile entry depends
// on a generated file. The alias is resolved at bundle time, after the build.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));
const pkg = resolve(root, "pkg");
const work = resolve(root, "target/demo");

if (!existsSync(resolve(pkg, "index.js"))) {
  throw new Error("pkg/ is missing: build the npm package first with `npm run build`");
}

/**
 * Emits the static files next to the bundle: the HTML page and stylesheet
 * from www/, and the model + product feed the pipeline wrote to target/demo/.
 */
class StaticFilesPlugin {
  constructor(files) {
    this.files = files;
  }
  apply(compiler) {
    const { RawSource } = compiler.webpack.sources;
    compiler.hooks.thisCompilation.tap("StaticFilesPlugin", (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: "StaticFilesPlugin", stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL },
        () => {
          for (const [name, from, required] of this.files) {
            if (!existsSync(from)) {
              const msg = `${from} is missing (run node scripts/demo.mjs build)`;
              if (required) compilation.errors.push(new compiler.webpack.WebpackError(msg));
              else compilation.warnings.push(new compiler.webpack.WebpackError(msg));
              continue;
            }
            compilation.fileDependencies.add(from);
            compilation.emitAsset(name, new RawSource(readFileSync(from)));
          }
        },
      );
    });
  }
}

export default {
  mode: "production",
  context: root,
  entry: { app: "./www/src/main.js" },
  output: {
    path: resolve(root, "www/dist"),
    filename: "[name].[contenthash:8].js",
    chunkFilename: "[name].[contenthash:8].js",
    assetModuleFilename: "[name].[contenthash:8][ext]",
    publicPath: "auto",
    clean: true,
  },
  resolve: {
    alias: { shelfrank: pkg },
  },
  experiments: {
    asyncWebAssembly: true,
    topLevelAwait: true, // pkg/index.js initialises the wasm with top-level await
  },
  performance: {
    // The wasm engine (~100 KB gzip) is the product; don't warn about it.
    maxAssetSize: 600 * 1024,
    maxEntrypointSize: 600 * 1024,
  },
  devtool: false,
  plugins: [
    new StaticFilesPlugin([
      ["styles.css", resolve(root, "www/styles.css"), true],
      ["favicon.svg", resolve(root, "www/favicon.svg"), true],
      ["model.shelf", resolve(work, "model.shelf"), true],
      ["catalog.json", resolve(work, "catalog.json"), true],
    ]),
    {
      // index.html references the hashed bundle name.
      apply(compiler) {
        const { RawSource } = compiler.webpack.sources;
        compiler.hooks.thisCompilation.tap("IndexHtml", (compilation) => {
          compilation.hooks.processAssets.tap(
            { name: "IndexHtml", stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_SUMMARIZE },
            () => {
              const template = resolve(root, "www/index.html");
              compilation.fileDependencies.add(template);
              const js = [...compilation.entrypoints.get("app").getFiles()].filter((f) => f.endsWith(".js"));
              const tags = js.map((f) => `<script defer src="./${f}"></script>`).join("\n    ");
              const html = readFileSync(template, "utf8").replace("<!-- webpack:scripts -->", tags);
              compilation.emitAsset("index.html", new RawSource(html));
            },
          );
        });
      },
    },
  ],
};
