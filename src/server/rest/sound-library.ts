// The sounds a REST request may name: WAV files inside one folder (PARLEY_SOUNDS_DIR). A request names a file
// relative to it; anything that would leave the folder (`..`, an absolute path, a symbolic link out) is
// refused, so that the REST API cannot be used to read other files of the server. A file is read and checked
// (RIFF/WAVE, PCM 16-bit) when a request names it, so that a bad one is a 400 and not a silent call.
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseWav } from '../../media/index.js';
import { RestError } from './errors.js';
import type { Sound } from './schemas.js';

/** A sound is an announcement, not an album: minutes of 8-48 kHz PCM at most. */
export const MAX_SOUND_BYTES = 32 * 1024 * 1024;

export interface LoadedSound {
  file: string;
  wav: Uint8Array;
  loop: boolean;
}

export class SoundLibrary {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = resolve(dir);
  }

  /** The file's real path, or a 400 naming `field` when it is not a readable file inside the folder. */
  async resolve(sound: Sound, field: string): Promise<string> {
    const problem = (message: string) => new RestError('REST_INVALID_BODY', `${field}: ${message}`, { field });
    const candidate = resolve(this.#dir, sound.file);
    if (!inside(this.#dir, candidate)) throw problem('must name a file inside the sounds folder');
    let real: string;
    let dir: string;
    try {
      [real, dir] = await Promise.all([realpath(candidate), realpath(this.#dir)]);
    } catch (e) {
      throw new RestError(
        'REST_INVALID_BODY',
        `${field}: no file ${sound.file} in the sounds folder (PARLEY_SOUNDS_DIR)`,
        { field, cause: e },
      );
    }
    const info = await stat(real);
    // A symbolic link inside the folder must not lead out of it.
    if (!inside(dir, real) || !info.isFile()) throw problem('must name a file inside the sounds folder');
    if (info.size > MAX_SOUND_BYTES) throw problem(`larger than ${MAX_SOUND_BYTES} bytes`);
    return real;
  }

  /** The file's bytes, checked to be a WAV the media plane can play. */
  async load(sound: Sound, field: string): Promise<LoadedSound> {
    const path = await this.resolve(sound, field);
    const wav = new Uint8Array(await readFile(path));
    const parsed = parseWav(wav);
    if (!parsed.ok) {
      throw new RestError('REST_INVALID_BODY', `${field}: ${parsed.reason} (${parsed.code})`, { field });
    }
    return { file: sound.file, wav, loop: sound.loop ?? false };
  }
}

function inside(dir: string, path: string): boolean {
  const r = relative(dir, path);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r);
}
