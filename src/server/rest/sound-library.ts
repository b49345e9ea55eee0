// The sounds a REST request may name: WAV files inside one folder (PARLEY_SOUNDS_DIR). A request names a file
// relative to it; anything that would leave the folder (`..`, an absolute path, a symbolic link out) is
// refused, so that the REST API cannot be used to read other files of the server.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { RestError } from './errors.js';
import type { Sound } from './schemas.js';

export class SoundLibrary {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = resolve(dir);
  }

  get dir(): string {
    return this.#dir;
  }

  /** The file's real path, or a 400 naming `field` when it is not a file inside the folder. */
  resolve(sound: Sound, field: string): { path: string; loop: boolean } {
    const problem = (message: string) => new RestError('REST_INVALID_BODY', `${field}: ${message}`, { field });
    const candidate = resolve(this.#dir, sound.file);
    if (!inside(this.#dir, candidate)) return fail(problem('must name a file inside the sounds folder'));
    if (!existsSync(candidate) || !existsSync(this.#dir)) {
      return fail(problem(`no file ${sound.file} in the sounds folder (PARLEY_SOUNDS_DIR)`));
    }
    const real = realpathSync(candidate);
    if (!inside(realpathSync(this.#dir), real) || !statSync(real).isFile()) {
      return fail(problem('must name a file inside the sounds folder'));
    }
    return { path: real, loop: sound.loop ?? false };
  }
}

function inside(dir: string, path: string): boolean {
  const r = relative(dir, path);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r);
}

function fail(e: RestError): never {
  throw e;
}
