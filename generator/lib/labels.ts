// Kubernetes label syntax and label-selector matching, as the API server defines them.
import type { Component } from "../loader/model.ts";

export type Labels = Record<string, string>;
export type LabelSelector = NonNullable<Component["selector"]>;
/** Any label selector, as written in the spec or in a Kubernetes object. */
export interface SelectorLike {
  matchLabels?: Record<string, string>;
  matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[];
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why Kubernetes would reject this label key, or undefined when it is valid. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    if (prefix.length === 0) return `label key "${key}" has an empty prefix`;
    if (prefix.length > 253) return `label key "${key}" has a prefix longer than 253 characters`;
    if (!DNS_SUBDOMAIN.test(prefix)) return `label key "${key}" has a prefix that is not a lower-case DNS subdomain`;
  }
  if (name.length === 0) return `label key "${key}" has an empty name`;
  if (name.length > 63) return `label key "${key}" has a name longer than 63 characters`;
  if (!NAME.test(name)) {
    return `label key "${key}" is invalid: the name part must be alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character`;
  }
  return undefined;
}

/** Why Kubernetes would reject this label value, or undefined when it is valid. */
export function labelValueProblem(value: string): string | undefined {
  if (value === "") return undefined;
  if (value.length > 63) return `label value "${value}" is longer than 63 characters`;
  if (!NAME.test(value)) {
    return `label value "${value}" is invalid: it must be empty or alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character`;
  }
  return undefined;
}

export interface SelectorProblem {
  /** Where, inside the selector. */
  path: (string | number)[];
  message: string;
}

/**
 * What the API server would refuse in a label selector (keys, values, operators and their values),
 * and, with `nonEmpty`, a selector that selects everything. The one selector validator: the spec's
 * checks, verify's API validation and selectorIsWellFormed all use it.
 */
export function selectorProblems(selector: SelectorLike, options: { nonEmpty?: boolean } = {}): SelectorProblem[] {
  const problems: SelectorProblem[] = [];
  const report = (path: (string | number)[], message: string | undefined) => message && problems.push({ path, message });
  const expressions = selector.matchExpressions ?? [];
  const labels = Object.entries(selector.matchLabels ?? {});
  if (options.nonEmpty && labels.length === 0 && expressions.length === 0) {
    report([], "an empty selector selects every pod in the namespace: give matchLabels or matchExpressions");
  }
  for (const [key, value] of labels) report(["matchLabels", key], labelKeyProblem(key) ?? labelValueProblem(String(value)));
  expressions.forEach(({ key, operator, values }, i) => {
    report(["matchExpressions", i, "key"], labelKeyProblem(String(key)));
    if (operator === "In" || operator === "NotIn") {
      if ((values ?? []).length === 0) report(["matchExpressions", i], `operator ${operator} needs at least one value`);
    } else if (operator === "Exists" || operator === "DoesNotExist") {
      if (values !== undefined && values.length > 0) report(["matchExpressions", i, "values"], `operator ${operator} takes no values`);
    } else {
      report(["matchExpressions", i, "operator"], `"${String(operator)}" is not In, NotIn, Exists or DoesNotExist`);
    }
    (values ?? []).forEach((value, j) => report(["matchExpressions", i, "values", j], labelValueProblem(String(value))));
  });
  return problems;
}

/** False for selectors the API server would reject or that select everything: matching them means nothing. */
export function selectorIsWellFormed(selector: SelectorLike): boolean {
  return selectorProblems(selector, { nonEmpty: true }).length === 0;
}

/** Label-selector semantics; an empty selector matches everything, an unknown operator nothing. */
export function selectorMatches(selector: SelectorLike, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    const value = labels[key];
    switch (operator) {
      case "In":
        if (!has || !values.includes(value!)) return false;
        break;
      case "NotIn":
        if (has && values.includes(value!)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** `app=longhorn-manager, recurring-job.longhorn.io exists` */
export function describeSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    if (operator === "Exists") parts.push(`${key} exists`);
    else if (operator === "DoesNotExist") parts.push(`!${key}`);
    else parts.push(`${key} ${operator === "In" ? "in" : "notin"} (${values.join(", ")})`);
  }
  return parts.join(", ");
}
