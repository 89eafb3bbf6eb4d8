"""The explorer's Jinja2 templates. Their names end in ``.html``, so Flask autoescapes every
value: addresses, calldata and memo fields come from agents and users and are shown as text."""

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{% block title %}ProzChain explorer{% endblock %}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1c2330;background:#f6f7fb}
header{background:#1c2330;color:#fff;padding:8px 16px;display:flex;gap:14px;align-items:center;flex-wrap:wrap}
header a{color:#cfe0ff;text-decoration:none}header b{margin-right:12px}
main{padding:12px 16px}table{border-collapse:collapse;background:#fff;margin:6px 0 14px}
td,th{border:1px solid #dde1ea;padding:3px 7px;text-align:left;vertical-align:top}th{background:#eef1f7}
code{font:12px ui-monospace,monospace;word-break:break-all}.mono{font:12px ui-monospace,monospace}
.ok{color:#17803d}.bad{color:#b42318}.muted{color:#667}form{display:inline}
input[type=search]{width:340px;padding:3px}
.cards{display:flex;gap:10px;flex-wrap:wrap}.card{background:#fff;border:1px solid #dde1ea;padding:8px 12px;min-width:120px}
.card b{font-size:20px;display:block}
</style></head><body>
<header><b>ProzChain explorer</b>
<a href="/">overview</a>{% for key, name in layers.items() %}<a href="/layer/{{ key }}">{{ name }}</a>{% endfor %}
<a href="/batches">batches</a><a href="/disputes">disputes</a><a href="/channels">channels &amp; routes</a>
<a href="/transfers">transfers</a><a href="/stages">stages</a><a href="/bonds">bonds</a>
<form action="/search"><input type="search" name="q" id="q" placeholder="address or transaction hash" value="{{ q or '' }}">
<button id="go">search</button></form></header>
<main>{% block main %}{% endblock %}</main></body></html>"""

MACROS = """{% macro short(text) %}<span class="mono" title="{{ text }}">{{ text[:10] }}{% if text|length > 10 %}…{% endif %}</span>{% endmacro %}
{% macro txrow(t) %}<tr><td><a href="/tx/{{ t.layer }}/{{ t.sim }}/{{ t.hash }}">{{ short(t.hash) }}</a></td>
<td>{{ layers.get(t.layer, t.layer) }}</td><td>{{ t.block if t.block is not none else '' }}</td>
<td>{{ short(t.sender) }}</td><td>{{ short(t.recipient) }}</td><td>{{ t.method }}</td><td>{{ t.value }}</td>
<td class="{{ 'bad' if t.status == 'reverted' else 'ok' }}">{{ t.status }}</td><td>{{ t.gas }}</td></tr>{% endmacro %}
{% macro txtable(txs) %}<table class="txs"><tr><th>hash</th><th>layer</th><th>block</th><th>from</th><th>to</th>
<th>method</th><th>value</th><th>status</th><th>gas</th></tr>{% for t in txs %}{{ txrow(t) }}{% endfor %}</table>{% endmacro %}
{% macro stagetable(records, stages) %}<table id="stages"><tr><th>transaction</th><th>layer</th><th>kind</th>
{% for s in stages %}<th>{{ s }}</th>{% endfor %}<th>refused</th></tr>
{% for r in records %}{% set at = {} %}{% for mark in r.marks %}{% set _ = at.update({mark.stage: mark}) %}{% endfor %}
<tr><td>{{ short(r.tx) }}</td><td>{{ r.layer }}</td><td>{{ r.kind }}</td>
{% for s in stages %}<td>{% if s in at %}<span title="{{ at[s].note }}">{{ '%.1f'|format(at[s].at) }} s</span>{% endif %}</td>{% endfor %}
<td class="bad">{{ r.failed }}</td></tr>{% endfor %}</table>{% endmacro %}
{% macro eventtable(events) %}<table class="events"><tr><th>block</th><th>contract</th><th>event</th><th>stage</th><th>arguments</th><th>tx</th></tr>
{% for e in events %}<tr><td>{{ e.block }}</td><td>{{ e.contract_name }} {{ short(e.contract) }}</td><td>{{ e.name }}</td>
<td>{{ e.stage }}</td><td><code>{{ e.args|tojson }}</code></td>
<td><a href="/tx/l1/{{ e.sim }}/{{ e.tx }}">{{ short(e.tx) }}</a></td></tr>{% endfor %}</table>{% endmacro %}"""

OVERVIEW = """{% extends "base.html" %}{% import "macros.html" as m with context %}{% block main %}
<h2>Run <span id="scenario">{{ meta.scenario or '(none)' }}</span> seed {{ meta.seed }}</h2>
{% if meta.runs and meta.runs|length > 1 %}<p class="muted">this index holds {{ meta.runs|length }} runs: {{ meta.runs|join(', ') }}</p>{% endif %}
<p>simulated time <b id="sim-time">{{ meta.sim_time_ms or 0 }}</b> ms, steps <b id="steps">{{ meta.steps or 0 }}</b>,
state <b id="state">{{ 'finished' if meta.done else 'running' }}</b>{% if meta.ok is not none %}, result
<b class="{{ 'ok' if meta.ok else 'bad' }}">{{ 'OK' if meta.ok else 'FAILED' }}</b>{% endif %}</p>
<div class="cards">{% for layer, name in layers.items() %}<div class="card">{{ name }}
<b id="blocks-{{ layer }}">{{ counts[layer].blocks }}</b>blocks, <span id="txs-{{ layer }}">{{ counts[layer].txs }}</span> txs</div>{% endfor %}</div>
<h3>Latest L1 blocks</h3><table id="latest"><tr><th>number</th><th>hash</th><th>time</th><th>txs</th><th>gas</th></tr>
{% for b in latest %}<tr><td><a href="/block/l1/{{ b.sim }}/{{ b.number }}">{{ b.number }}</a></td><td>{{ m.short(b.hash) }}</td>
<td>{{ b.time }}</td><td>{{ b.txs }}</td><td>{{ b.gas }}</td></tr>{% endfor %}</table>
{% if meta.summary %}<h3>Result</h3><pre>{{ meta.summary|join('\\n') }}</pre>{% endif %}
<script>
// Live: poll the status endpoint; values are written with textContent, never as HTML.
async function poll() {
  try {
    const s = await (await fetch('/api/status')).json();
    document.getElementById('sim-time').textContent = s.sim_time_ms;
    document.getElementById('steps').textContent = s.steps;
    document.getElementById('state').textContent = s.done ? 'finished' : 'running';
    for (const [layer, c] of Object.entries(s.counts)) {
      const b = document.getElementById('blocks-' + layer), t = document.getElementById('txs-' + layer);
      if (b) { b.textContent = c.blocks; t.textContent = c.txs; }
    }
    if (s.done) return;
  } catch (e) {}
  setTimeout(poll, 1000);
}
poll();
</script>{% endblock %}"""

LAYER = """{% extends "base.html" %}{% import "macros.html" as m with context %}{% block main %}
<h2>{{ layers[layer] }}</h2><h3>Blocks</h3>
<table class="blocks"><tr><th>number</th><th>hash</th><th>time</th><th>txs</th><th>gas</th><th>detail</th></tr>
{% for b in blocks %}<tr><td><a href="/block/{{ b.layer }}/{{ b.sim }}/{{ b.number }}">{{ b.number }}</a></td>
<td>{{ m.short(b.hash) }}</td><td>{{ b.time }}</td><td>{{ b.txs }}</td><td>{{ b.gas }}</td>
<td><code>{{ b.detail|tojson }}</code></td></tr>{% endfor %}</table>
<h3>Transactions</h3>{{ m.txtable(txs) }}{% endblock %}"""

BLOCK = """{% extends "base.html" %}{% import "macros.html" as m with context %}{% block main %}
<h2>{{ layers[block.layer] }} block {{ block.number }}</h2>
<table><tr><th>hash</th><td class="mono">{{ block.hash }}</td></tr><tr><th>time</th><td>{{ block.time }}</td></tr>
<tr><th>gas</th><td>{{ block.gas }}</td></tr><tr><th>detail</th><td><code>{{ block.detail|tojson }}</code></td></tr></table>
{{ m.txtable(txs) }}{% endblock %}"""

TX = """{% extends "base.html" %}{% import "macros.html" as m with context %}{% block main %}
<h2>{{ layers.get(tx.layer, tx.layer) }} transaction</h2>
<table id="tx"><tr><th>hash</th><td class="mono" id="tx-hash">{{ tx.hash }}</td></tr>
<tr><th>block</th><td>{% if tx.block is not none %}<a href="/block/{{ tx.layer }}/{{ tx.sim }}/{{ tx.block }}">{{ tx.block }}</a>{% endif %}</td></tr>
<tr><th>from</th><td class="mono" id="tx-from">{{ tx.sender }}</td></tr><tr><th>to</th><td class="mono" id="tx-to">{{ tx.recipient }}</td></tr>
<tr><th>method</th><td id="tx-method">{{ tx.method }}</td></tr><tr><th>value</th><td>{{ tx.value }}</td></tr>
<tr><th>status</th><td>{{ tx.status }}</td></tr><tr><th>gas used</th><td id="tx-gas">{{ tx.gas }}</td></tr>
<tr><th>calldata</th><td><code id="tx-calldata">{{ tx.calldata }}</code></td></tr>
<tr><th>decoded</th><td><code id="tx-detail">{{ tx.detail|tojson }}</code></td></tr></table>
{% if events %}<h3>Events</h3>{{ m.eventtable(events) }}{% endif %}{% endblock %}"""

BATCHES = """{% extends "base.html" %}{% import "macros.html" as m with context %}{% block main %}
<h2>Batches and checkpoints</h2><table id="batches"><tr><th>layer</th><th>batch</th><th>L1 block</th><th>carried by</th><th>L1 gas</th></tr>
{% for e, tx in batches %}<tr><td>{{ layers[kinds[(e.contract_name, e.name)]] }}</td>
<td><a class="{{ kinds[(e.contract_name, e.name)] }}" href="/batch/{{ e.sim }}/{{ e.tx }}">{{ e.name }} #{{ e.args[0] }}</a></td><td>{{ e.block }}</td>
<td>{{ tx.method if tx else '' }}</td><td>{{ tx.gas if tx else '' }}</td></tr>{% endfor %}</table>{% endblock %}"""

BATCH = """{% extends "base.html" %}{% import "macros.html" as m with context %}{% block main %}
<h2>{{ layers[kind] }}: {{ event.name }} #{{ event.args[0] }}</h2>
<table id="batch"><tr><th>L1 block</th><td><a href="/block/l1/{{ event.sim }}/{{ event.block }}">{{ event.block }}</a></td></tr>
<tr><th>L1 transaction</th><td><a href="/tx/l1/{{ event.sim }}/{{ event.tx }}">{{ event.tx }}</a></td></tr>
<tr><th>verification gas</th><td id="batch-gas">{{ tx.gas if tx else '' }}</td></tr>
<tr><th>proof</th><td><code id="batch-proof">{{ proof|tojson if proof else '(no validity proof: ' ~ ('fraud-proof window' if kind == 'optimistic' else 'validator signatures') ~ ')' }}</code></td></tr>
<tr><th>roots</th><td><code>{{ roots|tojson }}</code></td></tr><tr><th>event</th><td><code>{{ event.args|tojson }}</code></td></tr></table>
{% endblock %}"""

DISPUTES = """{% extends "base.html" %}{% block main %}<h2>Disputes (optimistic rollup)</h2>
<table id="disputes"><tr><th>game</th><th>output</th><th>rounds</th><th>outcome</th></tr>
{% for (sim, gid), events in disputes.items() %}<tr><td><a href="/dispute/{{ sim }}/{{ gid }}">game {{ gid }}</a></td>
<td>{{ events[0].args[1] }}</td><td>{{ events|selectattr('name', 'equalto', 'Bisected')|list|length }}</td>
<td>{{ outcome(events) }}</td></tr>{% endfor %}</table>{% endblock %}"""

DISPUTE = """{% extends "base.html" %}{% import "macros.html" as m with context %}{% block main %}
<h2>Dispute game {{ gid }}</h2><p>challenged output {{ events[0].args[1] }} by {{ events[0].args[2] }}; outcome <b id="outcome">{{ outcome(events) }}</b></p>
<table id="rounds"><tr><th>round</th><th>move</th><th>steps</th><th>roots</th><th>L1 block</th><th>tx</th></tr>
{% for e in events %}<tr class="round"><td>{{ loop.index0 }}</td><td>{{ e.name }}</td>
<td>{% if e.name == 'Bisected' %}{{ e.args[1]|join(', ') }}{% elif e.name == 'Chosen' %}{{ e.args[1] }}..{{ e.args[2] }}{% endif %}</td>
<td>{% if e.name == 'Bisected' %}<code>{{ e.args[2]|map('truncate', 12, True, '…')|join(' ') }}</code>{% endif %}</td>
<td>{{ e.block }}</td><td><a href="/tx/l1/{{ e.sim }}/{{ e.tx }}">{{ m.short(e.tx) }}</a></td></tr>{% endfor %}</table>{% endblock %}"""

EVENTS = """{% extends "base.html" %}{% import "macros.html" as m with context %}{% block main %}
<h2>{{ heading }}</h2><p class="muted">{{ note }}</p>
{% if routes %}<h3>Routes</h3><table id="routes"><tr><th>hashlock</th><th>hops (channel: amount, expiry)</th></tr>
{% for lock, hops in routes.items() %}<tr><td>{{ m.short(lock) }}</td><td>{% for cid, h in hops %}{% if not loop.first %} → {% endif %}
channel {{ cid }}: {{ h.amount }}, {{ h.expiry }}{% endfor %}</td></tr>{% endfor %}</table>{% endif %}
{{ m.eventtable(events) }}
{% if txs %}<h3>Off-chain</h3>{{ m.txtable(txs) }}{% endif %}{% endblock %}"""

SEARCH = """{% extends "base.html" %}{% import "macros.html" as m with context %}{% block main %}
<h2>Search: {{ q }}</h2>{% if not txs and not events and not records %}<p id="nothing">nothing found</p>{% endif %}
{% if txs %}<h3>Transactions</h3><div id="results">{{ m.txtable(txs) }}</div>{% endif %}
{% if events %}<h3>Events naming it</h3>{{ m.eventtable(events) }}{% endif %}
{% if records %}<h3>Its stages (SDK)</h3>{{ m.stagetable(records, stages) }}{% endif %}{% endblock %}"""

STAGES = """{% extends "base.html" %}{% import "macros.html" as m with context %}{% block main %}
<h2>Transaction stages</h2>{% if records or store %}<p class="muted">the transactions SDK clients sent{% if store %} (and
the SDK's stage store {{ store }}){% endif %}: each one's way through the layers, seconds on the simulation's clock (the same
records as <code>prozchain tx status --db</code>)</p>
{{ m.stagetable(records, stages) }}{% else %}<p id="no-store">no SDK transactions: record a platform
(<code>Recorder.recording</code>) or start the explorer with <code>--stages PATH</code>, the store an SDK client
writes</p>{% endif %}{% endblock %}"""

TEMPLATES = {"base.html": BASE, "macros.html": MACROS, "overview.html": OVERVIEW, "layer.html": LAYER,
             "block.html": BLOCK, "tx.html": TX, "batches.html": BATCHES, "batch.html": BATCH,
             "disputes.html": DISPUTES, "dispute.html": DISPUTE, "events.html": EVENTS, "search.html": SEARCH, "stages.html": STAGES}
