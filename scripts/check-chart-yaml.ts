// Checks a Chart.yaml against schema/chart-yaml.schema.json (ct's chart schema as JSON Schema).
import { Ajv } from "ajv";
import { readFileSync } from "node:fs";
import schema from "../schema/chart-yaml.schema.json" with { type: "json" };
import { readYaml } from "../generator/lib/yaml.ts";

const file = process.argv[2] ?? "chart/Chart.yaml";
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
const chart = readYaml(readFileSync(file, "utf8"));
if (!validate(chart)) {
  for (const e of validate.errors ?? []) console.error(`${file} ${e.instancePath || "/"}: ${e.message}`);
  process.exit(1);
}
console.log(`${file}: matches the chart-testing Chart.yaml schema`);
