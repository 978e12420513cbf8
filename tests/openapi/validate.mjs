#!/usr/bin/env node
// Validate an OpenAPI document against the official OpenAPI JSON Schemas
// (via @seriousme/openapi-schema-validator), including its internal $refs.
//
//   node tests/openapi/validate.mjs docs/openapi.json
//   node tests/openapi/validate.mjs http://127.0.0.1:8080/api/v1/openapi.json
//
// Prints "openapi: valid (N paths)" and exits 0, or prints every error and
// exits 1. Usage errors exit 2. Works on Node 18 and later (global fetch).

import { readFile } from "node:fs/promises";
import { Validator } from "@seriousme/openapi-schema-validator";

function fail(lines) {
  for (const line of [].concat(lines)) console.error(`openapi: ${line}`);
  process.exit(1);
}

async function load(source) {
  let text;
  if (/^https?:\/\//i.test(source)) {
    let res;
    try {
      res = await fetch(source, { headers: { accept: "application/json" } });
    } catch (err) {
      fail(`cannot fetch ${source}: ${err.cause?.message ?? err.message}`);
    }
    text = await res.text();
    if (!res.ok) fail(`GET ${source} answered ${res.status} ${res.statusText}`);
    const type = res.headers.get("content-type") ?? "";
    if (!/^application\/json\b/i.test(type)) {
      fail(`GET ${source} answered Content-Type "${type}", expected application/json`);
    }
  } else {
    try {
      text = await readFile(source, "utf8");
    } catch (err) {
      fail(`cannot read ${source}: ${err.message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    fail(`${source} is not valid JSON: ${err.message}`);
  }
}

function describe(err) {
  if (typeof err !== "object" || err === null) return String(err);
  const where = err.instancePath || "/";
  const params = err.params && Object.keys(err.params).length
    ? ` ${JSON.stringify(err.params)}`
    : "";
  return `${where}: ${err.message}${params} (schema ${err.schemaPath})`;
}

const args = process.argv.slice(2);
if (args.length !== 1 || args[0] === "-h" || args[0] === "--help") {
  console.error("usage: node tests/openapi/validate.mjs FILE_OR_URL");
  process.exit(2);
}

const doc = await load(args[0]);
if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
  fail(`${args[0]} is not a JSON object`);
}

// allErrors: report every problem, not just the first one ajv meets.
const validator = new Validator({ allErrors: true });
const result = await validator.validate(doc);
if (!result.valid) {
  const errors = Array.isArray(result.errors) ? result.errors : [result.errors];
  fail([`${args[0]} is INVALID (${errors.length} error${errors.length === 1 ? "" : "s"})`,
        ...errors.map(describe)]);
}

const paths = Object.keys(doc.paths ?? {}).length;
console.log(`openapi: valid (${paths} paths)`);
