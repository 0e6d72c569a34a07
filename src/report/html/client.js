// The report page's own script (plain JavaScript, inlined into the page and
// allowed by its Content-Security-Policy hash). It reads the page's JSON block
// and draws the charts with the inlined chart.js, re-renders a verdict table
// for another parameter set, sorts and filters tables, copies the text
// summary, draws hot-path listings (one run, or two side by side aligned by
// phase) and compares any two stored runs. Animations are off so everything
// is complete as soon as the page has loaded. No network access.
"use strict";
(() => {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
  const esc = (s) =>
    String(s).replace(
      /[&<>"']/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
    );
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  // ---- charts -------------------------------------------------------------------------------
  const POINTS = [
    "circle",
    "rect",
    "triangle",
    "rectRot",
    "star",
    "crossRot",
    "rectRounded",
    "cross",
  ];
  const DASHES = [[], [6, 3], [2, 3], [8, 3, 2, 3]];
  const charts = {};

  /** Labels a missing value where it would have been: "n/a" or "FAILED", stacked per x. */
  const gapPlugin = {
    id: "gaps",
    afterDatasetsDraw(chart) {
      const view = chart.$view;
      if (!view || !view.gaps.length) return;
      const { ctx, chartArea, scales } = chart;
      const stack = {};
      ctx.save();
      ctx.font = "11px system-ui, sans-serif";
      ctx.textAlign = "center";
      for (const g of view.gaps) {
        const meta = chart.getDatasetMeta(g.dataset);
        const el = meta && meta.data[g.index];
        let x = el && Number.isFinite(el.x) ? el.x : NaN;
        if (!Number.isFinite(x)) {
          const spec = chart.$spec;
          const v = spec.xs ? xValue(spec, spec.xs[g.index]) : g.index;
          x = scales.x.getPixelForValue(v);
        }
        if (!Number.isFinite(x)) continue;
        const k = (stack[g.index] = (stack[g.index] || 0) + 1) - 1;
        const ds = view.datasets[g.dataset];
        const colour = (ds.colors && ds.colors[g.index]) || ds.color;
        const y = chartArea.bottom - 6 - k * 13;
        ctx.fillStyle = colour;
        ctx.globalAlpha = 0.9;
        ctx.fillText(g.text, x, y);
        ctx.globalAlpha = 1;
      }
      ctx.restore();
    },
  };

  /** Log axis labels at 1, 2 and 5 of each decade only. */
  function logTick(value) {
    const m = value / 10 ** Math.floor(Math.log10(value) + 1e-9);
    return [1, 2, 5].some((k) => Math.abs(m - k) < 1e-6) ? value.toLocaleString("en") : "";
  }

  function xValue(spec, x) {
    return spec.xScale === "log" && Math.min(...spec.xs) === 0 ? Math.log10(1 + x) : x;
  }

  function datasetsOf(spec, view) {
    return view.datasets.map((d) => {
      const style = d.style ?? 0;
      const marks = new Set(d.marks || []);
      const base = {
        label: d.label,
        backgroundColor: d.colors || d.color,
        borderColor: d.colors || d.color,
      };
      if (spec.kind !== "line") return { ...base, data: d.data, borderWidth: 1 };
      const point = POINTS[style % POINTS.length];
      return {
        ...base,
        data: spec.xs ? d.data.map((y, i) => ({ x: xValue(spec, spec.xs[i]), y })) : d.data,
        borderDash: DASHES[(style + Math.floor(style / POINTS.length)) % DASHES.length],
        borderWidth: 2,
        spanGaps: false,
        pointStyle: d.data.map((_, i) => (marks.has(i) ? "triangle" : point)),
        pointRadius: d.data.map((_, i) => (marks.has(i) ? 8 : 4)),
        pointBorderColor: d.data.map((_, i) => (marks.has(i) ? "#d62728" : d.color)),
        pointBorderWidth: d.data.map((_, i) => (marks.has(i) ? 3 : 1)),
        pointBackgroundColor: d.color,
      };
    });
  }

  function xScale(spec) {
    const grid = { color: css("--line") };
    if (!spec.xs) {
      return {
        stacked: spec.kind === "stacked",
        title: { display: !!spec.xTitle, text: spec.xTitle || "" },
        grid,
      };
    }
    const zero = Math.min(...spec.xs) === 0;
    const log = spec.xScale === "log";
    const positions = spec.xs.map((x) => xValue(spec, x));
    return {
      type: log && !zero ? "logarithmic" : "linear",
      title: { display: true, text: spec.xTitle || "" },
      grid,
      min: Math.min(...positions),
      max: Math.max(...positions),
      afterBuildTicks: (axis) => {
        axis.ticks = positions.map((value) => ({ value }));
      },
      ticks: {
        callback: (value) => {
          const i = positions.findIndex((p) => Math.abs(p - value) < 1e-9);
          return i < 0 ? "" : spec.labels[i];
        },
      },
    };
  }

  function caption(fig, spec, view) {
    let cap = $("figcaption", fig);
    if (!view.gaps.length) {
      if (cap) cap.remove();
      return;
    }
    if (!cap) {
      cap = document.createElement("figcaption");
      cap.className = "muted";
      fig.append(cap);
    }
    const by = new Map();
    for (const g of view.gaps) {
      const where = spec.kind === "line" || spec.labels.length !== view.datasets[0].data.length
        ? `${view.datasets[g.dataset].label} at ${spec.labels[g.index]}`
        : spec.labels[g.index];
      const key = g.title;
      if (!by.has(key)) by.set(key, []);
      if (!by.get(key).includes(where)) by.get(key).push(where);
    }
    cap.innerHTML = [...by].map(([title, where]) =>
      `<div>${esc(where.slice(0, 8).join(", "))}${
        where.length > 8 ? `, … (${where.length})` : ""
      }: ${esc(title)}</div>`
    ).join("");
    cap.style.fontSize = "12px";
  }

  function showView(spec, chart, index, fig) {
    const view = spec.views[index];
    chart.$view = view;
    chart.data.labels = spec.xs ? undefined : spec.labels;
    chart.data.datasets = datasetsOf(spec, view);
    chart.options.plugins.title.text = view.title;
    chart.options.scales.y.title.text = view.yTitle;
    chart.options.scales.y.type = view.yScale === "log" ? "logarithmic" : "linear";
    chart.options.scales.y.ticks.callback = view.yScale === "log" ? logTick : undefined;
    chart.update();
    caption(fig, spec, view);
    $$(".chart-views button", fig).forEach((b, i) =>
      b.setAttribute("aria-pressed", String(i === index))
    );
    const canvas = $("canvas", fig);
    canvas.setAttribute("aria-label", view.title);
    fig.dataset.view = String(index);
  }

  function drawChart(spec) {
    const canvas = document.getElementById(spec.id);
    if (!canvas) return;
    const fig = canvas.closest("figure");
    const view = spec.views[0];
    const chart = new Chart(canvas, {
      type: spec.kind === "line" ? "line" : "bar",
      data: { labels: spec.xs ? undefined : spec.labels, datasets: datasetsOf(spec, view) },
      plugins: [gapPlugin],
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          title: { display: true, text: view.title },
          legend: {
            display: view.datasets.length > 1,
            labels: { usePointStyle: spec.kind === "line", boxWidth: 24 },
          },
          tooltip: {
            callbacks: {
              title: (
                items,
              ) => (items.length && spec.xs
                ? `${spec.xTitle.replace(/ \(log scale\)$/, "")} = ${
                  spec.labels[items[0].dataIndex]
                }`
                : undefined),
              afterBody: (items) => {
                if (!items.length) return "";
                const i = items[0].dataIndex;
                return chart.$view.gaps.filter((g) => g.index === i).map((g) =>
                  `${chart.$view.datasets[g.dataset].label}: ${g.text}`
                );
              },
            },
          },
        },
        scales: {
          x: xScale(spec),
          y: {
            stacked: spec.kind === "stacked",
            beginAtZero: spec.yZero,
            grace: spec.yZero ? 0 : "8%",
            title: { display: true, text: view.yTitle },
            grid: { color: css("--line") },
            ticks: { precision: 0 },
          },
        },
      },
    });
    chart.$spec = spec;
    charts[spec.id] = chart;
    if (spec.views.length > 1) {
      const bar = document.createElement("div");
      bar.className = "chart-views";
      spec.views.forEach((v, i) => {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = v.name;
        b.addEventListener("click", () => showView(spec, chart, i, fig));
        bar.append(b);
      });
      fig.append(bar);
    }
    showView(spec, chart, 0, fig);
    fig.dataset.kind = spec.kind;
    if (spec.xScale) fig.dataset.xscale = spec.xScale;
  }

  Chart.defaults.color = css("--fg") || "#1d1d1f";
  Chart.defaults.borderColor = css("--line") || "#d9d9de";
  for (const spec of data.charts) drawChart(spec);
  globalThis.matchMedia && globalThis.matchMedia("print").addEventListener("change", () => {
    for (const c of Object.values(charts)) c.resize();
  });

  // ---- verdict at another parameter set ---------------------------------------------------------
  const colour = (v) => data.variantColors[v] || "#888";
  const ratio = (r) => (r === null ? "-" : `${r.toFixed(2)}×`);
  const delta = (d) => (d === null ? "-" : d === 0 ? "0" : `+${d}`);
  for (const select of $$("select.set-select")) {
    select.addEventListener("change", () => {
      const v = data.verdicts[Number(select.dataset.verdict)];
      const set = v.sets[Number(select.value)];
      const box = select.closest(".verdict");
      const now = $(".set-now", box);
      if (now) now.textContent = `Parameter set ${set.label}`;
      const base = $(".baseline", box);
      if (base) base.textContent = set.baseline === null ? "-" : String(set.baseline);
      const max = Math.max(1, ...set.rows.map((r) => r[1] || 0));
      $("tbody", box).innerHTML = set.rows.map((r, i) => {
        const [variant, insns, d, x, cycles, status, reason] = r;
        const name = `<td><span class="swatch" style="--c:${colour(variant)}"></span>${
          esc(variant)
        }</td>`;
        if (insns === null) {
          const cls = status === "failed" ? "failed" : "na";
          return `<tr class="${cls}"><td class="num">-</td>${name}<td class="${cls}" colspan="${
            3 + v.cpus.length
          }"><strong>${status === "failed" ? "FAILED" : "n/a"}</strong>: ${
            esc(v.reasons[reason] || "")
          }</td></tr>`;
        }
        return `<tr><td class="num">${
          i + 1
        }</td>${name}<td class="num bar-cell"><span class="bar" style="width:${
          Math.round((insns / max) * 100)
        }%;--c:${colour(variant)}"></span><span class="v">${insns}</span></td><td class="num">${
          delta(d)
        }</td><td class="num">${ratio(x)}</td>${
          cycles.map((c) => `<td class="num">${c === null ? "-" : c}</td>`).join("")
        }</tr>`;
      }).join("");
    });
  }

  // ---- sortable, filterable tables ---------------------------------------------------------------
  const cellValue = (row, i) => {
    const text = row.cells[i] ? row.cells[i].textContent.trim() : "";
    const n = Number(text.replace(/^\+/, "").replace(/×$/, ""));
    return text !== "" && text !== "-" && Number.isFinite(n) ? n : text;
  };
  for (const table of $$("table.sortable")) {
    $$("thead th", table).forEach((th, col) => {
      th.tabIndex = 0;
      const sort = () => {
        const dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        $$("thead th", table).forEach((h) => h.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", dir);
        const body = table.tBodies[0];
        const rows = [...body.rows];
        rows.forEach((r, i) => (r.dataset.order = r.dataset.order || String(i)));
        rows.sort((a, b) => {
          const x = cellValue(a, col), y = cellValue(b, col);
          const c = typeof x === "number" && typeof y === "number"
            ? x - y
            : typeof x === "number"
            ? -1
            : typeof y === "number"
            ? 1
            : String(x).localeCompare(String(y));
          return (dir === "ascending" ? c : -c) ||
            Number(a.dataset.order) - Number(b.dataset.order);
        });
        body.append(...rows);
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          sort();
        }
      });
    });
  }
  for (const input of $$("input.row-filter")) {
    const table = document.getElementById(input.dataset.table);
    const count = $(`.row-count[data-table="${input.dataset.table}"]`);
    input.addEventListener("input", () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const row of table.tBodies[0].rows) {
        const text = row.textContent.toLowerCase();
        const show = words.every((w) => text.includes(w));
        row.hidden = !show;
        if (show) shown++;
      }
      if (count) count.textContent = `${shown} of ${table.tBodies[0].rows.length} runs`;
    });
  }

  // ---- copy the summary -----------------------------------------------------------------------
  for (const button of $$("button.copy")) {
    button.addEventListener("click", async () => {
      const text = document.getElementById(button.dataset.copy).textContent;
      const status = $(".copy-status");
      try {
        await navigator.clipboard.writeText(text);
        status.textContent = "copied";
      } catch {
        // No clipboard access (a file: page in some browsers): select the text instead.
        const area = document.createElement("textarea");
        area.value = text;
        document.body.append(area);
        area.select();
        const ok = document.execCommand && document.execCommand("copy");
        area.remove();
        status.textContent = ok ? "copied" : "select the text below and copy it";
      }
    });
  }

  // ---- hot-path listings ----------------------------------------------------------------------
  const CAUSES = [
    "base",
    "dep",
    "ports",
    "mispredict cond",
    "mispredict indirect",
    "mispredict return",
    "cache miss",
    "ordering",
  ];
  const decoded = {};

  function decode(sec) {
    if (decoded[sec]) return decoded[sec];
    const L = data.listings[sec];
    const insns = [];
    for (const b of L.blocks) {
      const [hex, sym, off, ph, ...texts] = b;
      const start = parseInt(hex, 16);
      texts.forEach((t, k) => {
        const a = start + 4 * k, o = off + 4 * k;
        insns.push({
          address: `0x${a.toString(16)}`,
          symbol: sym < 0
            ? `0x${a.toString(16)}`
            : o
            ? `${L.symbols[sym]}+0x${o.toString(16)}`
            : L.symbols[sym],
          word: L.texts[t][0],
          disasm: L.texts[t][1],
          phase: L.phases[ph],
        });
      });
    }
    const runs = L.runs.map((run) => {
      const timed = run.cycles !== null;
      const step = timed ? 4 : 2;
      const lines = [];
      let ix = -1;
      for (let i = 0; i < run.lines.length; i += step) {
        ix += run.lines[i];
        lines.push({
          ...insns[ix],
          n: lines.length + 1,
          count: run.lines[i + 1],
          cycles: timed ? run.lines[i + 2] : null,
          cause: timed && run.lines[i + 3] >= 0 ? L.causes[run.lines[i + 3]] : null,
        });
      }
      return { ...run, timed, lines };
    });
    return (decoded[sec] = { L, runs });
  }

  const causeText = (c) => {
    if (!c) return "";
    const parts = [];
    for (let i = 0; i < 8; i++) if (c[i]) parts.push(`${CAUSES[i]} ${c[i]}`);
    return parts.join(" · ");
  };

  function causeTitle(c, lines) {
    if (!c) return "";
    const parts = [causeText(c)];
    for (let i = 8; i + 1 < c.length; i += 2) {
      const at = lines.find((l) => l.address === `0x${c[i]}`);
      parts.push(`waits ${c[i + 1]} on ${at ? `line ${at.n}: ${at.disasm}` : `0x${c[i]}`}`);
    }
    return parts.join("\n");
  }

  function phaseTotals(run) {
    const by = new Map();
    for (const l of run.lines) {
      const t = by.get(l.phase) || { count: 0, cycles: 0, causes: new Array(8).fill(0) };
      t.count += l.count;
      t.cycles += l.cycles || 0;
      if (l.cause) { for (let i = 0; i < 8; i++) t.causes[i] += l.cause[i]; }
      by.set(l.phase, t);
    }
    return by;
  }

  const pct = (a, b) => (b ? `${((a / b) * 100).toFixed(1)}%` : "-");
  const phaseCell = (phase) =>
    `<td class="ph" style="--c:${data.phaseColors[phase] || "#999"}">${esc(phase)}</td>`;

  function renderSingle(sec, ri, box) {
    const { runs } = decode(sec);
    const run = runs[ri];
    const totals = phaseTotals(run);
    const totalCycles = run.timed ? run.cycles : 0;
    const max = Math.max(1, ...run.lines.map((l) => (run.timed ? l.cycles : l.count)));
    const phaseRows = [...totals].map(([p, t]) =>
      `<tr>${phaseCell(p)}<td class="num">${t.count}</td><td class="num">${
        pct(t.count, run.instructions)
      }</td>${
        run.timed
          ? `<td class="num">${t.cycles}</td><td class="num">${
            pct(t.cycles, totalCycles)
          }</td><td class="causes">${esc(causeText(t.causes))}</td>`
          : ""
      }</tr>`
    ).join("");
    let previous = null;
    const rows = [];
    const cols = run.timed ? 10 : 8;
    for (const l of run.lines) {
      if (l.phase !== previous) {
        const t = totals.get(l.phase);
        rows.push(
          `<tr class="phase-head"><td colspan="${cols}" style="border-left:4px solid ${
            data.phaseColors[l.phase] || "#999"
          }">${esc(l.phase)} <span class="muted">(phase: ${t.count} insns${
            run.timed ? `, ${t.cycles} cycles` : ""
          })</span></td></tr>`,
        );
        previous = l.phase;
      }
      const cost = run.timed ? l.cycles : l.count;
      const id = `L${sec}-${ri}-${l.n}`;
      const share = run.timed ? pct(l.cycles, totalCycles) : pct(l.count, run.instructions);
      rows.push(
        `<tr id="${id}"><td class="num ph" style="--c:${
          data.phaseColors[l.phase] || "#999"
        }"><a class="ln" href="#${id}">${l.n}</a></td><td class="mono">${
          esc(l.address)
        }</td><td class="mono sym">${esc(l.symbol).replace("+", "<wbr>+")}</td><td class="mono">${
          esc(l.word)
        }</td><td class="mono dis">${esc(l.disasm)}</td><td class="num">${l.count}</td>${
          run.timed
            ? `<td class="num">${l.cycles}</td><td class="causes" title="${
              esc(causeTitle(l.cause, run.lines))
            }">${esc(causeText(l.cause))}</td>`
            : ""
        }<td class="num">${share}</td><td class="heat"><span style="width:${
          ((cost / max) * 100).toFixed(1)
        }%"></span></td></tr>`,
      );
    }
    box.innerHTML = `<p class="muted">${esc(run.variant)} ${esc(run.params)} [${
      esc(run.source)
    }]: ${run.lines.length} distinct instructions, ${run.instructions} executed${
      run.timed ? `, ${run.cycles} cycles` : ""
    }${run.timing ? `; ${esc(run.timing)}` : ""}.</p>
<table class="phase-totals"><thead><tr><th>phase</th><th>insns</th><th>%</th>${
      run.timed ? "<th>cycles</th><th>%</th><th>cycles by cause</th>" : ""
    }</tr></thead><tbody>${phaseRows}</tbody></table>
<div class="listing-box"><table class="listing" data-variant="${
      esc(run.variant)
    }" data-run="${ri}" data-executed="${run.instructions}"><thead><tr><th>#</th><th>address</th><th>symbol+offset</th><th>word</th><th>disassembly</th><th>count</th>${
      run.timed ? "<th>cycles</th><th>causes</th>" : ""
    }<th>% ${run.timed ? "cycles" : "insns"}</th><th>heat</th></tr></thead><tbody>${
      rows.join("")
    }</tbody></table></div>`;
  }

  /** The text two listings align on: addresses dropped, the symbols they name kept. */
  const token = (l) =>
    l.disasm.replace(
      /(^|[\s,\[])0x[0-9a-f]{8,}( <[^>]+>)?/g,
      (_, pre, sym) => `${pre}${sym ? sym.trim() : "addr"}`,
    );

  function align(a, b) {
    const n = a.length, m = b.length;
    if (n * m > 4e6) {
      const out = [];
      for (let i = 0; i < Math.max(n, m); i++) out.push([a[i] || null, b[i] || null]);
      return out;
    }
    const ta = a.map(token), tb = b.map(token);
    const L = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        L[i][j] = ta[i] === tb[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
      }
    }
    const out = [];
    let i = 0, j = 0;
    const dels = [], adds = [];
    const flush = () => {
      while (dels.length || adds.length) out.push([dels.shift() || null, adds.shift() || null]);
    };
    while (i < n || j < m) {
      if (i < n && j < m && ta[i] === tb[j]) {
        flush();
        out.push([a[i++], b[j++]]);
      } else if (j >= m || (i < n && L[i + 1][j] >= L[i][j + 1])) dels.push(a[i++]);
      else adds.push(b[j++]);
    }
    flush();
    return out;
  }

  function renderDiff(sec, ai, bi, box) {
    const { runs } = decode(sec);
    const A = runs[ai], B = runs[bi];
    const timed = A.timed && B.timed;
    const phases = [];
    for (const l of [...A.lines, ...B.lines]) if (!phases.includes(l.phase)) phases.push(l.phase);
    const ta = phaseTotals(A), tb = phaseTotals(B);
    const side = (l, cls, first = cls) =>
      l
        ? `<td class="num ${first}">${l.n}</td><td class="mono ${cls}">${
          esc(l.symbol).replace("+", "<wbr>+")
        }</td><td class="mono ${cls}">${
          esc(l.disasm)
        }</td><td class="num cnt ${cls}">${l.count}</td>${
          timed ? `<td class="num ${cls}" title="${esc(causeText(l.cause))}">${l.cycles}</td>` : ""
        }`
        : `<td class="${first}"></td><td class="${cls}"></td><td class="${cls}"></td><td class="cnt ${cls}"></td>${
          timed ? `<td class="${cls}"></td>` : ""
        }`;
    const width = timed ? 5 : 4;
    const rows = [];
    let same = 0, changed = 0, onlyA = 0, onlyB = 0;
    for (const p of phases) {
      const a = A.lines.filter((l) => l.phase === p), b = B.lines.filter((l) => l.phase === p);
      const x = ta.get(p) || { count: 0, cycles: 0 }, y = tb.get(p) || { count: 0, cycles: 0 };
      const d = y.count - x.count;
      rows.push(
        `<tr class="phase-head"><td colspan="${width}" style="border-left:4px solid ${
          data.phaseColors[p] || "#999"
        }">${esc(p)}: ${x.count} insns${
          timed ? `, ${x.cycles} cycles` : ""
        }</td><td colspan="${width}" class="gap">${y.count} insns${
          timed ? `, ${y.cycles} cycles` : ""
        } (${d > 0 ? "+" : ""}${d})</td></tr>`,
      );
      for (const [l, r] of align(a, b)) {
        const cls = l && r
          ? (token(l) === token(r) ? (l.count !== r.count ? "d-cnt" : "") : "d-chg")
          : l
          ? "d-del"
          : "d-add";
        if (l && r && token(l) === token(r)) same++;
        else if (l && r) changed++;
        else if (l) onlyA++;
        else onlyB++;
        rows.push(`<tr class="${cls}">${side(l, "l")}${side(r, "r", "r gap")}</tr>`);
      }
    }
    const head = (run) => `${esc(run.variant)} ${esc(run.params)} [${esc(run.source)}]`;
    box.innerHTML = `<p class="muted">Left: ${head(A)}, ${A.instructions} executed${
      timed ? `, ${A.cycles} cycles` : ""
    }. Right: ${head(B)}, ${B.instructions} executed${
      timed ? `, ${B.cycles} cycles` : ""
    }. Aligned by phase: ${same} lines the same, ${changed} changed, ${onlyA} only left, ${onlyB} only right.</p>
<div class="listing-box"><table class="listing-diff" data-left="${ai}" data-right="${bi}"><thead><tr><th>#</th><th>symbol+offset</th><th>left: ${
      head(A)
    }</th><th>count</th>${
      timed ? "<th>cycles</th>" : ""
    }<th class="gap">#</th><th>symbol+offset</th><th>right: ${head(B)}</th><th>count</th>${
      timed ? "<th>cycles</th>" : ""
    }</tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
  }

  const explorers = {};
  for (const host of $$(".listing-explorer")) {
    const sec = Number(host.dataset.listing);
    const L = data.listings[sec];
    if (!L) continue;
    const options = L.runs.map((r, i) =>
      `<option value="${i}">${esc(r.variant)} · ${esc(r.params)} · ${esc(r.source)}</option>`
    ).join("");
    const controls = document.createElement("div");
    controls.className = "listing-controls";
    controls.innerHTML =
      `<label>run <select class="run-a">${options}</select></label> <label>side by side with <select class="run-b"><option value="">(none)</option>${options}</select></label>`;
    const box = document.createElement("div");
    box.className = "listing-view";
    host.append(controls, box);
    const a = $(".run-a", controls), b = $(".run-b", controls);
    const render = () => {
      if (b.value === "") renderSingle(sec, Number(a.value), box);
      else renderDiff(sec, Number(a.value), Number(b.value), box);
    };
    a.addEventListener("change", render);
    b.addEventListener("change", render);
    explorers[sec] = { a, b, render, box };
    // The first traced run, not the nop baseline.
    const first = L.runs.findIndex((r) => r.variant !== "nop");
    if (first > 0) a.value = String(first);
    render();
  }

  function followHash() {
    const m = /^#L(\d+)-(\d+)-(\d+)$/.exec(location.hash);
    if (!m) return;
    const ex = explorers[Number(m[1])];
    if (!ex) return;
    if (ex.a.value !== m[2] || ex.b.value !== "") {
      ex.a.value = m[2];
      ex.b.value = "";
      ex.render();
    }
    $$("tr.target", ex.box).forEach((r) => r.classList.remove("target"));
    const row = document.getElementById(location.hash.slice(1));
    if (row) {
      row.classList.add("target");
      row.scrollIntoView({ block: "center" });
    }
  }
  globalThis.addEventListener("hashchange", followHash);
  followHash();

  // ---- compare any two stored runs -------------------------------------------------------------
  const H = data.history;
  const hist = $(".history-diff");
  if (H && hist) {
    const from = $(".hist-from", hist), to = $(".hist-to", hist), out = $(".hist-result", hist);
    const at = (changes, i) => {
      let v = null;
      for (const c of changes) {
        if (c[0] <= i) v = c;
        else break;
      }
      return v && v[1] !== -1 ? v : null;
    };
    const UNIT = [["insn", "insns"], ["load", "loads"], ["store", "stores"], [
      "branch",
      "branches",
    ]];
    const STATUS = ["ok", "failed", "n/a"];
    const parse = (p) =>
      Object.fromEntries(p.split(" ").filter(Boolean).map((kv) => kv.split("=")));
    const span = (values) => {
      const u = [...new Set(values)];
      const nums = u.map(Number);
      if (u.length > 2 && nums.every(Number.isInteger)) {
        nums.sort((x, y) => x - y);
        return nums[nums.length - 1] - nums[0] === nums.length - 1
          ? `${nums[0]}..${nums[nums.length - 1]}`
          : nums.join(",");
      }
      return u.join(",");
    };
    const compare = (i, j) => {
      const groups = new Map();
      let regressed = 0, improved = 0, unchanged = 0, added = 0, removed = 0;
      for (const grp of H.groups) {
        for (const [vi, pi, ...changes] of grp.cases) {
          const [scenario, cpu, variant, params] = [
            grp.scenario,
            grp.cpu,
            grp.variants[vi],
            grp.params[pi],
          ];
          const b = at(changes, i), c = at(changes, j);
          if (!b && !c) continue;
          let verdict, change, cyc = 0, cycPct = null;
          if (!c) [verdict, change] = ["removed", "removed"];
          else if (!b) {
            [verdict, change] = c[1] === 1 ? ["regressed", "added, FAILED"] : ["added", "added"];
          } else if (c[1] === 1) {
            [verdict, change] = ["regressed", b[1] === 1 ? "still FAILED" : "now FAILED"];
          } else if (b[1] === 0 && c[1] === 2) [verdict, change] = ["regressed", "now n/a"];
          else if (b[1] !== 0 && c[1] === 0) {
            [verdict, change] = ["improved", `now measured (was ${STATUS[b[1]]})`];
          } else {
            const ds = [2, 3, 4, 5].map((x) => (b[x] === null || c[x] === null ? 0 : c[x] - b[x]));
            const parts = ds.map((
              d,
              x,
            ) => (d ? `${d > 0 ? "+" : ""}${d} ${UNIT[x][Math.abs(d) === 1 ? 0 : 1]}` : "")).filter(
              Boolean,
            );
            change = parts.join(", ");
            if (b[6] !== null && c[6] !== null) {
              cyc = c[6] - b[6];
              cycPct = b[6] ? (cyc / b[6]) * 100 : null;
            }
            const up = ds.slice(0, 3).some((d) => d > 0) ||
              (cyc > 0 && (cycPct === null || cycPct > 0.5));
            const down = ds.some((d) => d < 0) || cyc < 0;
            verdict = up
              ? "regressed"
              : down && !ds.some((d) => d > 0) && cyc <= 0
              ? "improved"
              : "unchanged";
          }
          ({
            regressed: () => regressed++,
            improved: () => improved++,
            unchanged: () => unchanged++,
            added: () => added++,
            removed: () => removed++,
          })[verdict]();
          if (verdict === "unchanged" && !change && !cyc) continue;
          const key = `${verdict}|${change}`;
          const g = groups.get(key) || { verdict, change, cases: [] };
          g.cases.push({ scenario, cpu, variant, params, cyc, cycPct });
          groups.set(key, g);
        }
      }
      const order = ["regressed", "removed", "added", "improved", "unchanged"];
      const list = [...groups.values()].sort((x, y) =>
        order.indexOf(x.verdict) - order.indexOf(y.verdict) || y.cases.length - x.cases.length
      );
      const signed = (n, d = 0) => `${n > 0 ? "+" : ""}${n.toFixed(d)}`;
      const range = (xs, d = 0) => {
        const lo = Math.min(...xs), hi = Math.max(...xs);
        return lo === hi ? signed(lo, d) : `${signed(lo, d)}..${signed(hi, d)}`;
      };
      const html = list.map((g) => {
        const cyc = g.cases.filter((c) => c.cyc);
        const pcts = cyc.map((c) => c.cycPct).filter((p) => p !== null);
        const cycles = cyc.length
          ? `cycles ${range(cyc.map((c) => c.cyc))}${pcts.length ? ` (${range(pcts, 1)}%)` : ""}`
          : "";
        const variants = [...new Set(g.cases.map((c) => c.variant))];
        const scenarios = [...new Set(g.cases.map((c) => c.scenario))];
        const where = scenarios.length === 1 ? scenarios[0] : `${scenarios.length} scenarios`;
        const n = g.cases.length;
        const line = `${[g.change, cycles].filter(Boolean).join(", ") || "no change"}: ${
          variants.join(", ")
        } in ${where} (${n} case${n === 1 ? "" : "s"})`;
        const by = new Map();
        for (const c of g.cases) {
          const k = `${c.scenario}${c.cpu ? ` [${c.cpu}]` : ""} ${c.variant}`;
          if (!by.has(k)) by.set(k, []);
          by.get(k).push(parse(c.params));
        }
        const details = [...by].map(([k, sets]) => {
          const keys = [...new Set(sets.flatMap(Object.keys))];
          return `<li>${esc(k)}: ${
            esc(keys.map((p) => `${p}=${span(sets.map((s) => s[p]))}`).join(" "))
          } (${sets.length} case${sets.length === 1 ? "" : "s"})</li>`;
        }).join("");
        const cls = g.verdict === "regressed" ? "failed" : g.verdict === "improved" ? "ok" : "";
        return `<details class="group ${cls}"><summary><strong>${
          g.verdict === "regressed" ? "REGRESSED" : esc(g.verdict)
        }</strong>: ${esc(line)}</summary><ul>${details}</ul></details>`;
      }).join("");
      out.innerHTML = `<p>${
        regressed
          ? '<strong class="failed">REGRESSED</strong>'
          : '<span class="ok">no regression</span>'
      } (${regressed} regressed, ${improved} improved, ${unchanged} unchanged, ${added} added, ${removed} removed)</p>${html}`;
    };
    const run = () => compare(Number(from.value), Number(to.value));
    from.addEventListener("change", run);
    to.addEventListener("change", run);
    run();
  }
  document.documentElement.dataset.ready = "true";
})();
