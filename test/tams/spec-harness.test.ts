import { describe, expect, it } from 'vitest';
import { describeErrors, tamsSpec } from '../helpers/tams-spec.js';

/** The oracle the TAMS tests rely on must itself be right: it accepts the spec's examples and rejects broken documents. */

type Json = Record<string, unknown>;

/** Pairs of (example file, JSON schema) as the YAML attaches them to request and response bodies. */
function examplePairs(): { example: string; schema: unknown; where: string }[] {
  const pairs: { example: string; schema: unknown; where: string }[] = [];
  const visit = (node: unknown, where: string) => {
    if (!node || typeof node !== 'object') return;
    const media = (node as Json)['application/json'] as Json | undefined;
    if (media?.schema) {
      const refs: string[] = [];
      const example = media.example as Json | undefined;
      if (typeof example?.$ref === 'string') refs.push(example.$ref);
      for (const e of Object.values((media.examples ?? {}) as Record<string, Json>)) if (typeof e.externalValue === 'string') refs.push(e.externalValue);
      for (const ref of refs) pairs.push({ example: ref.replace(/^examples\//, ''), schema: media.schema, where });
    }
    for (const [key, value] of Object.entries(node)) visit(value, `${where}/${key}`);
  };
  visit(tamsSpec().document.paths, '');
  return pairs;
}

describe('the TAMS spec oracle', () => {
  it('compiles every schema file of the spec', () => {
    const spec = tamsSpec();
    const files = ['flow-get.json', 'flow-put.json', 'source.json', 'service.json', 'profile.json', 'error.json', 'flow-segment.json', 'object.json', 'webhook-get.json'];
    for (const file of files) expect(typeof spec.schema(file)).toBe('function');
  });

  it('accepts every example attached to a body, except the two whose date-times lack a time zone', () => {
    const spec = tamsSpec();
    const pairs = examplePairs();
    expect(pairs.length).toBeGreaterThan(40);
    const failing = new Set<string>();
    for (const { example, schema } of pairs) {
      const validate = spec.compile(schema);
      if (!validate(spec.example(example))) failing.add(`${example}: ${describeErrors(validate)}`);
    }
    // A quirk of the spec (docs/tams-spec-digest.md §11.3): "created": "2023-12-14T16:34:58.131620".
    expect([...failing].sort()).toEqual([
      expect.stringMatching(/^flow-get-200-data-ttml\.json: \/created must match format "date-time"/),
      expect.stringMatching(/^flow-get-200-multi\.json: \/created must match format "date-time"/),
    ]);
  });

  it('rejects documents that break the schemas', () => {
    const spec = tamsSpec();
    const flowPut = spec.schema('flow-put.json');
    const example = spec.example('flow-put.json');
    expect(flowPut(example)).toBe(true);
    expect(flowPut({ ...example, format: 'urn:x-nmos:format:smell' })).toBe(false);
    expect(flowPut({ ...example, id: String(example.id).toUpperCase() })).toBe(false);
    expect(flowPut({ ...example, essence_parameters: { sample_rate: 48000 } })).toBe(false);
    const video = spec.example('flow-get-200-video-h264.json');
    const flowGet = spec.schema('flow-get.json');
    expect(flowGet(video)).toBe(true);
    const essence = video.essence_parameters as Json;
    expect(flowGet({ ...video, essence_parameters: { ...essence, vfr: true } })).toBe(false); // frame_rate with vfr
    expect(flowGet({ ...video, essence_parameters: { ...essence, colour: 'red' } })).toBe(false); // unevaluatedProperties
    expect(spec.schema('error.json')({ type: 'x', summary: 'y', time: '2024-01-01T00:00:00' })).toBe(false);
  });

  it('finds the operation and response schema of a request path', () => {
    const spec = tamsSpec();
    expect(spec.templateOf('/flows/6101df05-06bb-41b8-8af4-cf7cd33df209/tags/genre')).toBe('/flows/{flowId}/tags/{name}');
    expect(spec.templateOf('/')).toBe('/');
    const listFlows = spec.responseValidator('GET', '/flows', 200)!;
    expect(listFlows([spec.example('flow-get-200-video-h264.json')])).toBe(true);
    expect(listFlows([{ id: 'not-a-flow' }])).toBe(false);
    expect(spec.responseValidator('PUT', '/flows/{flowId}', 204)).toBeNull();
    expect(spec.response('HEAD', '/flows', 200)?.headers).toHaveProperty('X-Paging-NextKey');
  });
});
