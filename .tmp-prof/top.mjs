import { readFileSync, readdirSync } from 'node:fs';
const files = readdirSync('.tmp-prof').filter(f => f.endsWith('.cpuprofile'));
for (const f of files) {
  const p = JSON.parse(readFileSync('.tmp-prof/' + f));
  const self = new Map(); const byId = new Map(p.nodes.map(n => [n.id, n]));
  const dt = p.timeDeltas; const total = dt.reduce((a, b) => a + b, 0);
  for (let i = 0; i < p.samples.length; i++) { const n = byId.get(p.samples[i]); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) || 0) + dt[i]); }
  console.log(f, (total/1000).toFixed(0), 'ms');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((v/1000).toFixed(1).padStart(8), k);
}
