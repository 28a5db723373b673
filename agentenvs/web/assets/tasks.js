// The task pages: each builds its page from the instance Python drew and records in `state`
// what the judge reads (a click, a submitted form). No randomness here: the instance has it all.
(function () {
  "use strict";
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "style") node.style.cssText = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key in node && key !== "list") node[key] = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }
  function once(state, key, value) { if (!(key in state)) state[key] = value; }
  function pad(inst, i) { return `margin-left:${inst.offsets[i % inst.offsets.length]}px`; }
  function form(root, state, fields, submitLabel) {
    const f = el("form", {onsubmit: e => {
      e.preventDefault();
      const values = {};
      for (const input of f.elements) {
        if (!input.name) continue;
        values[input.name] = input.type === "checkbox" ? input.checked : input.value;
      }
      once(state, "submitted", values);
    }}, ...fields, el("div", {className: "row"}, el("button", {type: "submit"}, submitLabel || "Submit")));
    root.append(f);
    return f;
  }
  function row(label, input) { return el("div", {className: "row"}, el("label", {className: "name"}, label), input); }
  const T = window.TASKS;

  T["click-button"] = (root, inst, state) => {
    inst.buttons.forEach((label, i) => root.append(el("div", {className: "pad", style: pad(inst, i)},
      el("button", {type: "button", onclick: () => once(state, "clicked", label)}, label))));
  };
  T["click-link"] = (root, inst, state) => {
    const p = el("p");
    inst.words.forEach((word, i) => {
      p.append(inst.links.includes(i)
        ? el("a", {href: "#", onclick: e => { e.preventDefault(); once(state, "clicked", word); }}, word)
        : el("span", {}, word), " ");
    });
    root.append(p);
  };
  T["click-checkboxes"] = (root, inst, state) => {
    form(root, state, inst.labels.map((label, i) => el("div", {className: "row", style: pad(inst, i)},
      el("label", {}, el("input", {type: "checkbox", name: label}), label))));
  };
  T["click-tab"] = (root, inst, state) => {
    const bar = el("div", {className: "tabs", role: "tablist"}), panel = el("div", {className: "panel"});
    const show = k => {
      bar.querySelectorAll("[role=tab]").forEach((t, j) => t.setAttribute("aria-selected", String(j === k)));
      panel.replaceChildren(...inst.tabs[k].flatMap(word => [el("a", {href: "#", onclick: e => {
        e.preventDefault(); once(state, "clicked", word); }}, word), " "]));
    };
    inst.tabs.forEach((_, k) => bar.append(el("span", {role: "tab", onclick: () => show(k)}, `Tab #${k + 1}`)));
    root.append(bar, panel);
    show(0);
  };
  T["click-dialog"] = (root, inst, state) => {
    const buttons = inst.buttons.map(label => el("button", {type: "button", onclick: () => once(state, "clicked", label)}, label));
    root.append(el("div", {className: "dialog", role: "dialog", style: pad(inst, 0)},
      el("div", {className: "title"}, el("span", {}, inst.title),
        el("button", {type: "button", "aria-label": "close", onclick: () => once(state, "clicked", "x")}, "x")),
      el("div", {className: "body"}, el("p", {}, inst.body), ...buttons)));
  };
  T["enter-text"] = (root, inst, state) => {
    form(root, state, [row("Text", el("input", {type: "text", name: "text", id: "text"}))]);
  };
  T["enter-password"] = (root, inst, state) => {
    form(root, state, [row("Password", el("input", {type: "password", name: "password", id: "password"})),
      row("Verify", el("input", {type: "password", name: "verify", id: "verify"}))]);
  };
  T["login-user"] = (root, inst, state) => {
    form(root, state, [row("Username", el("input", {type: "text", name: "username", id: "username"})),
      row("Password", el("input", {type: "password", name: "password", id: "password"}))], "Login");
  };
  T["select-option"] = (root, inst, state) => {
    form(root, state, [row("Choose", el("select", {name: "choice", id: "choice"},
      ...inst.options.map(o => el("option", {value: o}, o))))]);
  };
  T["fill-form"] = (root, inst, state) => {
    form(root, state, [
      row("Name", el("input", {type: "text", name: "name", id: "name"})),
      row("Email", el("input", {type: "email", name: "email", id: "email"})),
      row("Country", el("select", {name: "country", id: "country"},
        el("option", {value: ""}, "--"), ...inst.countries.map(c => el("option", {value: c}, c)))),
      el("div", {className: "row"}, el("label", {}, el("input", {type: "checkbox", name: "subscribe", id: "subscribe"}),
        "Subscribe to the newsletter")),
    ]);
  };
  T["search-and-click"] = (root, inst, state) => {
    const results = el("ul", {className: "results"});
    const box = el("input", {type: "search", name: "q", id: "q", placeholder: "search"});
    root.append(el("form", {onsubmit: e => {
      e.preventDefault();
      const q = box.value.trim().toLowerCase();
      const hits = q ? inst.items.filter(item => item.toLowerCase().includes(q)) : [];
      results.replaceChildren(...(hits.length ? hits.map(item => el("li", {}, el("a", {href: "#", onclick: ev => {
        ev.preventDefault(); once(state, "clicked", item); }}, item))) : [el("li", {}, "No results")]));
    }}, box, el("button", {type: "submit"}, "Search")), results);
  };
  T["click-xy"] = (root, inst, state) => {
    const canvas = el("canvas", {width: inst.width, height: inst.height, id: "board"});
    const ctx = canvas.getContext("2d");
    for (const d of inst.distractors) { ctx.fillStyle = d.color; ctx.fillRect(d.x - d.s, d.y - d.s, 2 * d.s, 2 * d.s); }
    ctx.fillStyle = inst.color;
    ctx.beginPath(); ctx.arc(inst.cx, inst.cy, inst.r, 0, 2 * Math.PI); ctx.fill();
    canvas.addEventListener("click", e => {
      const r = canvas.getBoundingClientRect();
      once(state, "point", [e.clientX - r.left, e.clientY - r.top]);
    });
    root.append(canvas);
  };
})();
