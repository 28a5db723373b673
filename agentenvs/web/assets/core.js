// agentenvs web core: element refs, the observation in one call, and the agent's actions.
// Python calls AE.reset(task, instance) to start an episode without reloading the page,
// AE.step(action) to act and observe in one round trip, and AE.observe() alone.
(function () {
  "use strict";
  const ACTIONABLE = new Set(["A", "BUTTON", "INPUT", "SELECT", "TEXTAREA", "CANVAS"]);
  const ROLE_BY_TAG = {A: "link", BUTTON: "button", SELECT: "combobox", TEXTAREA: "textbox", CANVAS: "canvas",
    H1: "heading", H2: "heading", H3: "heading", LI: "listitem", LABEL: "label", IMG: "image", FORM: "form"};
  const ROLE_BY_TYPE = {checkbox: "checkbox", radio: "radio", submit: "button", button: "button", reset: "button"};
  const TEXT_INPUTS = new Set(["text", "password", "email", "search", "number", "tel", "url", ""]);
  const AE = {nextRef: 1, state: {}, cursor: [-1, -1], task: null, leaving: false, loadId: Math.random()};
  window.AE = AE;
  window.TASKS = window.TASKS || {};
  window.addEventListener("beforeunload", () => { AE.leaving = true; });
  // a form submission or a link that the page does not prevent navigates: the step waits for the new page
  document.addEventListener("submit", e => { if (!e.defaultPrevented) AE.leaving = true; });
  document.addEventListener("click", e => {
    const a = e.target.closest && e.target.closest("a[href]");
    if (a && !e.defaultPrevented && !a.getAttribute("href").startsWith("#")) AE.leaving = true;
  });

  function role(el) {
    const explicit = el.getAttribute("role");
    if (explicit) return explicit;
    if (el.tagName === "INPUT") return ROLE_BY_TYPE[el.type] || "textbox";
    return ROLE_BY_TAG[el.tagName] || "text";
  }
  function actionable(el) {
    return ACTIONABLE.has(el.tagName) || el.hasAttribute("onclick") || el.hasAttribute("data-click") ||
      ["button", "tab", "link", "checkbox", "option"].includes(el.getAttribute("role"));
  }
  function ownText(el) {
    if (el.tagName === "SELECT") return Array.from(el.options).map(o => o.text).join(" | ");
    if (el.tagName === "INPUT" && ROLE_BY_TYPE[el.type] === "button") return el.value;
    let text = "";
    for (const node of el.childNodes) if (node.nodeType === 3) text += node.textContent;
    text = text.replace(/\s+/g, " ").trim();
    if (!text && actionable(el)) text = (el.innerText || el.getAttribute("aria-label") || "").replace(/\s+/g, " ").trim();
    return text;
  }
  function refOf(el) {
    if (!el.dataset.ref) el.dataset.ref = String(AE.nextRef++);
    return Number(el.dataset.ref);
  }
  function byRef(ref) {
    const el = document.querySelector(`[data-ref="${Number(ref)}"]`);
    return el && el.checkVisibility() ? el : null;
  }

  AE.observe = function () {
    const lines = [], elements = [], forms = {};
    const walk = (el, depth) => {
      for (const child of el.children) {
        if (child.tagName === "SCRIPT" || child.tagName === "STYLE" || child.tagName === "OPTION") continue;
        if (!child.checkVisibility()) continue;
        const text = ownText(child), act = actionable(child);
        const heading = /^H[1-6]$/.test(child.tagName) || child.getAttribute("role") === "dialog";
        if (text || act || heading) {
          const ref = refOf(child), r = child.getBoundingClientRect(), kind = role(child);
          let line = `${"  ".repeat(depth)}[${ref}] ${kind}`;
          if (text) line += ` "${text.slice(0, 200)}"`;
          if (child.tagName === "INPUT" || child.tagName === "TEXTAREA" || child.tagName === "SELECT") {
            const value = child.type === "password" ? "*".repeat(child.value.length) : child.value;
            if (!ROLE_BY_TYPE[child.type] || child.type === "checkbox" || child.type === "radio") {
              if (child.type !== "checkbox" && child.type !== "radio") line += ` value="${value}"`;
            }
            if (child.tagName === "SELECT") line += ` selected="${child.selectedIndex >= 0 ? child.options[child.selectedIndex].text : ""}"`;
            if (child.placeholder) line += ` placeholder="${child.placeholder}"`;
            if (child.checked) line += " checked";
            forms[child.name || child.id || `ref${ref}`] = child.type === "checkbox" || child.type === "radio"
              ? (child.checked ? "on" : "off") : child.value;
          }
          if (child.getAttribute("aria-selected") === "true") line += " selected";
          if (child.disabled) line += " disabled";
          if (document.activeElement === child) line += " focused";
          lines.push(line);
          elements.push([ref, kind, Math.round(r.left), Math.round(r.top), Math.round(r.right), Math.round(r.bottom),
            act ? 1 : 0, text.slice(0, 200), child.type === "checkbox" || child.type === "radio"
              ? (child.checked ? "checked" : "") : (child.value ?? "")]);
          walk(child, depth + 1);
        } else {
          walk(child, depth);
        }
      }
    };
    walk(document.body, 0);
    return {dom: lines.join("\n"), elements, forms, state: AE.state, cursor: AE.cursor, loadId: AE.loadId,
      scroll: [window.scrollX, window.scrollY], leaving: AE.leaving};
  };

  AE.reset = function (task, instance) {
    const root = document.getElementById("task");
    root.replaceChildren();
    window.scrollTo(0, 0);
    if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
    document.querySelectorAll("[data-ref]").forEach(node => node.removeAttribute("data-ref"));
    AE.nextRef = 1;
    AE.state = {};
    AE.cursor = [-1, -1];
    AE.task = task;
    document.getElementById("query").textContent = instance.utterance;
    window.TASKS[task](root, instance, AE.state);
    return AE.observe();
  };

  function clickAt(el, x, y) {
    AE.cursor = [x, y];
    const opts = {bubbles: true, cancelable: true, view: window, clientX: x, clientY: y, button: 0, detail: 1};
    el.dispatchEvent(new MouseEvent("mousedown", opts));
    if (typeof el.focus === "function") el.focus();
    el.dispatchEvent(new MouseEvent("mouseup", opts));
    el.dispatchEvent(new MouseEvent("click", opts));
  }
  function center(el) {
    el.scrollIntoView({block: "nearest", inline: "nearest"});
    const r = el.getBoundingClientRect();
    return [Math.round((r.left + r.right) / 2), Math.round((r.top + r.bottom) / 2)];
  }
  function fire(el, type) { el.dispatchEvent(new Event(type, {bubbles: true})); }
  function describe(el) { return `<${el.tagName.toLowerCase()}${el.type ? ` type="${el.type}"` : ""}>`; }

  const ACTIONS = {
    click(a) {
      const el = byRef(a.ref);
      if (!el) return `no visible element has ref ${a.ref}`;
      const [x, y] = center(el);
      clickAt(el, x, y);
      return null;
    },
    type(a) {
      const el = byRef(a.ref);
      if (!el) return `no visible element has ref ${a.ref}`;
      const text = el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && TEXT_INPUTS.has(el.getAttribute("type") || ""));
      if (!text) return `ref ${a.ref} is ${describe(el)}, not a text field`;
      if (el.disabled) return `ref ${a.ref} is disabled`;
      AE.cursor = center(el);
      el.focus();
      el.value = a.text;
      fire(el, "input");
      fire(el, "change");
      return null;
    },
    select(a) {
      const el = byRef(a.ref);
      if (!el) return `no visible element has ref ${a.ref}`;
      if (el.tagName !== "SELECT") return `ref ${a.ref} is ${describe(el)}, not a <select>`;
      const want = a.option.trim().toLowerCase();
      const option = Array.from(el.options).find(o => o.text.trim().toLowerCase() === want || o.value.toLowerCase() === want);
      if (!option) return `ref ${a.ref} has no option "${a.option}"; options: ${Array.from(el.options).map(o => o.text).join(", ")}`;
      AE.cursor = center(el);
      el.focus();
      el.value = option.value;
      fire(el, "input");
      fire(el, "change");
      return null;
    },
    press(a) {
      const el = document.activeElement && document.activeElement !== document.body ? document.activeElement : document.body;
      const opts = {key: a.key, bubbles: true, cancelable: true};
      const go = el.dispatchEvent(new KeyboardEvent("keydown", opts));
      if (go && a.key === "Enter") {
        if (el.tagName === "INPUT" && el.form) el.form.requestSubmit();
        else if (el.tagName === "BUTTON" || el.tagName === "A") el.click();
      } else if (go && a.key === "Backspace" && "value" in el && typeof el.value === "string") {
        el.value = el.value.slice(0, -1);
        fire(el, "input");
      } else if (go && a.key === "Tab") {
        const focusable = Array.from(document.querySelectorAll("a, button, input, select, textarea")).filter(e => e.checkVisibility() && !e.disabled);
        const next = focusable[(focusable.indexOf(el) + 1) % Math.max(1, focusable.length)];
        if (next) next.focus();
      }
      el.dispatchEvent(new KeyboardEvent("keyup", opts));
      return null;
    },
    click_xy(a) {
      const el = document.elementFromPoint(a.x, a.y);
      if (!el) return `(${a.x}, ${a.y}) is outside the page`;
      clickAt(el, a.x, a.y);
      return null;
    },
    scroll(a) {
      window.scrollBy(0, a.dy);
      return null;
    },
  };

  AE.step = function (action) {
    AE.leaving = false;
    let error;
    try {
      error = ACTIONS[action.type](action);
    } catch (err) {
      error = `${action.type} failed in the page: ${err}`;
    }
    if (AE.leaving) return {error, leaving: true, loadId: AE.loadId, cursor: AE.cursor};
    const obs = AE.observe();
    obs.error = error;
    return obs;
  };
})();
