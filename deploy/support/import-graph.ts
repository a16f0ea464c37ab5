/**
 * The modules a part's process entry reaches, walked from `<part>/src/main.ts` through relative
 * imports. The production image compiles `src/` alone (rootDir) and installs only the part's
 * `dependencies`, so a relative import leaving `src/`, or a package that only the repository
 * root provides in development (vitest, tsx, a dev dependency), breaks the image while `npm
 * start` keeps working. Type-only imports are erased by tsc and ignored here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportGraph {
  /** Files reached, relative to the part's directory. */
  files: string[];
  /** Bare specifiers' package names (`@scope/name` or `name`), Node built-ins excluded. */
  packages: string[];
  /** Relative imports that resolve outside `<part>/src` or to no file. */
  escapes: string[];
}

const SPECIFIER =
  /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

export function importGraph(partDir: string, entry = 'src/main.ts'): ImportGraph {
  const src = join(partDir, 'src');
  const seen = new Set<string>();
  const packages = new Set<string>();
  const escapes: string[] = [];
  const queue = [join(partDir, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(SPECIFIER)) {
      if (m[1]) continue; // import type / export type
      const spec = (m[2] ?? m[3])!;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        const rel = relative(src, target);
        if (rel.startsWith('..') || !existsSync(target)) {
          escapes.push(`${relative(partDir, file)} -> ${spec}`);
        } else queue.push(target);
      } else if (!spec.startsWith('node:') && !builtinModules.includes(packageName(spec))) {
        packages.add(packageName(spec));
      }
    }
  }
  return {
    files: [...seen].map((f) => relative(partDir, f)).sort(),
    packages: [...packages].sort(),
    escapes,
  };
}
