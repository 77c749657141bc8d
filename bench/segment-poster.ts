/**
 * The client side of the one-by-one registration runs of tams-segments.bench.ts, in a process of
 * its own so that the load generator does not share the server's event loop (as autocannon does
 * for the other runs; autocannon cannot give each request its own object and timerange).
 *
 * stdin: JSON `{ baseUrl, token, loops: [{ flowId, segments: [{object_id, timerange}] }] }`;
 * prints JSON `{ seconds, latencies, cpuMs }` (ms per request; this process's CPU time while posting). Loops run concurrently, each posting
 * its segments one after the other.
 */
interface Job {
  baseUrl: string;
  token: string;
  loops: { flowId: string; segments: { object_id: string; timerange: string }[] }[];
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Job;
const latencies: number[] = [];
const started = performance.now();
const cpu = process.cpuUsage();
await Promise.all(
  job.loops.map(async ({ flowId, segments }) => {
    for (const segment of segments) {
      const t = performance.now();
      const res = await fetch(`${job.baseUrl}/tams/flows/${flowId}/segments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${job.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(segment),
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`segments POST: ${res.status} ${text}`);
      latencies.push(performance.now() - t);
    }
  }),
);
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ seconds: (performance.now() - started) / 1000, latencies, cpuMs: (used.user + used.system) / 1000 }));
