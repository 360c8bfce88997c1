// The validators of schema/host-spec.schema.json (spec/hosts/) and schema/firewall-config.schema.json
// (`netpolgen firewall --config`), compiled with Ajv when first used, as the spec schema's are; with
// what each of their patterns means in words, so that no message prints a raw pattern.
import { createRequire } from "node:module";
import hostSchema from "../../schema/host-spec.schema.json" with { type: "json" };
import configSchema from "../../schema/firewall-config.schema.json" with { type: "json" };
import { indexValidator, MINOR, NO_OUTER_SPACE, ONE_LINE, type IndexedValidator } from "./schema-check.ts";
import type { SpecValidator } from "./spec-validator.ts";

const require = createRequire(import.meta.url);

const ID = "an id of lower-case words joined by hyphens, like kube-apiserver";
const CIDR = "a CIDR, an address and a prefix length, like 10.42.0.0/16 or fd00::/64";
const TEXT_MEANINGS = {
  "#/definitions/Text/allOf/0": ONE_LINE,
  "#/definitions/Text/allOf/1": NO_OUTER_SPACE,
  "#/definitions/Text/not": 'text without "{{", "}}" or "*/" (refused in every spec text alike)',
};

const HOST_MEANINGS: Record<string, string> = {
  ...TEXT_MEANINGS,
  "#/definitions/Id": ID,
  "#/definitions/DocumentId": 'a document id of three digits in quotes, like "002"',
  "#/definitions/Cidr": CIDR,
  "#/definitions/Peer":
    "a peer: nodes, pods, services, external, own-node, role:<role id> or set:<set id>, like role:server",
  "#/definitions/Longhorn/properties/version": MINOR,
};

export const CONFIG_MEANINGS: Record<string, string> = {
  "#/definitions/Name": ID,
  "#/definitions/Cidr": CIDR,
  "#/definitions/Interface": "an interface name of letters, digits, _ . and -, at most 15 characters, like eth0",
  "#/definitions/Zone": "a firewalld zone name of letters, digits, _ and -, at most 17 characters, like public",
};

const UNICODE_TEXT = new Set(Object.keys(TEXT_MEANINGS));

function compile(schema: object): SpecValidator {
  const { Ajv } = require("ajv") as typeof import("ajv");
  const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
  return { validate: ajv.compile(schema), schema, origin: "runtime" };
}

let host: IndexedValidator | undefined;
let config: IndexedValidator | undefined;

export function hostSpecSchema(): IndexedValidator {
  host ??= indexValidator(compile(hostSchema), HOST_MEANINGS, UNICODE_TEXT);
  return host;
}

export function firewallConfigSchema(): IndexedValidator {
  config ??= indexValidator(compile(configSchema), CONFIG_MEANINGS, new Set());
  return config;
}
