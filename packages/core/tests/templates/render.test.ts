import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  collectAnswers,
  findTemplate,
  listTemplates,
  readTemplateSpec,
  renderTemplate,
} from '@slipway/core/templates';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const templatesRoot = new URL('../../../../templates', import.meta.url).pathname;

async function rendered(name: string, given: Record<string, string> = {}) {
  const spec = findTemplate(templatesRoot, name);
  const answers = await collectAnswers(spec, given, { directoryName: 'fraud' }, { useDefaults: true });
  return renderTemplate(spec, answers, { commit: 'c0ffee'.padEnd(40, '0') });
}

describe('rendering the shipped templates', () => {
  it('lists the project templates, and not the runner values', () => {
    expect(listTemplates(templatesRoot).map((t) => t.name)).toEqual([
      'classification',
      'environments',
      'pytorch',
    ]);
  });

  it.each(['classification', 'environments', 'pytorch'])('%s leaves no placeholder behind', async (name) => {
    for (const [path, content] of await rendered(name)) {
      expect(content.toString('utf8'), path).not.toMatch(/\{\{\s*slipway\./);
    }
  });

  it('ships .gitignore as _gitignore (npm drops .gitignore) and renders it under its real name', async () => {
    const files = await rendered('pytorch');
    expect(files.has('.gitignore')).toBe(true);
    expect(files.has('_gitignore')).toBe(false);
  });

  it("pins Slipway's actions to the template source's commit", async () => {
    const workflow = (await rendered('pytorch')).get('.github/workflows/main.yml')?.toString('utf8') ?? '';
    expect(workflow).toContain(`slipway-dev/slipway/actions/publish-model@c0ffee${'0'.repeat(34)}`);
    expect(workflow).toMatch(/actions\/checkout@[0-9a-f]{40} # v\d/);
  });

  it('fills the project config from the answers', async () => {
    const files = await rendered('pytorch', { org: 'acme', environments: 'qa,live' });
    const config = parse(files.get('slipway.yaml')?.toString('utf8') ?? '') as Record<
      string,
      Record<string, unknown>
    >;
    expect(config.model?.name).toBe('fraud');
    expect(config.artifact).toMatchObject({ registry: 'ghcr.io', repository: 'acme/models/fraud' });
    expect(config.deploy).toEqual({ repository: 'acme/ml-environments', environment: 'qa' });
    expect(config.baseline?.environment).toBe('live');
  });

  it('renders the environment repository from the environments/ skeleton with the given environments', async () => {
    const files = await rendered('environments', {
      environments: 'qa,canary,live',
      reviewers: 'sre',
      org: 'acme',
    });
    expect([...files.keys()].filter((p) => p.endsWith('inferenceservice.yaml'))).toEqual([
      'canary/fraud/inferenceservice.yaml',
      'live/fraud/inferenceservice.yaml',
      'qa/fraud/inferenceservice.yaml',
    ]);
    const contract = parse(files.get('slipway.yaml')?.toString('utf8') ?? '') as {
      environments: Array<{ name: string; policy: Record<string, unknown> }>;
      models: Array<{ name: string; manifest: string }>;
    };
    expect(contract.environments.map((e) => e.name)).toEqual(['qa', 'canary', 'live']);
    expect(contract.environments[0]?.policy['auto-merge']).toBe(true);
    expect(contract.environments[2]?.policy).toMatchObject({ draft: true, 'team-reviewers': ['sre'] });
    expect(contract.models).toEqual([
      expect.objectContaining({ name: 'fraud', manifest: 'fraud/inferenceservice.yaml' }),
    ]);
    const manifest = files.get('canary/fraud/inferenceservice.yaml')?.toString('utf8') ?? '';
    expect(manifest).toContain('namespace: ml-canary');
    expect(manifest).toContain(`storageUri: oci://ghcr.io/acme/models/fraud@sha256:${'0'.repeat(64)}`);
    const flux = files.get('gitops/flux/sync.yaml')?.toString('utf8') ?? '';
    expect(flux.match(/^ {2}path: .*$/gm)).toEqual(['  path: ./qa', '  path: ./canary', '  path: ./live']);
    expect(flux).toContain('dependsOn:\n    - name: ml-canary');
    expect(flux).toContain('url: https://github.com/acme/ml-environments');
    const argo = files.get('gitops/argocd/applicationset.yaml')?.toString('utf8') ?? '';
    expect(argo.match(/- environment: \S+/g)).toEqual([
      '- environment: qa',
      '- environment: canary',
      '- environment: live',
    ]);
  });
});

describe('a template that misbehaves', () => {
  async function template(files: Record<string, string>) {
    const root = await mkdtemp(join(tmpdir(), 'slipway-render-'));
    await mkdir(join(root, 'bad'));
    await writeFile(join(root, 'bad', 'template.yaml'), 'version: 1.0.0\nquestions: [name]\n');
    for (const [path, text] of Object.entries(files)) await writeFile(join(root, 'bad', path), text);
    return readTemplateSpec(join(root, 'bad'), 'bad');
  }

  it('names the line and column of a template.yaml that is not valid YAML', async () => {
    const root = await mkdtemp(join(tmpdir(), 'slipway-render-'));
    await mkdir(join(root, 'broken'));
    await writeFile(join(root, 'broken', 'template.yaml'), 'version: 1.0.0\nquestions: [name\n');
    expect(() => readTemplateSpec(join(root, 'broken'), 'broken')).toThrow(
      /broken\/template\.yaml:3:1: this is not valid YAML \(unexpected end of the stream within a flow collection\)/,
    );
  });

  it('fails on an unknown placeholder, naming the file and line', async () => {
    const spec = await template({ 'README.md': 'one\n{{ slipway.nmae }}\n' });
    await expect(renderTemplate(spec, { name: 'x' })).rejects.toThrow(
      /^bad\/README\.md:2: unknown placeholder \{\{ slipway\.nmae \}\}/,
    );
  });

  it('refuses a file name that renders outside the project', async () => {
    const spec = await template({ '{{ slipway.name }}': 'x' });
    await expect(renderTemplate(spec, { name: '..' })).rejects.toThrow(
      "bad/{{ slipway.name }} renders to '..', which is outside the project.",
    );
    await expect(renderTemplate(spec, { name: '/etc/passwd' })).rejects.toThrow(/outside the project/);
    expect((await renderTemplate(spec, { name: '...txt' })).has('...txt')).toBe(true);
  });
});
