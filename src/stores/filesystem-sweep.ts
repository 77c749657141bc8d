import { opendir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { TEMP_PREFIX } from './keys.js';

/**
 * Removes the temp files that puts interrupted by a crash left behind, anywhere under the
 * FilesystemStore root. Only files older than `olderThanMs` go, so uploads still being
 * written (by this or another replica sharing the root) are never touched.
 */
export async function sweepTempFiles(root: string, olderThanMs: number, now = Date.now()): Promise<{ removed: string[] }> {
  const removed: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await opendir(dir);
    } catch (err) {
      // The root may not exist yet; a directory may vanish while we walk.
      if ((err as { code?: unknown }).code === 'ENOENT') return;
      throw err;
    }
    for await (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && entry.name.startsWith(TEMP_PREFIX)) {
        const info = await stat(full).catch(() => undefined);
        if (info && now - info.mtimeMs >= olderThanMs) {
          await rm(full, { force: true });
          removed.push(full);
        }
      }
    }
  };
  await walk(root);
  return { removed };
}
