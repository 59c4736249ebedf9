import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { buildFixtures, type FixtureName } from '../fixtures/build.js';

export interface ProjectOptions {
  fixture?: FixtureName;
  capabilities?: string[];
  /** Resource path → contents. */
  resources?: Record<string, string | Buffer>;
  extra?: Record<string, unknown>;
}

/** Lays out a project directory: a real fixture component, resources, and wpack.json. */
export async function makeProject(dir: string, options: ProjectOptions = {}): Promise<string> {
  const fixtures = await buildFixtures();
  const fixture = options.fixture ?? 'cli-command';
  await mkdir(join(dir, 'build'), { recursive: true });
  await copyFile(fixtures[fixture], join(dir, 'build', 'app.wasm'));
  const resources = Object.entries(options.resources ?? {});
  for (const [path, data] of resources) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), data);
  }
  const manifest = {
    name: 'acme:app',
    version: '1.2.0',
    component: 'build/app.wasm',
    capabilities: options.capabilities ?? ['stdio:stdout'],
    resources: resources.map(([path]) => ({ path })),
    ...options.extra,
  };
  await writeFile(join(dir, 'wpack.json'), JSON.stringify(manifest, null, 2));
  return dir;
}
