/**
 * The client side of the one-by-one registration runs of tams-segments.bench.ts, in a process of
 * its own so that the load generator does not share the server's event loop (as autocannon does
 * for the other runs; autocannon cannot give each request its own object and timerange). Plain
 * `node:http` with kept-alive connections: `fetch` cost about 1.5 ms of CPU per request here,
 * a third of what the whole machine spent per registration.
 *
 * stdin: JSON `{ baseUrl, token, loops: [{ flowId, segments: [{object_id, timerange}] }] }`;
 * prints JSON `{ seconds, latencies, cpuMs }` (ms per request; this process's CPU time while posting).
 * Loops run concurrently, each posting its segments one after the other.
 */
import { Agent, request } from 'node:http';

interface Job {
  baseUrl: string;
  token: string;
  loops: { flowId: string; segments: { object_id: string; timerange: string }[] }[];
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Job;
const agent = new Agent({ keepAlive: true, maxSockets: job.loops.length });

function post(path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${job.baseUrl}${path}`, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${job.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const latencies: number[] = [];
const started = performance.now();
const cpu = process.cpuUsage();
await Promise.all(
  job.loops.map(async ({ flowId, segments }) => {
    for (const segment of segments) {
      const t = performance.now();
      const res = await post(`/tams/flows/${flowId}/segments`, JSON.stringify(segment));
      if (res.status !== 201) throw new Error(`segments POST: ${res.status} ${res.text}`);
      latencies.push(performance.now() - t);
    }
  }),
);
const used = process.cpuUsage(cpu);
agent.destroy();
process.stdout.write(JSON.stringify({ seconds: (performance.now() - started) / 1000, latencies, cpuMs: (used.user + used.system) / 1000 }));
