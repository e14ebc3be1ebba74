// dashboard.js — gestor's live dashboard (index.html). Every 2 s it asks
// admin_logs's log API for the sample records newer than the last one it has
// and the latest decisions (GET /logs, docs/log-api.md), keeps the last 10
// minutes, and redraws: one line per container (managed first) for CPU % and
// memory (Dygraph, Debian's libjs-dygraphs), a ✕ where one was removed, the
// containers now with their network and disk rates (from the counters of
// the last two samples that carry them) and last decision, the latest
// decisions, the quota and the metrics source. window.gestorDash exposes the
// state (the browser test reads it). Every text goes in by textContent.
"use strict";

(function () {
	const POLL_MS = 2000;
	const WINDOW_MS = 10 * 60 * 1000;
	const samples = []; // {t, id, cycle, source, cpu, quota, dry, ctrs: Map(name -> ctr)}
	const seen = new Set(); // record ids already taken
	let decisions = []; // latest first
	let cpuGraph = null;
	let memGraph = null;
	const dash = { series: [], managed: [], hosts: [], lastCycle: 0, polls: 0, errors: 0, cpu: null, mem: null, rates: {} };
	// the rate columns: [record field (a counter), what the column shows]
	const RATES = [["net_rx_bytes", "rx"], ["net_tx_bytes", "tx"], ["blk_read_bytes", "read"], ["blk_write_bytes", "write"]];
	window.gestorDash = dash;

	const $ = (id) => document.getElementById(id);

	async function getJSON(query) {
		const r = await fetch("logs?" + query, { cache: "no-store" });
		if (!r.ok) throw new Error("GET /logs?" + query + ": " + r.status);
		return r.json();
	}

	function take(records) {
		for (const rec of records) {
			if (rec.type !== "sample" || seen.has(rec.id)) continue;
			seen.add(rec.id);
			const ctrs = new Map();
			for (const c of rec.containers || []) ctrs.set(c.name, c);
			samples.push({
				t: Math.floor(rec.ts_ns / 1e6), id: rec.id, cycle: rec.cycle, source: rec.source,
				cpu: rec.cpu_pct, quota: rec.quota, dry: rec.dry_run, ctrs: ctrs,
			});
		}
		samples.sort((a, b) => a.t - b.t || a.id - b.id);
		if (samples.length) {
			const from = samples[samples.length - 1].t - WINDOW_MS;
			while (samples.length && samples[0].t < from) seen.delete(samples.shift().id);
		}
	}

	// managed: decided by servicio (its scope included), so classed high or low
	function isManaged(c) {
		return c.class === "high" || c.class === "low";
	}

	function seriesNames() {
		const managed = new Set(), all = new Set();
		for (const s of samples)
			for (const [name, c] of s.ctrs) {
				all.add(name);
				if (isManaged(c)) managed.add(name);
			}
		const m = [...managed].sort();
		const o = [...all].filter((n) => !managed.has(n)).sort();
		return { names: m.concat(o), managed: m };
	}

	function lastDecision() {
		const by = new Map();
		for (const d of decisions) if (!by.has(d.container.name)) by.set(d.container.name, d);
		return by;
	}

	function rows(names, pick) {
		return samples.map((s) => {
			const row = [new Date(s.t)];
			for (const n of names) {
				const c = s.ctrs.get(n);
				row.push(c ? pick(c) : null);
			}
			return row;
		});
	}

	// a ✕ on the last point of each container removed in the window
	function annotations(names) {
		const out = [];
		for (const d of decisions) {
			if (d.action !== "removed" || !names.includes(d.container.name)) continue;
			let x = null;
			for (const s of samples) if (s.ctrs.has(d.container.name)) x = s.t;
			if (x !== null)
				out.push({ series: d.container.name, x: x, shortText: "✕", text: "removed in cycle " + d.cycle + ": " + d.reason, width: 14, height: 14 });
		}
		return out;
	}

	function draw(g, div, legend, names, pick, ylabel) {
		const data = rows(names, pick);
		const opts = {
			labels: ["time"].concat(names), ylabel: ylabel, legend: "always", labelsDiv: legend,
			labelsSeparateLines: false, connectSeparatedPoints: false, includeZero: true,
			strokeWidth: 1.6, drawPoints: true, pointSize: 1.5, animatedZooms: false,
			axes: { x: { axisLabelFormatter: (d) => new Date(d).toTimeString().slice(0, 8) } },
		};
		if (!g) {
			g = new Dygraph(div, data, opts);
		} else {
			opts.file = data;
			g.updateOptions(opts);
		}
		g.setAnnotations(annotations(names));
		return g;
	}

	// bytes per second with a binary unit: "512 B/s", "1.5 MiB/s"
	function fmtRate(v) {
		if (v === null) return "–";
		const units = ["B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s"];
		let i = 0;
		while (v >= 1024 && i < units.length - 1) {
			v /= 1024;
			i++;
		}
		return (i ? v.toFixed(1) : String(Math.round(v))) + " " + units[i];
	}

	// name's rates, bytes/s, from each counter in the last two samples that
	// carry it (servicio reads the counters at their own cadence,
	// --counters-interval: the samples between carry none): null where fewer
	// than two do (an older servicio, no network), the counter went back (a
	// restart) or no time passed
	function rates(name) {
		const out = {};
		for (const [field, key] of RATES) {
			let cur = null, prev = null;
			out[key] = null;
			for (let i = samples.length - 1; i >= 0 && !prev; i--) {
				const c = samples[i].ctrs.get(name);
				if (!c || typeof c[field] !== "number") continue;
				if (!cur) cur = { t: samples[i].t, v: c[field] };
				else prev = { t: samples[i].t, v: c[field] };
			}
			const dt = cur && prev ? (cur.t - prev.t) / 1000 : 0;
			if (dt > 0 && cur.v >= prev.v) out[key] = (cur.v - prev.v) / dt;
		}
		return out;
	}

	function cell(tr, text, cls) {
		const td = document.createElement("td");
		td.textContent = text;
		if (cls) td.className = cls;
		tr.appendChild(td);
	}

	function render() {
		if (!samples.length) {
			$("st-msg").textContent = "waiting for servicio's first cycle…";
			return;
		}
		const last = samples[samples.length - 1];
		const { names, managed } = seriesNames();
		const dec = lastDecision();
		$("st-cycle").textContent = last.cycle + (last.dry ? " (dry run)" : "");
		$("st-time").textContent = new Date(last.t).toLocaleTimeString();
		$("st-source").textContent = last.source;
		$("st-quota").textContent = last.quota
			? "keep " + last.quota.keep_high + " high / " + last.quota.keep_low + " low" : "–";
		$("st-cpu").textContent = (last.cpu || 0).toFixed(1) + " %";
		$("st-managed").textContent = [...last.ctrs.values()].filter(isManaged).length + " of " + last.ctrs.size;
		$("st-msg").textContent = "";
		if (names.length) {
			cpuGraph = draw(cpuGraph, $("cpu"), $("cpu-legend"), names, (c) => c.cpu_pct, "CPU %");
			memGraph = draw(memGraph, $("mem"), $("mem-legend"), names, (c) => c.mem_kb / 1024, "MiB");
		}
		const tb = $("ctrs").tBodies[0];
		tb.textContent = "";
		dash.rates = {};
		for (const n of names) {
			const c = last.ctrs.get(n);
			if (!c) continue;
			const d = dec.get(n);
			const tr = document.createElement("tr");
			if (!isManaged(c)) tr.className = "unmanaged";
			cell(tr, n);
			cell(tr, isManaged(c) ? c.class : "–");
			cell(tr, c.cpu_pct.toFixed(1), "num");
			cell(tr, (c.mem_kb / 1024).toFixed(1) + " MiB", "num");
			const r = rates(n);
			dash.rates[n] = r;
			for (const [, key] of RATES) cell(tr, fmtRate(r[key]), "num rate-" + key);
			cell(tr, d && d.cycle === last.cycle ? d.action : "", d ? "a-" + d.action : "");
			tb.appendChild(tr);
		}
		const db = $("decisions").tBodies[0];
		db.textContent = "";
		for (const d of decisions.slice(0, 25)) {
			const tr = document.createElement("tr");
			cell(tr, new Date(Math.floor(d.ts_ns / 1e6)).toLocaleTimeString());
			cell(tr, String(d.cycle), "num");
			cell(tr, d.container.name);
			cell(tr, d.class);
			cell(tr, d.action, "a-" + d.action);
			cell(tr, d.reason || "", "reason");
			db.appendChild(tr);
		}
		dash.series = names;
		dash.managed = managed;
		dash.lastCycle = last.cycle;
		dash.cpu = cpuGraph;
		dash.mem = memGraph;
	}

	// the fleet: every host that has sent a run (GET /runs), sorted; a
	// single machine shows its own name
	// (not fatal: the charts go on without it)
	async function hosts() {
		try {
			const r = await fetch("runs?limit=1000", { cache: "no-store" });
			if (!r.ok) return;
			const names = new Set();
			for (const run of (await r.json()).runs) if (run.host) names.add(run.host);
			dash.hosts = [...names].sort();
			$("st-hosts").textContent = dash.hosts.length ? dash.hosts.join(", ") : "–";
		} catch (e) {
			// keep the last list
		}
	}

	async function poll() {
		try {
			let q = "type=sample&order=desc&limit=60";
			if (samples.length) {
				// a second back, in RFC 3339: ts_ns does not fit a JS number
				const since = new Date(samples[samples.length - 1].t - 1000).toISOString();
				q = "type=sample&order=asc&limit=500&since=" + encodeURIComponent(since);
			}
			const s = await getJSON(q);
			const d = await getJSON("type=decision&order=desc&limit=60");
			take(s.records);
			decisions = d.records;
			await hosts();
			render();
			dash.polls++;
		} catch (e) {
			dash.errors++;
			$("st-msg").textContent = "admin_logs does not answer (" + e.message + "): retrying";
		}
		setTimeout(poll, POLL_MS);
	}

	poll();
})();
