// Runs cosigner_server/static/viewer.js under node with a minimal stand-in DOM and the real
// OpenAPI document (argv[3]); prints what it rendered as JSON. Used by test_ops_observability.py
// when node is installed: it proves the viewer renders every operation without a browser.
"use strict";
const fs = require("fs");
const vm = require("vm");

class Node {
  constructor(tag) {
    this.tag = tag; this.children = []; this.attrs = {}; this.dataset = {};
    this.text = ""; this.hidden = false; this.className = "";
  }
  appendChild(child) { this.children.push(child); return child; }
  setAttribute(name, value) { this.attrs[name] = String(value); }
  set textContent(value) { this.text = String(value); this.children = []; }
  get textContent() { return this.text + this.children.map((c) => c.textContent).join(""); }
  addEventListener() {}
  all(tag) {
    const found = [];
    for (const c of this.children) { if (c.tag === tag) found.push(c); found.push(...c.all(tag)); }
    return found;
  }
}
const ids = { title: new Node("h1"), subtitle: new Node("p"), filter: new Node("input"),
  operations: new Node("main") };
const listeners = {};
const document = {
  createElement: (tag) => new Node(tag),
  getElementById: (id) => ids[id],
  querySelectorAll: () => [],
  addEventListener: (name, fn) => { listeners[name] = fn; },
};
const spec = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const fetch = () => Promise.resolve({ ok: true, json: () => Promise.resolve(spec) });
vm.runInNewContext(fs.readFileSync(process.argv[2], "utf8"), { document, fetch, console });
listeners.DOMContentLoaded();
setTimeout(() => {
  const ops = ids.operations.all("details");
  console.log(JSON.stringify({
    title: ids.title.textContent,
    subtitle: ids.subtitle.textContent,
    operations: ops.length,
    sections: ids.operations.all("section").length,
    first: ops.length ? ops[0].children[0].textContent : null,
    text: ids.operations.textContent.length,
    sample: ops.map((o) => o.dataset.search),
  }));
}, 50);
