// Bundles one ES module per view into ../hcautoml_widgets/static/ (what anywidget loads as _esm).
// Everything is bundled: no CDN imports, the widgets must work offline.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const views = ["control_bar", "insights", "space_editor", "timeline", "trial_table"];

await build({
  entryPoints: views.map((v) => path.join(here, "src", `${v}.ts`)),
  outdir: path.join(here, "..", "hcautoml_widgets", "static"),
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: process.argv.includes("--minify") || process.env.NODE_ENV === "production",
  sourcemap: false,
  logLevel: "info",
});
