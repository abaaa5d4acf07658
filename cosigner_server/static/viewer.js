// The co-signer's API documentation viewer: renders /openapi.json (paths, methods, summaries,
// parameters, request and response schemas) with plain DOM calls. No third-party code and no
// innerHTML: every text from the document goes in through textContent, so the page's CSP can
// allow scripts and styles from this server only.
"use strict";

(function () {
  const METHODS = ["get", "post", "put", "patch", "delete"];

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  // A schema as a nested list: name, type and constraints; required properties marked.
  function schemaList(schema, depth) {
    const list = el("ul", { class: "schema" });
    if (!schema || depth > 6) return list;
    if (schema.type === "object" || schema.properties) {
      const required = new Set(schema.required || []);
      for (const [name, sub] of Object.entries(schema.properties || {})) {
        const item = el("li");
        item.appendChild(el("span", { text: name }));
        if (required.has(name)) item.appendChild(el("span", { class: "req", text: " *" }));
        item.appendChild(el("span", { class: "type", text: " " + describe(sub) }));
        if (sub && (sub.properties || (sub.items && sub.items.properties))) {
          item.appendChild(schemaList(sub.properties ? sub : sub.items, depth + 1));
        }
        list.appendChild(item);
      }
      if (schema.additionalProperties === false) {
        list.appendChild(el("li", { class: "type", text: "(no other properties)" }));
      }
      if (!Object.keys(schema.properties || {}).length && schema.additionalProperties !== false) {
        list.appendChild(el("li", { class: "type", text: "(any JSON object)" }));
      }
    } else {
      list.appendChild(el("li", { class: "type", text: describe(schema) }));
    }
    return list;
  }

  function describe(schema) {
    if (!schema) return "";
    const parts = [];
    const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type;
    if (schema.enum) parts.push("one of " + schema.enum.map((v) => JSON.stringify(v)).join(", "));
    else if (type === "array") parts.push("array of " + describe(schema.items || {}));
    else if (type) parts.push(type);
    if (schema.pattern) parts.push("pattern " + schema.pattern);
    if (schema.minLength !== undefined) parts.push("min length " + schema.minLength);
    if (schema.maxLength !== undefined) parts.push("max length " + schema.maxLength);
    if (schema.minimum !== undefined) parts.push(">= " + schema.minimum);
    if (schema.maximum !== undefined) parts.push("<= " + schema.maximum);
    return parts.join(", ");
  }

  function operation(path, method, op, doc) {
    const secured = (op.security || doc.security || []).length > 0;
    const summary = el("summary", {}, [
      el("span", { class: "method " + method, text: method.toUpperCase() }),
      el("span", { class: "path", text: path }),
      el("span", { class: "summary", text: op.summary || "" }),
      secured ? el("span", { class: "lock", title: "needs a bearer token", text: "token" }) : null,
    ]);
    const body = el("div", { class: "body" });
    if (op.description) body.appendChild(el("p", { text: op.description }));
    const params = op.parameters || [];
    if (params.length) {
      body.appendChild(el("h3", { text: "Parameters" }));
      const list = el("ul", { class: "schema" });
      for (const p of params) {
        list.appendChild(
          el("li", {}, [
            el("span", { text: p.name }),
            p.required ? el("span", { class: "req", text: " *" }) : null,
            el("span", { class: "type", text: " in " + p.in + ", " + describe(p.schema) }),
          ])
        );
      }
      body.appendChild(list);
    }
    const request = op.requestBody && op.requestBody.content;
    if (request) {
      for (const [type, media] of Object.entries(request)) {
        body.appendChild(el("h3", { text: "Request body (" + type + ")" }));
        body.appendChild(schemaList(media.schema, 0));
      }
    }
    body.appendChild(el("h3", { text: "Responses" }));
    const responses = el("ul", { class: "schema" });
    for (const [status, answer] of Object.entries(op.responses || {})) {
      const types = Object.keys(answer.content || {}).join(", ");
      const item = el("li", {}, [
        el("span", { text: status + " " }),
        el("span", { class: "type", text: (answer.description || "") + (types ? " (" + types + ")" : "") }),
      ]);
      for (const media of Object.values(answer.content || {})) {
        if (media.schema && media.schema.properties) item.appendChild(schemaList(media.schema, 1));
      }
      responses.appendChild(item);
    }
    body.appendChild(responses);
    const node = el("details", { class: "op" }, [summary, body]);
    node.dataset.search = (method + " " + path + " " + (op.summary || "")).toLowerCase();
    return node;
  }

  // Groups by the first path segment after the version: /v1/wallets/... -> "wallets".
  function group(path) {
    const parts = path.split("/").filter(Boolean);
    const first = parts[0] === "v1" ? parts[1] : parts[0];
    return first || "/";
  }

  function render(doc) {
    document.getElementById("title").textContent = (doc.info && doc.info.title) || "API";
    const count = Object.values(doc.paths || {}).reduce(
      (n, ops) => n + METHODS.filter((m) => m in ops).length, 0);
    document.getElementById("subtitle").textContent =
      "OpenAPI " + doc.openapi + ", version " + ((doc.info && doc.info.version) || "?") +
      " \u2014 " + count + " operations. Bearer tokens go in the Authorization header.";
    const main = document.getElementById("operations");
    main.textContent = "";
    const groups = new Map();
    for (const [path, ops] of Object.entries(doc.paths || {})) {
      for (const method of METHODS) {
        if (!(method in ops)) continue;
        const name = group(path);
        if (!groups.has(name)) groups.set(name, []);
        groups.get(name).push(operation(path, method, ops[method], doc));
      }
    }
    for (const [name, nodes] of groups) {
      const section = el("section", {}, [el("h2", { text: name })]);
      for (const node of nodes) section.appendChild(node);
      main.appendChild(section);
    }
  }

  function filter(text) {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    for (const section of document.querySelectorAll("#operations section")) {
      let shown = 0;
      for (const op of section.querySelectorAll("details.op")) {
        const hit = words.every((w) => op.dataset.search.includes(w));
        op.hidden = !hit;
        if (hit) shown += 1;
      }
      section.hidden = shown === 0;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("filter").addEventListener("input", (e) => filter(e.target.value));
    fetch("/openapi.json", { headers: { Accept: "application/json" }, credentials: "omit" })
      .then((r) => {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(render)
      .catch((err) => {
        const sub = document.getElementById("subtitle");
        sub.className = "error";
        sub.textContent = "Could not load /openapi.json: " + err.message;
      });
  });
})();
